"""Our .hwh against a real Vivado .hwh of the same processing system (the base overlay's, from
pynq's sdist: the Pynq-Z2's PS7, the ZCU104's PS8, which stands for the KV260's too), both parsed
by that pynq's own parser in the board's Python: every element and attribute that parser reads
from Vivado's file, for the parts of the block design ours has too, is in ours; and pynq builds
the same ip_dict from ours for every board. Under pynq 3.0.1 always; under 3.1.2 (its own
base.hwh, pynqmetadata and metadata parser) where its board environment has been built
(python -m flow.board pynq-env --pynq 3.1.2: a 63 MB sdist, kept out of CI)."""

import json
import subprocess
import tarfile

import pytest

from flow.board.hwh import DMA, PS_IP
from flow.board.pynq_env import DEFAULT_PYNQ, PYNQ_VERSIONS, env_dir, pynq_python, sdist_pin
from flow.board.spec import known_boards, load_board

READS = __file__.replace("test_hwh_pynq3.py", "hwh_reads.py")
BASE_HWH = {"ps7": "boards/Pynq-Z2/base/base.hwh", "ps8": "boards/ZCU104/base/base.hwh"}
# the parameters pynq reads from the PS's ip_dict entry: its PL clocks (pynqmetadata's clock_dict)
# and, on a PS8, the port widths it sets at download
PS_PARAMETERS = {
    "ps7": {"PCW_FCLK0_PERIPHERAL_DIVISOR0", "PCW_FCLK0_PERIPHERAL_DIVISOR1", "PCW_FPGA_FCLK0_ENABLE",
            "PCW_FCLK0_PERIPHERAL_CLKSRC"},
    "ps8": {"PSU__CRL_APB__PL0_REF_CTRL__DIVISOR0", "PSU__CRL_APB__PL0_REF_CTRL__DIVISOR1",
            "PSU__FPGA_PL0_ENABLE", "PSU__CRL_APB__PL0_REF_CTRL__SRCSEL", "C_MAXIGP0_DATA_WIDTH",
            "C_SAXIGP2_DATA_WIDTH"},
}
# the parameters pynq's DMA driver (lib/dma.py) reads
DMA_PARAMETERS = {"c_include_sg", "c_sg_length_width", "c_include_mm2s", "c_include_s2mm", "c_m_axi_mm2s_data_width",
                  "c_m_axi_s2mm_data_width", "c_mm2s_burst_size", "c_s2mm_burst_size"}


def ours(build) -> str:
    facts = json.loads((build / "deploy" / "design.json").read_text())
    return str(build / "deploy" / f"{facts['name']}.hwh")


@pytest.fixture(scope="module", params=[(v, b) for v in PYNQ_VERSIONS for b in known_boards()],
                ids=lambda case: "-".join(case))
def reads(request, small_build, board_build, tmp_path_factory):
    """(the real .hwh's reads, ours for the board, ours for the PYNQ-Z2, the board), as pynq parses them."""
    version, name = request.param
    if version != DEFAULT_PYNQ and not (env_dir(version) / ".installed").is_file():
        pytest.skip(f"no pynq {version} board environment (python -m flow.board pynq-env --pynq {version})")
    board = load_board(name)
    python = pynq_python(version)
    sdist, _ = sdist_pin(version)
    with tarfile.open(env_dir(version) / "sdist" / sdist) as tar:
        base = tmp_path_factory.mktemp("vivado") / "base.hwh"
        member = f"{sdist.removesuffix('.tar.gz')}/{BASE_HWH[board.processing_system]}"
        base.write_bytes(tar.extractfile(member).read())
    files = [str(base), ours(small_build if name == "pynq_z2" else board_build(name)), ours(small_build)]
    proc = subprocess.run([str(python), "-W", "ignore", READS, *files], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    return (*(out[f] for f in files), board)


def shared_paths(base, ours):
    """Element paths pynq reads in Vivado's file under the kinds of module ours has, and outside
    modules; external ports and interfaces (the base overlay's board pins) aside: ours has none."""
    kinds = {p.split("/")[2] for p in ours["any"] if p.startswith("EDKSYSTEM/MODULES/MODULE[")}
    paths = {r.split("@")[0] for r in base["reads"]}
    return {p for p in paths if not p.startswith("EDKSYSTEM/EXTERNAL")
            and (not p.startswith("EDKSYSTEM/MODULES/") or p.split("/")[2] in kinds)}


def test_the_real_hwh_has_what_ours_is_compared_on(reads):
    base, ours, _, board = reads
    ps = f"EDKSYSTEM/MODULES/MODULE[{PS_IP[board.processing_system]['modtype']}]"
    assert ps in shared_paths(base, ours)
    assert len(base["reads"]) > 500 and len(base["ip_dict"]) > 15   # the base overlay, parsed


def test_ours_has_every_element_pynq_reads(reads):
    base, ours, _, _ = reads
    assert sorted(shared_paths(base, ours) - set(ours["any"])) == []


def test_ours_has_every_attribute_pynq_reads(reads):
    """Attributes Vivado writes on every element at a path (so not optional there) and pynq reads."""
    base, ours, _, _ = reads
    shared = shared_paths(base, ours)
    required = [r for r in base["reads"] if r.split("@")[0] in shared
                and r.split("@")[1] in base["always"][r.split("@")[0]]]
    assert len(required) > 20
    assert [r for r in required if r.split("@")[1] not in ours["any"].get(r.split("@")[0], [])] == []


def test_pynq_reads_the_parameters_vivado_writes(reads):
    """The PS's and the DMA's parameters pynq reads are in Vivado's entry of that IP (where the base
    overlay has one) and in ours."""
    base, ours, _, board = reads
    by_type = {d["type"].rsplit(":", 1)[0]: d for d in base["ip_dict"].values()}
    for name, wanted in ((PS_IP[board.processing_system]["instance"], PS_PARAMETERS[board.processing_system]),
                         (DMA, DMA_PARAMETERS)):
        entry = ours["ip_dict"][name]
        assert wanted <= set(entry["parameters"]), name
        vivado = by_type.get(entry["type"].rsplit(":", 1)[0])
        assert vivado is not None or name == DMA, name   # the ZCU104's base overlay has no AXI DMA
        assert vivado is None or wanted <= set(vivado["parameters"]), name


def test_pynq_builds_the_same_ip_dict_for_every_board(reads):
    _, ours, z2, board = reads
    assert set(ours["ip_dict"]) == {PS_IP[board.processing_system]["instance"], DMA, "accelerator"}
    for name in (DMA, "accelerator"):
        assert ours["ip_dict"][name] == z2["ip_dict"][name]
    assert ours["clock_dict"] == z2["clock_dict"]

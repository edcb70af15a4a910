"""Our .hwh against a real Vivado PYNQ-Z2 .hwh (the base overlay's, from pynq's sdist), both
parsed by that pynq's own parser in the board's Python: every element and attribute that parser
reads from Vivado's file, for the parts of the block design ours has too, is in ours. Under pynq
3.0.1 always; under 3.1.2 (its own base.hwh, pynqmetadata and metadata parser) where its board
environment has been built (python -m flow.board pynq-env --pynq 3.1.2: a 63 MB sdist, kept out of CI)."""

import json
import subprocess
import tarfile

import pytest

from flow.board.pynq_env import DEFAULT_PYNQ, PYNQ_VERSIONS, env_dir, pynq_python, sdist_pin

READS = __file__.replace("test_hwh_pynq3.py", "hwh_reads.py")
BASE_HWH = "boards/Pynq-Z2/base/base.hwh"


@pytest.fixture(scope="module", params=PYNQ_VERSIONS)
def reads(request, small_build, tmp_path_factory):
    version = request.param
    if version != DEFAULT_PYNQ and not (env_dir(version) / ".installed").is_file():
        pytest.skip(f"no pynq {version} board environment (python -m flow.board pynq-env --pynq {version})")
    python = pynq_python(version)
    name, _ = sdist_pin(version)
    with tarfile.open(env_dir(version) / "sdist" / name) as tar:
        base = tmp_path_factory.mktemp("vivado") / "base.hwh"
        base.write_bytes(tar.extractfile(f"{name.removesuffix('.tar.gz')}/{BASE_HWH}").read())
    facts = json.loads((small_build / "deploy" / "design.json").read_text())
    ours = small_build / "deploy" / f"{facts['name']}.hwh"
    proc = subprocess.run([str(python), "-W", "ignore", READS, str(base), str(ours)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    return out[str(base)], out[str(ours)]


def shared_paths(base, ours):
    """Element paths pynq reads in Vivado's file under the kinds of module ours has, and outside
    modules; external ports and interfaces (the base overlay's board pins) aside: ours has none."""
    kinds = {p.split("/")[2] for p in ours["any"] if p.startswith("EDKSYSTEM/MODULES/MODULE[")}
    paths = {r.split("@")[0] for r in base["reads"]}
    return {p for p in paths if not p.startswith("EDKSYSTEM/EXTERNAL")
            and (not p.startswith("EDKSYSTEM/MODULES/") or p.split("/")[2] in kinds)}


def test_the_real_hwh_has_what_ours_is_compared_on(reads):
    base, ours = reads
    assert {"EDKSYSTEM/MODULES/MODULE[processing_system7]", "EDKSYSTEM/MODULES/MODULE[axi_dma]"} <= \
        shared_paths(base, ours)
    assert len(base["reads"]) > 500 and len(base["ip_dict"]) > 20   # the base overlay, parsed


def test_ours_has_every_element_pynq_reads(reads):
    base, ours = reads
    assert sorted(shared_paths(base, ours) - set(ours["any"])) == []


def test_ours_has_every_attribute_pynq_reads(reads):
    """Attributes Vivado writes on every element at a path (so not optional there) and pynq reads."""
    base, ours = reads
    shared = shared_paths(base, ours)
    required = [r for r in base["reads"] if r.split("@")[0] in shared
                and r.split("@")[1] in base["always"][r.split("@")[0]]]
    assert len(required) > 50
    assert [r for r in required if r.split("@")[1] not in ours["any"].get(r.split("@")[0], [])] == []


def test_pynq_builds_the_same_ip_entries(reads):
    base, ours = reads
    by_type = {d["type"].rsplit(":", 1)[0]: d for d in base["ip_dict"].values()}
    for name in ("processing_system7_0", "axi_dma_0"):
        entry = ours["ip_dict"][name]
        vivado = by_type[entry["type"].rsplit(":", 1)[0]]
        # the parameters pynq's DMA driver (lib/dma.py) and its PL clocks read
        wanted = {"c_include_sg", "c_sg_length_width", "c_include_mm2s", "c_include_s2mm",
                  "c_m_axi_mm2s_data_width", "c_m_axi_s2mm_data_width", "c_mm2s_burst_size",
                  "c_s2mm_burst_size"} if "dma" in name else {
            "PCW_FCLK0_PERIPHERAL_DIVISOR0", "PCW_FCLK0_PERIPHERAL_DIVISOR1", "PCW_FPGA_FCLK0_ENABLE",
            "PCW_FCLK0_PERIPHERAL_CLKSRC"}   # pynqmetadata's Zynq PS7 clocks
        assert wanted <= set(vivado["parameters"]) and wanted <= set(entry["parameters"]), name

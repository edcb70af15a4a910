"""The deploy/ driver, run by an unmodified pynq 3.0.1 on the emulated board (and pynq 3.1.2 where
its board environment has been built), and the board's parts."""

import dataclasses
import json
import shutil
import subprocess

import numpy as np
import pytest

from flow.board.bitstream import emulated_bit
from flow.board.emulator import dma
from flow.board.emulator.memory import DDR
from flow.board.emulator.zynq_linux import LOADED_XCLBIN, ZynqLinux
from flow.board.l6 import run_driver_on_emulated_board, run_on_emulated_board
from flow.board.pynq_env import DEFAULT_PYNQ, PYNQ_VERSIONS, env_dir, pynq_python
from flow.board.spec import load_board

DRIVER_ERRORS = """
import json, sys
import numpy as np
from deploy.driver import QNNOverlay, DeployError
accel = QNNOverlay(".", max_batch=4)
x = np.load("reference.npz")["core_in"]
cases = {"shape": x[:, :, :-1], "dtype": x.astype(str), "range": x * 1000,
         "fraction": x + 0.5, "batch": x[:5]}
errors = {}
for name, bad in cases.items():
    try:
        accel.run(bad)
        errors[name] = None
    except DeployError as err:
        errors[name] = str(err)
errors["ok"] = accel.run(x[:4]).tolist() == np.load("reference.npz")["core_out"][:4].tolist()
import tempfile
empty = tempfile.mkdtemp() + "/empty.npz"   # a reference of no frames shows nothing
np.savez(empty, core_in=x[:0], core_out=np.load("reference.npz")["core_out"][:0])
try:
    errors["empty"] = accel.validate(empty)["equal"]
except DeployError as err:
    errors["empty"] = str(err)
print(json.dumps(errors))
"""


def run_driver(build_dir, code, **kwargs):
    """code in build_dir/deploy, on the emulated board (the process and the board)."""
    return run_on_emulated_board(build_dir, ["-c", code], timeout_s=300, **kwargs)


def test_l6_equals_l2_and_the_counter_is_the_rtls(small_build):
    report = json.loads((small_build / "report.json").read_text())
    level = report["verification"]["L2_L6"]
    assert (level["inputs"], level["mismatches"], level["max_difference"], level["passed"]) == (6, 0, 0.0, True)
    runs = report["board_run"]["throughput"]
    assert [r["batch"] for r in runs] == [1, 2, 4]
    # a batch of one frame takes its latency (the PL is not reset between transfers, so this is the
    # latency of a design that already ran batches: up to a frame interval above rtlsim's, which
    # starts from reset); more frames approach the rtlsim cycles per frame
    rtlsim = json.loads((small_build / "sim" / "rtlsim.json").read_text())["throughput_run"]
    assert runs[0]["cycles"] <= rtlsim["latency_cycles"] + rtlsim["cycles_per_frame"]
    assert runs[-1]["cycles_per_frame"] <= rtlsim["cycles_per_frame"]
    assert report["vivado"]["checks"]["tcl"]["passed"] and not report["vivado"]["run"]


@pytest.mark.parametrize("pynq", [v for v in PYNQ_VERSIONS if v != DEFAULT_PYNQ])
def test_l6_under_the_other_pynq(small_build, tmp_path, pynq):
    """L6 under pynq 3.1.2 (pyxrt's buffers, its state file names): equal, with the same cycles."""
    if not (env_dir(pynq) / ".installed").is_file():
        pytest.skip(f"no pynq {pynq} board environment (python -m flow.board pynq-env --pynq {pynq})")
    result = run_driver_on_emulated_board(small_build, pynq=pynq, max_batch=4, outputs=tmp_path / "out.npy",
                                          timeout_s=300)
    assert result["pynq"] == pynq and result["L2_L6"]["equal"] and result["L2_L6"]["inputs"] == 6
    default = json.loads((small_build / "report.json").read_text())["board_run"]["throughput"]
    assert [r["cycles"] for r in result["throughput"]] == [r["cycles"] for r in default]
    assert not (small_build / "deploy" / LOADED_XCLBIN).exists()   # pynq 3.1 wrote it there


def test_driver_names_what_is_wrong(small_build):
    proc, _ = run_driver(small_build, DRIVER_ERRORS)
    assert proc.returncode == 0, proc.stderr[-2000:]
    errors = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "the accelerator takes (N, 3, 8, 8)" in errors["shape"]
    assert "dtype <U" in errors["dtype"]
    assert "outside INT8 [-128, 127]" in errors["range"]
    assert "non-integer" in errors["fraction"]
    assert "batch of 5 frames does not fit the DMA buffers of 4" in errors["batch"]
    assert errors["ok"]
    assert errors["empty"] is not True   # refused, or not equal: never a pass over no frames


def test_missing_overlay_unknown_and_emulated_bitstream(small_build, tmp_path):
    build = tmp_path / "build"
    shutil.copytree(small_build / "deploy", build / "deploy")
    shutil.copytree(small_build / "vivado" / "src", build / "vivado" / "src")
    deploy = build / "deploy"
    name = json.loads((deploy / "design.json").read_text())["bitfile"]
    code = "from deploy.driver import QNNOverlay\nQNNOverlay('.')"
    # the emulator's stand-in .bit on a board whose device tree is a real PYNQ-Z2's
    refused, _ = run_driver(build, code, says_emulated=False)
    assert "DeployError" in refused.stderr and "stand-in bitstream" in refused.stderr
    assert "run the build's Vivado project" in refused.stderr
    (deploy / name).rename(deploy / "elsewhere.bit")
    missing, _ = run_driver(build, code)
    assert f"overlay file {name} is missing" in missing.stderr
    (deploy / name).write_bytes(emulated_bit("other", "xc7z020clg400-1", {"build": "other", "rtl_digest": "0" * 64}))
    unknown, board = run_driver(build, code)
    assert unknown.returncode != 0   # fpga_manager's write fails; the board says why (its log)
    assert any("is build 'other'" in e and "does not serve" in e for e in board.errors)


def running_dma(board: str, ddr_base: int = 0) -> tuple[DDR, dma.AxiDma]:
    """The board's AXI DMA (its length and address widths), both channels running, over 1 MiB of
    DDR at ddr_base."""
    ddr = DDR(ddr_base, 1 << 20, ddr_base + (1 << 19), 1 << 19)
    facts = load_board(board).data["dma"]
    engine = dma.AxiDma(ddr, facts["length_width"], facts["addr_width"])
    for base in (0, dma.S2MM):
        engine.write(base + dma.DMACR, dma.RUN)
    return ddr, engine


@pytest.fixture
def channel_pair():
    return running_dma("pynq_z2")


def test_dma_registers_report_errors_as_pg021_does(channel_pair):
    ddr, engine = channel_pair
    assert engine.read(dma.DMASR) & dma.HALTED == 0
    src = ddr.allocate(64)
    engine.write(dma.ADDR, src)
    engine.write(dma.LENGTH, 64)
    engine.write(dma.S2MM + dma.ADDR, 0x7FFFFFF0)      # not DDR
    engine.write(dma.S2MM + dma.LENGTH, 64)
    assert engine.read(dma.S2MM + dma.DMASR) & dma.DEC_ERR
    engine.write(dma.S2MM + dma.DMACR, dma.RESET)
    assert engine.read(dma.S2MM + dma.DMASR) == dma.HALTED
    engine.write(dma.S2MM + dma.LENGTH, 64)            # a halted channel ignores LENGTH
    assert not engine.s2mm.armed
    engine.write(dma.S2MM + dma.DMACR, dma.RUN)
    engine.write(dma.S2MM + dma.ADDR, ddr.allocate(64))
    engine.write(dma.S2MM + dma.LENGTH, 64)
    assert engine.read(dma.DMASR) & dma.SLV_ERR       # no bitstream: nothing drives the stream
    assert "no bitstream is loaded" in engine.log[-1]


class HalvingAccelerator:
    """Stands in for the PL's Accelerator (its process() contract) in the DMA's register tests: a
    batch of 3 frames of 8 bytes, each frame's output its first 4 bytes, TLAST after the batch's
    last (or, each_frame, after every frame's); a frame of 0xFF fails."""

    def __init__(self, each_frame: bool = False):
        self.frames_left, self.each_frame = 3, each_frame

    def process(self, data: bytes) -> tuple[bytes, list[int]]:
        frames = [data[i:i + 8] for i in range(0, len(data), 8)]
        if any(f == b"\xff" * 8 for f in frames):
            raise dma.AcceleratorError("the design stopped")
        self.frames_left -= len(frames)
        out = b"".join(f[:4] for f in frames)
        if self.each_frame:
            return out, list(range(4, len(out) + 1, 4))
        return out, [len(out)] if self.frames_left == 0 else []


def test_dma_takes_a_batch_in_parts_and_s2mm_ends_at_tlast(channel_pair):
    ddr, engine = channel_pair
    engine.accelerator = HalvingAccelerator()
    src, dst = ddr.allocate(24), ddr.allocate(12)
    ddr.write(src, bytes(range(24)))
    engine.write(dma.S2MM + dma.ADDR, dst)
    engine.write(dma.S2MM + dma.LENGTH, 12)
    for first, frames, s2mm_done in ((0, 1, False), (1, 2, True)):   # frame 0, then frames 1 and 2
        engine.write(dma.ADDR, src + 8 * first)
        engine.write(dma.LENGTH, 8 * frames)
        assert engine.read(dma.DMASR) & (dma.IDLE | dma.IOC) == dma.IDLE | dma.IOC
        assert bool(engine.read(dma.S2MM + dma.DMASR) & dma.IDLE) == s2mm_done
    assert engine.read(dma.S2MM + dma.LENGTH) == 12
    assert ddr.read(dst, 12) == bytes([0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19])


def test_s2mm_ends_at_each_frames_tlast_and_the_rest_waits_for_the_next_transfer(channel_pair):
    ddr, engine = channel_pair
    engine.accelerator = HalvingAccelerator(each_frame=True)
    src, dst = ddr.allocate(24), ddr.allocate(64)
    ddr.write(src, bytes(range(24)))
    engine.write(dma.S2MM + dma.ADDR, dst)
    engine.write(dma.S2MM + dma.LENGTH, 16)             # room for more: TLAST ends it at 4 bytes
    engine.write(dma.ADDR, src)
    engine.write(dma.LENGTH, 24)                        # all 3 frames in one MM2S transfer
    assert engine.read(dma.DMASR) & dma.IOC
    for k in range(2):   # frames 0 and 1, each its own transfer; frame 2's too short for it
        assert engine.read(dma.S2MM + dma.DMASR) & (dma.IDLE | dma.IOC) == dma.IDLE | dma.IOC
        assert engine.read(dma.S2MM + dma.LENGTH) == 4
        assert ddr.read(dst + 16 * k, 4) == bytes(range(8 * k, 8 * k + 4))
        engine.write(dma.S2MM + dma.DMASR, dma.IOC)
        engine.write(dma.S2MM + dma.ADDR, dst + 16 * (k + 1))
        engine.write(dma.S2MM + dma.LENGTH, 16 if k == 0 else 2)
    assert engine.read(dma.S2MM + dma.DMASR) & dma.INT_ERR
    assert engine.log[-1] == "S2MM: the stream carried 4 bytes up to TLAST, S2MM_LENGTH allowed 2"


def test_an_accelerator_error_stops_both_channels(channel_pair):
    """A driver waiting on either channel hears it (pynq polls one channel's status)."""
    ddr, engine = channel_pair
    engine.accelerator = HalvingAccelerator()
    src = ddr.allocate(8)
    ddr.write(src, b"\xff" * 8)
    engine.write(dma.S2MM + dma.ADDR, ddr.allocate(12))
    engine.write(dma.S2MM + dma.LENGTH, 12)
    engine.write(dma.ADDR, src)
    engine.write(dma.LENGTH, 8)
    for base in (0, dma.S2MM):
        assert engine.read(base + dma.DMASR) & (dma.INT_ERR | dma.HALTED) == dma.INT_ERR | dma.HALTED
    assert engine.log[-2:] == ["MM2S: the design stopped", "S2MM: the design stopped"]


def test_a_64_bit_dma_reaches_ddr_above_4_gib_through_the_msb_registers():
    ddr, engine = running_dma("zcu104", ddr_base=1 << 32)
    engine.accelerator = HalvingAccelerator()
    src, dst = ddr.allocate(24), ddr.allocate(12)
    ddr.write(src, bytes(range(24)))
    for base, address in ((dma.S2MM, dst), (0, src)):
        engine.write(base + dma.ADDR, address & 0xFFFFFFFF)
        engine.write(base + dma.ADDR_MSB, address >> 32)
    engine.write(dma.S2MM + dma.LENGTH, 12)
    engine.write(dma.LENGTH, 24)
    assert engine.read(dma.S2MM + dma.ADDR_MSB) == 1 and engine.read(dma.S2MM + dma.DMASR) & dma.IOC
    assert ddr.read(dst, 12) == bytes([0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19])


def test_a_32_bit_dma_refuses_an_address_above_4_gib(channel_pair):
    """The PYNQ-Z2's DMA (c_addr_width 32): its MSB registers are reserved, so a driver that writes
    one would have the board's DMA move another buffer than it meant."""
    ddr, engine = channel_pair
    engine.accelerator = HalvingAccelerator()
    src = ddr.allocate(8)
    engine.write(dma.S2MM + dma.ADDR, ddr.allocate(4))
    engine.write(dma.S2MM + dma.LENGTH, 4)
    engine.write(dma.ADDR, src)
    engine.write(dma.ADDR_MSB, 1)
    engine.write(dma.LENGTH, 8)
    assert engine.read(dma.DMASR) & (dma.INT_ERR | dma.HALTED) == dma.INT_ERR | dma.HALTED
    assert engine.log[-1] == (f"MM2S: address 0x{(1 << 32) + src:x} has bits above the DMA's 32-bit "
                              "addresses (its MSB register is reserved)")


def run_driver_code(board, build, code, workdir):
    """code in build/deploy under pynq 3.0.1, on an emulated `board` (a Board, which a test may
    alter) that runs the build: the process and the board."""
    python = pynq_python()
    with ZynqLinux(board, [build], workdir) as linux:
        env = linux.env(python)
        env["PYTHONPATH"] = f"{build / 'deploy'}:{env['PYTHONPATH']}"
        proc = subprocess.run([str(python), "-c", code], cwd=build / "deploy", env=env,
                              capture_output=True, text=True, timeout=300, check=False)
    return proc, linux


HIGH_DDR_RUN = """
import numpy as np
from deploy.driver import QNNOverlay
accel = QNNOverlay(".", max_batch=2)
reference = np.load("reference.npz")
print(accel.in_buffer.physical_address, accel.out_buffer.physical_address,
      accel.run(reference["core_in"]).tolist() == reference["core_out"].tolist())
"""


def test_the_driver_runs_from_ddr_above_4_gib(board_build, tmp_path):
    """A ZCU104 whose DDR and CMA lie above 4 GiB (as the KV260's upper 2 GiB do, at 0x8_0000_0000):
    pynq's buffers get 64-bit physical addresses from the board's XRT, and its DMA driver writes
    their upper words into MM2S_SA_MSB and S2MM_DA_MSB, which the emulated DMA follows."""
    board = load_board("zcu104")
    high = {"base": "0x800000000", "size": "0x20000000", "cma_base": "0x800000000", "cma_size": "0x20000000"}
    board = dataclasses.replace(board, data={**board.data, "ddr": high})
    proc, linux = run_driver_code(board, board_build("zcu104"), HIGH_DDR_RUN, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:] + str(linux.errors[-3:])
    source, destination, equal = proc.stdout.split()
    assert int(source) >> 32 == int(destination) >> 32 == 8 and equal == "True"
    dma_base = board.address("axi_dma_0")
    msb_writes = {(a - dma_base, v) for op, a, v in linux.bus if op == "write" and a - dma_base in (0x1C, 0x4C)}
    assert msb_writes == {(0x1C, 8), (0x4C, 8)}


NARROW_HP0 = """
import numpy as np
from pynq import Register
from deploy.driver import QNNOverlay
accel = QNNOverlay(".", max_batch=2)
Register(0xFD380000)[1:0] = 1   # AFIFM2 RDCTRL: S_AXI_HP0_FPD reads 64 bits wide
accel.run(np.load("reference.npz")["core_in"])
"""


def test_the_pl_is_not_reached_through_a_port_of_another_width(board_build, tmp_path):
    """pynq set the PS8's port widths from the .hwh at download; one changed after it is refused."""
    proc, linux = run_driver_code(load_board("zcu104"), board_build("zcu104"), NARROW_HP0, tmp_path)
    assert proc.returncode != 0
    assert ("S_AXI_HP0_FPD read is set to 64 bits, the design's side to 128" in linux.errors[-1]
            and "C_SAXIGP2_DATA_WIDTH" in linux.errors[-1])


def test_ddr_allocator_reuses_freed_blocks():
    ddr = DDR(0, 1 << 20, 1 << 16, 3 * 4096)
    a, b = ddr.allocate(10), ddr.allocate(4096)
    assert (a, b) == (1 << 16, (1 << 16) + 4096)
    ddr.free(a)
    assert ddr.allocate(100) == a
    ddr.allocate(4096)
    with pytest.raises(RuntimeError, match="out of contiguous memory"):
        ddr.allocate(1)
    ddr.write(b, bytes(range(8)))
    assert np.frombuffer(ddr.read(b, 8), np.uint8).tolist() == list(range(8))

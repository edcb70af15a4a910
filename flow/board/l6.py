"""L6 through the emulated board: the build's shipped driver (deploy/deploy/) in a process of its
own, with an unmodified pynq of the board's image (3.0.1 by default; 3.1.2, the v3.1 line's, on
request, for a board whose image runs it: hw/boards/*.json pynq_versions) in the board's Python
environment (flow/board/pynq_env.py), over the board's emulated Linux and XRT
(flow/board/emulator/zynq_linux.py); and the host-only packages blocked (board_python.py)."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

from flow import verdict
from flow.board.emulator.zynq_linux import ZynqLinux, leaving_no_xclbin
from flow.board.facts import read_facts
from flow.board.package import step_package
from flow.board.pynq_env import DEFAULT_PYNQ, PynqEnvError, pynq_python
from flow.board.spec import Board, load_board
from flow.config import BUILD_DESIGN, DesignFiles
from flow.step import Step

BOARD_PYTHON = Path(__file__).with_name("board_python.py")   # Python with only an image's packages
MAX_BATCH = 128   # the driver's DMA buffers, in frames: the largest throughput batch
L6_OUTPUTS = "l6_outputs.npy"


def board_python(board: Board, pynq: str = DEFAULT_PYNQ) -> Path:
    """The board's Python with pynq `pynq`, a version the board's images run."""
    if pynq not in board.pynq_versions:
        raise PynqEnvError(f"pynq {pynq}: the {board.name} images run pynq {', '.join(board.pynq_versions)} "
                           f"(hw/boards/{board.name}.json, pynq_versions), and L6 runs the driver under those")
    return pynq_python(pynq)


def run_on_emulated_board(build_dir: Path, args: list[str], board_name: str | None = None,
                          pynq: str = DEFAULT_PYNQ, timeout_s: float = 3600,
                          says_emulated: bool = True) -> tuple[subprocess.CompletedProcess, ZynqLinux]:
    """`python board_python.py ARGS` in build_dir/deploy, on an emulated board (the build's own by
    default) that runs the build; returns the process and the board (its DMA log and what it
    refused). says_emulated=False: the board's device tree is a real board's (ZynqLinux)."""
    deploy = Path(build_dir).resolve() / "deploy"
    board = load_board(board_name or read_facts(build_dir)["board"])
    python = board_python(board, pynq)
    with tempfile.TemporaryDirectory(prefix="board-") as root, leaving_no_xclbin(deploy), \
            ZynqLinux(board, [Path(build_dir)], Path(root), says_emulated) as linux:
        env = linux.env(python)
        env["PYTHONPATH"] = f"{deploy}:{env['PYTHONPATH']}"
        proc = subprocess.run([str(python), str(BOARD_PYTHON), *args], cwd=deploy, env=env,
                              capture_output=True, text=True, timeout=timeout_s, check=False)
    return proc, linux


def run_driver_on_emulated_board(build_dir: Path, board_name: str | None = None, timeout_s: float = 3600,
                                 max_batch: int = MAX_BATCH, pynq: str = DEFAULT_PYNQ,
                                 outputs: Path | None = None) -> dict:
    """`python -m deploy.validate` of build_dir/deploy on the emulated board; the board's outputs
    go to `outputs` (default: build_dir/board/l6_outputs.npy)."""
    result_file = Path(build_dir).resolve() / "deploy" / "validate.json"
    outputs = Path(outputs or Path(build_dir) / "board" / L6_OUTPUTS).resolve()
    outputs.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    proc, linux = run_on_emulated_board(build_dir, ["-m", "deploy.validate", ".", "--out", result_file.name,
                                                    "--outputs", str(outputs), "--max-batch", str(max_batch)],
                                        board_name, pynq, timeout_s)
    if not result_file.exists():
        raise RuntimeError(f"the driver failed on the emulated board ({proc.returncode}):\n"
                           f"{proc.stderr[-3000:]}\nboard: {linux.errors[-3:]}\nDMA log: {linux.state.dma.log[-5:]}")
    result = json.loads(result_file.read_text())
    result_file.unlink()
    result["board"] = f"emulated {linux.state.board.name}, pynq {pynq} over the board's emulated Linux and XRT (flow/board/emulator)"
    result["pynq"] = pynq
    result["seconds"] = time.perf_counter() - started
    result["dma_log"] = linux.state.dma.log
    return result


def step_board(cfg, files: DesignFiles = BUILD_DESIGN, max_batch: int = MAX_BATCH,
               pynq: str = DEFAULT_PYNQ) -> list[dict]:
    """The deploy/ driver on the emulated board: L6 against L2, cycles from the on-chip counter."""
    result = run_driver_on_emulated_board(files.path(cfg), cfg.board, max_batch=max_batch, pynq=pynq)
    result["rtlsim_cycles_per_frame"] = read_facts(files.path(cfg))["rtlsim"]["cycles_per_frame"]
    cfg.write_json(files.file("board", "board.json"), result)
    return [verdict.level("L2_L6", result["L2_L6"], scope=files.scope)]


STEPS = (
    Step("package", step_package, ("vivado", "deploy"), ("board", "clock_mhz"), backend="rtl"),  # Tcl, .bit/.hwh, driver
    Step("board", step_board, ("board/board.json", f"board/{L6_OUTPUTS}"), backend="rtl"),   # L6: driver on the emulated board
)

"""L6 through the emulated board: serve the build, run its shipped driver (deploy/deploy/, with
unmodified pynq as a remote client) in a separate process, and keep what it measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from flow import verdict
from flow.board.facts import read_facts
from flow.board.package import step_package
from flow.board.spec import load_board
from flow.config import BUILD_DESIGN, DesignFiles
from flow.step import Step

MAX_BATCH = 128   # the driver's DMA buffers, in frames: the largest throughput batch
L6_OUTPUTS = "l6_outputs.npy"


def run_driver_on_emulated_board(build_dir: Path, board_name: str = "pynq_z2",
                                 timeout_s: float = 3600, max_batch: int = MAX_BATCH,
                                 outputs: Path | None = None) -> dict:
    """`python -m deploy.validate` of build_dir/deploy against an emulated board serving it;
    the board's outputs go to `outputs` (default: build_dir/board/l6_outputs.npy)."""
    # pynq and grpc load in about a second: imported here, not by every `python -m flow.build`
    from flow.board.emulator.server import BoardServer

    deploy = Path(build_dir).resolve() / "deploy"
    outputs = Path(outputs or Path(build_dir) / "board" / L6_OUTPUTS).resolve()
    outputs.parent.mkdir(parents=True, exist_ok=True)
    with BoardServer(load_board(board_name), [Path(build_dir)]) as server:
        env = {**os.environ, "PYNQ_REMOTE_DEVICES": server.host, "PYTHONPATH": str(deploy)}
        proc = subprocess.run([sys.executable, "-m", "deploy.validate", ".", "--out", "validate.json",
                               "--outputs", str(outputs), "--max-batch", str(max_batch)],
                              cwd=deploy, env=env, capture_output=True, text=True, timeout=timeout_s,
                              check=False)
        log = server.state.dma.log
    result_file = deploy / "validate.json"
    if not result_file.exists():
        raise RuntimeError(f"the driver failed on the emulated board ({proc.returncode}):\n"
                           f"{proc.stderr[-3000:]}\nDMA log: {log[-5:]}")
    result = json.loads(result_file.read_text())
    result_file.unlink()
    result["board"] = f"emulated {board_name} on {server.host}:7967 (flow/emulator)"
    result["dma_log"] = log
    return result


def step_board(cfg, files: DesignFiles = BUILD_DESIGN, max_batch: int = MAX_BATCH) -> list[dict]:
    """The deploy/ driver on the emulated board: L6 against L2, cycles from the on-chip counter."""
    result = run_driver_on_emulated_board(files.path(cfg), cfg.board, max_batch=max_batch)
    result["rtlsim_cycles_per_frame"] = read_facts(files.path(cfg))["rtlsim"]["cycles_per_frame"]
    cfg.write_json(files.file("board", "board.json"), result)
    return [verdict.level("L2_L6", result["L2_L6"], scope=files.scope)]


STEPS = (
    Step("package", step_package, ("vivado", "deploy"), ("board", "clock_mhz"), backend="rtl"),  # Tcl, .bit/.hwh, driver
    Step("board", step_board, ("board/board.json", f"board/{L6_OUTPUTS}"), backend="rtl"),   # L6: driver on the emulated board
)

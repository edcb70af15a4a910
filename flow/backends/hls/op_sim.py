"""Stream tensors through the HLS C-simulation of one hardware op (its own one-op design)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from qonnx.custom_op.registry import getCustomOp

from flow.backends.hls.codegen import generate_hls
from flow.backends.hls.csim import build_csim
from flow.backends.rtl.op_sim import run_streams
from flow.board.spec import load_board


def csim_op(model, node, x: np.ndarray, workdir: Path, capture: np.ndarray | None = None) -> np.ndarray:
    """Run `node`, the only node of `model`, on x (N, ...) channels-last through its C-simulation
    (capture: per-frame flags for an op with an exemplar_capture input, Correlation)."""
    op = getCustomOp(node)
    workdir = Path(workdir)
    board = load_board("pynq_z2")
    design = generate_hls(model, workdir / "hls", node.name, board.part, 100.0)
    sim = build_csim(design)
    y, _ = run_streams(sim, op.in_stream(), op.out_stream(), x, op.out_shape(x.shape[0]), workdir, op.cycles(),
                       capture=capture)
    return y

"""QONNX export of compressed quantised models, checked by running the file in qonnx.

The exported file is what `python -m flow.build --model file.onnx` builds (ladder level L1: the
QONNX graph executed by qonnx must equal the Brevitas model in torch).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from brevitas.export import export_qonnx
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.infer_shapes import InferShapes
from torch import nn

from models.compress.retrain import logits


def export(model: nn.Module, example_input: torch.Tensor, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.eval()
    export_qonnx(model, example_input, str(path), dynamo=False)
    return path


def run_qonnx(path: str | Path, x: torch.Tensor) -> np.ndarray:
    """Outputs of the QONNX file on the batch x, one sample at a time (the export's batch is 1)."""
    wrapper = ModelWrapper(str(path)).transform(InferShapes())
    name_in, name_out = wrapper.graph.input[0].name, wrapper.graph.output[0].name
    return np.concatenate([execute_onnx(wrapper, {name_in: x[i:i + 1].numpy()})[name_out]
                           for i in range(len(x))])


def export_if_quantized(model: nn.Module, example_input: torch.Tensor, path: str | Path,
                        preset: str, check_inputs: torch.Tensor | None = None) -> dict | None:
    """Export a quantised model (preset other than float) and compare qonnx with torch on
    `check_inputs` (default: the example input). Returns {"path", "max_abs_diff"} or None."""
    if preset == "float":
        return None
    path = export(model, example_input, path)
    x = example_input if check_inputs is None else check_inputs
    diff = float(np.abs(run_qonnx(path, x) - logits(model, x).numpy()).max())
    return {"path": str(path), "max_abs_diff": diff}

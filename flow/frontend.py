"""Front end: Brevitas model -> QONNX (00_qonnx.onnx), and any QONNX file -> a cleaned graph."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import torch
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.util.cleanup import cleanup_model

# TorchScript export (dynamo=False): the path the QONNX ecosystem (qonnx, FINN) is tested
# with, and twice as fast here; the dynamo exporter works too and can be chosen explicitly.
DEFAULT_DYNAMO = False


def export_brevitas(model: torch.nn.Module, example: torch.Tensor, path: Path,
                    dynamo: bool = DEFAULT_DYNAMO) -> ModelWrapper:
    """Export a Brevitas model (eval mode) with brevitas.export.export_qonnx and clean it up."""
    from brevitas.export import export_qonnx

    model = model.eval()
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = Path(tmp) / "raw.onnx"
        export_qonnx(model, example, export_path=str(raw), dynamo=dynamo)
        cleaned = clean(ModelWrapper(str(raw)))
    cleaned.save(str(path))
    return cleaned


def load_qonnx(path: Path) -> ModelWrapper:
    """Load any QONNX file given with --model and clean it up the same way."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--model {path}: no such file")
    try:
        model = ModelWrapper(str(path))
    except Exception as err:  # onnx raises several types for a damaged file
        raise ValueError(f"--model {path}: not a readable ONNX file ({err})") from err
    return clean(model)


def clean(model: ModelWrapper) -> ModelWrapper:
    """qonnx cleanup (shapes, constant folding, readable names) plus datatype inference."""
    model = cleanup_model(model)
    if len(model.graph.input) != 1:
        names = ", ".join(i.name for i in model.graph.input)
        raise ValueError(f"the model has {len(model.graph.input)} inputs ({names}); one is supported")
    batch_dim = model.graph.input[0].type.tensor_type.shape.dim[0]
    if batch_dim.dim_param or batch_dim.dim_value != 1:
        model = cleanup_model(model, override_inpsize=1)
    model = model.transform(InferShapes())
    return model.transform(InferDataTypes())

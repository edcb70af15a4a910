"""Small builders shared by the tests: one-node models of hardware ops, random tensors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.util.basic import qonnx_make_model

from flow.ops import DOMAIN


def single_op_model(op_type: str, in_shape, initializers: dict | None = None, domain: str = DOMAIN,
                    **attrs) -> ModelWrapper:
    """A model holding one node of `domain` (flow.ops): input 'x' of in_shape, output 'y',
    optional parameters."""
    initializers = initializers or {}
    node = helper.make_node(op_type, ["x", *initializers], ["y"], domain=domain,
                            name=f"{op_type}_0", **attrs)
    graph = helper.make_graph(
        [node], f"{op_type}_test",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(in_shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = ModelWrapper(qonnx_make_model(graph))
    for name, value in initializers.items():
        model.set_initializer(name, np.asarray(value, dtype=np.float32))
    return model


def random_values(rng: np.random.Generator, dtype: DataType, shape) -> np.ndarray:
    """Uniform random integers over dtype's whole range (bipolar: -1/+1)."""
    if dtype == DataType["BIPOLAR"]:
        return rng.choice(np.array([-1, 1]), size=shape)
    return rng.integers(int(dtype.min()), int(dtype.max()) + 1, size=shape)


LADDER = ("L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6")


def build_through_every_level(model: ModelWrapper, out: Path, *flags: str) -> dict:
    """`model` saved and built with `python -m flow.build --model` on 3 inputs (and `flags`) into
    out; asserts that it passed L1 to L6 and returns its report."""
    from flow.build import main

    out.mkdir(parents=True, exist_ok=True)
    path = out / "model.onnx"
    model.save(str(path))
    assert main(["--model", str(path), "--out", str(out / "build"), "--inputs", "3", *flags]) == 0
    report = json.loads((out / "build" / "report.json").read_text())
    for level in LADDER:
        assert report["verification"][level]["passed"], level
    return report

"""Every SiamFC preset's backbone exports alone with export_qonnx and runs in qonnx as in torch."""

import numpy as np
import pytest
import torch
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.infer_shapes import InferShapes

from models.siamfc import SiamFCBackbone, export_backbone
from models.siamfc_presets import PRESETS
from tests.models.test_siamfc import pixels, randomise_batchnorm

torch.set_num_threads(1)

# presets whose every quantizer has at most 16 bits compute exactly the same floats in qonnx;
# INT32 activations (Table 2's rows 2-5) are beyond float32's 24-bit mantissa, so they agree to
# float rounding
EXACT = {"fp32": 1e-5, "binary": 0.0, "int4": 0.0}


@pytest.mark.parametrize("preset", list(PRESETS))
def test_backbone_exports_to_qonnx_and_matches_torch(preset, tmp_path):
    backbone = randomise_batchnorm(SiamFCBackbone(preset, width=0.125), seed=3)
    backbone.train()
    with torch.no_grad():  # let the activation quantizers collect their ranges once
        backbone(pixels((2, 3, 127, 127), seed=5))
    backbone.eval()
    path = export_backbone(backbone, tmp_path / f"{preset}.onnx", input_size=127)
    model = ModelWrapper(str(path)).transform(InferShapes())
    ops = {node.op_type for node in model.graph.node}
    assert "Conv" in ops
    if PRESETS[preset].quantized:  # BatchNorm stays for the compiler to fold into thresholds
        assert {"Quant", "BatchNormalization"} <= ops
    if preset == "binary":
        assert "BipolarQuant" in ops
    x = pixels((1, 3, 127, 127), seed=11)
    with torch.no_grad():
        expected = backbone(x).numpy()
    got = execute_onnx(model, {model.graph.input[0].name: x.numpy()})[model.graph.output[0].name]
    assert got.shape == expected.shape == (1, backbone.out_channels, 17, 17)
    tolerance = EXACT.get(preset, 1e-4 * np.abs(expected).max())
    np.testing.assert_allclose(got, expected, rtol=0, atol=tolerance)

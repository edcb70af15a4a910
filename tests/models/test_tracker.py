"""The SiamFC tracking loop: geometry with a hand-made backbone; torch and ONNX backbones agree."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from deploy.siamfc_tracker import SiamFCTracker, TrackerConfig
from models.data.synthetic_tracking import SyntheticSequence
from models.siamfc import SiamFCNet, export_backbone, feature_size
from models.tracking.backbones import CorrelatingBackbone, OnnxBackbone, TorchBackbone, export_onnx
from models.tracking.metrics import centre_errors
from tests.models.test_siamfc import randomise_batchnorm

torch.set_num_threads(1)


class PixelBackbone:
    """Features = the zero-centred pixels at each output's receptive-field centre (stride 4)."""

    def features(self, batch):
        batch = np.asarray(batch, dtype=np.float32) - 128
        h, w = batch.shape[2:]
        return batch[:, :, 31 : 31 + 4 * feature_size(h) : 4, 31 : 31 + 4 * feature_size(w) : 4]


class MovingPatch:
    """A 32x32 patch of 8x8 random blocks moving over a flat grey frame; exact boxes."""

    def __init__(self, n=12, velocity=(3.0, -2.0)):
        rng = np.random.default_rng(0)
        self.patch = np.kron(rng.integers(0, 256, (4, 4, 3)), np.ones((8, 8, 1))).astype(np.uint8)
        self.boxes = np.array(
            [[70 + velocity[0] * t, 90 + velocity[1] * t, 32, 32] for t in range(n)]
        )

    def __len__(self):
        return len(self.boxes)

    def frame(self, t):
        image = np.full((220, 240, 3), 128, np.uint8)
        x, y = self.boxes[t, :2].astype(int)
        image[y : y + 32, x : x + 32] = self.patch
        return image


@pytest.mark.parametrize("scales,crops", [(3, "pillow"), (5, "pillow"), (3, "opencv")])
def test_tracker_follows_a_moving_patch(scales, crops):
    sequence = MovingPatch()
    config = replace(TrackerConfig.for_scales(scales), crops=crops)
    tracker = SiamFCTracker(CorrelatingBackbone(PixelBackbone()), config)
    boxes, fps = tracker.track(sequence)
    assert boxes.shape == (12, 4) and fps > 0
    np.testing.assert_array_equal(boxes[0], sequence.boxes[0])
    assert centre_errors(boxes, sequence.boxes).max() < 3.0
    assert np.all(np.abs(boxes[:, 2:] / 32 - 1) < 0.1)


def test_tracker_configuration_is_checked():
    with pytest.raises(ValueError, match="odd"):
        SiamFCTracker(CorrelatingBackbone(PixelBackbone()), TrackerConfig(scales=2))
    with pytest.raises(TypeError, match="no set_exemplar"):
        SiamFCTracker(PixelBackbone())
    with pytest.raises(ValueError, match="3 or 5 scales"):
        TrackerConfig.for_scales(4)
    with pytest.raises(ValueError, match="crops 'skimage': choose one of pillow, opencv"):
        SiamFCTracker(CorrelatingBackbone(PixelBackbone()), TrackerConfig(crops="skimage"))
    assert TrackerConfig.for_scales(5).scale_step == 1.0255


def calibrated_backbones(preset, tmp_path):
    """The torch and ONNX backbones of one small randomly initialised network."""
    torch.manual_seed(0)
    net = randomise_batchnorm(SiamFCNet(preset, width=0.25), seed=1)
    net.train()
    with torch.no_grad():  # activation quantizers collect their ranges once
        net.backbone(torch.rand(2, 3, 127, 127) * 2 - 1)
    net.eval()
    return TorchBackbone(net), OnnxBackbone(export_onnx(net, tmp_path / "backbone.onnx"))


@pytest.mark.parametrize("preset", ["fp32", "int4"])
def test_onnx_backbone_embeds_the_exemplar_in_its_canvas(preset, tmp_path):
    torch_backbone, onnx_backbone = calibrated_backbones(preset, tmp_path)
    assert onnx_backbone.canvas == (255, 255)
    # the 255x255 graph embeds a 127x127 exemplar in its top-left corner
    exemplar = np.random.default_rng(0).integers(0, 256, (1, 3, 127, 127), dtype=np.uint8)
    np.testing.assert_allclose(
        onnx_backbone.features(exemplar), torch_backbone.features(exemplar), rtol=0, atol=1e-4
    )


def test_torch_and_onnx_backbones_give_the_same_boxes(tmp_path):
    # int4 features are integers times a scale, so both backbones give the same score maps and
    # boxes; FP32 features differ in their last float32 bits, which can move a nearly tied peak
    torch_backbone, onnx_backbone = calibrated_backbones("int4", tmp_path)
    sequence = SyntheticSequence(7, length=6)
    torch_boxes, _ = SiamFCTracker(CorrelatingBackbone(torch_backbone)).track(sequence)
    onnx_boxes, _ = SiamFCTracker(CorrelatingBackbone(onnx_backbone)).track(sequence)
    np.testing.assert_array_equal(onnx_boxes, torch_boxes)


def test_backbones_reject_what_they_cannot_run(tmp_path):
    with pytest.raises(ValueError, match="integers in 0..255"):
        TorchBackbone(SiamFCNet("fp32", 0.25)).features(np.full((1, 3, 127, 127), 0.5))
    binary = SiamFCNet("binary", 0.25)
    with pytest.raises(ValueError, match="reference.onnx"):
        export_onnx(binary, tmp_path / "binary.onnx")
    qonnx_file = export_backbone(binary.backbone, tmp_path / "binary_qonnx.onnx", input_size=127)
    with pytest.raises(ValueError, match=r"non-standard ops \(BipolarQuant, Quant\)"):
        OnnxBackbone(qonnx_file)

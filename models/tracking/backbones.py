"""Pluggable SiamFC backbones: one interface, ``features(batch) -> NCHW features``; as tracker
backends (deploy/siamfc_tracker.py) through CorrelatingBackbone.

``batch`` is N x 3 x H x W pixels: uint8, or floats holding integers 0..255 (crops are rounded to
uint8 before they reach a backbone, as they will be when they reach the hardware). Every backbone
normalises them as models.quant.images_to_input does, (p - 128) / 128, and returns float32 numpy
features N x C x h x w with h = (H - 63) / 4 + 1.

- TorchBackbone runs the Brevitas/torch model.
- OnnxBackbone runs a plain ONNX file in onnxruntime (export_onnx below, or the compiler's
  reference.onnx). A graph built for one fixed input size (such as 255x255) embeds smaller images
  in the top-left corner of a canvas of that size and returns the top-left outputs, which for an
  unpadded backbone are exactly the small image's features: this is how the hardware embeds the
  127x127 exemplar with its 255x255 datapath.
"""

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from brevitas.export import export_onnx_qcdq

from models.quant import images_to_input
from models.siamfc import SEARCH_SIZE, SiamFCBackbone, SiamFCNet, correlate, feature_size


def pixels_to_input(batch) -> torch.Tensor:
    """N x 3 x H x W pixels (uint8, or floats that are integers 0..255) -> the network's input."""
    x = torch.from_numpy(np.array(batch))  # a copy: crops may be read-only views
    if x.dim() != 4 or x.shape[1] != 3:
        raise ValueError(f"a backbone takes N x 3 x H x W pixels, got shape {tuple(x.shape)}")
    if x.dtype != torch.uint8:
        if not torch.equal(x, x.round()) or x.min() < 0 or x.max() > 255:
            raise ValueError("float pixels must be integers in 0..255 (round crops to uint8 first)")
        x = x.to(torch.uint8)
    return images_to_input(x.permute(0, 2, 3, 1))


class CorrelatingBackbone:
    """A backbone as the tracker's backend: the exemplar's features, kept from set_exemplar, are
    cross-correlated with each search crop's features (models.siamfc.correlate, as in training)."""

    def __init__(self, backbone):
        self.backbone = backbone

    def set_exemplar(self, pixels) -> None:
        self.kernel = torch.from_numpy(self.backbone.features(pixels).astype(np.float32))

    def responses(self, pixels) -> np.ndarray:
        features = torch.from_numpy(self.backbone.features(pixels).astype(np.float32))
        return correlate(self.kernel, features).numpy()


class TorchBackbone:
    """The torch model (a SiamFCBackbone, or the backbone of a SiamFCNet), in eval mode."""

    def __init__(self, model, device="cpu"):
        self.module = model.backbone if isinstance(model, SiamFCNet) else model
        if not isinstance(self.module, SiamFCBackbone):
            raise TypeError(
                f"TorchBackbone needs a SiamFCNet or SiamFCBackbone, got {type(model).__name__}"
            )
        self.device = torch.device(device)
        # channels-last convolutions are about 1.5x faster on the CPU (oneDNN)
        self.module.eval().to(self.device, memory_format=torch.channels_last)

    def features(self, batch) -> np.ndarray:
        with torch.no_grad():
            return self.module(pixels_to_input(batch).to(self.device)).cpu().numpy()


class OnnxBackbone:
    """A plain ONNX backbone (standard ops only) run by onnxruntime on the CPU."""

    def __init__(self, path):
        self.path = Path(path)
        model = onnx.load(str(self.path))
        custom = sorted({n.op_type for n in model.graph.node if n.domain not in ("", "ai.onnx")})
        if custom:
            raise ValueError(
                f"{self.path} holds non-standard ops ({', '.join(custom)}): onnxruntime runs "
                "plain ONNX only; use export_onnx or the compiler's reference.onnx"
            )
        options = ort.SessionOptions()
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(self.path), options, providers=["CPUExecutionProvider"]
        )
        node = self.session.get_inputs()[0]
        self.input_name = node.name
        batch, _, height, width = node.shape
        self.batch = batch if isinstance(batch, int) else None  # None: any batch size
        self.canvas = (
            (height, width) if isinstance(height, int) and isinstance(width, int) else None
        )

    def features(self, batch) -> np.ndarray:
        x = pixels_to_input(batch).numpy()
        h, w = x.shape[2:]
        if self.canvas is not None and (h, w) != self.canvas:
            ch, cw = self.canvas
            if h > ch or w > cw:
                raise ValueError(f"{self.path} takes {ch}x{cw} images; got {h}x{w}")
            canvas = np.zeros((x.shape[0], 3, ch, cw), dtype=np.float32)
            canvas[:, :, :h, :w] = x
            return self._run(canvas)[:, :, : feature_size(h), : feature_size(w)]
        return self._run(x)

    def _run(self, x: np.ndarray) -> np.ndarray:
        if self.batch is None:
            return self.session.run(None, {self.input_name: x})[0]
        if self.batch != 1:
            raise ValueError(
                f"{self.path} has a fixed batch of {self.batch}; export it with batch 1"
            )
        return np.concatenate(
            [self.session.run(None, {self.input_name: x[i : i + 1]})[0] for i in range(x.shape[0])]
        )


def export_onnx(model, path, input_size: int = SEARCH_SIZE) -> Path:
    """Export a backbone as plain ONNX for onnxruntime, input 1 x 3 x input_size x input_size.

    Float presets use torch's exporter; quantised presets with 2..8-bit weights and activations
    use Brevitas' QuantizeLinear/Clip/DequantizeLinear form. Binary and 16/32-bit quantisers have
    no standard-ONNX form: run those through the compiler, whose reference.onnx is plain ONNX.
    """
    backbone = model.backbone if isinstance(model, SiamFCNet) else model
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    p = backbone.preset
    bits = [
        b
        for b in (
            p.input_bits,
            p.first_weight_bits,
            p.hidden_weight_bits,
            p.last_weight_bits,
            p.act_bits,
            p.out_bits,
        )
        if b is not None
    ]
    if any(b == 1 or b > 8 for b in bits):
        raise ValueError(
            f"preset {p.name!r} has binary or >8-bit quantizers, which plain ONNX cannot "
            "express; use the compiler's reference.onnx (python -m flow.build) instead"
        )
    was_training = backbone.training
    backbone.eval()
    x = torch.zeros(1, 3, input_size, input_size)
    try:
        if p.quantized:
            export_onnx_qcdq(backbone, x, export_path=str(path), dynamo=False)
        else:
            torch.onnx.export(
                backbone,
                x,
                str(path),
                dynamo=False,
                input_names=["image"],
                output_names=["features"],
            )
    finally:
        backbone.train(was_training)
    return path

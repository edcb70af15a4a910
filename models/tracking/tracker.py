"""The SiamFC tracking loop (Bertinetto et al. 2016; Przewlocka et al., section 3.2), pluggable backbone.

First frame: the exemplar (context margin, 127x127, models/data/pairs.crop) is embedded once.
Each next frame: search regions about 4x the target (255/127 times the exemplar region) at 3 or 5
scales around the last position are embedded (one batch), cross-correlated with the exemplar
features (here, outside the backbone, as the hardware will do it as its own op), upsampled
bicubically, the off-centre scales penalised; the best scale's map is normalised, blended with a
cosine (Hann) window, and its peak moves the target; the scale is damped by a learning rate.

The hyper-parameters are SiamFC's (3 scales: step 1.0375, penalty 0.9745, window 0.176; 5 scales:
step 1.0255, penalty 0.962, window 0.168; scale damping 0.59). SiamFC upsamples its 17x17 map
(stride 8) 16x; this network's 33x33 map has stride 4 and is upsampled 16x as well, i.e. a
quarter search-crop pixel per upsampled cell.
"""

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from models.data.pairs import crop, exemplar_side
from models.siamfc import EXEMPLAR_SIZE, SEARCH_SIZE, TOTAL_STRIDE, correlate
from models.training import progress

# update()'s phases: the host's crops, the backend's score maps, the host's upsampling and peak
PHASES = ("crop", "backend", "upsample", "locate")


@dataclass(frozen=True)
class TrackerConfig:
    scales: int = 3
    scale_step: float = 1.0375
    scale_penalty: float = 0.9745
    scale_lr: float = 0.59
    window_influence: float = 0.176
    response_up: int = 16
    context: float = 0.5
    # the search region stays within these factors of its first-frame size (as SiamFC)
    min_scale: float = 0.2
    max_scale: float = 5.0
    # side of the search crops, at the exemplar's pixel scale: SiamFC's 255, or a reduced
    # network's smaller crops (its score maps are then smaller: their size is read, not assumed)
    search_size: int = SEARCH_SIZE

    @classmethod
    def for_scales(cls, scales: int) -> "TrackerConfig":
        """SiamFC's parameters for 3 or 5 scales."""
        if scales == 3:
            return cls()
        if scales == 5:
            return cls(scales=5, scale_step=1.0255, scale_penalty=0.962, window_influence=0.168)
        raise ValueError(f"SiamFC's parameters exist for 3 or 5 scales, not {scales}")


class SiamFCTracker:
    """track(frames, first_box) with a backbone offering features(N x 3 x H x W pixels), or a
    backend that correlates by itself (the hardware): set_exemplar(1 x 3 x 127 x 127 pixels)
    and responses(S x 3 x 255 x 255 pixels) -> S x 1 x R x R score maps."""

    def __init__(self, backbone, config: TrackerConfig = TrackerConfig()):
        if config.scales < 1 or config.scales % 2 == 0:
            raise ValueError(f"the number of scales must be odd, got {config.scales}")
        self.backbone, self.config = backbone, config
        half = (config.scales - 1) / 2
        self.scale_factors = config.scale_step ** (np.arange(config.scales) - half)

    def init(self, frame: np.ndarray, box) -> None:
        """Start tracking the target box [x, y, w, h] (0-based) of the first frame."""
        c = self.config
        x, y, w, h = (float(v) for v in box)
        self.center = np.array([x + w / 2, y + h / 2])
        self.size = np.array([w, h])
        self.fill = frame.reshape(-1, 3).mean(axis=0)
        self.z_side = exemplar_side(w, h, c.context)
        self.x_side = self.z_side * c.search_size / EXEMPLAR_SIZE
        self.x_side_limits = (c.min_scale * self.x_side, c.max_scale * self.x_side)
        exemplar = crop(frame, self.center, self.z_side, EXEMPLAR_SIZE, self.fill)
        if hasattr(self.backbone, "set_exemplar"):
            self.backbone.set_exemplar(exemplar[None].transpose(0, 3, 1, 2))
            self.kernel = None
        else:
            self.kernel = torch.from_numpy(
                self.backbone.features(exemplar[None].transpose(0, 3, 1, 2)).astype(np.float32)
            )
        self.response_size = None

    def update(self, frame: np.ndarray) -> np.ndarray:
        """Track into the next frame; returns the box [x, y, w, h]."""
        sides, crops = self.search_crops(frame)
        responses = self.responses(crops)  # (scales, 1, R, R)
        return self.locate(self.upsample(responses), sides, frame.shape)

    # update()'s phases, apart so that the host's work can be timed beside the backend's
    def search_crops(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The search regions' sides and their crops, scales x 3 x 255 x 255 uint8 pixels."""
        sides = self.x_side * self.scale_factors
        crops = np.stack([crop(frame, self.center, s, self.config.search_size, self.fill) for s in sides])
        return sides, crops.transpose(0, 3, 1, 2)

    def upsample(self, responses: torch.Tensor) -> np.ndarray:
        """Bicubic upsampling of the scales' score maps, off-centre scales penalised."""
        c = self.config
        size = responses.shape[-1] * c.response_up
        up = F.interpolate(responses, size=(size, size), mode="bicubic", align_corners=False)
        up = up[:, 0].numpy()
        middle = c.scales // 2
        up[:middle] *= c.scale_penalty
        up[middle + 1 :] *= c.scale_penalty
        return up

    def locate(self, up: np.ndarray, sides: np.ndarray, frame_shape) -> np.ndarray:
        """The best scale's windowed peak moves the target; the scale is damped."""
        c = self.config
        size = up.shape[-1]
        best = int(np.argmax(up.reshape(c.scales, -1).max(axis=1)))
        response = up[best] - up[best].min()
        response /= response.sum() + 1e-16
        response = (1 - c.window_influence) * response + c.window_influence * self._window(size)
        row, col = np.unravel_index(int(np.argmax(response)), response.shape)
        displacement = (np.array([col, row]) - (size - 1) / 2) * TOTAL_STRIDE / c.response_up
        self.center = self.center + displacement * sides[best] / c.search_size
        self.center = np.clip(self.center, 0, [frame_shape[1], frame_shape[0]])
        scale = (1 - c.scale_lr) + c.scale_lr * self.scale_factors[best]
        scale = np.clip(self.x_side * scale, *self.x_side_limits) / self.x_side
        self.size, self.z_side, self.x_side = (
            self.size * scale,
            self.z_side * scale,
            self.x_side * scale,
        )
        return self.box()

    def responses(self, crops) -> torch.Tensor:
        if self.kernel is None:
            return torch.from_numpy(self.backbone.responses(crops))
        features = torch.from_numpy(self.backbone.features(crops).astype(np.float32))
        return correlate(self.kernel, features)

    def box(self) -> np.ndarray:
        return np.array([*(self.center - self.size / 2), *self.size])

    def _window(self, size: int) -> np.ndarray:
        if self.response_size != size:
            hann = np.hanning(size)
            window = np.outer(hann, hann)
            self.window, self.response_size = window / window.sum(), size
        return self.window

    def track(self, sequence, show_progress: bool = False) -> tuple[np.ndarray, float]:
        """Track a sequence (len(), frame(t), boxes[0] the first box) -> (boxes (N, 4), frames/s).

        The first box is the given one; frames/s counts the tracking of frames 2..N (crop,
        backbone, correlation, upsampling), not the reading of frames."""
        boxes, seconds = self.track_phases(sequence, show_progress)
        elapsed = sum(seconds.values())
        fps = (len(sequence) - 1) / elapsed if elapsed > 0 else float("nan")
        return boxes, fps

    def track_phases(self, sequence, show_progress: bool = False,
                     clock=time.perf_counter) -> tuple[np.ndarray, dict]:
        """track(), timing update()'s phases apart -> (boxes, seconds per PHASES entry): a
        hardware backend leaves the host the crops, the upsampling and the peak search.
        clock=time.process_time counts CPU time, which other processes on the machine disturb
        less than wall time."""
        seconds = dict.fromkeys(PHASES, 0.0)
        boxes = [np.asarray(sequence.boxes[0], dtype=np.float64)]
        self.init(sequence.frame(0), boxes[0])
        frames = range(1, len(sequence))
        if show_progress:
            frames = progress(frames, f"track {getattr(sequence, 'name', '')}", leave=False)
        for t in frames:
            frame = sequence.frame(t)
            t0 = clock()
            sides, crops = self.search_crops(frame)
            t1 = clock()
            responses = self.responses(crops)
            t2 = clock()
            up = self.upsample(responses)
            t3 = clock()
            boxes.append(self.locate(up, sides, frame.shape))
            t4 = clock()
            for phase, dt in zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                seconds[phase] += dt
        return np.stack(boxes), seconds


def host_ms_per_frame(seconds: dict, frames: int) -> dict:
    """track_phases' seconds over `frames` tracked frames -> ms per frame per phase, and "host":
    the crops, upsampling and peak search, i.e. what the host does beside a hardware backend."""
    ms = {phase: 1000 * s / frames for phase, s in seconds.items()}
    ms["host"] = ms["crop"] + ms["upsample"] + ms["locate"]
    return ms

"""The SiamFC tracking loop (Bertinetto et al. 2016; Przewlocka et al., section 3.2) in numpy, with
the scoring in a backend: the board's accelerator (deploy/tracker.py), or on a host the torch and
onnxruntime backbones (models/tracking/backbones.py), a build's reference or rtlsim
(flow/targets/siamfc/backend.py). numpy and deploy/'s C kernels (the crops and the peak search,
deploy/native.py), no torch: it runs on the board as on the host.

First frame: the exemplar (context margin, 127x127, deploy/crop.py) goes to the backend once.
Each next frame: search regions about 4x the target (search_size/127 times the exemplar region) at
3 or 5 scales around the last position are cropped and scored by the backend in one batch (score
maps S x 1 x R x R); the maps are upsampled bicubically, the off-centre scales penalised, the best
scale's map normalised and blended with a cosine (Hann) window, and its peak moves the target
(deploy/peak.py, which computes only the upsampled cells that can hold the peak); the scale is
damped by a learning rate.

The hyper-parameters are SiamFC's (3 scales: step 1.0375, penalty 0.9745, window 0.176; 5 scales:
step 1.0255, penalty 0.962, window 0.168; scale damping 0.59). SiamFC upsamples its 17x17 map
(stride 8) 16x; this network's 33x33 map has stride 4 and is upsampled 16x as well, i.e. a
quarter search-crop pixel per upsampled cell.

A backend offers set_exemplar(1 x 3 x E x E uint8 pixels) and responses(S x 3 x X x X uint8
pixels) -> S x 1 x R x R score maps (numpy). A backend whose accelerator cuts the search crops
itself (cuts_crops true: the crop engine, deploy/crop_stream.py) gets the frame, the crops'
centre and sides and the fill colour instead of pixels (a crop_stream.FrameCrops). A backend that
offers scores_by_scale(crops, order), an iterator of (scale, R x R map) as its accelerator scores
them in that order, has each scale's part of the peak search run while the next is scored.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from deploy.crop import CROPPERS, crop, exemplar_side, fill_colour, region
from deploy.crop_stream import FrameCrops
from deploy.peak import PeakFinder

# a tracked frame's phases: the host's crops, the backend's score maps, the host's peak search
PHASES = ("crop", "backend", "peak")


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
    # the network's geometry (models/siamfc.py): exemplar crop side, stride of the score map,
    # and the side of the search crops at the exemplar's pixel scale (SiamFC's 255, or a reduced
    # network's smaller crops, whose score maps are then smaller: their size is read, not assumed)
    exemplar_size: int = 127
    total_stride: int = 4
    search_size: int = 255
    # "pillow": Pillow's bytes, in numpy (the default, the boxes of the recorded tracker);
    # "opencv": OpenCV's warpAffine, fixed point, faster, other bytes (deploy/crop.py)
    crops: str = "pillow"
    # threads that share each frame's Pillow crops, a band of output rows each, where the host
    # cuts them (a backend without a crop engine; the C kernel runs without the GIL); OpenCV
    # crops thread by themselves
    crop_threads: int = 2

    @classmethod
    def for_scales(cls, scales: int) -> TrackerConfig:
        """SiamFC's parameters for 3 or 5 scales."""
        if scales == 3:
            return cls()
        if scales == 5:
            return cls(scales=5, scale_step=1.0255, scale_penalty=0.962, window_influence=0.168)
        raise ValueError(f"SiamFC's parameters exist for 3 or 5 scales, not {scales}")


class SiamFCTracker:
    """track(sequence) or init(frame, box) then update(frame) -> box, with a scoring backend."""

    def __init__(self, backend, config: TrackerConfig = TrackerConfig()):
        if config.scales < 1 or config.scales % 2 == 0:
            raise ValueError(f"the number of scales must be odd, got {config.scales}")
        if config.crops not in CROPPERS:
            raise ValueError(f"crops {config.crops!r}: choose one of {', '.join(CROPPERS)}")
        for method in ("set_exemplar", "responses"):
            if not callable(getattr(backend, method, None)):
                raise TypeError(f"{type(backend).__name__} is no tracker backend: it has no {method}()")
        self.backend, self.config = backend, config
        half = (config.scales - 1) / 2
        self.scale_factors = config.scale_step ** (np.arange(config.scales) - half)
        self.penalties = np.where(np.arange(config.scales) == config.scales // 2, 1.0, config.scale_penalty)
        # the order a backend scoring scale by scale gives the maps in: the unpenalised centre scale
        # first (most often the best: its part of the peak search, which then finds its minimum
        # too, runs while the fabric scores the others), then the others
        self.scale_order = [int(k) for k in np.argsort(-self.penalties, kind="stable")]
        if config.crop_threads < 1:
            raise ValueError(f"crop_threads is at least 1, got {config.crop_threads}")
        self.peak = None
        threads = config.crop_threads if config.crops == "pillow" else 1
        # a Cropper per thread (each has its working rows); the band of thread k: rows bands[k]
        self.croppers = [CROPPERS[config.crops](config.search_size) for _ in range(threads)]
        edges = np.linspace(0, config.search_size, threads + 1).round().astype(int)
        self.bands = [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]
        # a thread of its own per other band: its scales in order, on its own Cropper
        self.band_threads = [ThreadPoolExecutor(1, f"crop_band_{k}") for k in range(1, threads)]
        # the search crops, rewritten each frame: scales x X x X x 3, channels last
        self.crops = np.empty((config.scales, config.search_size, config.search_size, 3), np.uint8)

    def init(self, frame: np.ndarray, box) -> None:
        """Start tracking the target box [x, y, w, h] (0-based) of the first frame."""
        c = self.config
        x, y, w, h = (float(v) for v in box)
        self.center = np.array([x + w / 2, y + h / 2])
        self.size = np.array([w, h])
        self.fill = fill_colour(frame)
        self.z_side = exemplar_side(w, h, c.context)
        self.x_side = self.z_side * c.search_size / c.exemplar_size
        self.x_side_limits = (c.min_scale * self.x_side, c.max_scale * self.x_side)
        exemplar = crop(frame, self.center, self.z_side, c.exemplar_size, self.fill, c.crops)
        self.backend.set_exemplar(exemplar[None].transpose(0, 3, 1, 2))

    def update(self, frame: np.ndarray) -> np.ndarray:
        """Track into the next frame; returns the box [x, y, w, h]."""
        sides, crops = self.search_crops(frame)
        return self.score_and_locate(crops, sides, frame.shape)

    # update()'s phases, apart so that the host's work can be timed beside the backend's
    def search_crops(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray | FrameCrops]:
        """The search regions' sides and their crops, scales x 3 x X x X uint8 pixels (a view of
        the tracker's crop array, valid until the next frame's crops); or, where the backend
        cuts them, what it cuts them from (FrameCrops: the frame, the centre, the sides, the fill)."""
        sides = self.x_side * self.scale_factors
        if getattr(self.backend, "cuts_crops", False):
            return sides, FrameCrops(frame, self.center.copy(), sides, self.fill)
        # each scale's samples once, whichever thread cuts which rows of it
        regions = [region(frame.shape, self.center, side, self.config.search_size) for side in sides]
        jobs = list(enumerate(zip(sides, regions, strict=True)))
        others = [thread.submit(self._crop_bands, k, frame, jobs) for k, thread in enumerate(self.band_threads, start=1)]
        self._crop_bands(0, frame, jobs)
        for band in others:
            band.result()
        return sides, self.crops.transpose(0, 3, 1, 2)

    def _crop_bands(self, k: int, frame: np.ndarray, jobs: list) -> None:
        """Thread k's rows of each scale's crop (jobs: (scale, (side, samples))) into self.crops."""
        cropper, rows = self.croppers[k], self.bands[k]
        for i, (side, samples) in jobs:
            cropper(self.crops[i], frame, self.center, side, self.fill, rows, samples)

    def responses(self, crops: np.ndarray | FrameCrops) -> np.ndarray:
        """The backend's score maps of the crops, scales x R x R."""
        maps = np.asarray(self.backend.responses(crops))
        return maps.reshape(self.config.scales, *maps.shape[-2:])

    def locate(self, maps: np.ndarray, sides: np.ndarray, frame_shape) -> np.ndarray:
        """The best scale's windowed peak moves the target; the scale is damped."""
        return self._move(self._finder(maps.shape[-1])(maps), sides, frame_shape)

    def score_and_locate(self, crops, sides: np.ndarray, frame_shape, seconds: dict | None = None,
                         clock=time.perf_counter) -> np.ndarray:
        """responses() then locate(); with a backend that gives the scales' maps one by one as its
        accelerator scores them (scores_by_scale, in scale_order), each scale's part of the peak
        search runs while the accelerator scores the next. seconds: adds the time spent in the
        backend and in the peak search (PHASES "backend" and "peak")."""
        times = {"backend": 0.0, "peak": 0.0}
        by_scale = getattr(self.backend, "scores_by_scale", None)
        t = clock()
        if by_scale is None:
            maps = self.responses(crops)
            times["backend"], t = clock() - t, clock()
            box = self.locate(maps, sides, frame_shape)
        else:
            if self.peak is not None:
                self.peak.forget()   # a frame left unfinished (an error) starts no scale of this one
            for k, score_map in by_scale(crops, self.scale_order):
                ready = clock()
                times["backend"] += ready - t
                finder = self._finder(score_map.shape[-1])
                finder.scale(k, score_map)
                t = clock()
                times["peak"] += t - ready
            box = self._move(finder.finish(), sides, frame_shape)
        times["peak"] += clock() - t
        if seconds is not None:
            for phase, dt in times.items():
                seconds[phase] += dt
        return box

    def _finder(self, size: int) -> PeakFinder:
        """The peak search for R x R score maps (made once per map size)."""
        c = self.config
        if self.peak is None or self.peak.up.size != size:
            self.peak = PeakFinder(size, c.response_up, self.penalties, c.window_influence)
        return self.peak

    def _move(self, peak: tuple[int, int, int], sides: np.ndarray, frame_shape) -> np.ndarray:
        """The target moves to the peak (best scale, row, column); the scale is damped."""
        c = self.config
        best, row, col = peak
        half = (self.peak.up.cells - 1) / 2
        # in Python floats: numpy's arithmetic on two numbers costs the board's A9 more than the
        # numbers do (the same IEEE operations in the same order, so the same box)
        moved = [float(self.center[i]) + (cell - half) * c.total_stride / c.response_up * sides[best] / c.search_size
                 for i, cell in enumerate((col, row))]
        self.center = np.array([min(max(v, 0.0), limit) for v, limit in zip(moved, frame_shape[1::-1], strict=True)])
        scale = (1 - c.scale_lr) + c.scale_lr * self.scale_factors[best]
        lowest, highest = self.x_side_limits
        scale = min(max(self.x_side * scale, lowest), highest) / self.x_side
        self.size, self.z_side, self.x_side = (
            self.size * scale,
            self.z_side * scale,
            self.x_side * scale,
        )
        return self.box()

    def box(self) -> np.ndarray:
        return np.array([*(self.center - self.size / 2), *self.size])

    def track(self, sequence) -> tuple[np.ndarray, float]:
        """Track a sequence (len(), frame(t), boxes[0] the first box) -> (boxes (N, 4), frames/s).

        The first box is the given one; frames/s counts the tracking of frames 2..N (crops,
        scores, peak), not the reading of frames."""
        boxes, seconds = self.track_phases(sequence)
        elapsed = sum(seconds.values())
        fps = (len(sequence) - 1) / elapsed if elapsed > 0 else float("nan")
        return boxes, fps

    def track_phases(self, sequence, clock=time.perf_counter, frames=None) -> tuple[np.ndarray, dict]:
        """track(), timing update()'s phases apart -> (boxes, seconds per PHASES entry): a
        hardware backend leaves the host the crops and the peak search. clock=time.process_time
        counts CPU time, which other processes on the machine disturb less than wall time;
        `frames` wraps the frame numbers (a progress bar)."""
        seconds = dict.fromkeys(PHASES, 0.0)
        boxes = [np.asarray(sequence.boxes[0], dtype=np.float64)]
        self.init(sequence.frame(0), boxes[0])
        for t in (frames or (lambda r: r))(range(1, len(sequence))):
            frame = sequence.frame(t)
            t0 = clock()
            sides, crops = self.search_crops(frame)
            seconds["crop"] += clock() - t0
            boxes.append(self.score_and_locate(crops, sides, frame.shape, seconds, clock))
        return np.stack(boxes), seconds


def host_ms_per_frame(seconds: dict, frames: int) -> dict:
    """track_phases' seconds over `frames` tracked frames -> ms per frame per phase, and "host":
    the crops and the peak search, i.e. what the host does beside a hardware backend."""
    ms = {phase: 1000 * s / frames for phase, s in seconds.items()}
    ms["host"] = ms["crop"] + ms["peak"]
    return ms

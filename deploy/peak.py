"""The peak of SiamFC's upsampled score maps, computing only the upsampled cells that can hold it
(numpy and a C kernel built on the machine, deploy/native.py: it runs on the board), scale by
scale as the score maps come.

SiamFC upsamples each scale's R x R score map bicubically by `factor` (torch's
F.interpolate(mode="bicubic", align_corners=False): Keys' kernel, A = -0.75, source rows and
columns clamped at the border), penalises the off-centre scales, takes the scale with the highest
cell, normalises its map (minus its minimum, over its sum), blends it with a Hann window and moves
the target to the blended map's peak. Done in full, that is 3 maps of (16 R)^2 cells per frame.

Here a cell's value is torch's arithmetic in float64, term by term in torch's order (4 column taps
along x into a row value, then 4 row taps along y), so any cell computed is the cell torch
computes (tests/models compare them). The cells sharing their 4 x 4 source cells form a block
(16 x 16 cells inside the map, half blocks at its border). deploy/siamfc_peak.c bounds each
block from its source cells (the taps along each axis sum to 1, so the bounds are taken about a
level near the values), picks the blocks that can hold a maximum, a minimum or the blended peak,
and computes only those blocks' cells, on two threads. Each scale's bounds and maximum are
computed as its map comes (PeakFinder.scale: on a board, while the accelerator scores the next
scale), the best scale's minimum and the blended peak once all have come (finish). This module prepares the taps (cubic_taps), the window and the kernel's
working arrays once per map size:

- each scale's maximum and the best scale's minimum are exact (max(round(u * p)) = round(max(u) * p):
  rounding is monotonic, so the penalty can come after the maximum);
- the normalising sum is the only figure not summed cell by cell in torch's/numpy's order: it is
  the source cells weighted by the weights' row and column totals. It moves the blended
  values by rounding alone (a relative 1e-15 or so); when the two best blended cells are closer
  than 1e-9 (relative), the whole map is computed and summed as a full upsampling does
  (`full_peak`, numpy), so the chosen cell is the full computation's in every case.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np

from deploy import native

KEYS_A = -0.75
NEAR_TIE = 1e-9     # relative gap of the two best blended cells below which the full map decides
SLACK = 1e-9        # relative margin on every bound: a computed cell exceeds its exact value by ulps
MAX_BLOCK = 64      # siamfc_peak.c's widest block (its MAX_BLOCK): an upsampling factor up to 64
MAX_SCALES = 16     # siamfc_peak.c's MAX_SCALES


def cubic_taps(size: int, factor: int):
    """torch's bicubic taps along one axis, size -> size * factor cells: (source indices (4, n),
    weights (4, n), block of each cell (n,)); the weights are exact binary fractions."""
    n = size * factor
    real = (size / n) * (np.arange(n) + 0.5) - 0.5
    first = np.floor(real)
    t = real - first
    first = first.astype(np.intp)

    def near(x):     # |x| <= 1
        return ((KEYS_A + 2) * x - (KEYS_A + 3)) * x * x + 1

    def far(x):      # 1 < |x| < 2
        return ((KEYS_A * x - 5 * KEYS_A) * x + 8 * KEYS_A) * x - 4 * KEYS_A

    weights = np.stack([far(t + 1.0), near(t), near(1.0 - t), far((1.0 - t) + 1.0)])
    index = np.clip(first[None, :] + np.arange(-1, 3)[:, None], 0, size - 1)
    return index, weights, first + 1


class Upsampler:
    """Bicubic upsampling of S x R x R score maps by `factor`: its taps, its blocks, and the whole
    upsampling (what the peak search falls back to, and what the tests compare with torch)."""

    def __init__(self, size: int, factor: int):
        self.size, self.factor, self.cells = size, factor, size * factor
        self.index, self.weights, block = cubic_taps(size, factor)
        self.starts = np.flatnonzero(np.diff(block, prepend=-1))       # first cell of each block
        self.blocks = len(self.starts)
        self.w_max = np.maximum.reduceat(self.weights, self.starts, axis=1)   # (4, blocks)
        self.w_min = np.minimum.reduceat(self.weights, self.starts, axis=1)
        # each source row's total weight over all cells (for the sum of a whole map)
        self.row_totals = np.zeros(size)
        np.add.at(self.row_totals, self.index.ravel(), self.weights.ravel())

    def along_x(self, maps: np.ndarray) -> np.ndarray:
        """(..., R, R) -> (..., R, cells): every source row upsampled along x, torch's order."""
        i, w = self.index, self.weights
        t = maps[..., i[0]] * w[0]
        for k in range(1, 4):
            t = t + maps[..., i[k]] * w[k]
        return t

    def full(self, maps: np.ndarray) -> np.ndarray:
        """(S, R, R) -> (S, cells, cells): the whole upsampling, as F.interpolate computes it."""
        rows_x = self.along_x(maps)
        i, w = self.index, self.weights
        out = rows_x[:, i[0], :] * w[0][:, None]
        for k in range(1, 4):
            out = out + rows_x[:, i[k], :] * w[k][:, None]
        return out


class PeakFinder:
    """SiamFC's choice of scale and upsampled cell from S x R x R score maps, by
    deploy/siamfc_peak.c; the whole maps (full_peak) where it leaves the decision to them."""

    def __init__(self, size: int, factor: int, penalties: np.ndarray, window_influence: float):
        self.up = up = Upsampler(size, factor)
        if np.diff(np.append(up.starts, up.cells)).max() > MAX_BLOCK:
            raise ValueError(f"the peak search upsamples by at most {MAX_BLOCK}, not {factor}")
        self.penalties = np.ascontiguousarray(penalties, np.float64)
        if self.penalties.ndim != 1 or not 1 <= len(self.penalties) <= MAX_SCALES:
            raise ValueError(f"one penalty per scale, 1 to {MAX_SCALES} scales: got {self.penalties.shape}")
        self.influence = window_influence
        hann = np.hanning(up.cells)
        window = np.outer(hann, hann)
        self.window = window / window.sum()
        block_max = np.maximum.reduceat(hann, up.starts)
        self.window_max = np.outer(block_max, block_max) / window.sum()
        self.full_decisions = 0   # frames where the two best cells were too close to call
        scales = len(self.penalties)
        # the kernel's read-only tables and working arrays, C-contiguous, kept for every call
        self.tables = [np.append(up.starts, up.cells).astype(np.intp), np.ascontiguousarray(up.index, np.intp),
                       *(np.ascontiguousarray(a, np.float64) for a in (up.weights, up.w_max, up.w_min,
                                                                          up.row_totals)),
                       self.penalties, self.window, self.window_max]
        self.work = [np.empty(scales * size * up.cells), np.empty(scales * size * up.blocks),
                     np.empty(scales * size * up.blocks),
                     np.empty(scales * up.blocks ** 2), np.empty(scales * up.blocks ** 2), np.empty(up.blocks ** 2),
                     np.empty(scales), np.empty(scales),   # each scale's maximum, minimum
                     np.zeros(scales * size * up.blocks, np.intc)]   # its rows' segments' states
        self.maxima = self.work[-3]
        self.maps = np.empty((scales, size, size))   # the scales given so far
        self.maps_address = self.maps.ctypes.data
        self.found = np.zeros(3, np.intp)
        self.arguments = (scales, size, up.cells, up.blocks, *(a.ctypes.data for a in self.tables),
                          self.influence, NEAR_TIE, SLACK, *(a.ctypes.data for a in self.work), self.found.ctypes.data)
        self.given = [False] * scales   # the scales given this frame
        size_t, pointer, real = ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_double
        # the scales whose part also finds their minimum: the unpenalised (SiamFC's centre scale), most
        # often the best, whose minimum the finish then has (computed while the fabric works)
        self.with_minimum = [int(p == self.penalties.max()) for p in self.penalties]
        # 4 sizes, 9 tables, influence, near tie, slack, 6 working arrays, the maxima and minima, the
        # segments' states, the peak
        arguments = [*[size_t] * 4, *[pointer] * 9, real, real, real, *[pointer] * 10]
        source = Path(__file__).with_name("siamfc_peak.c")
        self.search_scale = native.kernel(source, "siamfc_peak_scale", [size_t, ctypes.c_int, pointer, *arguments],
                                          ctypes.c_int)
        self.search_finish = native.kernel(source, "siamfc_peak_finish", [pointer, *arguments], ctypes.c_int)

    def scale(self, k: int, score_map: np.ndarray) -> None:
        """Scale k's R x R score map, the scales in any order, each once a frame: its part of the
        search runs now (on a board, while the accelerator scores the next)."""
        if not 0 <= k < len(self.maps) or self.given[k]:
            raise ValueError(f"scale {k} is not one of the {len(self.maps)} scales still to come "
                             f"({', '.join(str(i) for i, g in enumerate(self.given) if not g)})")
        if np.shape(score_map) != self.maps.shape[1:]:
            raise ValueError(f"a score map of shape {self.maps.shape[1:]} expected, got {np.shape(score_map)}")
        if not any(self.given):   # a new frame: no scale's maximum yet
            self.maxima.fill(-np.inf)
        self.maps[k] = score_map
        self.search_scale(k, self.with_minimum[k], self.maps_address, *self.arguments)
        self.given[k] = True

    def forget(self) -> None:
        """Drop the scales given so far (a frame left unfinished): the next scale starts a frame."""
        self.given = [False] * len(self.maps)

    def finish(self) -> tuple[int, int, int]:
        """(best scale, row, column) of the upsampled, blended peak, once every scale is in."""
        if not all(self.given):
            raise ValueError(f"scales {', '.join(str(i) for i, g in enumerate(self.given) if not g)} are missing")
        self.forget()
        if self.search_finish(self.maps_address, *self.arguments):   # undecided: the whole maps decide
            self.full_decisions += 1
            return full_peak(self, self.maps)
        best, row, col = (int(v) for v in self.found)
        return best, row, col

    def __call__(self, maps: np.ndarray) -> tuple[int, int, int]:
        """(S, R, R) score maps -> (best scale, row, column) of the upsampled, blended peak."""
        shape = (len(self.penalties), self.up.size, self.up.size)
        if np.shape(maps) != shape:
            raise ValueError(f"score maps of shape {shape} expected, got {np.shape(maps)}")
        for k, score_map in enumerate(maps):
            self.scale(k, score_map)
        return self.finish()


def full_peak(finder: PeakFinder, maps: np.ndarray) -> tuple[int, int, int]:
    """The peak from the whole upsampled maps, every cell computed and summed (what SiamFC does)."""
    up = finder.up.full(np.asarray(maps, np.float64))
    up *= finder.penalties[:, None, None]
    best = int(np.argmax(up.reshape(len(up), -1).max(axis=1)))
    response = up[best] - up[best].min()
    response /= response.sum() + 1e-16
    response = (1 - finder.influence) * response + finder.influence * finder.window
    row, col = np.unravel_index(int(np.argmax(response)), response.shape)
    return best, int(row), int(col)

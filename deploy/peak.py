"""The peak of SiamFC's upsampled score maps, computing only the upsampled cells that can hold it
(numpy only: it runs on the board).

SiamFC upsamples each scale's R x R score map bicubically by `factor` (torch's
F.interpolate(mode="bicubic", align_corners=False): Keys' kernel, A = -0.75, source rows and
columns clamped at the border), penalises the off-centre scales, takes the scale with the highest
cell, normalises its map (minus its minimum, over its sum), blends it with a Hann window and moves
the target to the blended map's peak. Done in full, that is 3 maps of (16 R)^2 cells per frame.

Here a cell's value is torch's arithmetic in float64, term by term in torch's order (4 column taps
along x into a row value, then 4 row taps along y), so any cell computed is the cell torch
computes (tests/models compare them). The cells sharing their 4 x 4 source cells form a block
(16 x 16 cells inside the map, half blocks at its border); bounds per block, from the weights'
range over the block, pick the blocks that can hold a maximum, a minimum or the blended peak,
and only those are computed (bounds per column of a block row: exact along x, the weights'
range along y):

- each scale's maximum and the best scale's minimum are exact (max(round(u * p)) = round(max(u) * p):
  rounding is monotonic, so the penalty can come after the maximum);
- the normalising sum is the only figure not summed cell by cell in torch's/numpy's order: it is
  summed over the source cells with the weights' column and row totals. It moves the blended
  values by rounding alone (a relative 1e-15 or so); when the two best blended cells are closer
  than 1e-9 (relative), the whole map is computed and summed as a full upsampling does
  (`full_peak`), so the chosen cell is the full computation's in every case.
"""

from __future__ import annotations

import numpy as np

KEYS_A = -0.75
NEAR_TIE = 1e-9     # relative gap of the two best blended cells below which the full map decides
SLACK = 1e-9        # relative margin on every bound: a computed cell exceeds its exact value by ulps


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
    """Bicubic upsampling of S x R x R score maps by `factor`, cell by cell on demand."""

    def __init__(self, size: int, factor: int):
        self.size, self.factor, self.cells = size, factor, size * factor
        self.index, self.weights, block = cubic_taps(size, factor)
        self.starts = np.flatnonzero(np.diff(block, prepend=-1))       # first cell of each block
        self.blocks = len(self.starts)
        self.block_width = int(np.diff(np.append(self.starts, self.cells)).max())
        # cells of each block, padded to equal widths with the block's last cell (a repeat)
        ends = np.append(self.starts[1:], self.cells) - 1
        offsets = np.arange(self.block_width)
        self.block_cells = np.minimum(self.starts[:, None] + offsets[None, :], ends[:, None])
        self.w_max = np.maximum.reduceat(self.weights, self.starts, axis=1)   # (4, blocks)
        self.w_min = np.minimum.reduceat(self.weights, self.starts, axis=1)
        self.block_rows = self.index[:, self.starts]                        # (4, blocks)
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

    def cells_of(self, rows_x: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        """Upsampled values at rows ys (broadcast against) columns xs, from along_x's (R, cells)."""
        i, w = self.index, self.weights
        out = rows_x[i[0][ys], xs] * w[0][ys]
        for k in range(1, 4):
            out = out + rows_x[i[k][ys], xs] * w[k][ys]
        return out

    def full(self, maps: np.ndarray) -> np.ndarray:
        """(S, R, R) -> (S, cells, cells): the whole upsampling, as F.interpolate computes it."""
        rows_x = self.along_x(maps)
        i, w = self.index, self.weights
        out = rows_x[:, i[0], :] * w[0][:, None]
        for k in range(1, 4):
            out = out + rows_x[:, i[k], :] * w[k][:, None]
        return out

    def bounds(self, rows_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Upper and lower bounds of the upsampled values in each column of each block row,
        (blocks, cells) each, from one map's along_x rows (R, cells): exact along x, the row
        weights' range over the block along y."""
        t = rows_x[self.block_rows]                                   # (4, blocks, cells)
        high, low = self.w_max[:, :, None] * t, self.w_min[:, :, None] * t
        slack = SLACK * (np.abs(rows_x).max() + 1)
        return (np.maximum(high, low).sum(axis=0) + slack,
                np.minimum(high, low).sum(axis=0) - slack)

    def block_values(self, rows_x: np.ndarray, columns: np.ndarray):
        """The cells of the given block-row columns (k x 2: block row, column): (values, ys,
        xs), each (k, block width)."""
        ys = self.block_cells[columns[:, 0]]
        xs = np.broadcast_to(columns[:, 1:], ys.shape)
        return self.cells_of(rows_x, ys, xs), ys, xs

    def seed(self, rows_x: np.ndarray, upper: np.ndarray, lower: np.ndarray, largest: bool) -> float:
        """The exact maximum (or minimum) of the block-row column with the best bound."""
        bound = upper if largest else -lower
        first = np.array([np.unravel_index(int(np.argmax(bound)), bound.shape)])
        values = self.block_values(rows_x, first)[0]
        return float(values.max() if largest else values.min())

    def extreme(self, rows_x: np.ndarray, upper: np.ndarray, lower: np.ndarray, largest: bool,
                seed: float | None = None) -> float:
        """The exact maximum (or minimum) of one upsampled map: every column whose bound can
        beat what the seed column holds."""
        pick = np.max if largest else np.min
        found = self.seed(rows_x, upper, lower, largest) if seed is None else seed
        keep = upper >= found if largest else lower <= found
        return float(pick(self.block_values(rows_x, np.argwhere(keep))[0]))

    def total(self, rows_x: np.ndarray) -> float:
        """Sum of one whole upsampled map, from the source rows' total weights (not cell by cell)."""
        return float(self.row_totals @ rows_x.sum(axis=1))


class PeakFinder:
    """SiamFC's choice of scale and upsampled cell from S x R x R score maps."""

    def __init__(self, size: int, factor: int, penalties: np.ndarray, window_influence: float):
        self.up = Upsampler(size, factor)
        self.penalties = np.asarray(penalties, np.float64)
        self.influence = window_influence
        hann = np.hanning(self.up.cells)
        window = np.outer(hann, hann)
        self.window = window / window.sum()
        self.window_max = np.outer(np.maximum.reduceat(hann, self.up.starts), hann) / window.sum()
        self.full_decisions = 0   # frames where the two best cells were too close to call

    def __call__(self, maps: np.ndarray) -> tuple[int, int, int]:
        """(S, R, R) score maps -> (best scale, row, column) of the upsampled, blended peak."""
        maps = np.asarray(maps, np.float64)
        rows_x = self.up.along_x(maps)
        bounds = [self.up.bounds(r) for r in rows_x]
        # each scale's exact maximum, where its bound can reach what another scale surely holds
        seeds = [self.up.seed(r, u, lo, True) for r, (u, lo) in zip(rows_x, bounds, strict=True)]
        floor = max(seed * p for seed, p in zip(seeds, self.penalties, strict=True))
        peaks = np.full(len(maps), -np.inf)
        for s, (r, (u, lo), p) in enumerate(zip(rows_x, bounds, self.penalties, strict=True)):
            if u.max() * p >= floor:
                peaks[s] = self.up.extreme(r, u, lo, True, seeds[s])
        best = int(np.argmax(peaks * self.penalties))
        p, (upper, lower) = self.penalties[best], bounds[best]
        rows = rows_x[best]
        low = self.up.extreme(rows, upper, lower, False) * p     # p = 1.0 leaves it as it is
        total = p * self.up.total(rows) - low * self.up.cells ** 2 + 1e-16
        # upper bounds of the blended value per block, then the blocks that can hold its peak
        w = self.influence
        blend_upper = (1 - w) * ((upper * p - low) / total) + w * self.window_max
        blend_upper += SLACK * np.abs(blend_upper).max()
        first = np.array([np.unravel_index(int(np.argmax(blend_upper)), blend_upper.shape)])
        seen = self._blend(rows, first, p, low, total)[0].max()
        values, ys, xs = self._blend(rows, np.argwhere(blend_upper >= seen), p, low, total)
        values, flat = values.ravel(), (ys * self.up.cells + xs).ravel()
        top = values.max()
        at = flat[values == top]
        runner_up = values[~np.isin(flat, at)]
        if (at != at.min()).any() or (runner_up.size and top - runner_up.max() <= NEAR_TIE * abs(top)):
            self.full_decisions += 1
            return full_peak(self, maps)
        row, col = divmod(int(at.min()), self.up.cells)
        return best, row, col

    def _blend(self, rows_x, blocks, p, low, total):
        values, ys, xs = self.up.block_values(rows_x, blocks)
        w = self.influence
        return (1 - w) * ((values * p - low) / total) + w * self.window[ys, xs], ys, xs


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

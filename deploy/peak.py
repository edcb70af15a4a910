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
(16 x 16 cells inside the map, half blocks at its border). The values along x are computed for
every source row, block column by block column; bounds per block (each row tap's weight range
times the range of its row's values over the block's columns) pick the blocks that can hold a
maximum, a minimum or the blended peak, and only those blocks' cells are computed, all of them in
one vectorised step per choice:

- each scale's maximum and the best scale's minimum are exact (max(round(u * p)) = round(max(u) * p):
  rounding is monotonic, so the penalty can come after the maximum);
- the normalising sum is the only figure not summed cell by cell in torch's/numpy's order: it is
  the source cells weighted by the weights' row and column totals. It moves the blended
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
    """Bicubic upsampling of S x R x R score maps by `factor`, block by block on demand."""

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
        self.w_max = np.maximum.reduceat(self.weights, self.starts, axis=1)[:, :, None]   # (4, blocks, 1)
        self.w_min = np.minimum.reduceat(self.weights, self.starts, axis=1)[:, :, None]
        self.block_rows = self.index[:, self.starts].T                   # (blocks, 4) source rows
        self.block_weights = self.weights[:, self.block_cells].transpose(1, 0, 2)   # (blocks, 4, width)
        # along x, tap k's weight of each block column's cells, repeated over the R source rows
        # (width, R, blocks), so that each product runs over contiguous rows
        self.x_weights = [np.ascontiguousarray(np.broadcast_to(
            self.block_weights[:, k].T[:, None, :], (self.block_width, size, self.blocks))) for k in range(4)]
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

    def along_x_blocks(self, maps: np.ndarray) -> np.ndarray:
        """(S, R, R) -> (S, width, R, blocks): along_x's values, block column by block column
        (a block's cells padded as block_cells), the same products and sums per cell; the cell
        within the block outermost, so that each step runs over whole rows of blocks."""
        out = None
        for k, w in enumerate(self.x_weights):
            term = np.take(maps, self.block_rows[:, k], axis=2)[:, None] * w
            out = term if out is None else out + term
        return out

    def bounds(self, rows_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Upper and lower bounds of the upsampled values in each block, (S, blocks, blocks)
        each, from along_x_blocks' rows: each of a block's 4 row taps adds a weight (in the
        block's range of that tap's weights) times a value (in the range of that row's values
        over the block's columns)."""
        high = rows_x.max(axis=1)[:, self.block_rows.T]     # (S, 4 taps, blocks, blocks)
        low = rows_x.min(axis=1)[:, self.block_rows.T]
        products = np.stack([self.w_max * high, self.w_max * low, self.w_min * high, self.w_min * low])
        slack = SLACK * (np.abs(high).max() + np.abs(low).max() + 1)
        return products.max(axis=0).sum(axis=1) + slack, products.min(axis=0).sum(axis=1) - slack

    def block_values(self, rows_x: np.ndarray, blocks: np.ndarray):
        """The cells of the given blocks (k x 3: scale, block row, block column) in torch's
        order, 4 row taps of along_x_blocks' values: (values (width, width, k), ys (width, 1, k),
        xs (1, width, k)); the blocks innermost, so that each step runs over all of them."""
        scale, row, column = blocks.T
        taps = rows_x[scale, :, self.block_rows[row].T, column].transpose(0, 2, 1)   # (4, width x, k)
        w = self.block_weights[row].transpose(1, 2, 0)                              # (4, width y, k)
        out = taps[0][None] * w[0][:, None]
        for k in range(1, 4):
            out = out + taps[k][None] * w[k][:, None]
        return out, self.block_cells[row].T[:, None], self.block_cells[column].T[None]

    def extreme(self, rows_x: np.ndarray, bound: np.ndarray, largest: bool) -> np.ndarray:
        """The exact maximum (or minimum) of each scale's upsampled map where `bound` (S,
        blocks, blocks: upper bounds for the maximum, lower for the minimum) can reach what the
        block of the best bound holds; -inf (+inf) where it cannot."""
        sign = 1.0 if largest else -1.0
        flat = (sign * bound).reshape(len(bound), -1)
        first = np.argmax(flat, axis=1)
        seeds = np.stack([np.arange(len(bound)), *np.unravel_index(first, bound.shape[1:])], axis=1)
        found = (sign * self.block_values(rows_x, seeds)[0]).reshape(-1, len(bound)).max(axis=0)
        candidates = np.argwhere(sign * bound >= found[:, None, None])
        values = (sign * self.block_values(rows_x, candidates)[0]).reshape(-1, len(candidates)).max(axis=0)
        best = np.full(len(bound), -np.inf)
        np.maximum.at(best, candidates[:, 0], values)
        return sign * best

    def total(self, source: np.ndarray) -> float:
        """Sum of one whole upsampled map (R, R), from the source rows' and columns' total
        weights (not cell by cell)."""
        return float(self.row_totals @ source @ self.row_totals)


class PeakFinder:
    """SiamFC's choice of scale and upsampled cell from S x R x R score maps."""

    def __init__(self, size: int, factor: int, penalties: np.ndarray, window_influence: float):
        self.up = Upsampler(size, factor)
        self.penalties = np.asarray(penalties, np.float64)
        self.influence = window_influence
        hann = np.hanning(self.up.cells)
        window = np.outer(hann, hann)
        self.window = window / window.sum()
        block_max = np.maximum.reduceat(hann, self.up.starts)
        self.window_max = np.outer(block_max, block_max) / window.sum()
        self.full_decisions = 0   # frames where the two best cells were too close to call

    def __call__(self, maps: np.ndarray) -> tuple[int, int, int]:
        """(S, R, R) score maps -> (best scale, row, column) of the upsampled, blended peak."""
        maps = np.asarray(maps, np.float64)
        up, p = self.up, self.penalties
        rows_x = up.along_x_blocks(maps)
        upper, lower = up.bounds(rows_x)
        # the best scale: each scale's exact maximum where a block's bound, penalised, can reach
        # the best penalised maximum of a seed block
        peaks = up.extreme(rows_x, np.where(upper * p[:, None, None] >= self._floor(rows_x, upper),
                                            upper, -np.inf), True)
        best = int(np.argmax(peaks * p))
        rows = rows_x[best:best + 1]
        low = up.extreme(rows, lower[best:best + 1], False)[0] * p[best]  # p = 1 leaves it as it is
        total = p[best] * up.total(maps[best]) - low * up.cells ** 2 + 1e-16
        # upper bounds of the blended value per block, then the blocks that can hold its peak
        w = self.influence
        blend_upper = (1 - w) * ((upper[best] * p[best] - low) / total) + w * self.window_max
        blend_upper += SLACK * np.abs(blend_upper).max()
        first = np.array([[0, *np.unravel_index(int(np.argmax(blend_upper)), blend_upper.shape)]])
        seen = self._blend(rows, first, p[best], low, total)[0].max()
        candidates = np.argwhere(blend_upper[None] >= seen)
        values, ys, xs = self._blend(rows, candidates, p[best], low, total)
        values, flat = values.ravel(), (ys * up.cells + xs).ravel()
        top = values.max()
        at = flat[values == top]
        runner_up = values[flat != at.min()]
        if (at != at.min()).any() or (runner_up.size and top - runner_up.max() <= NEAR_TIE * abs(top)):
            self.full_decisions += 1
            return full_peak(self, maps)
        row, col = divmod(int(at.min()), up.cells)
        return best, row, col

    def _floor(self, rows_x, upper) -> float:
        """The best penalised maximum of each scale's block of the highest bound: the global
        penalised maximum is at least this."""
        first = np.argmax(upper.reshape(len(upper), -1), axis=1)
        seeds = np.stack([np.arange(len(upper)), *np.unravel_index(first, upper.shape[1:])], axis=1)
        values = self.up.block_values(rows_x, seeds)[0].reshape(-1, len(upper)).max(axis=0)
        return float((values * self.penalties).max())

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

/* The peak of SiamFC's upsampled score maps, computing only the upsampled cells that can hold it
 * (deploy/peak.py prepares the taps, the window and the working arrays, and computes the whole
 * maps where this file leaves the decision to them).
 *
 * A cell is torch's bicubic F.interpolate in float64, term by term in its order: along x,
 * ((m[i0] w0 + m[i1] w1) + m[i2] w2) + m[i3] w3 over the source row, then the same over 4 of
 * those rows along y. Built with -ffp-contract=off, so that no multiply-add is fused and every
 * cell computed is the whole upsampling's. Cells sharing their 4 x 4 source cells form a block;
 * a block's bounds (each row tap's weight range times the range of its row's values over the
 * block's columns, widened by `slack`) decide which blocks can hold each scale's maximum, the best
 * scale's minimum and the blended peak, and only those blocks' cells are computed.
 */
#include <math.h>
#include <stddef.h>

#define MAX_BLOCK 64   /* the most cells a block spans along one axis (deploy/peak.py checks it) */

struct geometry {
    ptrdiff_t scales, size, cells, blocks;
    const ptrdiff_t *starts;                 /* blocks + 1: the first cell of each block, then cells */
    const ptrdiff_t *index;                  /* 4 x cells: source index of each tap */
    const double *weights, *wmax, *wmin;     /* 4 x cells; 4 x blocks: each tap's range over a block */
};

/* Cells [x0, x1) of upsampled row y -> out. */
static void row_cells(const struct geometry *g, const double *rows_x, ptrdiff_t y, ptrdiff_t x0, ptrdiff_t x1,
                  double *out)
{
    const ptrdiff_t n = g->cells;
    const double *r[4], w[4] = {g->weights[y], g->weights[n + y], g->weights[2 * n + y], g->weights[3 * n + y]};
    for (int k = 0; k < 4; k++)
        r[k] = rows_x + g->index[k * n + y] * n;
    for (ptrdiff_t x = x0; x < x1; x++) {
        double v = r[0][x] * w[0];
        v = v + r[1][x] * w[1];
        v = v + r[2][x] * w[2];
        out[x - x0] = v + r[3][x] * w[3];
    }
}

/* The largest (sign 1) or smallest (sign -1) cell of block (by, bx), times sign. */
static double block_extreme(const struct geometry *g, const double *rows_x, ptrdiff_t by, ptrdiff_t bx, double sign)
{
    double best = -INFINITY, row[MAX_BLOCK];
    const ptrdiff_t x0 = g->starts[bx], x1 = g->starts[bx + 1];
    for (ptrdiff_t y = g->starts[by]; y < g->starts[by + 1]; y++) {
        row_cells(g, rows_x, y, x0, x1, row);
        for (ptrdiff_t x = 0; x < x1 - x0; x++)
            best = sign * row[x] > best ? sign * row[x] : best;
    }
    return best;
}

static double larger(double a, double b) { return a > b ? a : b; }

/* Upper and lower bounds of each block of one scale (blocks x blocks each). */
static void bounds(const struct geometry *g, const double *rows_x, double *high, double *low,
                   double slack, double *upper, double *lower)
{
    const ptrdiff_t n = g->cells, b = g->blocks;
    for (ptrdiff_t r = 0; r < g->size; r++)   /* each source row's range over each block's columns */
        for (ptrdiff_t bx = 0; bx < b; bx++) {
            double hi = -INFINITY, lo = INFINITY;
            for (ptrdiff_t x = g->starts[bx]; x < g->starts[bx + 1]; x++) {
                const double v = rows_x[r * n + x];
                hi = v > hi ? v : hi;
                lo = v < lo ? v : lo;
            }
            high[r * b + bx] = hi;
            low[r * b + bx] = lo;
        }
    for (ptrdiff_t by = 0; by < b; by++)
        for (ptrdiff_t bx = 0; bx < b; bx++) {
            double up = 0, down = 0, size = 0;
            for (int k = 0; k < 4; k++) {
                const ptrdiff_t row = g->index[k * n + g->starts[by]];
                const double h = high[row * b + bx], l = low[row * b + bx];
                const double w1 = g->wmax[k * b + by], w0 = g->wmin[k * b + by];
                const double p[4] = {w1 * h, w1 * l, w0 * h, w0 * l};
                double most = p[0], least = p[0];
                for (int i = 1; i < 4; i++) {
                    most = p[i] > most ? p[i] : most;
                    least = p[i] < least ? p[i] : least;
                }
                up += most;
                down += least;
                size += larger(fabs(w1), fabs(w0)) * larger(fabs(h), fabs(l));
            }
            upper[by * b + bx] = up + slack * size;
            lower[by * b + bx] = down - slack * size;
        }
}

/* The first index of the largest sign * v[i]. */
static ptrdiff_t argmax(const double *v, ptrdiff_t count, double sign)
{
    ptrdiff_t best = 0;
    for (ptrdiff_t i = 1; i < count; i++)
        if (sign * v[i] > sign * v[best])
            best = i;
    return best;
}

/* The exact extreme (sign 1: maximum, -1: minimum, times sign) of one scale's cells, over the
 * blocks whose bound (times sign, times `scale`) reaches `floor`; -inf where none does. seed: the
 * block of the best bound (argmax), found: its extreme (block_extreme), which prunes the rest. */
static double extreme(const struct geometry *g, const double *rows_x, const double *bound, double sign,
                      double scale, double floor, ptrdiff_t seed, double found)
{
    const ptrdiff_t b = g->blocks, count = b * b;
    if (sign * bound[seed] * scale < floor)
        return -INFINITY;
    for (ptrdiff_t i = 0; i < count; i++)
        if (i != seed && sign * bound[i] > found && sign * bound[i] * scale >= floor) {
            const double v = block_extreme(g, rows_x, i / b, i % b, sign);
            found = v > found ? v : found;
        }
    return found;
}

/* maps: scales x size x size. Writes (scale, row, column) of the peak into `peak` and returns 0;
 * returns 1 where the two best blended cells are within near_tie (relative) of each other or the
 * normalising total is not positive: the caller then computes the whole maps. */
int siamfc_peak(const double *maps, ptrdiff_t scales, ptrdiff_t size, ptrdiff_t cells, ptrdiff_t blocks,
                const ptrdiff_t *starts, const ptrdiff_t *index, const double *weights,
                const double *wmax, const double *wmin, const double *row_totals, const double *penalties,
                const double *window, const double *window_max, double influence, double near_tie,
                double slack, double *rows_x, double *high, double *low, double *upper, double *lower,
                double *blend, ptrdiff_t *peak)
{
    const struct geometry g = {scales, size, cells, blocks, starts, index, weights, wmax, wmin};
    const ptrdiff_t n = cells, b = blocks, per_map = size * n, per_scale = b * b;
    for (ptrdiff_t s = 0; s < scales; s++)   /* every source row along x */
        for (ptrdiff_t r = 0; r < size; r++) {
            const double *m = maps + (s * size + r) * size;
            double *out = rows_x + s * per_map + r * n;
            for (ptrdiff_t bx = 0; bx < blocks; bx++) {   /* a block's cells share their 4 source cells */
                const ptrdiff_t x0 = starts[bx];
                const double m0 = m[index[x0]], m1 = m[index[n + x0]], m2 = m[index[2 * n + x0]],
                             m3 = m[index[3 * n + x0]];
                for (ptrdiff_t x = x0; x < starts[bx + 1]; x++) {
                    double v = m0 * weights[x];
                    v = v + m1 * weights[n + x];
                    v = v + m2 * weights[2 * n + x];
                    out[x] = v + m3 * weights[3 * n + x];
                }
            }
        }
    for (ptrdiff_t s = 0; s < scales; s++)
        bounds(&g, rows_x + s * per_map, high, low, slack, upper + s * per_scale, lower + s * per_scale);
    /* the best scale: each scale's exact maximum where its bound, penalised, reaches the best
     * penalised maximum of a seed block (rounding is monotonic: max(round(u p)) = round(max(u) p)) */
    double floor = -INFINITY, peaks[scales], seed_max[scales];
    ptrdiff_t seeds[scales];
    for (ptrdiff_t s = 0; s < scales; s++) {
        seeds[s] = argmax(upper + s * per_scale, per_scale, 1.0);
        seed_max[s] = block_extreme(&g, rows_x + s * per_map, seeds[s] / b, seeds[s] % b, 1.0);
        floor = larger(floor, seed_max[s] * penalties[s]);
    }
    ptrdiff_t best = 0;
    for (ptrdiff_t s = 0; s < scales; s++) {
        peaks[s] = extreme(&g, rows_x + s * per_map, upper + s * per_scale, 1.0, penalties[s], floor, seeds[s],
                           seed_max[s]);
        if (peaks[s] * penalties[s] > peaks[best] * penalties[best])
            best = s;
    }
    const double p = penalties[best], *rows = rows_x + best * per_map, *down = lower + best * per_scale;
    const ptrdiff_t low_seed = argmax(down, per_scale, -1.0);
    const double low_found = block_extreme(&g, rows, low_seed / b, low_seed % b, -1.0);
    const double low_cell = -extreme(&g, rows, down, -1.0, 1.0, -INFINITY, low_seed, low_found) * p;
    double source = 0;   /* the whole map's sum from the rows' and columns' total weights */
    for (ptrdiff_t r = 0; r < size; r++) {
        double row = 0;
        for (ptrdiff_t c = 0; c < size; c++)
            row += maps[(best * size + r) * size + c] * row_totals[c];
        source += row_totals[r] * row;
    }
    const double total = p * source - low_cell * (double)(n * n) + 1e-16;
    if (!(total > 0))
        return 1;
    /* upper bounds of the blended value per block, then the blocks that can hold its peak */
    const double keep = 1 - influence, *up = upper + best * per_scale;
    double largest = 0;
    for (ptrdiff_t i = 0; i < per_scale; i++) {
        blend[i] = keep * ((up[i] * p - low_cell) / total) + influence * window_max[i];
        largest = larger(largest, fabs(blend[i]));
    }
    for (ptrdiff_t i = 0; i < per_scale; i++)
        blend[i] += slack * largest;
    double top = -INFINITY, second = -INFINITY, seen = -INFINITY;
    ptrdiff_t top_cell = -1;
    const ptrdiff_t first = argmax(blend, per_scale, 1.0);
    for (int pass = 0; pass < 2; pass++)   /* the first block, then every block that can beat it */
        for (ptrdiff_t i = 0; i < per_scale; i++) {
            if (pass == 0 ? i != first : (i == first || blend[i] < seen))
                continue;
            const ptrdiff_t x0 = starts[i % b], x1 = starts[i % b + 1];
            for (ptrdiff_t y = starts[i / b]; y < starts[i / b + 1]; y++) {
                double row[MAX_BLOCK];
                row_cells(&g, rows, y, x0, x1, row);
                for (ptrdiff_t x = x0; x < x1; x++) {
                    const double v = keep * ((row[x - x0] * p - low_cell) / total) + influence * window[y * n + x];
                    if (v > top) {
                        second = top;
                        top = v;
                        top_cell = y * n + x;
                    } else if (v > second) {
                        second = v;
                    }
                }
            }
            if (pass == 0)
                seen = top;
        }
    if (top - second <= near_tie * fabs(top))
        return 1;
    peak[0] = best;
    peak[1] = top_cell / n;
    peak[2] = top_cell % n;
    return 0;
}

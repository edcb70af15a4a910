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
 *
 * The rows along x, the bounds and the searches for the extremes run on two threads (the A9's two
 * cores; one thread started per call, the two meeting at a barrier between the steps), each half
 * of the rows, blocks or (scale, half of the blocks) tasks; every extreme is an exact maximum (or
 * minimum) of the cells, so splitting the search does not change it. The blended peak's search
 * stays on one thread.
 */
#include <math.h>
#include <pthread.h>
#include <stddef.h>

#define MAX_BLOCK 64   /* the most cells a block spans along one axis (deploy/peak.py checks it) */
#define MAX_SCALES 16  /* the most scales (deploy/peak.py checks it) */

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

static double larger(double a, double b) { return a > b ? a : b; }

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

/* Source row r of one scale: its values along x (rows_x) from the map m, and their range over
 * each block's columns (high, low: blocks each). */
static void row_along_x(const struct geometry *g, const double *m, double *out, double *high, double *low)
{
    const ptrdiff_t n = g->cells;
    for (ptrdiff_t bx = 0; bx < g->blocks; bx++) {   /* a block's cells share their 4 source cells */
        const ptrdiff_t x0 = g->starts[bx];
        const double m0 = m[g->index[x0]], m1 = m[g->index[n + x0]], m2 = m[g->index[2 * n + x0]],
                     m3 = m[g->index[3 * n + x0]];
        double hi = -INFINITY, lo = INFINITY;
        for (ptrdiff_t x = x0; x < g->starts[bx + 1]; x++) {
            double v = m0 * g->weights[x];
            v = v + m1 * g->weights[n + x];
            v = v + m2 * g->weights[2 * n + x];
            v = v + m3 * g->weights[3 * n + x];
            out[x] = v;
            hi = v > hi ? v : hi;
            lo = v < lo ? v : lo;
        }
        high[bx] = hi;
        low[bx] = lo;
    }
}

/* Upper and lower bounds of the blocks of block row by of one scale (blocks each), from its
 * source rows' ranges (high, low: size x blocks). */
static void block_bounds(const struct geometry *g, ptrdiff_t by, const double *high, const double *low,
                         double slack, double *upper, double *lower)
{
    const ptrdiff_t n = g->cells, b = g->blocks;
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
        upper[bx] = up + slack * size;
        lower[bx] = down - slack * size;
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
 * blocks [i0, i1) whose bound (times sign, times `scale`) reaches `floor`, and the seed block; -inf
 * where the seed's does not. seed: the block of the best bound (argmax), found: its extreme
 * (block_extreme), which prunes the rest. */
static double extreme(const struct geometry *g, const double *rows_x, const double *bound, double sign,
                      double scale, double floor, ptrdiff_t seed, double found, ptrdiff_t i0, ptrdiff_t i1)
{
    const ptrdiff_t b = g->blocks;
    if (sign * bound[seed] * scale < floor)
        return -INFINITY;
    for (ptrdiff_t i = i0; i < i1; i++)
        if (i != seed && sign * bound[i] > found && sign * bound[i] * scale >= floor) {
            const double v = block_extreme(g, rows_x, i / b, i % b, sign);
            found = v > found ? v : found;
        }
    return found;
}

/* The work the two threads share, by halves, in step (meet). */
struct search {
    pthread_barrier_t barrier;
    int teamed;                   /* the second thread runs (else the first does both halves) */
    const struct geometry *g;
    const double *maps, *penalties;
    double *rows_x, *high, *low, *upper, *lower;
    double slack, floor;
    const ptrdiff_t *seeds;       /* each scale's seed block (the maxima), or the minimum's */
    const double *seed_found;     /* their extremes */
    ptrdiff_t scale;              /* the minimum's: the best scale */
    double found[2 * MAX_SCALES];   /* per (scale, half of the blocks), or per half: the extremes found */
};

static void half_range(ptrdiff_t count, int half, ptrdiff_t *from, ptrdiff_t *to)
{
    *from = half * count / 2;
    *to = (half + 1) * count / 2;
}

/* every source row of every scale along x, and its ranges over the blocks */
static void rows_half(struct search *w, int half)
{
    const struct geometry *g = w->g;
    ptrdiff_t from, to;
    half_range(g->scales * g->size, half, &from, &to);
    for (ptrdiff_t item = from; item < to; item++)   /* item: scale * size + row */
        row_along_x(g, w->maps + item * g->size, w->rows_x + item * g->cells, w->high + item * g->blocks,
                    w->low + item * g->blocks);
}

/* every block row's bounds, every scale */
static void bounds_half(struct search *w, int half)
{
    const struct geometry *g = w->g;
    const ptrdiff_t b = g->blocks, ranges = g->size * b;
    ptrdiff_t from, to;
    half_range(g->scales * b, half, &from, &to);
    for (ptrdiff_t item = from; item < to; item++) {   /* item: scale * blocks + block row */
        const ptrdiff_t s = item / b, by = item % b;
        block_bounds(g, by, w->high + s * ranges, w->low + s * ranges, w->slack, w->upper + s * b * b + by * b,
                     w->lower + s * b * b + by * b);
    }
}

/* each scale's maximum over its half of the blocks: tasks (scale, half), half of the tasks each */
static void maxima_half(struct search *w, int half)
{
    const struct geometry *g = w->g;
    const ptrdiff_t count = g->blocks * g->blocks, per_map = g->size * g->cells;
    ptrdiff_t from, to;
    half_range(2 * g->scales, half, &from, &to);
    for (ptrdiff_t task = from; task < to; task++) {
        const ptrdiff_t s = task / 2;
        ptrdiff_t i0, i1;
        half_range(count, (int)(task % 2), &i0, &i1);
        w->found[task] = extreme(g, w->rows_x + s * per_map, w->upper + s * count, 1.0, w->penalties[s], w->floor,
                                 w->seeds[s], w->seed_found[s], i0, i1);
    }
}

/* the best scale's minimum (times -1) over a half of its blocks */
static void minimum_half(struct search *w, int half)
{
    const struct geometry *g = w->g;
    const ptrdiff_t count = g->blocks * g->blocks;
    ptrdiff_t i0, i1;
    half_range(count, half, &i0, &i1);
    w->found[half] = extreme(g, w->rows_x + w->scale * g->size * g->cells, w->lower + w->scale * count, -1.0, 1.0,
                             -INFINITY, w->seeds[0], w->seed_found[0], i0, i1);
}

static void meet(struct search *w)
{
    if (w->teamed)
        pthread_barrier_wait(&w->barrier);
}

/* The first thread's half of a step (both halves where it is alone), then the two meet. */
static void first_half(void (*step)(struct search *, int), struct search *w)
{
    step(w, 0);
    if (!w->teamed)
        step(w, 1);
    meet(w);
}

/* The second thread's halves, in step with the first's (siamfc_peak). */
static void *second_thread(void *context)
{
    struct search *w = context;
    rows_half(w, 1);
    meet(w);
    bounds_half(w, 1);
    meet(w);
    meet(w);   /* the first thread picks each scale's seed block */
    maxima_half(w, 1);
    meet(w);
    meet(w);   /* the first thread picks the best scale and the minimum's seed */
    minimum_half(w, 1);
    return NULL;
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
    if (scales > MAX_SCALES)
        return 1;
    struct search work = {.g = &g, .maps = maps, .penalties = penalties, .rows_x = rows_x, .high = high,
                          .low = low, .upper = upper, .lower = lower, .slack = slack};
    pthread_t helper;
    work.teamed = pthread_barrier_init(&work.barrier, NULL, 2) == 0;
    if (work.teamed && pthread_create(&helper, NULL, second_thread, &work) != 0) {
        pthread_barrier_destroy(&work.barrier);
        work.teamed = 0;
    }
    first_half(rows_half, &work);     /* every source row along x, its ranges over the blocks */
    first_half(bounds_half, &work);   /* every block's bounds */
    /* the best scale: each scale's exact maximum where its bound, penalised, reaches the best
     * penalised maximum of a seed block (rounding is monotonic: max(round(u p)) = round(max(u) p)) */
    double floor = -INFINITY, peaks[MAX_SCALES], seed_max[MAX_SCALES];
    ptrdiff_t seeds[MAX_SCALES];
    for (ptrdiff_t s = 0; s < scales; s++) {
        seeds[s] = argmax(upper + s * per_scale, per_scale, 1.0);
        seed_max[s] = block_extreme(&g, rows_x + s * per_map, seeds[s] / b, seeds[s] % b, 1.0);
        floor = larger(floor, seed_max[s] * penalties[s]);
    }
    work.floor = floor;
    work.seeds = seeds;
    work.seed_found = seed_max;
    meet(&work);
    first_half(maxima_half, &work);
    ptrdiff_t best = 0;
    for (ptrdiff_t s = 0; s < scales; s++) {
        peaks[s] = larger(work.found[2 * s], work.found[2 * s + 1]);
        if (peaks[s] * penalties[s] > peaks[best] * penalties[best])
            best = s;
    }
    const double p = penalties[best], *rows = rows_x + best * per_map, *down = lower + best * per_scale;
    const ptrdiff_t low_seed = argmax(down, per_scale, -1.0);
    const double low_found = block_extreme(&g, rows, low_seed / b, low_seed % b, -1.0);
    work.scale = best;
    work.seeds = &low_seed;
    work.seed_found = &low_found;
    meet(&work);
    minimum_half(&work, 0);
    if (work.teamed) {
        pthread_join(helper, NULL);
        pthread_barrier_destroy(&work.barrier);
    } else {
        minimum_half(&work, 1);
    }
    const double low_cell = -larger(work.found[0], work.found[1]) * p;
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

/* The peak of SiamFC's upsampled score maps, computing only the upsampled cells that can hold it
 * (deploy/peak.py prepares the taps, the window and the working arrays, and computes the whole
 * maps where this file leaves the decision to them).
 *
 * A cell is torch's bicubic F.interpolate in float64, term by term in its order: along x,
 * ((m[i0] w0 + m[i1] w1) + m[i2] w2) + m[i3] w3 over the source row, then the same over 4 of
 * those rows along y. Built with -ffp-contract=off, so that no multiply-add is fused and every
 * cell computed is the whole upsampling's. Cells sharing their 4 x 4 source cells form a block.
 * Bounds decide which blocks can hold each scale's maximum, the best scale's minimum and the
 * blended peak, and only those blocks' cells are computed, from their source rows' values along x
 * over the block's columns (a segment, computed when a block first needs it). The bounds use the
 * taps' sums: the taps along either axis sum to 1, so a value is c + sum w (v - c) for any level
 * c, and about a level near the values each term's range is the values' spread, not their level.
 * A source row's values along x over a block's columns are bounded from its 4 source values (each
 * tap's weight range times v - c), a block's cells from its 4 rows' bounds the same way; both are
 * widened by `slack` times the terms' magnitudes, which covers the computed cells' rounding.
 *
 * The bounds, the seeds and the searches run on two threads (the A9's two cores; one thread
 * started per call, the two meeting at a barrier between the steps): the bounds by rows and block
 * rows, the first thread the smaller share, as it also runs the steps between and its caller's
 * Python; the searches by blocks of even and odd columns (the blocks that can hold an extreme
 * gather about it, and no row segment is needed by both). Every extreme is an exact maximum (or
 * minimum) of the cells, and the blended peak's two best cells are merged from the halves', so
 * splitting the search does not change it. The cells are computed two at a time (`pair`), each
 * lane in the scalar order.
 */
#include "siamfc_peak.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_BLOCK 64   /* the most cells a block spans along one axis (deploy/peak.py checks it) */
#define MAX_SCALES 16  /* the most scales (deploy/peak.py checks it) */

struct geometry {
    ptrdiff_t scales, size, cells, blocks;
    const ptrdiff_t *starts;                 /* blocks + 1: the first cell of each block, then cells */
    const ptrdiff_t *index;                  /* 4 x cells: source index of each tap */
    const double *weights, *wmax, *wmin;     /* 4 x cells; 4 x blocks: each tap's range over a block */
};

/* Two float64 lanes (GCC's vector extension: SSE2 on x86-64, two VFP instructions each on the
 * A9, whose NEON has no float64 lanes). Each lane does a cell's arithmetic in the same order as
 * one at a time would: the results are the same bits. */
typedef double pair __attribute__((vector_size(16)));
typedef long long pair_mask __attribute__((vector_size(16)));

static inline pair splat(double v) { return (pair){v, v}; }

/* `count` (1 or 2) values from p; a lone value fills both lanes */
static inline pair load(const double *p, ptrdiff_t count)
{
    pair v;
    if (count > 1)
        memcpy(&v, p, sizeof v);   /* one unaligned load */
    else
        v = splat(p[0]);
    return v;
}

static inline void store(double *p, pair v, ptrdiff_t count)
{
    if (count > 1)
        memcpy(p, &v, sizeof v);
    else
        p[0] = v[0];
}

/* per lane a > b ? a : b (and the smaller), as the scalar comparison picks: SSE2's maxpd and
 * minpd are exactly that; elsewhere a mask does it */
static inline pair larger_of(pair a, pair b)
{
#ifdef __SSE2__
    return _mm_max_pd(a, b);
#else
    const pair_mask m = a > b;
    return (pair)((m & (pair_mask)a) | (~m & (pair_mask)b));
#endif
}

static inline pair smaller_of(pair a, pair b)
{
#ifdef __SSE2__
    return _mm_min_pd(a, b);
#else
    const pair_mask m = a < b;
    return (pair)((m & (pair_mask)a) | (~m & (pair_mask)b));
#endif
}

static inline pair magnitude(pair v) { return (pair)((pair_mask)v & ~(pair_mask)splat(-0.0)); }

static inline double lane_max(pair v) { return v[1] > v[0] ? v[1] : v[0]; }

/* One scale's source rows along x, each block's columns computed when a block that needs them
 * is (a segment): map, size x size; x, size x cells; ready, size x blocks, a segment's state
 * (0 not computed, 1 being computed by a thread, 2 computed; atomic: both threads compute). */
struct rows {
    const struct geometry *g;
    const double *map;
    double *x;
    int *ready;
};

/* Cells x .. x + count - 1 of a source row along x (its block's source values m) -> out. */
static inline void along_x_step(const pair m[4], const double *w, ptrdiff_t n, ptrdiff_t x, double *out,
                                ptrdiff_t count)
{
    pair v = m[0] * load(w + x, count);
    v = v + m[1] * load(w + n + x, count);
    v = v + m[2] * load(w + 2 * n + x, count);
    v = v + m[3] * load(w + 3 * n + x, count);
    store(out + x, v, count);
}

/* Source row r's cells over block bx's columns, computed once. */
static void segment(const struct rows *rows, ptrdiff_t r, ptrdiff_t bx)
{
    const struct geometry *g = rows->g;
    int *state = rows->ready + r * g->blocks + bx, idle = 0;
    if (__atomic_load_n(state, __ATOMIC_ACQUIRE) == 2)
        return;
    if (!__atomic_compare_exchange_n(state, &idle, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(state, __ATOMIC_ACQUIRE) != 2)
            sched_yield();   /* the other thread is computing it: a few hundred instructions */
        return;
    }
    const ptrdiff_t n = g->cells, x0 = g->starts[bx], x1 = g->starts[bx + 1];
    const double *m = rows->map + r * g->size;
    pair source[4];
    for (int k = 0; k < 4; k++)   /* a block's cells share their 4 source cells */
        source[k] = splat(m[g->index[k * n + x0]]);
    double *out = rows->x + r * n;
    ptrdiff_t x = x0;
    for (; x + 1 < x1; x += 2)
        along_x_step(source, g->weights, n, x, out, 2);
    if (x < x1)
        along_x_step(source, g->weights, n, x, out, 1);
    __atomic_store_n(state, 2, __ATOMIC_RELEASE);
}

/* The 4 source rows' segments that block (by, bx)'s cells are computed from. */
static void block_rows(const struct rows *rows, ptrdiff_t by, ptrdiff_t bx)
{
    const struct geometry *g = rows->g;
    for (int k = 0; k < 4; k++)
        segment(rows, g->index[k * g->cells + g->starts[by]], bx);
}

/* The loops below step two cells (or blocks) at a time, through an inline step function called
 * with count 2, then once with count 1 for an odd last one: each call is compiled for its count. */

/* Cells x .. x + count - 1 of an upsampled row: its 4 source rows along x (r) and row taps (w). */
static inline void cells_step(const double *const r[4], const pair w[4], ptrdiff_t x, double *out, ptrdiff_t count)
{
    pair v = load(r[0] + x, count) * w[0];
    v = v + load(r[1] + x, count) * w[1];
    v = v + load(r[2] + x, count) * w[2];
    store(out, v + load(r[3] + x, count) * w[3], count);
}

/* Cells [x0, x1) of upsampled row y -> out (the segments they are computed from: block_rows). */
static void row_cells(const struct geometry *g, const double *rows_x, ptrdiff_t y, ptrdiff_t x0, ptrdiff_t x1,
                      double *out)
{
    const ptrdiff_t n = g->cells;
    const double *r[4];
    pair w[4];
    for (int k = 0; k < 4; k++) {
        r[k] = rows_x + g->index[k * n + y] * n;
        w[k] = splat(g->weights[k * n + y]);
    }
    ptrdiff_t x = x0;
    for (; x + 1 < x1; x += 2)
        cells_step(r, w, x, out + x - x0, 2);
    if (x < x1)
        cells_step(r, w, x, out + x - x0, 1);
}

static double larger(double a, double b) { return a > b ? a : b; }

/* The largest (sign 1) or smallest (sign -1) cell of block (by, bx), times sign. */
static double block_extreme(const struct rows *rows, ptrdiff_t by, ptrdiff_t bx, double sign)
{
    const struct geometry *g = rows->g;
    const double *rows_x = rows->x;
    block_rows(rows, by, bx);
    pair best = splat(-INFINITY);
    double row[MAX_BLOCK];
    const ptrdiff_t x0 = g->starts[bx], x1 = g->starts[bx + 1];
    for (ptrdiff_t y = g->starts[by]; y < g->starts[by + 1]; y++) {
        row_cells(g, rows_x, y, x0, x1, row);
        ptrdiff_t x = 0;
        for (; x + 1 < x1 - x0; x += 2)
            best = larger_of(load(row + x, 2) * splat(sign), best);
        if (x < x1 - x0)
            best = larger_of(load(row + x, 1) * splat(sign), best);
    }
    return lane_max(best);
}

/* Source rows r .. r + count - 1 of one scale (map: the scale's), block bx: bounds of their
 * values along x over the block's columns (high, low: size x blocks), from their 4 source values
 * each, without computing them. A value is c + sum_k w_k (m_k - c), the column taps w_k summing
 * to 1, c the nearest source value; each term within its tap's weight range times m_k - c;
 * widened by `slack` times the terms' magnitudes, so that the computed values (their rounding)
 * lie inside too. */
static inline void ranges_step(const struct geometry *g, const double *map, ptrdiff_t r, ptrdiff_t bx,
                               const ptrdiff_t column[4], const pair w1[4], const pair w0[4], const pair wsize[4],
                               double slack, double *high, double *low, ptrdiff_t count)
{
    const ptrdiff_t size = g->size, b = g->blocks;
    pair v[4];
    for (int k = 0; k < 4; k++)   /* the source values of rows r and r + 1, tap k */
        v[k] = count > 1 ? (pair){map[r * size + column[k]], map[(r + 1) * size + column[k]]}
                         : splat(map[r * size + column[k]]);
    pair hi = v[1], lo = v[1], magnitudes = splat(0);
    for (int k = 0; k < 4; k++) {
        const pair p1 = w1[k] * (v[k] - v[1]), p0 = w0[k] * (v[k] - v[1]);
        hi += larger_of(p1, p0);
        lo += smaller_of(p1, p0);
        magnitudes += wsize[k] * magnitude(v[k]);
    }
    hi += splat(slack) * magnitudes;
    lo -= splat(slack) * magnitudes;
    high[r * b + bx] = hi[0];
    low[r * b + bx] = lo[0];
    if (count > 1) {
        high[(r + 1) * b + bx] = hi[1];
        low[(r + 1) * b + bx] = lo[1];
    }
}

/* Source rows [r0, r1) of one scale: their ranges_step over every block. */
static void row_ranges(const struct geometry *g, const double *map, ptrdiff_t r0, ptrdiff_t r1, double slack,
                       double *high, double *low)
{
    const ptrdiff_t n = g->cells, b = g->blocks;
    for (ptrdiff_t bx = 0; bx < b; bx++) {
        ptrdiff_t column[4];
        pair w1[4], w0[4], wsize[4];
        for (int k = 0; k < 4; k++) {
            column[k] = g->index[k * n + g->starts[bx]];
            w1[k] = splat(g->wmax[k * b + bx]);
            w0[k] = splat(g->wmin[k * b + bx]);
            wsize[k] = splat(larger(fabs(w1[k][0]), fabs(w0[k][0])));
        }
        ptrdiff_t r = r0;
        for (; r + 1 < r1; r += 2)
            ranges_step(g, map, r, bx, column, w1, w0, wsize, slack, high, low, 2);
        if (r < r1)
            ranges_step(g, map, r, bx, column, w1, w0, wsize, slack, high, low, 1);
    }
}

/* Bounds of blocks bx .. bx + count - 1 of a block row: the ranges of their 4 source rows (h, l),
 * the row taps' weight ranges (w1, w0) and largest magnitude (wsize). A cell is c + sum_k w_k
 * (r_k - c) for any c, its row taps w_k summing to 1 (exact binary fractions): taken about c, the
 * middle of the nearest row's range, each term's range is the rows' spread, not their level, so
 * a block of a smooth map is bounded close to its values. */
static inline void bounds_step(const double *const h[4], const double *const l[4], const pair w1[4],
                               const pair w0[4], const pair wsize[4], double slack, ptrdiff_t bx, double *upper,
                               double *lower, ptrdiff_t count)
{
    const pair c = splat(0.5) * (load(h[1] + bx, count) + load(l[1] + bx, count));
    pair up = c, down = c, size = splat(0);
    for (int k = 0; k < 4; k++) {
        const pair hk = load(h[k] + bx, count), lk = load(l[k] + bx, count), above = hk - c, below = lk - c;
        const pair p0 = w1[k] * above, p1 = w1[k] * below, p2 = w0[k] * above, p3 = w0[k] * below;
        up += larger_of(larger_of(larger_of(p1, p0), p2), p3);
        down += smaller_of(smaller_of(smaller_of(p1, p0), p2), p3);
        size += wsize[k] * larger_of(magnitude(hk), magnitude(lk));
    }
    store(upper + bx, up + splat(slack) * size, count);
    store(lower + bx, down - splat(slack) * size, count);
}

/* Upper and lower bounds of the blocks of block row by of one scale (blocks each), from its
 * source rows' ranges (high, low: size x blocks). */
static void block_bounds(const struct geometry *g, ptrdiff_t by, const double *high, const double *low,
                         double slack, double *upper, double *lower)
{
    const ptrdiff_t n = g->cells, b = g->blocks;
    const double *h[4], *l[4];
    pair w1[4], w0[4], wsize[4];
    for (int k = 0; k < 4; k++) {
        const ptrdiff_t row = g->index[k * n + g->starts[by]];
        h[k] = high + row * b;
        l[k] = low + row * b;
        w1[k] = splat(g->wmax[k * b + by]);
        w0[k] = splat(g->wmin[k * b + by]);
        wsize[k] = splat(larger(fabs(w1[k][0]), fabs(w0[k][0])));
    }
    ptrdiff_t bx = 0;
    for (; bx + 1 < b; bx += 2)
        bounds_step(h, l, w1, w0, wsize, slack, bx, upper, lower, 2);
    if (bx < b)
        bounds_step(h, l, w1, w0, wsize, slack, bx, upper, lower, 1);
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
 * blocks of columns of one parity (a thread's half: the blocks that can hold an extreme gather
 * about it, and blocks of other columns share no row segment) whose bound (times sign, times
 * `scale`) reaches `floor`, and the seed block; -inf where the seed's does not. seed: the block of
 * the best bound (argmax), found: its extreme (block_extreme), which prunes the rest. */
static double extreme(const struct rows *rows, const double *bound, double sign,
                      double scale, double floor, ptrdiff_t seed, double found, int parity)
{
    const ptrdiff_t b = rows->g->blocks;
    if (sign * bound[seed] * scale < floor)
        return -INFINITY;
    for (ptrdiff_t by = 0; by < b; by++)
        for (ptrdiff_t i = by * b + parity; i < (by + 1) * b; i += 2)
            if (i != seed && sign * bound[i] > found && sign * bound[i] * scale >= floor) {
                const double v = block_extreme(rows, by, i % b, sign);
                found = v > found ? v : found;
            }
    return found;
}

/* The best scale's map, normalised and blended with the window, cell by cell as SiamFC does. */
struct blending {
    const struct geometry *g;
    struct rows rows;                /* the scale's source rows along x */
    const double *window;            /* cells x cells */
    double penalty, low_cell, total, keep, influence;
};

/* The two best blended cells seen: their values, and where the best is. */
struct ranking {
    double top, second;
    ptrdiff_t cell;
};

/* Blended values of cells x .. x + count - 1 of row y, whose upsampled values are in row. */
static inline void blend_step(const struct blending *m, ptrdiff_t y, ptrdiff_t x, double *row, ptrdiff_t count)
{
    const pair v = load(row, count) * splat(m->penalty) - splat(m->low_cell);
    store(row, splat(m->keep) * (v / splat(m->total)) + splat(m->influence) * load(m->window + y * m->g->cells + x, count),
          count);
}

/* Block i's cells into a ranking. */
static void rank_block(const struct blending *m, ptrdiff_t i, struct ranking *r)
{
    const struct geometry *g = m->g;
    const ptrdiff_t n = g->cells, b = g->blocks, x0 = g->starts[i % b], x1 = g->starts[i % b + 1];
    block_rows(&m->rows, i / b, i % b);
    for (ptrdiff_t y = g->starts[i / b]; y < g->starts[i / b + 1]; y++) {
        double row[MAX_BLOCK];
        row_cells(g, m->rows.x, y, x0, x1, row);
        ptrdiff_t x = x0;
        for (; x + 1 < x1; x += 2)
            blend_step(m, y, x, row + x - x0, 2);
        if (x < x1)
            blend_step(m, y, x, row + x - x0, 1);
        for (x = x0; x < x1; x++) {
            const double v = row[x - x0];
            if (v > r->top) {
                r->second = r->top;
                r->top = v;
                r->cell = y * n + x;
            } else if (v > r->second) {
                r->second = v;
            }
        }
    }
}

/* The two best cells of two rankings (equal best values make an equal second: a near tie). */
static struct ranking merged(struct ranking a, struct ranking b)
{
    if (b.top > a.top)
        return (struct ranking){b.top, larger(b.second, a.top), b.cell};
    return (struct ranking){a.top, larger(a.second, b.top), a.cell};
}

/* The work the two threads share, by halves, in step (meet). */
struct search {
    pthread_barrier_t barrier;
    int teamed;                   /* the second thread runs (else the first does both halves) */
    const struct geometry *g;
    const double *maps, *penalties;
    double *rows_x, *high, *low, *upper, *lower;
    int *ready;                   /* the rows' segments' states (struct rows) */
    double slack;
    ptrdiff_t scale;              /* the scale searched */
    int minimum;                  /* the step sequence searches the scale's minimum too */
    ptrdiff_t seed;               /* the block of its best bound (for a maximum) or lowest (a minimum) */
    double seed_found, floor;     /* that block's extreme; the penalised maximum to reach (maxima) */
    double found[2];              /* per half of the blocks: the extreme found */
    struct blending blended;      /* the best scale's blended map */
    const double *blend;          /* its blocks' upper bounds */
    ptrdiff_t first;              /* the block of the best bound, ranked first */
    struct ranking ranks[2];      /* per half of the blocks: its two best cells */
};

/* The first thread's part of a split step is the smaller: it also runs the steps between and its
 * caller's Python (FIRST_SHARE eighths). */
#define FIRST_SHARE 2

static void half_range(ptrdiff_t count, int half, ptrdiff_t *from, ptrdiff_t *to)
{
    const ptrdiff_t split = count * FIRST_SHARE / 8;
    *from = half ? split : 0;
    *to = half ? count : split;
}

static struct rows scale_rows(const struct search *w)
{
    const struct geometry *g = w->g;
    const ptrdiff_t s = w->scale;
    return (struct rows){g, w->maps + s * g->size * g->size, w->rows_x + s * g->size * g->cells,
                         w->ready + s * g->size * g->blocks};
}

/* bounds of the scale's source rows along x over the blocks */
static void ranges_half(struct search *w, int half)
{
    const struct geometry *g = w->g;
    const ptrdiff_t s = w->scale;
    ptrdiff_t from, to;
    half_range(g->size, half, &from, &to);
    row_ranges(g, w->maps + s * g->size * g->size, from, to, w->slack, w->high + s * g->size * g->blocks,
               w->low + s * g->size * g->blocks);
}

/* the scale's blocks' bounds, by block rows */
static void bounds_half(struct search *w, int half)
{
    const struct geometry *g = w->g;
    const ptrdiff_t b = g->blocks, s = w->scale, ranges = g->size * b;
    ptrdiff_t from, to;
    half_range(b, half, &from, &to);
    for (ptrdiff_t by = from; by < to; by++)
        block_bounds(g, by, w->high + s * ranges, w->low + s * ranges, w->slack, w->upper + (s * b + by) * b,
                     w->lower + (s * b + by) * b);
}

/* the scale's maximum over a half of its blocks (extreme's), where it can reach the floor */
static void maximum_half(struct search *w, int half)
{
    const ptrdiff_t count = w->g->blocks * w->g->blocks;
    const struct rows rows = scale_rows(w);
    w->found[half] = extreme(&rows, w->upper + w->scale * count, 1.0, w->penalties[w->scale], w->floor, w->seed,
                             w->seed_found, half);
}

/* the best scale's minimum (times -1) over a half of its blocks */
static void minimum_half(struct search *w, int half)
{
    const ptrdiff_t count = w->g->blocks * w->g->blocks;
    const struct rows rows = scale_rows(w);
    w->found[half] = extreme(&rows, w->lower + w->scale * count, -1.0, 1.0, -INFINITY, w->seed, w->seed_found, half);
}

/* the blended peak over a half of the blocks: those whose bound reaches the first block's peak */
static void blend_half(struct search *w, int half)
{
    const ptrdiff_t count = w->g->blocks * w->g->blocks;
    const double seen = w->ranks[0].top;   /* the first block's, ranked before the halves start */
    for (ptrdiff_t i = 0; i < count; i++)   /* the blocks of one parity of columns, as extreme() */
        if ((i % w->g->blocks) % 2 == half && i != w->first && w->blend[i] >= seen)
            rank_block(&w->blended, i, &w->ranks[half]);
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

/* The second thread of siamfc_peak_scale, in step with the first. */
static void *scale_helper(void *context)
{
    struct search *w = context;
    ranges_half(w, 1);
    meet(w);
    bounds_half(w, 1);
    meet(w);
    meet(w);   /* the first thread finds the seed block's maximum */
    maximum_half(w, 1);
    meet(w);
    if (w->minimum) {
        meet(w);   /* the first thread finds the minimum's seed block's minimum */
        minimum_half(w, 1);
        meet(w);
    }
    return NULL;
}

/* The second thread of siamfc_peak_finish, in step with the first. */
static void *finish_helper(void *context)
{
    struct search *w = context;
    if (w->minimum) {
        minimum_half(w, 1);
        meet(w);
    }
    meet(w);   /* the first thread normalises, bounds the blended blocks and ranks the first */
    blend_half(w, 1);
    meet(w);
    return NULL;
}

/* The scale's minimum's seed: the block of the lowest lower bound, and its minimum. */
static void minimum_seed(struct search *w)
{
    const struct geometry *g = w->g;
    const ptrdiff_t count = g->blocks * g->blocks;
    const struct rows rows = scale_rows(w);
    w->seed = argmax(w->lower + w->scale * count, count, -1.0);
    w->seed_found = block_extreme(&rows, w->seed / g->blocks, w->seed % g->blocks, -1.0);
}

/* Start the second thread on `helper`, if the system gives one. */
static void team_up(struct search *w, void *(*helper)(void *), pthread_t *thread)
{
    w->teamed = pthread_barrier_init(&w->barrier, NULL, 2) == 0;
    if (w->teamed && pthread_create(thread, NULL, helper, w) != 0) {
        pthread_barrier_destroy(&w->barrier);
        w->teamed = 0;
    }
}

static void part(struct search *w, pthread_t thread)
{
    if (w->teamed) {
        pthread_join(thread, NULL);
        pthread_barrier_destroy(&w->barrier);
    }
}

/* Scale s of the score maps (scales x size x size; the scales in any order, each once, maxima
 * -inf for those not done yet): its rows, bounds and maximum into the working arrays, maxima[s]
 * its exact maximum, or -inf where no cell of it can beat a scale done before once penalised
 * (then it is not the best);
 * with `minimum` also minima[s], its exact minimum (else NaN): the finish then need not search
 * it, where this scale is the best (the caller asks it of the likeliest). */
int siamfc_peak_scale(ptrdiff_t s, int minimum, const double *maps, PEAK_ARGUMENTS)
{
    const struct geometry g = {scales, size, cells, blocks, starts, index, weights, wmax, wmin};
    const ptrdiff_t per_scale = blocks * blocks;
    if (scales > MAX_SCALES || s < 0 || s >= scales)
        return 1;
    (void)row_totals, (void)window, (void)window_max, (void)influence, (void)near_tie, (void)blend, (void)peak;
    struct search work = {.g = &g, .maps = maps, .penalties = penalties, .rows_x = rows_x, .high = high,
                          .low = low, .upper = upper, .lower = lower, .ready = ready, .slack = slack, .scale = s,
                          .minimum = minimum};
    memset(ready + s * size * blocks, 0, sizeof(int) * (size_t)(size * blocks));   /* no segment yet */
    const struct rows rows = scale_rows(&work);
    pthread_t helper;
    team_up(&work, scale_helper, &helper);
    first_half(ranges_half, &work);
    first_half(bounds_half, &work);
    /* the seed block (its best bound); the floor: the best penalised maximum so far (rounding is
     * monotonic: max(round(u p)) = round(max(u) p)) */
    work.seed = argmax(upper + s * per_scale, per_scale, 1.0);
    work.seed_found = block_extreme(&rows, work.seed / blocks, work.seed % blocks, 1.0);
    work.floor = work.seed_found * penalties[s];
    for (ptrdiff_t k = 0; k < scales; k++)
        if (k != s)
            work.floor = larger(work.floor, maxima[k] * penalties[k]);
    meet(&work);
    first_half(maximum_half, &work);
    maxima[s] = larger(work.found[0], work.found[1]);
    minima[s] = NAN;
    if (minimum) {
        minimum_seed(&work);
        meet(&work);
        first_half(minimum_half, &work);
        minima[s] = -larger(work.found[0], work.found[1]);
    }
    part(&work, helper);
    return 0;
}

/* After every scale's siamfc_peak_scale: writes (scale, row, column) of the peak into `peak`
 * and returns 0; returns 1 where the two best blended cells are within near_tie (relative) of
 * each other or the normalising total is not positive: the caller then computes the whole maps. */
int siamfc_peak_finish(const double *maps, PEAK_ARGUMENTS)
{
    const struct geometry g = {scales, size, cells, blocks, starts, index, weights, wmax, wmin};
    const ptrdiff_t n = cells, b = blocks, per_scale = b * b;
    if (scales > MAX_SCALES)
        return 1;
    (void)high, (void)low;
    ptrdiff_t best = 0;
    for (ptrdiff_t s = 0; s < scales; s++)
        if (maxima[s] * penalties[s] > maxima[best] * penalties[best])
            best = s;
    const double p = penalties[best];
    struct search work = {.g = &g, .maps = maps, .penalties = penalties, .rows_x = rows_x, .lower = lower,
                          .ready = ready, .scale = best, .minimum = isnan(minima[best])};   /* unless its part found it */
    if (work.minimum)
        minimum_seed(&work);
    pthread_t helper;
    team_up(&work, finish_helper, &helper);
    if (work.minimum) {
        first_half(minimum_half, &work);
        minima[best] = -larger(work.found[0], work.found[1]);
    }
    const double low_cell = minima[best] * p;
    double source = 0;   /* the whole map's sum from the rows' and columns' total weights */
    for (ptrdiff_t r = 0; r < size; r++) {
        double row = 0;
        for (ptrdiff_t c = 0; c < size; c++)
            row += maps[(best * size + r) * size + c] * row_totals[c];
        source += row_totals[r] * row;
    }
    const double total = p * source - low_cell * (double)(n * n) + 1e-16;
    /* upper bounds of the blended value per block, then the blocks that can hold its peak */
    const double keep = 1 - influence, *up = upper + best * per_scale;
    double largest = 0;
    for (ptrdiff_t i = 0; i < per_scale; i++) {
        blend[i] = keep * ((up[i] * p - low_cell) / total) + influence * window_max[i];
        largest = larger(largest, fabs(blend[i]));
    }
    for (ptrdiff_t i = 0; i < per_scale; i++)
        blend[i] += slack * largest;
    work.blended = (struct blending){&g, scale_rows(&work), window, p, low_cell, total, keep, influence};
    work.blend = blend;
    work.first = argmax(blend, per_scale, 1.0);
    for (int half = 0; half < 2; half++)
        work.ranks[half] = (struct ranking){-INFINITY, -INFINITY, -1};
    rank_block(&work.blended, work.first, &work.ranks[0]);   /* the first block, then every block that can beat it */
    meet(&work);
    first_half(blend_half, &work);
    part(&work, helper);
    const struct ranking ranked = merged(work.ranks[0], work.ranks[1]);
    if (!(total > 0) || ranked.top - ranked.second <= near_tie * fabs(ranked.top))
        return 1;
    peak[0] = best;
    peak[1] = ranked.cell / n;
    peak[2] = ranked.cell % n;
    return 0;
}

/* A crop's header for the accelerator's crop engine (deploy/crop_stream.py: the format; its
 * header() the same words from deploy/crop.py region()'s samples, in numpy), written straight
 * into the DMA buffer: the samples of both axes computed as region() computes them, in float64
 * step for step (built with -ffp-contract=off, as numpy rounds each operation), so that the
 * engine cuts Pillow's crop. In numpy the samples and the header took about 0.9 M x86
 * instructions a crop (small arrays, many calls); here a few thousand.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One axis: output indices [*start, *stop) inside [0, limit), and per index the first source
 * index and weight (deploy/crop.py _samples). */
static void samples(double origin, double scale, ptrdiff_t n, ptrdiff_t limit, ptrdiff_t *start, ptrdiff_t *stop,
                    ptrdiff_t *first, double *weight)
{
    *start = *stop = 0;
    int found = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        double at = ((double)i + 0.5) * scale;
        at = at + origin;
        if (at >= 0 && at < (double)limit) {
            if (!found)
                *start = i;
            found = 1;
            *stop = i + 1;
        }
        at = at - 0.5;
        const double f = floor(at);
        first[i] = (ptrdiff_t)f;
        weight[i] = at - f;
    }
}

static ptrdiff_t clamp(ptrdiff_t v, ptrdiff_t lo, ptrdiff_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static uint64_t bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    return u;
}

/* The header of the n x n crop of `side` frame pixels centred at (cx, cy) in an h x w frame,
 * fill: the colour outside (3 bytes) -> words (2 + 4 n). x, dx, y, dy: working arrays, n each. */
void crop_header(ptrdiff_t h, ptrdiff_t w, ptrdiff_t n, double cx, double cy, double side, const uint8_t *fill,
                 uint64_t *words, ptrdiff_t *x, double *dx, ptrdiff_t *y, double *dy)
{
    const double scale = side / (double)n;
    ptrdiff_t c0, c1, r0, r1;
    samples(cx - side / 2, scale, n, w, &c0, &c1, x, dx);
    samples(cy - side / 2, scale, n, h, &r0, &r1, y, dy);
    memset(words, 0, (size_t)(2 + 4 * n) * 8);
    if (r0 >= r1 || c0 >= c1)   /* nothing inside the frame: every pixel the fill colour */
        r0 = r1 = c0 = c1 = 0;
    words[0] = (uint64_t)r0 | (uint64_t)r1 << 16 | (uint64_t)c0 << 32 | (uint64_t)c1 << 48;
    words[1] = (uint64_t)(fill[0] ^ 0x80) | (uint64_t)(fill[1] ^ 0x80) << 8 | (uint64_t)(fill[2] ^ 0x80) << 16;
    for (ptrdiff_t c = c0; c < c1; c++) {
        const ptrdiff_t left = clamp(x[c], 0, w - 1), right = clamp(x[c] + 1, 0, w - 1);
        words[2 + c] = bits(dx[c]);
        words[2 + n + c] = (uint64_t)(3 * left) | (uint64_t)(right == left) << 32;
    }
    for (ptrdiff_t r = r0; r < r1; r++) {
        const ptrdiff_t top = clamp(y[r], 0, h - 1), bottom = y[r] + 1 < h ? y[r] + 1 : top;
        words[2 + 2 * n + r] = bits(dy[r]);
        words[2 + 3 * n + r] = (uint64_t)top | (uint64_t)bottom << 16;
    }
}

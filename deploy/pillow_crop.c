/* SiamFC's crops: Pillow's bilinear affine resampling (libImaging/Geometry.c, affine_transform
 * with bilinear_filter32RGB), for an axis-aligned square region, in float64 step for step, so
 * that the bytes are Pillow's. deploy/crop.py computes the per-axis samples (first source index
 * and weight, the range of outputs inside the frame) and fills the outside; this file
 * interpolates the inside.
 *
 * Built with -ffp-contract=off: a fused multiply-add would round once where Pillow rounds twice.
 * The region is axis-aligned, so the interpolation is separable: a frame row is interpolated
 * along x once (into one of two row buffers, reused while the output rows still read it), then
 * each output pixel blends its two rows along y, as Pillow does: upper + (lower - upper) * dy.
 * The bytes of a row that the samples read are converted to float64 once, not once per sample
 * (a quarter fewer instructions per crop); the working arrays are on the stack (a few kB, up to
 * 24 bytes per frame column).
 */
#include <stddef.h>
#include <stdint.h>

static ptrdiff_t clamp(ptrdiff_t v, ptrdiff_t lo, ptrdiff_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Frame row `row` along x at the columns' samples: left + (right - left) * dx, per channel.
 * left, right: each column's offsets of its two pixels' first bytes from `first`, the first byte
 * the samples read; the bytes read are converted to float64 once (the differences of whole
 * numbers are exact, so this is Pillow's arithmetic); values: a row of `span` doubles. */
static void along_x(const uint8_t *frame, ptrdiff_t w, ptrdiff_t row, ptrdiff_t first, ptrdiff_t span,
                    ptrdiff_t columns, const ptrdiff_t *left, const ptrdiff_t *right, const double *dx,
                    double *values, double *out)
{
    const uint8_t *bytes = frame + row * w * 3 + first;
    for (ptrdiff_t i = 0; i < span; i++)
        values[i] = bytes[i];
    for (ptrdiff_t j = 0; j < columns; j++) {
        const double *a = values + left[j], *b = values + right[j], weight = dx[j];
        for (int c = 0; c < 3; c++)
            out[3 * j + c] = a[c] + (b[c] - a[c]) * weight;
    }
}

/* out: the n x n x 3 crop; rows [r0, r1) x columns [c0, c1) are written. x, dx: the columns'
 * first source column and weight (n each), y, dy: the rows'. rows: 2 x 3 (c1 - c0) doubles. */
void pillow_crop(const uint8_t *frame, ptrdiff_t h, ptrdiff_t w, uint8_t *out, ptrdiff_t n,
                 ptrdiff_t r0, ptrdiff_t r1, ptrdiff_t c0, ptrdiff_t c1,
                 const ptrdiff_t *x, const double *dx, const ptrdiff_t *y, const double *dy,
                 double *rows)
{
    const ptrdiff_t columns = c1 - c0, m = 3 * columns;
    /* the columns clamped to the frame, as offsets from the first byte read (samples only grow) */
    const ptrdiff_t first = 3 * clamp(x[c0], 0, w - 1), span = 3 * clamp(x[c1 - 1] + 1, 0, w - 1) + 3 - first;
    ptrdiff_t left[columns], right[columns];
    double values[span];
    for (ptrdiff_t j = 0; j < columns; j++) {
        left[j] = 3 * clamp(x[c0 + j], 0, w - 1) - first;
        right[j] = 3 * clamp(x[c0 + j] + 1, 0, w - 1) - first;
    }
    double *buffer[2] = {rows, rows + m};
    ptrdiff_t held[2] = {-1, -1};   /* the frame row each buffer holds */
    for (ptrdiff_t r = r0; r < r1; r++) {
        const ptrdiff_t top = clamp(y[r], 0, h - 1);
        const ptrdiff_t bottom = y[r] + 1 < h ? y[r] + 1 : top;   /* Pillow: the last row repeats */
        int t = held[0] == top ? 0 : held[1] == top ? 1 : -1;
        if (t < 0) {   /* into the buffer that does not hold `bottom` */
            t = held[0] == bottom ? 1 : 0;
            along_x(frame, w, top, first, span, columns, left, right, dx + c0, values, buffer[t]);
            held[t] = top;
        }
        int b = held[t] == bottom ? t : 1 - t;
        if (held[b] != bottom) {
            along_x(frame, w, bottom, first, span, columns, left, right, dx + c0, values, buffer[b]);
            held[b] = bottom;
        }
        const double *upper = buffer[t], *lower = buffer[b], weight = dy[r];
        uint8_t *pixels = out + (r * n + c0) * 3;
        for (ptrdiff_t k = 0; k < m; k++)   /* the cast truncates, as Pillow's (UINT8) */
            pixels[k] = (uint8_t)(upper[k] + (lower[k] - upper[k]) * weight);
    }
}

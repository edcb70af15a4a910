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
 *
 * Two output layouts: 3 bytes a pixel (the crop's pixels), or 4 bytes a pixel, the accelerator's
 * DMA words (3 elements in 4 bytes, the fourth 0) written straight into its input buffer. Each
 * channel's byte is XORed with `code`: 0 keeps the pixel, 0x80 gives its INT8 code pixel - 128
 * (two's complement). Either way the rows along x hold `pixel_bytes` doubles a pixel (the fourth
 * 0), so that one loop over a row's bytes blends it along y (vectorised where the machine can);
 * 4-byte rows are made in a row of cache and copied out whole, since the board's DMA buffer is
 * not cached (a read there goes to DDR, a store is a bus write).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static ptrdiff_t clamp(ptrdiff_t v, ptrdiff_t lo, ptrdiff_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Frame row `row` along x at the columns' samples: left + (right - left) * dx, per channel, into
 * `stride` doubles a column (a fourth 0). left, right: each column's offsets of its two pixels'
 * first bytes from `first`, the first byte the samples read; the bytes read are converted to
 * float64 once (the differences of whole numbers are exact, so this is Pillow's arithmetic);
 * values: a row of `span` doubles. */
static void along_x(const uint8_t *frame, ptrdiff_t w, ptrdiff_t row, ptrdiff_t first, ptrdiff_t span,
                    ptrdiff_t columns, const ptrdiff_t *left, const ptrdiff_t *right, const double *dx,
                    double *values, double *out, ptrdiff_t stride)
{
    const uint8_t *bytes = frame + row * w * 3 + first;
    for (ptrdiff_t i = 0; i < span; i++)
        values[i] = bytes[i];
    for (ptrdiff_t j = 0; j < columns; j++) {
        const double *a = values + left[j], *b = values + right[j], weight = dx[j];
        for (int c = 0; c < 3; c++)
            out[stride * j + c] = a[c] + (b[c] - a[c]) * weight;
        if (stride == 4)
            out[4 * j + 3] = 0;
    }
}

/* out: the n x n crop, pixel_bytes (3 or 4) a pixel; rows [r0, r1) x columns [c0, c1) are written,
 * each channel XORed with code. x, dx: the columns' first source column and weight (n each), y, dy:
 * the rows'. rows: 2 x 4 (c1 - c0) doubles. */
void pillow_crop(const uint8_t *frame, ptrdiff_t h, ptrdiff_t w, uint8_t *out, ptrdiff_t n,
                 ptrdiff_t r0, ptrdiff_t r1, ptrdiff_t c0, ptrdiff_t c1,
                 const ptrdiff_t *x, const double *dx, const ptrdiff_t *y, const double *dy,
                 double *rows, ptrdiff_t pixel_bytes, uint8_t code)
{
    const ptrdiff_t columns = c1 - c0, m = pixel_bytes * columns;
    /* the columns clamped to the frame, as offsets from the first byte read (samples only grow) */
    const ptrdiff_t first = 3 * clamp(x[c0], 0, w - 1), span = 3 * clamp(x[c1 - 1] + 1, 0, w - 1) + 3 - first;
    ptrdiff_t left[columns], right[columns];
    double values[span];
    uint8_t line[m];   /* a row of 4-byte words, made in cache */
    /* the XOR: in the blend of 3-byte pixels, after it on 4-byte words (their fourth byte stays 0) */
    const uint8_t byte_code = pixel_bytes == 3 ? code : 0, mask[4] = {code, code, code, 0};
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
            along_x(frame, w, top, first, span, columns, left, right, dx + c0, values, buffer[t], pixel_bytes);
            held[t] = top;
        }
        int b = held[t] == bottom ? t : 1 - t;
        if (held[b] != bottom) {
            along_x(frame, w, bottom, first, span, columns, left, right, dx + c0, values, buffer[b], pixel_bytes);
            held[b] = bottom;
        }
        const double *upper = buffer[t], *lower = buffer[b], weight = dy[r];
        uint8_t *pixels = out + (r * n + c0) * pixel_bytes, *into = pixel_bytes == 4 ? line : pixels;
        /* the cast truncates, as Pillow's (UINT8) */
        for (ptrdiff_t k = 0; k < m; k++)
            into[k] = (uint8_t)(upper[k] + (lower[k] - upper[k]) * weight) ^ byte_code;
        if (pixel_bytes == 4) {   /* the words' codes, then one copy into the buffer */
            uint32_t word_mask, word;
            memcpy(&word_mask, mask, 4);
            for (ptrdiff_t k = 0; k < m; k += 4) {
                memcpy(&word, line + k, 4);
                word ^= word_mask;
                memcpy(line + k, &word, 4);
            }
            memcpy(pixels, line, m);
        }
    }
}

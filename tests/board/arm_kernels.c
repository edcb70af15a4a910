/* deploy/'s C kernels built for the PYNQ-Z2's Cortex-A9 (ARMv7, VFPv3) and run under qemu-arm by
 * tests/board/test_arm_kernels.py: each case is read from the input file as the Python side wrote
 * it, run, and its result written out, for a byte-for-byte comparison with the host's build.
 *
 *   arm_kernels crop CASES OUT: per case int32 h, w, n, r0, r1, c0, c1; the frame's bytes;
 *       int32 x[n], float64 dx[n], int32 y[n], float64 dy[n] -> the n x n x 3 crop's bytes
 *   arm_kernels header CASES OUT: per case int32 h, w, n; float64 cx, cy, side; 3 fill bytes, one
 *       padding byte -> the header's 2 + 4 n uint64 words
 *   arm_kernels peak CASES OUT: per case int32 scales, size, cells, blocks; float64 influence,
 *       near_tie, slack; the maps and deploy/peak.py's tables in the kernel's order (index
 *       tables as int32) -> int32 result, scale, row, column: siamfc_peak_scale() scale by
 *       scale, then siamfc_peak_finish()
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siamfc_peak.h"

void pillow_crop(const uint8_t *frame, ptrdiff_t h, ptrdiff_t w, uint8_t *out, ptrdiff_t n,
                 ptrdiff_t r0, ptrdiff_t r1, ptrdiff_t c0, ptrdiff_t c1,
                 const ptrdiff_t *x, const double *dx, const ptrdiff_t *y, const double *dy, double *rows);
void crop_header(ptrdiff_t h, ptrdiff_t w, ptrdiff_t n, double cx, double cy, double side, const uint8_t *fill,
                 uint64_t *words, ptrdiff_t *x, double *dx, ptrdiff_t *y, double *dy);

static FILE *in;

static void *read_array(size_t count, size_t size)
{
    void *data = malloc(count * size + 1);
    if (fread(data, size, count, in) != count) {
        fprintf(stderr, "arm_kernels: the case file ends inside an array\n");
        exit(2);
    }
    return data;
}

static ptrdiff_t *read_indices(size_t count)   /* int32 in the file, ptrdiff_t for the kernels */
{
    int32_t *narrow = read_array(count, 4);
    ptrdiff_t *wide = malloc(count * sizeof(ptrdiff_t) + 1);
    for (size_t i = 0; i < count; i++)
        wide[i] = narrow[i];
    free(narrow);
    return wide;
}

static void crop_cases(FILE *out)
{
    int32_t head[7];
    while (fread(head, 4, 7, in) == 7) {
        const ptrdiff_t h = head[0], w = head[1], n = head[2];
        uint8_t *frame = read_array(h * w * 3, 1), *crop = calloc(n * n * 3, 1);
        ptrdiff_t *x = read_indices(n);
        double *dx = read_array(n, 8);
        ptrdiff_t *y = read_indices(n);
        double *dy = read_array(n, 8), *rows = malloc(6 * n * sizeof(double));
        pillow_crop(frame, h, w, crop, n, head[3], head[4], head[5], head[6], x, dx, y, dy, rows);
        fwrite(crop, 1, n * n * 3, out);
        free(frame), free(crop), free(x), free(dx), free(y), free(dy), free(rows);
    }
}

static void header_cases(FILE *out)
{
    int32_t head[3];
    while (fread(head, 4, 3, in) == 3) {
        const ptrdiff_t n = head[2];
        double *geometry = read_array(3, 8);
        uint8_t *fill = read_array(4, 1);
        uint64_t *words = malloc((2 + 4 * n) * 8);
        ptrdiff_t *x = malloc(n * sizeof(ptrdiff_t)), *y = malloc(n * sizeof(ptrdiff_t));
        double *dx = malloc(n * 8), *dy = malloc(n * 8);
        crop_header(head[0], head[1], n, geometry[0], geometry[1], geometry[2], fill, words, x, dx, y, dy);
        fwrite(words, 8, 2 + 4 * n, out);
        free(geometry), free(fill), free(words), free(x), free(y), free(dx), free(dy);
    }
}

static void peak_cases(FILE *out)
{
    int32_t head[4];
    while (fread(head, 4, 4, in) == 4) {
        const ptrdiff_t s = head[0], r = head[1], n = head[2], b = head[3];
        double *reals = read_array(3, 8), *maps = read_array(s * r * r, 8);
        ptrdiff_t *starts = read_indices(b + 1), *index = read_indices(4 * n);
        double *weights = read_array(4 * n, 8), *wmax = read_array(4 * b, 8), *wmin = read_array(4 * b, 8);
        double *totals = read_array(r, 8), *penalties = read_array(s, 8);
        double *window = read_array(n * n, 8), *window_max = read_array(b * b, 8);
        double *rows_x = malloc(s * r * n * 8), *high = malloc(s * r * b * 8), *low = malloc(s * r * b * 8);
        double *upper = malloc(s * b * b * 8), *lower = malloc(s * b * b * 8), *blend = malloc(b * b * 8);
        double *maxima = malloc(s * 8), *minima = malloc(s * 8);
        int *ready = malloc(s * r * b * sizeof(int));   /* each scale's part clears its own */
        for (ptrdiff_t k = 0; k < s; k++)
            maxima[k] = -INFINITY;   /* no scale done yet */
        ptrdiff_t peak[3] = {0, 0, 0};
#define ARGUMENTS s, r, n, b, starts, index, weights, wmax, wmin, totals, penalties, window, window_max, reals[0], \
                  reals[1], reals[2], rows_x, high, low, upper, lower, blend, maxima, minima, ready, peak
        int undecided = 0;
        for (ptrdiff_t k = 0; k < s; k++)
            undecided |= siamfc_peak_scale(k, k == s / 2, maps, ARGUMENTS);   /* the centre's minimum too */
        undecided |= siamfc_peak_finish(maps, ARGUMENTS);
        const int32_t result[4] = {undecided, (int32_t)peak[0], (int32_t)peak[1], (int32_t)peak[2]};
        fwrite(result, 4, 4, out);
        free(reals), free(maps), free(starts), free(index), free(weights), free(wmax), free(wmin);
        free(totals), free(penalties), free(window), free(window_max), free(rows_x), free(high), free(low);
        free(upper), free(lower), free(blend), free(maxima), free(minima), free(ready);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "crop") && strcmp(argv[1], "header") && strcmp(argv[1], "peak"))) {
        fprintf(stderr, "usage: arm_kernels crop|header|peak CASES OUT\n");
        return 2;
    }
    in = fopen(argv[2], "rb");
    FILE *out = fopen(argv[3], "wb");
    if (!in || !out) {
        fprintf(stderr, "arm_kernels: cannot open %s or %s\n", argv[2], argv[3]);
        return 2;
    }
    (!strcmp(argv[1], "crop") ? crop_cases : !strcmp(argv[1], "header") ? header_cases : peak_cases)(out);
    return fclose(out) != 0;
}

/* The peak search's two entry points (deploy/siamfc_peak.c), for its callers in C (the ARM test
 * harness, tests/board/arm_kernels.c); deploy/peak.py passes the same arguments through ctypes. */
#ifndef QNNFLOW_SIAMFC_PEAK_H
#define QNNFLOW_SIAMFC_PEAK_H

#include <stddef.h>

/* the arguments after the maps, the same for both entry points (deploy/peak.py passes one list):
 * the sizes, deploy/peak.py's tables, the working arrays, each scale's maximum and minimum, the
 * rows' segments' states, the peak found */
#define PEAK_ARGUMENTS                                                                                          \
    ptrdiff_t scales, ptrdiff_t size, ptrdiff_t cells, ptrdiff_t blocks, const ptrdiff_t *starts,               \
        const ptrdiff_t *index, const double *weights, const double *wmax, const double *wmin,                 \
        const double *row_totals, const double *penalties, const double *window, const double *window_max,     \
        double influence, double near_tie, double slack, double *rows_x, double *high, double *low,            \
        double *upper, double *lower, double *blend, double *maxima, double *minima, int *ready, ptrdiff_t *peak

int siamfc_peak_scale(ptrdiff_t s, int minimum, const double *maps, PEAK_ARGUMENTS);
int siamfc_peak_finish(const double *maps, PEAK_ARGUMENTS);

#endif

// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// threshold_unit: the multi-threshold activation of one channel, shared by mvau and
// thresholding (hw/rtl/threshold_unit.v, flow/ops/thresholds.py). The output is ACT_BIAS plus
// the number of the channel's N_THRES thresholds the value reaches (value >= threshold), as an
// OUT_BITS two's complement code; a bipolar output (OUT_BITS = 1, ACT_BIAS = 0) is the count.
#ifndef QNNFLOW_THRESHOLD_UNIT_HPP
#define QNNFLOW_THRESHOLD_UNIT_HPP

#include "stream_word.hpp"

namespace qnn {

// Thresholds of one channel: fields first .. first + N_THRES - 1 of the memory word `row`,
// THRES_BITS each, two's complement when T_SIGNED is 1, else unsigned. Each threshold is read
// from the word's 64-bit chunks by itself: a whole row (255 thresholds of an INT8 output times
// PE) would be wider than an ap_uint may be.
template <int N_THRES, int THRES_BITS, int T_SIGNED, int OUT_BITS, int ACT_BIAS, class V, int C>
ap_uint<OUT_BITS> threshold_unit(const V& value, const uint64_t (&row)[C], int first) {
#pragma HLS INLINE
    ap_int<24> count = ACT_BIAS;
    for (int k = 0; k < N_THRES; ++k) {
#pragma HLS UNROLL
        const ap_uint<THRES_BITS> code = rom_field<THRES_BITS>(row, first + k);
        const ap_int<THRES_BITS + 1> t = T_SIGNED ? ap_int<THRES_BITS + 1>(ap_int<THRES_BITS>(code))
                                                  : ap_int<THRES_BITS + 1>(code);
        count += value >= t;
    }
    return count(OUT_BITS - 1, 0);
}

}  // namespace qnn

#endif

// threshold_unit: the multi-threshold activation of one channel, shared by mvau and
// thresholding (hw/rtl/threshold_unit.v, flow/ops/thresholds.py). The output is ACT_BIAS plus
// the number of the channel's N_THRES thresholds the value reaches (value >= threshold), as an
// OUT_BITS two's complement code; a bipolar output (OUT_BITS = 1, ACT_BIAS = 0) is the count.
#ifndef QNNFLOW_THRESHOLD_UNIT_HPP
#define QNNFLOW_THRESHOLD_UNIT_HPP

#include "stream_word.hpp"

namespace qnn {

// Thresholds of one channel: fields first .. first + N_THRES - 1 of `row`, THRES_BITS each,
// two's complement when T_SIGNED is 1, else unsigned.
template <int N_THRES, int THRES_BITS, int T_SIGNED, int OUT_BITS, int ACT_BIAS, class V, int W>
ap_uint<OUT_BITS> threshold_unit(const V& value, const ap_uint<W>& row, int first) {
#pragma HLS INLINE
    ap_int<24> count = ACT_BIAS;
    for (int k = 0; k < N_THRES; ++k) {
#pragma HLS UNROLL
        const ap_int<THRES_BITS + 1> t = element<THRES_BITS, T_SIGNED>(row, first + k);
        count += value >= t;
    }
    return count(OUT_BITS - 1, 0);
}

}  // namespace qnn

#endif

// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// global_sum: each channel of a PIXELS-pixel channels-last map summed over the map, PE channels
// per word (hw/rtl/global_sum.v, flow/ops/global_sum.py): a global average pool whose division
// the next thresholds take. The running sums of one pixel's C/PE words are kept; the last
// pixel's go out. One input word per cycle.
#ifndef QNNFLOW_GLOBAL_SUM_HPP
#define QNNFLOW_GLOBAL_SUM_HPP

#include "stream_word.hpp"

template <class P>
void global_sum(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out,
                int frames) {
    constexpr int CF = P::C / P::PE;
    ap_int<P::OUT_BITS + 1> sums[CF][P::PE];
#pragma HLS ARRAY_PARTITION variable=sums complete dim=2
    for (int f = 0; f < frames; ++f) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=1
        for (int p = 0; p < P::PIXELS; ++p) {
            for (int cf = 0; cf < CF; ++cf) {
#pragma HLS PIPELINE II=1
                const ap_uint<P::IN_WORD_BITS> word = in.read();
                ap_uint<P::PE * P::OUT_BITS> packed = 0;
                for (int pe = 0; pe < P::PE; ++pe) {
#pragma HLS UNROLL
                    const ap_int<P::OUT_BITS + 1> sum =
                        (p == 0 ? ap_int<P::OUT_BITS + 1>(0) : sums[cf][pe]) +
                        qnn::element<P::IN_BITS, P::IN_SIGNED>(word, pe);
                    sums[cf][pe] = sum;
                    packed(pe * P::OUT_BITS + P::OUT_BITS - 1, pe * P::OUT_BITS) = sum(P::OUT_BITS - 1, 0);
                }
                if (p == P::PIXELS - 1) out.write(ap_uint<P::OUT_WORD_BITS>(packed));
            }
        }
    }
}

#endif

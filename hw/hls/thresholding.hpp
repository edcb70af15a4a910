// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// thresholding: a standalone multi-threshold activation on a channels-last stream of C
// channels, PE per word (hw/rtl/thresholding.v, flow/ops/thresholding.py). Thresholds of
// channel nf*PE + pe: fields pe*N_THRES .. of memory word nf, two's complement, clamped to the
// input's range. One word per cycle.
#ifndef QNNFLOW_THRESHOLDING_HPP
#define QNNFLOW_THRESHOLDING_HPP

#include "threshold_unit.hpp"

template <class P>
void thresholding(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out,
                  int frames, const uint64_t thresholds[][qnn::chunks(P::PE * P::N_THRES * P::THRES_BITS)]) {
    constexpr int NF = P::C / P::PE;
    int nf = 0;
    for (long i = 0; i < long(frames) * P::IN_WORDS; ++i) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=P::IN_WORDS max=P::IN_WORDS
        const ap_uint<P::IN_WORD_BITS> x = in.read();
        ap_uint<P::OUT_WORD_BITS> y = 0;
        for (int pe = 0; pe < P::PE; ++pe) {
#pragma HLS UNROLL
            const ap_int<P::IN_BITS + 1> v = qnn::element<P::IN_BITS, P::IN_SIGNED>(x, pe);
            y(pe * P::OUT_BITS + P::OUT_BITS - 1, pe * P::OUT_BITS) =
                qnn::threshold_unit<P::N_THRES, P::THRES_BITS, 1, P::OUT_BITS, P::ACT_BIAS>(
                    v, thresholds[nf], pe * P::N_THRES);
        }
        out.write(y);
        nf = nf == NF - 1 ? 0 : nf + 1;
    }
}

#endif

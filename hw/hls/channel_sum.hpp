// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// channel_sum: per channel, the sum of K consecutive terms, PE channels per word (hw/rtl/channel_sum.v,
// flow/ops/channel_sum.py): each term the input value times its weight (word k*C/PE + cf, a
// depthwise convolution's window) or, without weights (WEIGHTED = 0), the value itself (a global
// average pool's map). The running sums of a term's C/PE words are kept; the last term's go out.
// One input word per cycle.
#ifndef QNNFLOW_CHANNEL_SUM_HPP
#define QNNFLOW_CHANNEL_SUM_HPP

#include "stream_word.hpp"

template <class P>
void channel_sum(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out,
                 int frames, const uint64_t weights[][qnn::chunks(P::PE * P::W_BITS)]) {
    constexpr int CF = P::C / P::PE;
    ap_int<P::OUT_BITS + 1> sums[CF][P::PE];
#pragma HLS ARRAY_PARTITION variable=sums complete dim=2
    for (long v = 0; v < long(frames) * P::VECTORS; ++v) {
#pragma HLS LOOP_TRIPCOUNT min=P::VECTORS max=P::VECTORS
        for (int k = 0; k < P::K; ++k) {
            for (int cf = 0; cf < CF; ++cf) {
#pragma HLS PIPELINE II=1
                const ap_uint<P::IN_WORD_BITS> word = in.read();
                ap_uint<P::PE * P::OUT_BITS> packed = 0;
                for (int pe = 0; pe < P::PE; ++pe) {
#pragma HLS UNROLL
                    ap_int<P::OUT_BITS + 1> term = qnn::element<P::IN_BITS, P::IN_SIGNED>(word, pe);
                    if (P::WEIGHTED) {
                        const ap_uint<P::W_BITS> code = qnn::rom_field<P::W_BITS>(weights[k * CF + cf], pe);
                        const ap_int<P::W_BITS + 1> w = P::W_SIGNED ? ap_int<P::W_BITS + 1>(ap_int<P::W_BITS>(code))
                                                                    : ap_int<P::W_BITS + 1>(code);
                        term = term * w;
                    }
                    const ap_int<P::OUT_BITS + 1> sum = (k == 0 ? ap_int<P::OUT_BITS + 1>(0) : sums[cf][pe]) + term;
                    sums[cf][pe] = sum;
                    packed(pe * P::OUT_BITS + P::OUT_BITS - 1, pe * P::OUT_BITS) = sum(P::OUT_BITS - 1, 0);
                }
                if (k == P::K - 1) out.write(ap_uint<P::OUT_WORD_BITS>(packed));
            }
        }
    }
}

#endif

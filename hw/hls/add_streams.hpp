// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// add_streams: the element-wise sum of two channels-last streams, PE elements per word, the join
// of a residual block (hw/rtl/add_streams.v, flow/ops/add_streams.py). Each operand is read as a
// number of its own type (A_SIGNED, B_SIGNED); the sum is written in OUT_BITS. One word per cycle.
#ifndef QNNFLOW_ADD_STREAMS_HPP
#define QNNFLOW_ADD_STREAMS_HPP

#include "stream_word.hpp"

template <class P>
void add_streams(hls::stream<ap_uint<P::IN_WORD_BITS>>& a_in, hls::stream<ap_uint<P::PE * P::B_BITS>>& b_in,
                 hls::stream<ap_uint<P::OUT_WORD_BITS>>& out, int frames) {
    for (long i = 0; i < long(frames) * P::OUT_WORDS; ++i) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=P::OUT_WORDS max=P::OUT_WORDS
        const ap_uint<P::IN_WORD_BITS> a = a_in.read();
        const ap_uint<P::PE * P::B_BITS> b = b_in.read();
        ap_uint<P::OUT_WORD_BITS> y = 0;
        for (int pe = 0; pe < P::PE; ++pe) {
#pragma HLS UNROLL
            const ap_int<P::OUT_BITS> sum = qnn::element<P::A_BITS, P::A_SIGNED>(a, pe) +
                                            qnn::element<P::B_BITS, P::B_SIGNED>(b, pe);
            y(pe * P::OUT_BITS + P::OUT_BITS - 1, pe * P::OUT_BITS) = ap_uint<P::OUT_BITS>(sum);
        }
        out.write(y);
    }
}

#endif

// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// concat_streams: two channels-last streams joined along channels (hw/rtl/concat_streams.v,
// flow/ops/concat_streams.py): per pixel A_WORDS words of A, then B_WORDS words of B, each
// element extended to OUT_BITS as a number of its own type. One word per cycle.
#ifndef QNNFLOW_CONCAT_STREAMS_HPP
#define QNNFLOW_CONCAT_STREAMS_HPP

#include "stream_word.hpp"

template <class P>
void concat_streams(hls::stream<ap_uint<P::IN_WORD_BITS>>& a_in, hls::stream<ap_uint<P::PE * P::B_BITS>>& b_in,
                    hls::stream<ap_uint<P::OUT_WORD_BITS>>& out, int frames) {
    int word = 0;
    for (long i = 0; i < long(frames) * P::OUT_WORDS; ++i) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=P::OUT_WORDS max=P::OUT_WORDS
        const bool from_b = word >= P::A_WORDS;
        const ap_uint<P::IN_WORD_BITS> a = from_b ? ap_uint<P::IN_WORD_BITS>(0) : a_in.read();
        const ap_uint<P::PE * P::B_BITS> b = from_b ? b_in.read() : ap_uint<P::PE * P::B_BITS>(0);
        ap_uint<P::OUT_WORD_BITS> y = 0;
        for (int pe = 0; pe < P::PE; ++pe) {
#pragma HLS UNROLL
            const ap_int<P::OUT_BITS> v = from_b ? ap_int<P::OUT_BITS>(qnn::element<P::B_BITS, P::B_SIGNED>(b, pe))
                                                 : ap_int<P::OUT_BITS>(qnn::element<P::A_BITS, P::A_SIGNED>(a, pe));
            y(pe * P::OUT_BITS + P::OUT_BITS - 1, pe * P::OUT_BITS) = ap_uint<P::OUT_BITS>(v);
        }
        out.write(y);
        word = word == P::A_WORDS + P::B_WORDS - 1 ? 0 : word + 1;
    }
}

#endif

// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// channel_scale: each channel of a channels-last stream of C channels, PE per word, times its own
// unsigned factor (hw/rtl/channel_scale.v, flow/ops/channel_scale.py). Factors of channel
// nf*PE + pe: field pe of memory word nf. One word per cycle.
#ifndef QNNFLOW_CHANNEL_SCALE_HPP
#define QNNFLOW_CHANNEL_SCALE_HPP

#include "stream_word.hpp"

template <class P>
void channel_scale(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out,
                   int frames, const uint64_t factors[][qnn::chunks(P::PE * P::K_BITS)]) {
    constexpr int NF = P::C / P::PE;
    int nf = 0;
    for (long i = 0; i < long(frames) * P::IN_WORDS; ++i) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=P::IN_WORDS max=P::IN_WORDS
        const ap_uint<P::IN_WORD_BITS> x = in.read();
        ap_uint<P::OUT_WORD_BITS> y = 0;
        for (int pe = 0; pe < P::PE; ++pe) {
#pragma HLS UNROLL
            const ap_int<P::IN_BITS + P::K_BITS + 2> product =
                qnn::element<P::IN_BITS, P::IN_SIGNED>(x, pe) * ap_int<P::K_BITS + 1>(qnn::rom_field<P::K_BITS>(factors[nf], pe));
            y(pe * P::OUT_BITS + P::OUT_BITS - 1, pe * P::OUT_BITS) = ap_uint<P::OUT_BITS>(product);
        }
        out.write(y);
        nf = nf == NF - 1 ? 0 : nf + 1;
    }
}

#endif

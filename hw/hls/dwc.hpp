// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// dwc: data-width converter, IN_ELEMS to OUT_ELEMS elements of BITS per word, any ratio
// (hw/rtl/dwc.v). Elements keep their order; a frame's elements divide into both word sizes,
// so the buffer is empty at every frame boundary. Each cycle either emits a word (when the
// buffer holds one) or takes one in.
#ifndef QNNFLOW_DWC_HPP
#define QNNFLOW_DWC_HPP

#include "stream_word.hpp"

template <class P>
void dwc(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out, int frames) {
    constexpr int IW = P::IN_ELEMS * P::BITS, OW = P::OUT_ELEMS * P::BITS;
    ap_uint<IW + OW> buffer = 0;
    int held = 0;  // elements in the buffer, from its least significant bits
    for (long i = 0; i < long(frames) * (P::IN_WORDS + P::OUT_WORDS); ++i) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=P::IN_WORDS + P::OUT_WORDS max=P::IN_WORDS + P::OUT_WORDS
        if (held >= P::OUT_ELEMS) {
            out.write(ap_uint<P::OUT_WORD_BITS>(buffer(OW - 1, 0)));
            buffer >>= OW;
            held -= P::OUT_ELEMS;
        } else {
            const ap_uint<IW + OW> x = ap_uint<IW>(in.read()(IW - 1, 0));
            buffer |= x << (held * P::BITS);
            held += P::IN_ELEMS;
        }
    }
}

#endif

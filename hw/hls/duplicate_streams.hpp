// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// duplicate_streams: every word of one stream written to two (hw/rtl/duplicate_streams.v,
// flow/ops/duplicate_streams.py), where a tensor feeds two ops. One word per cycle.
#ifndef QNNFLOW_DUPLICATE_STREAMS_HPP
#define QNNFLOW_DUPLICATE_STREAMS_HPP

#include "stream_word.hpp"

template <class P>
void duplicate_streams(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out0,
                       hls::stream<ap_uint<P::OUT_WORD_BITS>>& out1, int frames) {
    for (long i = 0; i < long(frames) * P::IN_WORDS; ++i) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=P::IN_WORDS max=P::IN_WORDS
        const ap_uint<P::OUT_WORD_BITS> word = in.read();
        out0.write(word);
        out1.write(word);
    }
}

#endif

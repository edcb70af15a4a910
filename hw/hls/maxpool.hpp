// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// maxpool: max pooling with kernel = stride K of an IFM_H x IFM_W x C channels-last map,
// PE channels per word (hw/rtl/maxpool.v, flow/ops/maxpool.py). Rows and columns past the last
// whole window are read and dropped. A row of partial maxima is kept; the last input of a
// window sends its word. Bipolar inputs (SIGNED = 0, BITS = 1) pool as bits (OR). One input
// word per cycle.
#ifndef QNNFLOW_MAXPOOL_HPP
#define QNNFLOW_MAXPOOL_HPP

#include "stream_word.hpp"

template <class P>
void maxpool(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out,
             int frames) {
    constexpr int CF = P::C / P::PE, OW = P::IFM_W / P::K, OH = P::IFM_H / P::K;
    constexpr int WW = P::PE * P::BITS;
    ap_uint<WW> partial[OW * CF];
    int y = 0, x = 0, cf = 0;
    for (long i = 0; i < long(frames) * P::IN_WORDS; ++i) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=P::IN_WORDS max=P::IN_WORDS
        const ap_uint<WW> word = in.read()(WW - 1, 0);
        if (y < OH * P::K && x < OW * P::K) {
            const int slot = (x / P::K) * CF + cf;
            const bool first = y % P::K == 0 && x % P::K == 0;
            const ap_uint<WW> old = partial[slot];
            ap_uint<WW> best = 0;
            for (int pe = 0; pe < P::PE; ++pe) {
#pragma HLS UNROLL
                const ap_int<P::BITS + 1> v = qnn::element<P::BITS, P::SIGNED>(word, pe);
                const ap_int<P::BITS + 1> m = qnn::element<P::BITS, P::SIGNED>(old, pe);
                best(pe * P::BITS + P::BITS - 1, pe * P::BITS) = (first || v > m) ? v : m;
            }
            partial[slot] = best;
            if (y % P::K == P::K - 1 && x % P::K == P::K - 1) out.write(ap_uint<P::OUT_WORD_BITS>(best));
        }
        if (++cf == CF) {
            cf = 0;
            if (++x == P::IFM_W) {
                x = 0;
                if (++y == P::IFM_H) y = 0;
            }
        }
    }
}

#endif

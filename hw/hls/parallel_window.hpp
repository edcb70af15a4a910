// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// parallel_window: each convolution window of an IFM_H x IFM_W x C channels-last map whole, one
// window per word (hw/rtl/parallel_window.v, flow/ops/sliding_window.py), element (kh, kw, c) at
// index (kh * K_W + kw) * C + c; no padding. One pixel a word in; the last (K_H - 1) rows and
// K_W pixels are kept in a ring, and a pixel at a window's bottom-right corner sends its window.
#ifndef QNNFLOW_PARALLEL_WINDOW_HPP
#define QNNFLOW_PARALLEL_WINDOW_HPP

#include "stream_word.hpp"

template <class P>
void parallel_window(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out,
                     int frames) {
    constexpr int PW = P::C * P::BITS, LEN = (P::K_H - 1) * P::IFM_W + P::K_W;
    ap_uint<PW> ring[LEN];  // the pixel n back from the newest at ring[(newest - n) mod LEN]
#pragma HLS ARRAY_PARTITION variable=ring complete
    for (int f = 0; f < frames; ++f) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=1
        int newest = 0;
        for (int i = 0; i < P::IFM_H * P::IFM_W; ++i) {
#pragma HLS PIPELINE II=1
            const int y = i / P::IFM_W, x = i % P::IFM_W;
            newest = (newest + 1) % LEN;
            ring[newest] = in.read()(PW - 1, 0);
            const int top = y - (P::K_H - 1), left = x - (P::K_W - 1);
            if (top < 0 || left < 0 || top % P::STRIDE_H != 0 || left % P::STRIDE_W != 0) {
                continue;
            }
            ap_uint<P::OUT_WORD_BITS> window = 0;
            for (int kh = 0; kh < P::K_H; ++kh) {
                for (int kw = 0; kw < P::K_W; ++kw) {
                    const int back = (P::K_H - 1 - kh) * P::IFM_W + (P::K_W - 1 - kw);
                    const int e = kh * P::K_W + kw;
                    window((e + 1) * PW - 1, e * PW) = ring[(newest - back + LEN) % LEN];
                }
            }
            out.write(window);
        }
    }
}

#endif

// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// sliding_window: the convolution windows (im2col) of an IFM_H x IFM_W x C channels-last map,
// SIMD channels per word (hw/rtl/sliding_window.v, flow/ops/sliding_window.py). Per output
// pixel the K_H x K_W window leaves kernel row by kernel row, kernel column by kernel column,
// channels fastest; positions in the padding carry 0. K_H image rows are buffered: before each
// output row the rows it needs are read, then its windows are sent (reading and sending take
// turns, so a frame takes its input plus its output words; the RTL overlaps them).
#ifndef QNNFLOW_SLIDING_WINDOW_HPP
#define QNNFLOW_SLIDING_WINDOW_HPP

#include "stream_word.hpp"

template <class P>
void sliding_window(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out,
                    int frames) {
    constexpr int CF = P::C / P::SIMD, WW = P::SIMD * P::BITS;
    constexpr int OH = (P::IFM_H + P::PAD_T + P::PAD_B - P::K_H) / P::STRIDE_H + 1;
    constexpr int OW = (P::IFM_W + P::PAD_L + P::PAD_R - P::K_W) / P::STRIDE_W + 1;
    ap_uint<WW> rows[P::K_H][P::IFM_W * CF];  // image row y in rows[y % K_H]
    for (int f = 0; f < frames; ++f) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=1
        int read = 0;  // image rows read so far this frame
        for (int oy = 0; oy < OH; ++oy) {
            const int top = oy * P::STRIDE_H - P::PAD_T;
            const int last = top + P::K_H - 1 < P::IFM_H - 1 ? top + P::K_H - 1 : P::IFM_H - 1;
            for (; read <= last; ++read) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=P::K_H
                for (int w = 0; w < P::IFM_W * CF; ++w) {
#pragma HLS PIPELINE II=1
                    rows[read % P::K_H][w] = in.read()(WW - 1, 0);
                }
            }
            for (int i = 0; i < OW * P::K_H * P::K_W * CF; ++i) {
#pragma HLS PIPELINE II=1
                const int cf = i % CF, kw = i / CF % P::K_W, kh = i / (CF * P::K_W) % P::K_H;
                const int ox = i / (CF * P::K_W * P::K_H);
                const int iy = top + kh, ix = ox * P::STRIDE_W - P::PAD_L + kw;
                const bool inside = iy >= 0 && iy < P::IFM_H && ix >= 0 && ix < P::IFM_W;
                out.write(inside ? ap_uint<P::OUT_WORD_BITS>(rows[iy % P::K_H][ix * CF + cf])
                                 : ap_uint<P::OUT_WORD_BITS>(0));
            }
        }
        // rows below the last window are read and dropped
        for (; read < P::IFM_H; ++read) {
#pragma HLS LOOP_TRIPCOUNT min=0 max=P::K_H
            for (int w = 0; w < P::IFM_W * CF; ++w) {
#pragma HLS PIPELINE II=1
                in.read();
            }
        }
    }
}

#endif

// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// upscale: a channels-last map B times higher and wider (hw/rtl/upscale.v, flow/ops/upscale.py).
// MODE 0, depth to space (DCR): block position (i, j) of an output pixel's B x B block comes
// from input channels (i*B + j)*C; MODE 1, nearest: an input pixel repeats over its block.
// An input row is kept, then read out B times, each pixel B times. Here a row is read in, then
// written out (the RTL overlaps the two with three row banks); words pass unchanged.
#ifndef QNNFLOW_UPSCALE_HPP
#define QNNFLOW_UPSCALE_HPP

#include "stream_word.hpp"

template <class P>
void upscale(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out,
             int frames) {
    constexpr int CF = P::C / P::PE, IN_CF = P::MODE == 0 ? CF * P::B * P::B : CF;
    constexpr int ROW = P::IFM_W * IN_CF, WW = P::PE * P::BITS;
    ap_uint<WW> row[ROW];
    for (long r = 0; r < long(frames) * P::IFM_H; ++r) {
#pragma HLS LOOP_TRIPCOUNT min=P::IFM_H max=P::IFM_H
        for (int k = 0; k < ROW; ++k) {
#pragma HLS PIPELINE II=1
            row[k] = in.read()(WW - 1, 0);
        }
        for (int i = 0; i < P::B; ++i) {
            for (int x = 0; x < P::IFM_W; ++x) {
                for (int j = 0; j < P::B; ++j) {
                    for (int cf = 0; cf < CF; ++cf) {
#pragma HLS PIPELINE II=1
                        const int block = P::MODE == 0 ? (i * P::B + j) * CF : 0;
                        out.write(ap_uint<P::OUT_WORD_BITS>(row[x * IN_CF + block + cf]));
                    }
                }
            }
        }
    }
}

#endif

// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// upscale: a channels-last map B times higher and wider (hw/rtl/upscale.v, flow/ops/upscale.py).
// MODE 0, depth to space (DCR): block position (i, j) of an output pixel's B x B block comes
// from input channels (i*B + j)*C; MODE 1, nearest: an input pixel repeats over its block.
// An input row is kept, then read out B times, each pixel B times. Here two row banks overlap
// the two: while one row is read out, the next is read in, so each row takes as many cycles as
// its busier side, at II=1 (the RTL does the same with three banks); words pass unchanged.
#ifndef QNNFLOW_UPSCALE_HPP
#define QNNFLOW_UPSCALE_HPP

#include "stream_word.hpp"

template <class P>
void upscale(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out,
             int frames) {
    constexpr int CF = P::C / P::PE, IN_CF = P::MODE == 0 ? CF * P::B * P::B : CF;
    constexpr int ROW = P::IFM_W * IN_CF, OUT_ROW = P::B * P::IFM_W * P::B * CF, WW = P::PE * P::BITS;
    constexpr int STEPS = ROW > OUT_ROW ? ROW : OUT_ROW;
    ap_uint<WW> bank[2][ROW];
    const long rows = long(frames) * P::IFM_H;
    if (rows == 0) return;
    for (int k = 0; k < ROW; ++k) {   // the first row, before any output
#pragma HLS PIPELINE II=1
        bank[0][k] = in.read()(WW - 1, 0);
    }
    for (long r = 0; r < rows; ++r) {
#pragma HLS LOOP_TRIPCOUNT min=P::IFM_H max=P::IFM_H
        const int now = r % 2;
        // the output word's place in the row read out: block row i, pixel x, block column j, fold cf
        int i = 0, x = 0, j = 0, cf = 0;
        for (int n = 0; n < STEPS; ++n) {
#pragma HLS PIPELINE II=1
#pragma HLS DEPENDENCE variable=bank inter false
            if (r + 1 < rows && n < ROW) bank[1 - now][n] = in.read()(WW - 1, 0);
            if (n < OUT_ROW) {
                const int block = P::MODE == 0 ? (i * P::B + j) * CF : 0;
                out.write(ap_uint<P::OUT_WORD_BITS>(bank[now][x * IN_CF + block + cf]));
                if (++cf == CF) {
                    cf = 0;
                    if (++j == P::B) {
                        j = 0;
                        if (++x == P::IFM_W) {
                            x = 0;
                            ++i;
                        }
                    }
                }
            }
        }
    }
}

#endif

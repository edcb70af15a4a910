// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// label_select: top-K of LABELS values per frame, PE values per input word, one index per
// output word: the K largest first, and among equal values the lower index first, as ONNX
// TopK (hw/rtl/label_select.v, flow/ops/label_select.py). A sorted list of K slots takes one
// word per cycle; a new value passes only the slots it is strictly larger than.
#ifndef QNNFLOW_LABEL_SELECT_HPP
#define QNNFLOW_LABEL_SELECT_HPP

#include "stream_word.hpp"

template <class P>
void label_select(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out,
                  int frames) {
    ap_int<P::IN_BITS + 1> value[P::K];
    ap_uint<P::OUT_BITS> index[P::K];
    bool used[P::K];
#pragma HLS ARRAY_PARTITION variable=value complete
#pragma HLS ARRAY_PARTITION variable=index complete
#pragma HLS ARRAY_PARTITION variable=used complete
    for (int f = 0; f < frames; ++f) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=1
        for (int j = 0; j < P::K; ++j) {
#pragma HLS UNROLL
            used[j] = false;
        }
        for (int w = 0; w < P::LABELS / P::PE; ++w) {
#pragma HLS PIPELINE II=1
            const ap_uint<P::IN_WORD_BITS> word = in.read();
            for (int pe = 0; pe < P::PE; ++pe) {
#pragma HLS UNROLL
                const ap_int<P::IN_BITS + 1> v = qnn::element<P::IN_BITS, P::IN_SIGNED>(word, pe);
                // the slots ahead of the new value: used ones holding a value >= it
                int at = 0;
                for (int j = 0; j < P::K; ++j) {
#pragma HLS UNROLL
                    at += used[j] && value[j] >= v;
                }
                for (int j = P::K - 1; j >= 0; --j) {
#pragma HLS UNROLL
                    if (j > at) {
                        value[j] = value[j - 1];
                        index[j] = index[j - 1];
                        used[j] = used[j - 1];
                    } else if (j == at) {
                        value[j] = v;
                        index[j] = w * P::PE + pe;
                        used[j] = true;
                    }
                }
            }
        }
        for (int j = 0; j < P::K; ++j) {
#pragma HLS PIPELINE II=1
            out.write(ap_uint<P::OUT_WORD_BITS>(index[j]));
        }
    }
}

#endif

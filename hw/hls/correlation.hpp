// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// correlation: SiamFC's cross-correlation (hw/rtl/correlation.v, flow/ops/correlation.py). Each
// vector of MW elements (MW/SIMD words of SIMD elements) is multiplied by the exemplar vector
// held in the op's exemplar memory; one signed score of ACC_BITS leaves per vector.
//
// The memory is written at run time: when exemplar_capture is set (a control register, changed
// by the host only while the accelerator is drained, so it holds for the whole call), the first
// vector of every frame of the call is stored as the new exemplar while it streams and is
// multiplied by itself; the frame's other vectors read it. The memory keeps its exemplar across
// calls and starts at zero, as the RTL's.
#ifndef QNNFLOW_CORRELATION_HPP
#define QNNFLOW_CORRELATION_HPP

#include "stream_word.hpp"

template <class P>
void correlation(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out,
                 int frames, bool exemplar_capture) {
    constexpr int SF = P::MW / P::SIMD, XW = P::SIMD * P::IN_BITS;
    static_assert(P::MW % P::SIMD == 0, "correlation: SIMD must divide MW");
    // one SIMD-element word per cycle: the memory is split into SIMD banks of IN_BITS
    static ap_uint<P::IN_BITS> exemplar[SF][P::SIMD];
#pragma HLS ARRAY_PARTITION variable=exemplar dim=2 complete
    ap_int<P::ACC_BITS + 1> acc = 0;
    int sf = 0, vec = 0;
    for (long i = 0; i < long(frames) * P::NUM_VECTORS * SF; ++i) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=P::NUM_VECTORS * SF max=P::NUM_VECTORS * SF
        const ap_uint<XW> x = in.read()(XW - 1, 0);
        const bool write = exemplar_capture && vec == 0;
        ap_int<P::ACC_BITS + 1> part = 0;
        for (int s = 0; s < P::SIMD; ++s) {
#pragma HLS UNROLL
            const ap_uint<P::IN_BITS> x_code = x(s * P::IN_BITS + P::IN_BITS - 1, s * P::IN_BITS);
            // while written, the exemplar element is the input itself (no read after write)
            const ap_uint<P::IN_BITS> e_code = write ? x_code : exemplar[sf][s];
            if (write) exemplar[sf][s] = x_code;
            part += qnn::element<P::IN_BITS, P::IN_SIGNED>(x_code, 0) * qnn::element<P::IN_BITS, P::IN_SIGNED>(e_code, 0);
        }
        acc = (sf == 0 ? ap_int<P::ACC_BITS + 1>(0) : acc) + part;
        if (sf == SF - 1) {
            ap_uint<P::OUT_WORD_BITS> y = 0;
            y(P::ACC_BITS - 1, 0) = acc(P::ACC_BITS - 1, 0);
            out.write(y);
        }
        if (++sf == SF) {
            sf = 0;
            if (++vec == P::NUM_VECTORS) vec = 0;
        }
    }
}

#endif

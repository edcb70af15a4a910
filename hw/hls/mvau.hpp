// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// mvau: matrix-vector-activation unit (hw/rtl/mvau.v, flow/ops/mvau.py). Each vector of MW
// elements (MW/SIMD words) is multiplied by the MW x MH weight ROM; MH/PE words of PE channels
// leave per vector, the accumulators or their multi-threshold activations. One synapse-fold
// step (SIMD x PE products) per cycle; the vector is buffered while neuron fold 0 reads it and
// replayed for the others.
//
// MODE 0 xnor (bipolar x bipolar as bits: popcount P of matching bits, accumulator 2P - MW,
// thresholds compare P unsigned), 1 binary_weight (weight bit 1 = +1, 0 = -1), 2 int
// (multiply-accumulate), 3 binary_input (input bit 1 = +1, 0 = -1). Weights: word
// nf*(MW/SIMD) + sf, field pe*SIMD + s holds W[sf*SIMD + s][nf*PE + pe]. Thresholds: word nf,
// field pe*N_THRES + k. The accumulator keeps ACC_BITS: partial sums may wrap, the total fits.
//
// In int mode with inputs and weights of at most 4 bits and an even PE, two lanes share one
// multiplier (a DSP48 takes 25 x 18 bits): x * (w1 * 2^10 + w0) = x*w1 * 2^10 + x*w0, where
// |x*w0| < 2^9, so the low 10 bits are x*w0 and the rest, plus their sign, x*w1.
// -DQNN_DSP_PACK=0 turns it off.
#ifndef QNNFLOW_MVAU_HPP
#define QNNFLOW_MVAU_HPP

#include "threshold_unit.hpp"

#ifndef QNN_DSP_PACK
#define QNN_DSP_PACK 1
#endif

namespace qnn {

constexpr int MVAU_XNOR = 0, MVAU_BINARY_WEIGHT = 1, MVAU_INT = 2, MVAU_BINARY_INPUT = 3;

template <class P>
constexpr bool mvau_packs_dsp() {
    return QNN_DSP_PACK && P::MODE == MVAU_INT && P::IN_BITS <= 4 && P::W_BITS <= 4 && P::PE % 2 == 0;
}

constexpr int PACK_SHIFT = 10;

// ones in a 64-bit chunk: SWAR sums of bit pairs, nibbles, bytes (an adder tree in hardware)
inline int popcount64(uint64_t v) {
#pragma HLS INLINE
    v = v - ((v >> 1) & 0x5555555555555555ULL);
    v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    v += v >> 8;
    v += v >> 16;
    v += v >> 32;
    return int(v & 0x7F);
}

template <int N>
int popcount(const ap_uint<N>& v) {
#pragma HLS INLINE
    int count = 0;
    for (int c = 0; c < (N + 63) / 64; ++c) {
#pragma HLS UNROLL
        const int hi = 64 * c + 63 < N - 1 ? 64 * c + 63 : N - 1;
        count += popcount64(v(hi, 64 * c).to_uint64());
    }
    return count;
}

// weight s of lane pe, read from the ROM word's chunks
template <class P, int C>
ap_int<P::W_BITS + 1> weight(const uint64_t (&w)[C], int pe, int s) {
#pragma HLS INLINE
    const ap_uint<P::W_BITS> code = rom_field<P::W_BITS>(w, pe * P::SIMD + s);
    if (P::W_SIGNED) return ap_int<P::W_BITS>(code);
    return code;
}

// the sum of lane pe's SIMD terms (for xnor: the count of matching bits); xs holds the input
// elements of x, decoded once for all lanes
template <class P, int XW, int C>
ap_int<P::ACC_BITS + 1> lane_sum(const ap_uint<XW>& x, const ap_int<P::IN_BITS + 1> (&xs)[P::SIMD],
                                 const uint64_t (&w)[C], int pe) {
#pragma HLS INLINE
    if (P::MODE == MVAU_XNOR) return popcount(ap_uint<XW>(~(x ^ rom_field<P::SIMD>(w, pe))));
    ap_int<P::ACC_BITS + 1> sum = 0;
    for (int s = 0; s < P::SIMD; ++s) {
#pragma HLS UNROLL
        const ap_int<P::W_BITS + 1> v = weight<P>(w, pe, s);
        if (P::MODE == MVAU_BINARY_WEIGHT) {
            sum += v != 0 ? ap_int<P::IN_BITS + 2>(xs[s]) : ap_int<P::IN_BITS + 2>(-xs[s]);
        } else if (P::MODE == MVAU_BINARY_INPUT) {
            sum += xs[s] != 0 ? ap_int<P::W_BITS + 2>(v) : ap_int<P::W_BITS + 2>(-v);
        } else {
            sum += xs[s] * v;
        }
    }
    return sum;
}

// int mode, lanes pe and pe + 1 sharing one multiplier per SIMD element
template <class P, int C>
void lane_pair_sums(const ap_int<P::IN_BITS + 1> (&xs)[P::SIMD], const uint64_t (&w)[C], int pe,
                    ap_int<P::ACC_BITS + 1>& sum0, ap_int<P::ACC_BITS + 1>& sum1) {
#pragma HLS INLINE
    sum0 = 0;
    sum1 = 0;
    for (int s = 0; s < P::SIMD; ++s) {
#pragma HLS UNROLL
        const ap_int<5> a = xs[s];
        const ap_int<16> packed = (ap_int<16>(weight<P>(w, pe + 1, s)) << PACK_SHIFT) + weight<P>(w, pe, s);
        ap_int<21> product = a * packed;
#pragma HLS BIND_OP variable=product op=mul impl=dsp
        const ap_int<PACK_SHIFT> low = product(PACK_SHIFT - 1, 0);
        sum0 += low;
        sum1 += (product >> PACK_SHIFT) + product[PACK_SHIFT - 1];
    }
}

}  // namespace qnn

template <class P>
void mvau(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out, int frames,
          const uint64_t weights[][qnn::chunks(P::PE * P::SIMD * P::W_BITS)],
          const uint64_t thresholds[][qnn::chunks(P::PE * P::N_THRES * P::THRES_BITS)]) {
    constexpr int SF = P::MW / P::SIMD, NF = P::MH / P::PE;
    constexpr int XW = P::SIMD * P::IN_BITS, LW = P::SIMD * P::W_BITS, WW = P::PE * LW;
    constexpr bool XNOR = P::MODE == qnn::MVAU_XNOR;
    ap_uint<XW> vector[SF];
    ap_int<P::ACC_BITS + 1> acc[P::PE];
#pragma HLS ARRAY_PARTITION variable=acc complete
    int sf = 0, nf = 0;
    for (long i = 0; i < long(frames) * P::NUM_VECTORS * NF * SF; ++i) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=P::NUM_VECTORS * NF * SF max=P::NUM_VECTORS * NF * SF
        ap_uint<XW> x;
        if (nf == 0) {
            x = in.read()(XW - 1, 0);
            vector[sf] = x;
        } else {
            x = vector[sf];
        }
        const uint64_t(&w)[qnn::chunks(WW)] = weights[nf * SF + sf];
        ap_int<P::IN_BITS + 1> xs[P::SIMD];
#pragma HLS ARRAY_PARTITION variable=xs complete
        for (int s = 0; s < (P::MODE == qnn::MVAU_XNOR ? 0 : P::SIMD); ++s) {  // xnor uses x's bits
#pragma HLS UNROLL
            xs[s] = qnn::element<P::IN_BITS, P::IN_SIGNED>(x, s);
        }
        ap_int<P::ACC_BITS + 1> part[P::PE];
#pragma HLS ARRAY_PARTITION variable=part complete
        if (qnn::mvau_packs_dsp<P>()) {
            for (int pe = 0; pe < P::PE; pe += 2) {
#pragma HLS UNROLL
                qnn::lane_pair_sums<P>(xs, w, pe, part[pe], part[pe + 1]);
            }
        } else {
            for (int pe = 0; pe < P::PE; ++pe) {
#pragma HLS UNROLL
                part[pe] = qnn::lane_sum<P>(x, xs, w, pe);
            }
        }
        for (int pe = 0; pe < P::PE; ++pe) {
#pragma HLS UNROLL
            acc[pe] = (sf == 0 ? ap_int<P::ACC_BITS + 1>(0) : acc[pe]) + part[pe];
        }
        if (sf == SF - 1) {
            ap_uint<P::OUT_WORD_BITS> y = 0;
            for (int pe = 0; pe < P::PE; ++pe) {
#pragma HLS UNROLL
                ap_uint<P::OUT_BITS> code;
                if (P::N_THRES == 0) {  // the accumulator itself; xnor's is 2P - MW
                    code = XNOR ? ap_int<P::ACC_BITS + 1>(2 * acc[pe] - P::MW)(P::OUT_BITS - 1, 0)
                                : acc[pe](P::OUT_BITS - 1, 0);
                } else if (XNOR) {  // popcount against unsigned thresholds
                    code = qnn::threshold_unit<P::N_THRES, P::THRES_BITS, 0, P::OUT_BITS, P::ACT_BIAS>(
                        acc[pe], thresholds[nf], pe * P::N_THRES);
                } else {  // the accumulator, wrapped to ACC_BITS, against signed thresholds
                    const ap_int<P::ACC_BITS> a = acc[pe](P::ACC_BITS - 1, 0);
                    code = qnn::threshold_unit<P::N_THRES, P::THRES_BITS, 1, P::OUT_BITS, P::ACT_BIAS>(
                        a, thresholds[nf], pe * P::N_THRES);
                }
                y(pe * P::OUT_BITS + P::OUT_BITS - 1, pe * P::OUT_BITS) = code;
            }
            out.write(y);
        }
        if (++sf == SF) {
            sf = 0;
            if (++nf == NF) nf = 0;
        }
    }
}

#endif

// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// stream_word: what every op in hw/hls/ shares: the ap_types includes, the stream packing
// (element i of a word at bits [i*BITS, (i+1)*BITS), element 0 least significant; signed
// elements two's complement; a bipolar value {-1, +1} is the bit {0, 1}; flow/packing.py is
// the reference) and the generated memory images (one word of `bits` bits stored as 64-bit
// chunks, least significant first, the same words as the RTL's $readmemh files).
#ifndef QNNFLOW_STREAM_WORD_HPP
#define QNNFLOW_STREAM_WORD_HPP

#include <cstdint>

// g++ -O1 and above flag bits that ap_private reads before it masks them, inside Xilinx's
// headers but reported where they are inlined; silenced for those headers only.
// words up to 4,096 bits (Vitis HLS's largest AP_INT_MAX_W; the default is 1,024): a whole
// convolution window (parallel_window.hpp) is one word
#define AP_INT_MAX_W 4096

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <ap_int.h>
#include <hls_stream.h>
#pragma GCC diagnostic pop

namespace qnn {

// a zero-width ap_uint does not exist: memories and fields that are absent get one bit
constexpr int at_least_1(int bits) { return bits < 1 ? 1 : bits; }

// 64-bit chunks of one memory word of `bits` bits
constexpr int chunks(int bits) { return (at_least_1(bits) + 63) / 64; }

// field i (of W bits) of a memory word, read from the chunks that hold it
template <int W, int C>
ap_uint<W> rom_field(const uint64_t (&row)[C], int i) {
#pragma HLS INLINE
    const int lo = i * W, first = lo / 64, last = (lo + W - 1) / 64;
    if (W <= 64) {  // one or two chunks, shifted together
        const int offset = lo % 64;
        uint64_t bits = row[first] >> offset;
        if (last != first) bits |= row[last] << (64 - offset);
        return ap_uint<W>(bits);
    }
    ap_uint<W + 64> bits = 0;
    for (int c = 0; c <= (W + 62) / 64; ++c) {
#pragma HLS UNROLL
        if (first + c <= last) bits |= ap_uint<W + 64>(row[first + c]) << (64 * c);
    }
    return bits(lo % 64 + W - 1, lo % 64);
}

// element i of a packed word as a number: two's complement when SIGNED, else unsigned
template <int BITS, int SIGNED, int W>
ap_int<BITS + 1> element(const ap_uint<W>& word, int i) {
#pragma HLS INLINE
    const ap_uint<BITS> code = W <= 64 ? ap_uint<BITS>(word.to_uint64() >> (i * BITS))
                                       : ap_uint<BITS>(word(i * BITS + BITS - 1, i * BITS));
    if (SIGNED) return ap_int<BITS>(code);
    return code;
}

}  // namespace qnn

#endif

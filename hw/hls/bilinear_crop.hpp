// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// bilinear_crop: SiamFC's search crop, N x N pixels of an H x W RGB frame, with Pillow's bytes
// (hw/rtl/bilinear_crop.v; deploy/crop_stream.py: the stream format and the numpy model). The
// host sends the per-axis samples ahead of the whole frame; the interpolation is float64 rounded
// step for step as Pillow's C, so no fused multiply-add (it would round once where Pillow rounds
// twice and move bytes, and the tracker's boxes with them). The samples only move down the frame,
// so the rows it needs come in stream order: a row is read into a row buffer once, interpolated
// along x into one of two slots (in Pillow's order, deploy/pillow_crop.c), and reused there by
// the output rows that blend it.
#ifndef QNNFLOW_BILINEAR_CROP_HPP
#define QNNFLOW_BILINEAR_CROP_HPP

#include "stream_word.hpp"

namespace qnn {

// a float64 from its bits (the union is Vitis HLS's bit cast; g++ defines it)
inline double bits_to_double(uint64_t bits) {
#pragma HLS INLINE
    union {
        uint64_t u;
        double d;
    } v;
    v.u = bits;
    return v.d;
}

// Frame row k into `row`, dropping the rows before it (`held`: the last word read, `read` words
// so far, so the first bytes of k may be there already), then along x at columns [c0, c1) into
// slot s.
template <class P>
void crop_fetch(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, int64_t& read, uint64_t& held,
                uint8_t (&row)[3 * P::W], int k, int c0, int c1, const int (&left)[P::N],
                const bool (&same)[P::N], const double (&dx)[P::N], double (&slot)[2][P::N][3], int s) {
#pragma HLS INLINE
    constexpr int ROW = 3 * P::W;
    const int64_t start = int64_t(ROW) * k, first = start / 8, last = (start + ROW - 1) / 8;
    for (; read < first; ++read) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=0 max=(3 * P::H * P::W + 7) / 8
        in.read();
    }
    for (int64_t w = first; w <= last; ++w) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=(3 * P::W + 7) / 8 max=(3 * P::W + 7) / 8 + 1
        if (w == read) {
            held = in.read().to_uint64();
            ++read;
        }
        for (int b = 0; b < 8; ++b) {
#pragma HLS UNROLL
            const int64_t i = 8 * w + b - start;
            if (i >= 0 && i < ROW) row[i] = uint8_t(held >> (8 * b));
        }
    }
    for (int c = c0; c < c1; ++c) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=1 max=P::N
        const int right = same[c] ? left[c] : left[c] + 3;
        for (int ch = 0; ch < 3; ++ch) {
#pragma HLS UNROLL
            const double a = row[left[c] + ch], b = row[right + ch];
            slot[s][c][ch] = a + (b - a) * dx[c];
        }
    }
}

}  // namespace qnn

template <class P>
void bilinear_crop(hls::stream<ap_uint<P::IN_WORD_BITS>>& in, hls::stream<ap_uint<P::OUT_WORD_BITS>>& out,
                   int frames) {
    constexpr int64_t FRAME_WORDS = (int64_t(3) * P::H * P::W + 7) / 8;
    double dx[P::N], dy[P::N];
    int left[P::N];  // a column's left pixel: its first byte in the row
    bool same[P::N];  // its right pixel is the left one (clamped at the frame's last column)
    int top[P::N], bottom[P::N];
    uint8_t row[3 * P::W];
    double slot[2][P::N][3];  // frame rows along x, each channel a bank
    // 8 banks: a frame word a cycle in, a column's 6 bytes a cycle out
#pragma HLS ARRAY_PARTITION variable=row cyclic factor=8
#pragma HLS ARRAY_PARTITION variable=slot dim=1 complete
#pragma HLS ARRAY_PARTITION variable=slot dim=3 complete
    for (int f = 0; f < frames; ++f) {
#pragma HLS LOOP_TRIPCOUNT min=1 max=1
        const uint64_t bounds = in.read().to_uint64();
        const int r0 = bounds & 0xFFFF, r1 = bounds >> 16 & 0xFFFF, c0 = bounds >> 32 & 0xFFFF,
                  c1 = bounds >> 48;
        const ap_uint<24> fill = in.read().to_uint64() & 0xFFFFFF;
        for (int c = 0; c < P::N; ++c) {
#pragma HLS PIPELINE II=1
            dx[c] = qnn::bits_to_double(in.read().to_uint64());
        }
        for (int c = 0; c < P::N; ++c) {
#pragma HLS PIPELINE II=1
            const uint64_t w = in.read().to_uint64();
            left[c] = int(w & 0xFFFFFFFF);
            same[c] = w >> 32 & 1;
        }
        for (int r = 0; r < P::N; ++r) {
#pragma HLS PIPELINE II=1
            dy[r] = qnn::bits_to_double(in.read().to_uint64());
        }
        for (int r = 0; r < P::N; ++r) {
#pragma HLS PIPELINE II=1
            const uint64_t w = in.read().to_uint64();
            top[r] = int(w & 0xFFFF);
            bottom[r] = int(w >> 16 & 0xFFFF);
        }
        int64_t read = 0;  // frame words read
        uint64_t held = 0;
        int tag[2] = {-1, -1};  // the frame row each slot holds
        for (int r = 0; r < P::N; ++r) {
            const bool inside = r >= r0 && r < r1;
            // Pillow's order: the top row into the slot not holding the bottom one, then the bottom
            int fetch_row[2], fetch_slot[2], fetches = 0, t = 0, b = 0;
            if (inside) {
                t = tag[0] == top[r] ? 0 : tag[1] == top[r] ? 1 : -1;
                if (t < 0) {
                    t = tag[0] == bottom[r] ? 1 : 0;
                    fetch_row[fetches] = top[r];
                    fetch_slot[fetches++] = t;
                    tag[t] = top[r];
                }
                b = tag[t] == bottom[r] ? t : 1 - t;
                if (tag[b] != bottom[r]) {
                    fetch_row[fetches] = bottom[r];
                    fetch_slot[fetches++] = b;
                    tag[b] = bottom[r];
                }
            }
            for (int i = 0; i < fetches; ++i) {
#pragma HLS LOOP_TRIPCOUNT min=0 max=2
                qnn::crop_fetch<P>(in, read, held, row, fetch_row[i], c0, c1, left, same, dx, slot, fetch_slot[i]);
            }
            for (int c = 0; c < P::N; ++c) {
#pragma HLS PIPELINE II=1
                ap_uint<24> pixel = fill;
                if (inside && c >= c0 && c < c1) {
                    for (int ch = 0; ch < 3; ++ch) {
#pragma HLS UNROLL
                        const double upper = slot[t][c][ch], lower = slot[b][c][ch];
                        // the C cast truncates, as Pillow's
                        pixel(8 * ch + 7, 8 * ch) = uint8_t(upper + (lower - upper) * dy[r]) ^ 0x80;
                    }
                }
                out.write(ap_uint<P::OUT_WORD_BITS>(pixel));
            }
        }
        for (; read < FRAME_WORDS; ++read) {
#pragma HLS PIPELINE II=1
#pragma HLS LOOP_TRIPCOUNT min=0 max=(3 * P::H * P::W + 7) / 8
            in.read();
        }
    }
}

#endif

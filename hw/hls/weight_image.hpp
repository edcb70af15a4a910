// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// weight_image: a memory the host loads at run time, filled from the design's weight image
// (flow/backends/weight_image.py: 32-bit words, the memories in graph order, each memory word
// as ceil(width / 32) lanes, least significant first) into the 64-bit chunks the op templates
// read (stream_word.hpp). The C-simulation's test bench does what the host does on the board.
#ifndef QNNFLOW_WEIGHT_IMAGE_HPP
#define QNNFLOW_WEIGHT_IMAGE_HPP

#include <cstdint>
#include <vector>

namespace qnn {

// memory words [0, D) of `lanes` lanes each, from image word `base` on
template <int D, int C>
void unpack_weight_image(const std::vector<uint32_t>& image, long base, int lanes, uint64_t (&memory)[D][C]) {
    for (int i = 0; i < D; ++i) {
        for (int c = 0; c < C; ++c) memory[i][c] = 0;
        for (int k = 0; k < lanes; ++k) {
            memory[i][k / 2] |= static_cast<uint64_t>(image[static_cast<size_t>(base + static_cast<long>(i) * lanes + k)])
                                << (32 * (k % 2));
        }
    }
}

}  // namespace qnn

#endif

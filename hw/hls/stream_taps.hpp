// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// Stream taps of the g++ C-simulation (L5), the counterpart of rtl/accelerator.v's Verilator taps:
// only a build that defines QNNFLOW_STREAM_TAPS (flow/backends/hls/csim.py) includes this, so
// Vitis HLS synthesises and co-simulates the top without it. The test bench's +stream_taps=DIR
// names the folder; each op's output stream is appended to DIR/<node>.hex in hex, one word a line,
// as the RTL taps write it (flow/backends/taps.py reads both).
#ifndef QNNFLOW_STREAM_TAPS_HPP
#define QNNFLOW_STREAM_TAPS_HPP

#include <cstdio>
#include <cstdlib>
#include <string>

#include "stream_word.hpp"

namespace qnn {

// the folder of the taps; empty: nothing is written
inline std::string& stream_tap_dir() {
    static std::string dir;
    return dir;
}

// C-simulation runs a dataflow top's ops one after the other, so once an op returns, its output
// stream holds every word it wrote in this call (after `skip` words of earlier calls, which only
// the top's output port can hold). Those words are logged (their low BITS bits: a port may be
// wider than the data) and left in the stream for the next op.
template <int BITS, int W>
void tap_stream(hls::stream<ap_uint<W>>& s, const char* node, size_t skip = 0) {
    if (stream_tap_dir().empty()) return;
    const std::string path = stream_tap_dir() + "/" + node + ".hex";
    FILE* f = std::fopen(path.c_str(), "a");
    if (!f) {
        std::fprintf(stderr, "stream taps: cannot write %s\n", path.c_str());
        std::exit(2);
    }
    constexpr int DIGITS = (BITS + 3) / 4;
    for (size_t i = 0, n = s.size(); i < n; ++i) {
        const ap_uint<W> word = s.read();
        if (i >= skip) {
            const ap_uint<4 * DIGITS> data = word(BITS - 1, 0);
            for (int d = DIGITS - 1; d >= 0; --d) std::fputc("0123456789abcdef"[data(4 * d + 3, 4 * d).to_uint()], f);
            std::fputc('\n', f);
        }
        s.write(word);
    }
    std::fclose(f);
}

}  // namespace qnn

#endif

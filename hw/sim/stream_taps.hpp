// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// The stitched top's stream taps (flow/backends/rtl/templates/accelerator.v.j2), written here
// through DPI-C rather than by $fwrite, whose formatting (a string built and a lock taken per
// word) cost about a sixth of a tapped run. Words gather in a buffer per tap, written 64 KiB at
// a time: a locked fwrite per word cost another 1 to 2 per cent. Each tap file holds one word a
// line, in lower-case hex, most significant digit first, (bits + 3) / 4 digits: what $fwrite's
// %h wrote and flow/backends/taps.py reads. Included by the harness only: a design that imports
// none of these functions leaves them unused.
#ifndef QNNFLOW_STREAM_TAPS_HPP
#define QNNFLOW_STREAM_TAPS_HPP

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <svdpi.h>

struct StreamTap {
    FILE* file;
    size_t digits;
    std::string pending;   // lines not yet written
};

static void stream_tap_write(StreamTap& t) {
    if (std::fwrite(t.pending.data(), 1, t.pending.size(), t.file) != t.pending.size()) {
        std::fprintf(stderr, "harness: cannot write a stream tap\n");
        std::exit(2);
    }
    t.pending.clear();
}

static std::vector<StreamTap>& stream_taps() {
    static std::vector<StreamTap> taps;
    return taps;
}

// A new tap file at path for words of `bits` bits; its handle (never 0: the top's "no tap").
extern "C" int stream_tap_open(const char* path, int bits) {
    FILE* f = std::fopen(path, "w");
    if (!f) {
        std::fprintf(stderr, "harness: cannot write the stream tap %s\n", path);
        std::exit(2);
    }
    stream_taps().push_back({f, static_cast<size_t>((bits + 3) / 4), std::string()});
    return static_cast<int>(stream_taps().size());
}

// One word's line: digit d (0: the least significant) is nibble(d).
template <typename Nibble>
static void stream_tap_line(int tap, Nibble nibble) {
    StreamTap& t = stream_taps()[static_cast<size_t>(tap - 1)];
    for (size_t d = t.digits; d-- > 0;) t.pending += "0123456789abcdef"[nibble(d)];
    t.pending += '\n';
    if (t.pending.size() >= (1 << 16)) stream_tap_write(t);
}

// A word of up to 64 bits (zeros above them), passed by value: no wide copy per word.
extern "C" void stream_tap_narrow(int tap, long long data) {
    const uint64_t word = static_cast<uint64_t>(data);
    stream_tap_line(tap, [word](size_t d) { return (word >> (4 * d)) & 0xF; });
}

// A wider word: data holds its bits from bit 0 on (zeros above them), 32 a word.
extern "C" void stream_tap_wide(int tap, const svBitVecVal* data) {
    stream_tap_line(tap, [data](size_t d) { return (data[d / 8] >> (4 * (d % 8))) & 0xF; });
}

extern "C" void stream_tap_close(int tap) {
    StreamTap& t = stream_taps()[static_cast<size_t>(tap - 1)];
    stream_tap_write(t);
    if (std::fclose(t.file) != 0) {
        std::fprintf(stderr, "harness: cannot write a stream tap\n");
        std::exit(2);
    }
}

#endif

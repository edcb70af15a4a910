// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// The stitched top's stream taps (flow/backends/rtl/templates/accelerator.v.j2), written here
// through DPI-C rather than by $fwrite, whose formatting (a string built and a lock taken per
// word) cost about a sixth of a tapped run. Each tap file holds one word a line, in lower-case
// hex, most significant digit first, (bits + 3) / 4 digits: what $fwrite's %h wrote and
// flow/backends/taps.py reads. Included by the harness only: a design that imports none of
// these functions leaves them unused.
#ifndef QNNFLOW_STREAM_TAPS_HPP
#define QNNFLOW_STREAM_TAPS_HPP

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <svdpi.h>

struct StreamTap {
    FILE* file;
    std::string line;   // digits and the newline, rewritten for each word
};

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
    stream_taps().push_back({f, std::string(static_cast<size_t>((bits + 3) / 4) + 1, '\n')});
    return static_cast<int>(stream_taps().size());
}

// One word: data holds the tap's bits from bit 0 on (zeros above them), 32 a word.
extern "C" void stream_tap_word(int tap, const svBitVecVal* data) {
    StreamTap& t = stream_taps()[static_cast<size_t>(tap - 1)];
    const size_t digits = t.line.size() - 1;
    for (size_t d = 0; d < digits; ++d) {
        t.line[digits - 1 - d] = "0123456789abcdef"[(data[d / 8] >> (4 * (d % 8))) & 0xF];
    }
    std::fwrite(t.line.data(), 1, t.line.size(), t.file);
}

extern "C" void stream_tap_close(int tap) {
    std::fclose(stream_taps()[static_cast<size_t>(tap - 1)].file);
}

#endif

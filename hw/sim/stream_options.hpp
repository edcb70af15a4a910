// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// The command line shared by the Verilator harness (hw/sim/axis_harness.cpp) and the HLS
// C-simulation test bench (hw/hls/testbench.cpp), and the reader of its --capture file, so
// flow/sim runs both the same way. Each
// program refuses the options it has no use for that would change a result (the harness
// --expect, the test bench --axil-* and --serve); the timing options mean nothing to a C-simulation.
#ifndef QNNFLOW_STREAM_OPTIONS_HPP
#define QNNFLOW_STREAM_OPTIONS_HPP

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

struct StreamOptions {
    std::string in_path, out_path, stats_path, capture_path, expect_path, axil_writes, axil_reads;
    // the weight image the host loads before the first batch (flow/backends/weight_image.py),
    // its first word at image address weights_base
    std::string weights_path;
    long weights_base = 0;
    long in_words = 0, out_words = 0, in_frame_words = 1, out_frame_words = 1;
    double in_gap = 0.0, out_stall = 0.0, in_period = 0.0;
    unsigned seed = 1;
    long max_cycles = 100000000;
    long idle_cycles = 64;   // the harness: cycles run after the last output word (none may follow)
    bool serve = false;   // the harness: batches from stdin, one design (see axis_harness.cpp)
    bool progress = false;  // the harness: a line on stdout as each output frame completes
    // the harness, a board-facing top: the run's last output word ends the batch (TLAST), or the
    // batch goes on in the next run (a driver sending its frames in parts) and no word has TLAST
    bool ends_batch = true;
    bool each_frame = false;   // TLAST ends every output frame (the FRAMES register's EACH bit)
};

// `program` names the caller in the message about an unknown option
inline StreamOptions parse_stream_options(int argc, char** argv, const char* program) {
    StreamOptions o;
    for (int i = 1; i < argc; i += 2) {
        // +verilator+...: the simulator's own runtime options, one word each
        while (i < argc && argv[i][0] == '+') ++i;
        if (i == argc) break;
        if (i + 1 == argc) { std::fprintf(stderr, "%s: option %s has no value\n", program, argv[i]); std::exit(2); }
        const std::string key = argv[i];
        const char* v = argv[i + 1];
        if (key == "--in") o.in_path = v;
        else if (key == "--out") o.out_path = v;
        else if (key == "--stats") o.stats_path = v;
        else if (key == "--capture") o.capture_path = v;   // one flag byte per input frame
        else if (key == "--expect") o.expect_path = v;     // the response it must equal
        else if (key == "--in-words") o.in_words = std::atol(v);
        else if (key == "--out-words") o.out_words = std::atol(v);
        else if (key == "--in-frame-words") o.in_frame_words = std::atol(v);
        else if (key == "--out-frame-words") o.out_frame_words = std::atol(v);
        else if (key == "--in-gap") o.in_gap = std::atof(v);
        else if (key == "--out-stall") o.out_stall = std::atof(v);
        else if (key == "--in-period") o.in_period = std::atof(v);
        else if (key == "--seed") o.seed = static_cast<unsigned>(std::atol(v));
        else if (key == "--max-cycles") o.max_cycles = std::atol(v);
        else if (key == "--idle-cycles") o.idle_cycles = std::atol(v);
        else if (key == "--axil-writes") o.axil_writes = v;  // offset=value,offset=value
        else if (key == "--axil-reads") o.axil_reads = v;    // offset,offset
        else if (key == "--serve") o.serve = std::atol(v) != 0;
        else if (key == "--progress") o.progress = std::atol(v) != 0;
        else if (key == "--ends-batch") o.ends_batch = std::atol(v) != 0;
        else if (key == "--each-frame") o.each_frame = std::atol(v) != 0;
        else if (key == "--weights") o.weights_path = v;
        else if (key == "--weights-base") o.weights_base = std::atol(v);
        else { std::fprintf(stderr, "%s: unknown option %s\n", program, key.c_str()); std::exit(2); }
    }
    return o;
}

// --capture: one flag byte per input frame, 0 or 1 (the exemplar_capture register while that
// frame streams); no file means all 0. Another length or another byte value is refused with a
// message (exit 2): a 1-bit port given 2 would differ between Verilator and the C-simulation.
inline std::vector<unsigned char> read_capture_flags(const std::string& path, long frames, const char* program) {
    std::vector<unsigned char> flags(static_cast<size_t>(frames), 0);
    if (path.empty()) return flags;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) { std::fprintf(stderr, "%s: cannot open the capture flags %s\n", program, path.c_str()); std::exit(2); }
    std::fseek(f, 0, SEEK_END);
    const long size = std::ftell(f);
    std::rewind(f);
    const bool read = size == frames && std::fread(flags.data(), 1, flags.size(), f) == flags.size();
    std::fclose(f);
    if (!read) {
        std::fprintf(stderr, "%s: %s holds %ld capture flags; the input has %ld frames, one flag byte each\n",
                     program, path.c_str(), size, frames);
        std::exit(2);
    }
    for (long i = 0; i < frames; ++i) {
        if (flags[static_cast<size_t>(i)] > 1) {
            std::fprintf(stderr, "%s: capture flag %ld in %s is %d; a flag is 0 or 1\n", program, i, path.c_str(),
                         flags[static_cast<size_t>(i)]);
            std::exit(2);
        }
    }
    return flags;
}

// --weights: the weight image, little-endian 32-bit words; exit 2 with a message when unreadable
inline std::vector<uint32_t> read_weight_image(const std::string& path, const char* program) {
    std::vector<uint32_t> words;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) { std::fprintf(stderr, "%s: cannot open the weight image %s\n", program, path.c_str()); std::exit(2); }
    unsigned char b[4];
    while (std::fread(b, 1, 4, f) == 4) {
        words.push_back(b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24));
    }
    const bool whole = std::feof(f) && std::ftell(f) == static_cast<long>(4 * words.size());
    std::fclose(f);
    if (!whole) {
        std::fprintf(stderr, "%s: %s is not a whole number of 32-bit words\n", program, path.c_str());
        std::exit(2);
    }
    return words;
}

#endif

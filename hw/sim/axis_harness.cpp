// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

// Verilator harness for any module with one AXI-Stream input and one AXI-Stream output:
//   clk, rst (active high), s_axis_{tdata,tvalid,tready}, m_axis_{tdata,tvalid,tready}.
// It streams words from a file with random input-side gaps (optionally paced to one frame
// per --in-period cycles), applies random output back-pressure, and writes the output words
// and per-frame cycle counts. Words are stored
// little-endian, IN_BYTES / OUT_BYTES bytes each (element 0 in the least significant bits);
// the packing itself lives in flow/packing.py. The build names the top module and the word
// sizes in harness_config.h (HARNESS_TOP, HARNESS_HEADER, IN_BYTES, OUT_BYTES), in the build
// folder. With HARNESS_AXI_LITE defined, the top is a board-facing design
// (flow/board/templates/accelerator_axi.v.j2): the harness writes and reads its AXI-Lite control
// registers (s_axi_control_*) before and after the stream, and checks m_axis_tlast, which must
// mark exactly the last output word (none with --ends-batch 0: the batch goes on in the next run;
// with --each-frame 1 also every frame's last word, as the FRAMES register's EACH bit asks).
// A design with a control input exemplar_capture (HARNESS_CAPTURE defined) gets
// one flag byte per input frame from --capture: the flag is applied before the frame's first
// word, and a change waits until every earlier frame's output has left (the host's protocol:
// the flag is a control register, changed only while the accelerator is drained).
// A design with the weight bus (HARNESS_WEIGHTS defined: wl_valid, wl_addr, wl_data) gets the
// weight image of --weights after reset, one word a cycle from address --weights-base on, as the
// host loads it before the first frame (flow/backends/weight_image.py); without --weights the bus
// stays idle.
// With --serve 1 the harness resets the design once and then runs one batch per line of stdin
// (that batch's options, "--in ... --out ..."), printing "harness: batch done" after each: the
// design keeps its state between batches, as the programmable logic of a board does (the
// emulated board, flow/board/emulator/accelerator.py, runs its PL this way).
// A stitched top's stream taps (+stream_taps=DIR) call the DPI-C functions of stream_taps.hpp.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <verilated.h>

// this file alone reads the design's facts: Verilator's own files compile with the same flags
// for every design (ccache shares them), and its precompiled header stays the first include
#include "harness_config.h"

#include "stream_options.hpp"
#include "stream_taps.hpp"
#include HARNESS_HEADER

template <typename T>
static void set_word(T& signal, const uint8_t* bytes, int nbytes) {
    T value = 0;
    for (int i = 0; i < nbytes; ++i) value |= static_cast<T>(bytes[i]) << (8 * i);
    signal = value;
}

template <std::size_t N>
static void set_word(VlWide<N>& signal, const uint8_t* bytes, int nbytes) {
    for (std::size_t w = 0; w < N; ++w) {
        uint32_t value = 0;
        for (int b = 0; b < 4; ++b) {
            const int i = static_cast<int>(4 * w) + b;
            if (i < nbytes) value |= static_cast<uint32_t>(bytes[i]) << (8 * b);
        }
        signal[w] = value;
    }
}

template <typename T>
static void get_word(const T& signal, uint8_t* bytes, int nbytes) {
    for (int i = 0; i < nbytes; ++i) bytes[i] = static_cast<uint8_t>(signal >> (8 * i));
}

template <std::size_t N>
static void get_word(const VlWide<N>& signal, uint8_t* bytes, int nbytes) {
    for (int i = 0; i < nbytes; ++i) bytes[i] = static_cast<uint8_t>(signal[i / 4] >> (8 * (i % 4)));
}

#ifdef HARNESS_AXI_LITE
static void tick(HARNESS_TOP& top) {
    top.clk = 0;
    top.eval();
    top.clk = 1;
    top.eval();
}

// One AXI-Lite write: address and data offered together until both are taken, then the response.
static void axil_write(HARNESS_TOP& top, uint32_t offset, uint32_t value) {
    top.s_axi_control_awaddr = offset;
    top.s_axi_control_wdata = value;
    top.s_axi_control_wstrb = 0xF;
    top.s_axi_control_awvalid = 1;
    top.s_axi_control_wvalid = 1;
    top.s_axi_control_bready = 0;
    bool aw = false, w = false;
    for (int i = 0; i < 64 && !(aw && w); ++i) {
        top.clk = 0;
        top.eval();
        aw = aw || top.s_axi_control_awready;
        w = w || top.s_axi_control_wready;
        top.clk = 1;
        top.eval();
        if (aw) top.s_axi_control_awvalid = 0;
        if (w) top.s_axi_control_wvalid = 0;
    }
    for (int i = 0; i < 64 && !top.s_axi_control_bvalid; ++i) tick(top);
    if (!top.s_axi_control_bvalid) {
        std::fprintf(stderr, "harness: AXI-Lite write to 0x%x got no response\n", offset);
        std::exit(5);
    }
    top.s_axi_control_bready = 1;
    tick(top);
    top.s_axi_control_bready = 0;
}

// One AXI-Lite read: the address until it is taken, then the data.
static uint32_t axil_read(HARNESS_TOP& top, uint32_t offset) {
    top.s_axi_control_araddr = offset;
    top.s_axi_control_arvalid = 1;
    top.s_axi_control_rready = 0;
    for (int i = 0; i < 64; ++i) {
        top.clk = 0;
        top.eval();
        const bool taken = top.s_axi_control_arready;
        top.clk = 1;
        top.eval();
        if (taken) break;
    }
    top.s_axi_control_arvalid = 0;
    for (int i = 0; i < 64 && !top.s_axi_control_rvalid; ++i) tick(top);
    if (!top.s_axi_control_rvalid) {
        std::fprintf(stderr, "harness: AXI-Lite read of 0x%x got no response\n", offset);
        std::exit(5);
    }
    const uint32_t value = top.s_axi_control_rdata;
    top.s_axi_control_rready = 1;
    tick(top);
    top.s_axi_control_rready = 0;
    return value;
}

// "a=b,c=d" or "a,b" -> the numbers in order (decimal or 0x hex)
static std::vector<unsigned long> numbers(const std::string& text) {
    std::vector<unsigned long> out;
    std::string item;
    for (size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == ',' || text[i] == '=') {
            if (!item.empty()) out.push_back(std::stoul(item, nullptr, 0));
            item.clear();
        } else {
            item += text[i];
        }
    }
    return out;
}
#endif

// One batch: the AXI-Lite writes, the stream (--in -> --out), an idle check, the AXI-Lite
// reads, and --stats. Returns the exit status (0: done).
static int run_batch(HARNESS_TOP& top, std::mt19937& rng, const StreamOptions& o) {
    std::vector<uint8_t> in(static_cast<size_t>(o.in_words) * IN_BYTES);
    FILE* f = std::fopen(o.in_path.c_str(), "rb");
    if (!f || std::fread(in.data(), 1, in.size(), f) != in.size()) {
        std::fprintf(stderr, "harness: cannot read %ld words from %s\n", o.in_words, o.in_path.c_str());
        return 2;
    }
    std::fclose(f);
    std::vector<uint8_t> out(static_cast<size_t>(o.out_words) * OUT_BYTES);

    const long in_frames = o.in_words / o.in_frame_words;
    const long out_frames = o.out_words / o.out_frame_words;
    const std::vector<uint8_t> capture = read_capture_flags(o.capture_path, in_frames, "harness");
    std::vector<long> first_in(in_frames, -1), last_out(out_frames, -1);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);

#ifdef HARNESS_AXI_LITE
    const std::vector<unsigned long> writes = numbers(o.axil_writes);
    for (size_t i = 0; i + 1 < writes.size(); i += 2) axil_write(top, writes[i], writes[i + 1]);
#endif

    long in_idx = 0, out_idx = 0, cycle = 0;
    bool holding = false;  // AXI-Stream: a raised tvalid stays up until the handshake
    // until every output word is out and every input word in: a network may leave the end of
    // its input unread (a strided convolution's last rows), which its input stream still carries
    while (out_idx < o.out_words || in_idx < o.in_words) {
        if (cycle >= o.max_cycles) {
            std::fprintf(stderr, "harness: timeout after %ld cycles (%ld/%ld words in, %ld/%ld out)\n",
                         cycle, in_idx, o.in_words, out_idx, o.out_words);
            return 3;
        }
        // pacing: word k may enter from cycle k * period / words-per-frame on
        const bool released = o.in_period <= 0.0 ||
            static_cast<double>(cycle) >= static_cast<double>(in_idx) * o.in_period / o.in_frame_words;
        bool drained_for_flag = true;
#ifdef HARNESS_CAPTURE
        if (!holding && in_idx < o.in_words && in_idx % o.in_frame_words == 0) {
            const long frame = in_idx / o.in_frame_words;
            if (capture[frame] != top.exemplar_capture) {
                drained_for_flag = out_idx == frame * o.out_frame_words;
                if (drained_for_flag) top.exemplar_capture = capture[frame];
            }
        }
#else
        if (!o.capture_path.empty()) {
            std::fprintf(stderr, "harness: --capture given, but the design has no exemplar_capture input\n");
            return 2;
        }
#endif
        if (!holding && in_idx < o.in_words && released && drained_for_flag && uniform(rng) >= o.in_gap) {
            set_word(top.s_axis_tdata, &in[static_cast<size_t>(in_idx) * IN_BYTES], IN_BYTES);
            holding = true;
        }
        // two evaluations a cycle: the falling edge with this cycle's inputs, then the rising one
        top.s_axis_tvalid = holding;
        top.m_axis_tready = uniform(rng) >= o.out_stall;
        top.clk = 0;
        top.eval();
        const bool in_fire = holding && top.s_axis_tready;
        const bool out_fire = top.m_axis_tvalid && top.m_axis_tready;
        if (out_fire) {
#ifdef HARNESS_AXI_LITE
            const bool frame_end = (out_idx + 1) % o.out_frame_words == 0;
            if (static_cast<bool>(top.m_axis_tlast) !=
                ((o.ends_batch && out_idx == o.out_words - 1) || (o.each_frame && frame_end))) {
                std::fprintf(stderr, "harness: m_axis_tlast is %d on output word %ld of %ld\n",
                             static_cast<int>(top.m_axis_tlast), out_idx, o.out_words);
                return 6;
            }
#endif
            get_word(top.m_axis_tdata, &out[static_cast<size_t>(out_idx) * OUT_BYTES], OUT_BYTES);
            if ((out_idx + 1) % o.out_frame_words == 0) {
                last_out[out_idx / o.out_frame_words] = cycle;
                if (o.progress) {
                    std::printf("harness: frame %ld done\n", out_idx / o.out_frame_words + 1);
                    std::fflush(stdout);
                }
            }
            ++out_idx;
        }
        if (in_fire) {
            if (in_idx % o.in_frame_words == 0) first_in[in_idx / o.in_frame_words] = cycle;
            ++in_idx;
            holding = false;
        }
        top.clk = 1;
        top.eval();
        ++cycle;
    }
    // Let the design run idle (and drain what the output did not need): any extra output word is an error.
    top.m_axis_tready = 1;
    top.s_axis_tvalid = 0;
    for (long i = 0; i < o.idle_cycles; ++i) {
        top.clk = 0;
        top.eval();
        if (top.m_axis_tvalid) {
            std::fprintf(stderr, "harness: the design produced more than %ld output words\n", o.out_words);
            return 4;
        }
        top.clk = 1;
        top.eval();
    }
#ifdef HARNESS_AXI_LITE
    std::vector<unsigned long> read_values;
    for (unsigned long offset : numbers(o.axil_reads)) read_values.push_back(axil_read(top, offset));
#endif

    f = std::fopen(o.out_path.c_str(), "wb");
    if (!f || std::fwrite(out.data(), 1, out.size(), f) != out.size()) {
        std::fprintf(stderr, "harness: cannot write %s\n", o.out_path.c_str());
        return 2;
    }
    std::fclose(f);
    f = std::fopen(o.stats_path.c_str(), "w");
    if (!f) return 2;
    // cycles: to the last output word; idle_cycles: simulated after it
    std::fprintf(f, "{\"cycles\": %ld, \"idle_cycles\": %ld, \"words_in\": %ld, \"frame_first_input\": [",
                 cycle, o.idle_cycles, in_idx);
    for (long i = 0; i < in_frames; ++i) std::fprintf(f, "%s%ld", i ? ", " : "", first_in[i]);
    std::fprintf(f, "], \"frame_last_output\": [");
    for (long i = 0; i < out_frames; ++i) std::fprintf(f, "%s%ld", i ? ", " : "", last_out[i]);
    std::fprintf(f, "]");
#ifdef HARNESS_AXI_LITE
    std::fprintf(f, ", \"axil_reads\": [");
    for (size_t i = 0; i < read_values.size(); ++i) std::fprintf(f, "%s%lu", i ? ", " : "", read_values[i]);
    std::fprintf(f, "]");
#endif
    std::fprintf(f, "}\n");
    std::fclose(f);
    return 0;
}

// A batch's options from one line of whitespace-separated "--key value" pairs.
static StreamOptions parse_line(const std::string& line) {
    std::vector<std::string> tokens{"harness"};
    std::string token;
    for (size_t i = 0; i <= line.size(); ++i) {
        if (i == line.size() || line[i] == ' ' || line[i] == '\t') {
            if (!token.empty()) tokens.push_back(token);
            token.clear();
        } else {
            token += line[i];
        }
    }
    std::vector<char*> argv;
    for (std::string& t : tokens) argv.push_back(&t[0]);
    return parse_stream_options(static_cast<int>(argv.size()), argv.data(), "harness");
}

#ifdef HARNESS_WEIGHTS
static void load_weights(HARNESS_TOP& top, const StreamOptions& o) {
    const std::vector<uint32_t> image = o.weights_path.empty() ? std::vector<uint32_t>()
                                                               : read_weight_image(o.weights_path, "harness");
    for (size_t i = 0; i <= image.size(); ++i) {   // and one idle cycle after the last word
        top.wl_valid = i < image.size();
        top.wl_addr = static_cast<uint32_t>(o.weights_base + static_cast<long>(i));
        top.wl_data = i < image.size() ? image[i] : 0;
        top.clk = 0;
        top.eval();
        top.clk = 1;
        top.eval();
    }
}
#endif

int main(int argc, char** argv) {
    // +name=value arguments are the design's ($value$plusargs) and Verilator's: the option
    // parser skips them, context.commandArgs takes them
    const StreamOptions o = parse_stream_options(argc, argv, "harness");
    if (!o.expect_path.empty()) {
        std::fprintf(stderr, "harness: --expect is the HLS test bench's; the harness writes --out\n");
        return 2;
    }
    VerilatedContext context;
    // +verilator+rand+reset+2 +verilator+seed+N: the values X and unreset state take
    context.commandArgs(argc, argv);
    HARNESS_TOP top(&context);
    std::mt19937 rng(o.seed);

    top.clk = 0;
    top.rst = 1;
    top.s_axis_tvalid = 0;
    top.m_axis_tready = 0;
#ifdef HARNESS_CAPTURE
    top.exemplar_capture = 0;
#endif
#ifdef HARNESS_WEIGHTS
    top.wl_valid = 0;
#endif
#ifdef HARNESS_AXI_LITE
    // an AXI-Lite master keeps its valid and ready signals low until it has a transfer
    top.s_axi_control_awvalid = 0;
    top.s_axi_control_wvalid = 0;
    top.s_axi_control_bready = 0;
    top.s_axi_control_arvalid = 0;
    top.s_axi_control_rready = 0;
#endif
    for (int i = 0; i < 8; ++i) {
        top.clk = !top.clk;
        top.eval();
    }
    top.rst = 0;
#ifdef HARNESS_WEIGHTS
    load_weights(top, o);
#else
    if (!o.weights_path.empty()) {
        std::fprintf(stderr, "harness: --weights given, but the design has no weight bus\n");
        return 2;
    }
#endif

    int status = 0;
    if (!o.serve) {
        status = run_batch(top, rng, o);
    } else {
        // one batch per line of stdin, on the same design (its memories and registers persist,
        // as on a board), until stdin closes; "harness: batch done" on stdout after each
        std::string line;
        char chunk[4096];
        while (status == 0 && std::fgets(chunk, sizeof chunk, stdin)) {
            line += chunk;
            if (line.back() != '\n') continue;
            line.pop_back();
            status = run_batch(top, rng, parse_line(line));
            line.clear();
            if (status == 0) {
                std::printf("harness: batch done\n");
                std::fflush(stdout);
            }
        }
    }
    top.final();
#if VM_COVERAGE
    // a toggle-coverage build (flow/backends/rtl/activity.py): each signal bit's toggle count
    context.coveragep()->write("coverage.dat");
#endif
    return status;
}

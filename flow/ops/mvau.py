"""MVAU: matrix-vector-activation unit, the compute engine of convolutions and dense layers.

Each input vector (MW elements) is multiplied by the weight matrix (MW x MH); the MH
accumulators are either thresholded (activation absorbed) or streamed out as they are.
Folding: SIMD input elements and PE output channels per cycle, so one vector takes
(MW/SIMD) * (MH/PE) cycles. Modes pick the datapath:
  xnor           bipolar inputs x bipolar weights: acc = 2 * popcount(xnor) - MW
  binary_weight  integer inputs x bipolar weights: add or subtract each input
  binary_input   bipolar inputs x integer weights: add or subtract each weight
  int            integer inputs x integer weights (INT4 x INT4 the main case): MACs
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.estimate import (
    add_resources,
    comparator_luts,
    dot_dsp_fits,
    dot_dsp_resources,
    loader_resources,
    memory_resources,
    pm_tree_resources,
    tree_adder_luts,
    tree_register_bits,
)
from flow.ops.base import (
    HWOp,
    Memory,
    Stream,
    Workload,
    divisors,
    dtype_attr,
    pack_fields,
    ram_style_for,
    read_memh_fields,
    require_divisible,
    write_memh,
)
from flow.ops.sliding_window import SlidingWindow
from flow.ops.threshold_search import (
    ComparedInHLS,
    read_effective_thresholds,
    search_resources,
    uses_search,
    write_stage_files,
)
from flow.ops.thresholds import apply_thresholds, clamp_thresholds, signed_bits, threshold_bits
from flow.packing import from_codes

# whole windows cost a shift register and a width converter: worth it where they need at most
# this share of the lanes x SIMD of a channel-sized SIMD
WHOLE_WINDOW_LANE_SHARE = 2 / 3


def lanes(fold: dict) -> int:
    return fold["PE"] * fold["SIMD"]


MODES = ("xnor", "binary_weight", "int", "binary_input")
# a bipolar operand adds or subtracts the other (hw/rtl/pm_tree.v)
BINARY_MODES = ("binary_weight", "binary_input")
MODE_CODE = {mode: i for i, mode in enumerate(MODES)}


def mvau(x: np.ndarray, weights: np.ndarray, thresholds=None, out_dtype=None, act_bias=0):
    """x (..., MW), weights (MW, MH) -> (..., MH) accumulators, or activations if thresholded."""
    # float64 BLAS is exact here: every product and partial sum is an integer far below 2^53
    acc = (np.asarray(x, dtype=np.float64) @ np.asarray(weights, dtype=np.float64)).astype(np.int64)
    if thresholds is None:
        return acc
    return apply_thresholds(acc, thresholds, out_dtype, act_bias)


def mvau_mode(in_dtype: DataType, w_dtype: DataType) -> str:
    bipolar = DataType["BIPOLAR"]
    if w_dtype == bipolar:
        return "xnor" if in_dtype == bipolar else "binary_weight"
    return "binary_input" if in_dtype == bipolar else "int"


class MVAU(ComparedInHLS, HWOp):
    rtl_module = "mvau"
    folding_attrs = ("PE", "SIMD")
    implementation_attrs = ("weight_ram_style", "weight_load", "dot_tree", "dot_lut_levels")
    movable_memory_attr = "weight_ram_style"
    runtime_loadable = True
    weight_bus = True

    def op_attrs(self):
        return {
            "MW": ("i", True, 0),
            "MH": ("i", True, 0),
            "SIMD": ("i", False, 1),
            "PE": ("i", False, 1),
            "mode": ("s", True, "", set(MODES)),
            "in_dtype": ("s", True, ""),
            "w_dtype": ("s", True, ""),
            "acc_dtype": ("s", True, ""),
            "out_dtype": ("s", True, ""),
            # leading dims of one frame before the vector axis: [OH, OW] for a conv, [] for dense
            "vector_dims": ("ints", False, []),
            # added to the threshold count (the lowest activation level); unused without thresholds
            "act_bias": ("i", False, 0),
            "weight_ram_style": ("s", False, "auto", {"auto", "block", "distributed", "ultra"}),
            # "runtime": the weights are loaded by the host after the bitstream (always so in
            # UltraRAM, which a bitstream cannot initialise), and can be reloaded without a new one
            "weight_load": ("s", False, "bitstream", {"bitstream", "runtime"}),
            # the weights' first word in the design's weight image (flow/backends/weight_image.py)
            "weight_base": ("i", False, 0),
            # xnor only, "dsp": the dot product's adder levels past dot_lut_levels and the
            # accumulators in DSP48 slices (hw/rtl/dot_dsp.v); "lut": all in LUTs (adder_tree.v);
            # "auto": LUTs unless flow/fold.py's fit_dot_trees gives it slices
            "dot_tree": ("s", False, "auto", {"auto", "lut", "dsp"}),
            "dot_lut_levels": ("i", False, 1),
        }

    # --- graph ----------------------------------------------------------------------------------
    @property
    def has_thresholds(self) -> bool:
        return len(self.onnx_node.input) > 2

    def num_vectors(self) -> int:
        return int(np.prod(self.attr("vector_dims"), dtype=np.int64))

    def in_shape(self, batch):
        return (batch, *self.attr("vector_dims"), self.attr("MW"))

    def out_shape(self, batch):
        return (batch, *self.attr("vector_dims"), self.attr("MH"))

    def compute(self, x, weights, thresholds=None):
        return mvau(x, weights, thresholds, self.out_dtype(), self.attr("act_bias"))

    # --- hardware -------------------------------------------------------------------------------
    def in_stream(self):
        simd = self.attr("SIMD")
        return Stream(simd, dtype_attr(self, "in_dtype"),
                      self.num_vectors() * self.attr("MW") // simd)

    def out_stream(self):
        pe = self.attr("PE")
        return Stream(pe, self.out_dtype(), self.num_vectors() * self.attr("MH") // pe)

    def check_folding(self):
        require_divisible(self, self.attr("MW"), "MW", self.attr("SIMD"), "SIMD")
        require_divisible(self, self.attr("MH"), "MH", self.attr("PE"), "PE")
        if self.attr("dot_tree") == "dsp":
            levels = self.attr("dot_lut_levels")
            if self.attr("mode") != "xnor":
                raise self.fold_error(f"dot_tree 'dsp' takes mode xnor, not {self.attr('mode')}")
            if levels < 0 or not dot_dsp_fits(*self.terms(), levels, self.accumulator_bits()):
                raise self.fold_error(f"dot_lut_levels {levels} is not 0 or more, or leaves sums wider "
                                      f"than the {self.accumulator_bits()}-bit accumulator")

    def dot_in_dsps(self) -> bool:
        """Whether the dot product's upper adder levels and the accumulators are DSP48 slices."""
        return self.attr("dot_tree") == "dsp"

    def cycles(self):
        return (self.num_vectors() * (self.attr("MW") // self.attr("SIMD"))
                * (self.attr("MH") // self.attr("PE")))

    def weight_memory_shape(self) -> tuple[int, int]:
        """(depth, width in bits) of the weight memory at the current folding."""
        mw, mh, simd, pe = (self.attr(k) for k in ("MW", "MH", "SIMD", "PE"))
        return (mw // simd) * (mh // pe), pe * simd * dtype_attr(self, "w_dtype").bitwidth()

    def weight_ram_style(self) -> str:
        depth, width = self.weight_memory_shape()
        if self.attr("weight_ram_style") == "ultra":
            return "ultra"
        if self.attr("weight_ram_style") == "auto" and self.weights_in_terms():
            return "distributed"
        return ram_style_for(depth * width, self.attr("weight_ram_style"))

    def runtime_weights(self) -> bool:
        """Whether the host loads the weights at run time (hw/rtl/weight_loader.v)."""
        return self.attr("weight_ram_style") == "ultra" or self.attr("weight_load") == "runtime"

    def loaded_memory(self) -> tuple[Memory, str] | None:
        """The memory the host loads at run time and its memory file, or None."""
        if not self.runtime_weights():
            return None
        return self.memories()[0], f"{self.name}_weights.mem"

    def weights_in_terms(self) -> bool:
        """Whether the weights, as a ROM in logic, merge into the terms stage's LUTs, costing none
        of their own: in xnor each match-count LUT6 reads three input bits and their three weight
        bits, and a ROM of at most 8 words makes those a function of its 3 address bits. Only
        with NF = 1: a replayed vector reaches the terms through the replay multiplexer, which
        leaves no room (benchmarks/mvau_synth_cases.py, the rom_merge label)."""
        return (self.attr("mode") == "xnor" and self.attr("MH") == self.attr("PE")
                and self.weight_memory_shape()[0] <= 8 and not self.runtime_weights())

    def memories(self):
        mw, mh, simd, pe = (self.attr(k) for k in ("MW", "MH", "SIMD", "PE"))
        depth, width = self.weight_memory_shape()
        mems = [Memory("weights", width, depth, self.weight_ram_style(), writable=self.runtime_weights())]
        if self.threshold_search():
            mems += self.search_resources()[1]
        elif self.has_thresholds:
            mems.append(Memory("thresholds", pe * self.threshold_count() * self.threshold_width(), mh // pe,
                               "distributed", writable=False))
        if mh > pe:  # the vector replayed for the other neuron folds
            mems.append(Memory("vector", simd * dtype_attr(self, "in_dtype").bitwidth(), mw // simd,
                               "distributed"))
        return mems

    def auto_fold(self, model, target_cycles, folding):
        """SIMD before PE: one wide dot product per output channel costs fewer LUTs than many
        narrow ones. Behind a SlidingWindow, SIMD divides its channels (the window streams them
        word by word). Where the window can stream whole (no padding), SIMD may also be any
        divisor of MW above the channels: more than one kernel position a cycle, cut from whole
        windows by a width converter. That is taken where no channel-sized SIMD reaches the
        target, or where it needs at most WHOLE_WINDOW_LANE_SHARE of their lanes x SIMD."""
        mw, mh = self.attr("MW"), self.attr("MH")
        producer = model.find_producer(self.onnx_node.input[0])
        choices = [divisors(mw)]
        if producer is not None and isinstance(window := getCustomOp(producer), SlidingWindow):
            channels = window.attr("channels")
            choices = [[d for d in divisors(mw) if channels % d == 0]]
            if window.can_stream_whole_windows():
                choices.append([d for d in divisors(mw) if d > channels])
        folds = [self._least_parallelism(simds, target_cycles) for simds in choices]
        reach = [fold for fold in folds if fold is not None]
        if len(reach) == 2:   # whole windows only if their lanes save more than their window costs
            return reach[1] if lanes(reach[1]) <= WHOLE_WINDOW_LANE_SHARE * lanes(reach[0]) else reach[0]
        if reach:
            return reach[0]
        # the target is out of reach: the most this op can do
        return {"PE": mh, "SIMD": max(choices[-1] or choices[0])}

    def _least_parallelism(self, simds: list[int], target_cycles: float) -> dict | None:
        """The (PE, SIMD), SIMD from simds, of the fewest lanes x SIMD whose cycles reach
        target_cycles, then one whose weight ROM merges into its terms (free: weights_in_terms),
        then of the fewest lanes; None if none does. The op's attributes are restored."""
        best = None
        for simd in simds:
            for pe in divisors(self.attr("MH")):
                self.set_nodeattr("SIMD", simd)
                self.set_nodeattr("PE", pe)
                if self.cycles() <= target_cycles:
                    key = (pe * simd, not self.weights_in_terms(), pe)
                    if best is None or key < best[0]:
                        best = (key, pe, simd)
                    break
        self.set_nodeattr("SIMD", 1)
        self.set_nodeattr("PE", 1)
        return None if best is None else {"PE": best[1], "SIMD": best[2]}

    def workload(self):
        mw, mh = self.attr("MW"), self.attr("MH")
        return Workload(macs=self.num_vectors() * mw * mh, weights=mw * mh,
                        in_bits=dtype_attr(self, "in_dtype").bitwidth(),
                        w_bits=dtype_attr(self, "w_dtype").bitwidth())

    # --- resource estimate: mvau.v stage by stage ------------------------------------------------
    def terms(self) -> tuple[int, int]:
        """(terms per lane, bits per term) that mvau.v's adder tree sums: in xnor the match
        counts of three bit pairs, in the binary modes the values added or subtracted (pm_tree.v),
        else the products (mvau.v TERMS, TERM_BITS)."""
        in_dt, w_dt = dtype_attr(self, "in_dtype"), dtype_attr(self, "w_dtype")
        mode, simd = self.attr("mode"), self.attr("SIMD")
        if mode == "xnor":
            return math.ceil(simd / 3), 2
        if mode == "binary_weight":
            return simd, in_dt.bitwidth()
        if mode == "binary_input":
            return simd, w_dt.bitwidth()
        return simd, in_dt.bitwidth() + w_dt.bitwidth() + (0 if in_dt.signed() or w_dt.signed() else 1)

    def accumulator_bits(self) -> int:
        if self.attr("mode") == "xnor":
            return int(self.attr("MW")).bit_length()
        return dtype_attr(self, "acc_dtype").bitwidth()

    def registers(self) -> int:
        """Flip-flops of mvau.v, stage by stage."""
        mh, simd, pe = (self.attr(k) for k in ("MH", "SIMD", "PE"))
        in_bits = dtype_attr(self, "in_dtype").bitwidth()
        terms, term_bits = self.terms()
        ff = 60 + simd * in_bits * (2 if mh > pe else 1)   # input word (+ replay buffer read)
        if self.late_replay_write():   # the replay buffer's delayed write: word, address, enable
            ff += simd * in_bits + self.attr("MW").bit_length() + 1
        # weights: the block RAM's output register, or a distributed ROM read by a registered
        # address (mvau.v), so no weight register in either
        ff += (self.cycles() // self.num_vectors()).bit_length()
        # binary_weight's values are the input's, the same in every lane: registered once
        ff += (1 if self.attr("mode") == "binary_weight" else pe) * terms * term_bits
        if self.dot_in_dsps():
            ff += self.dot_dsp_resources()["FF"]
        elif self.attr("mode") in BINARY_MODES:
            ff += pe * (terms + pm_tree_resources(terms, term_bits)["FF"] + self.accumulator_bits())
        else:
            ff += pe * tree_register_bits(terms, term_bits, 4 if self.attr("mode") == "xnor" else 3)
            ff += pe * self.accumulator_bits()
        if self.threshold_search():
            return ff + self.search_resources()[0]["FF"]
        if self.has_thresholds:
            ff += pe * self.threshold_count() * self.threshold_width()  # the fold's thresholds
        return ff + pe * self.out_dtype().bitwidth()

    def late_replay_write(self) -> bool:
        """mvau.v writes a replayed vector of more than 256 words a cycle late, with a forward."""
        mw, mh, simd, pe = (self.attr(k) for k in ("MW", "MH", "SIMD", "PE"))
        return mh > pe and mw // simd > 256

    def term_luts(self) -> float:
        """LUTs of one lane's terms: a LUT per term bit in xnor (a LUT6 per match-count bit),
        radix-4 partial products in int; none in the binary modes, whose negations are the
        adders' own (pm_tree.v)."""
        if self.attr("mode") == "int":
            in_bits = dtype_attr(self, "in_dtype").bitwidth()
            return self.attr("SIMD") * in_bits * dtype_attr(self, "w_dtype").bitwidth() * 1.1
        if self.attr("mode") in BINARY_MODES:
            return 0
        terms, term_bits = self.terms()
        return terms * term_bits

    def multiplying_dsps(self) -> float:
        return 0   # its slices add (dot_dsp.v); int mode multiplies in LUTs

    def dot_dsp_resources(self) -> dict:
        return dot_dsp_resources(self.attr("PE"), *self.terms(), self.attr("dot_lut_levels"),
                                 self.accumulator_bits())

    def resources(self):
        pe = self.attr("PE")
        terms, term_bits = self.terms()
        if self.dot_in_dsps():
            dot = self.dot_dsp_resources()
            luts = 60 + pe * self.term_luts() + dot["LUT"]
        elif self.attr("mode") in BINARY_MODES:
            dot = {}
            luts = 60 + pe * (pm_tree_resources(terms, term_bits)["LUT"] + self.accumulator_bits())
        else:
            dot = {}
            luts = 60 + pe * (self.term_luts() + tree_adder_luts(terms, term_bits) + self.accumulator_bits())
        if self.late_replay_write():   # the forward's multiplexer and address compare
            luts += self.attr("SIMD") * dtype_attr(self, "in_dtype").bitwidth() + comparator_luts(self.attr("MW").bit_length())
        if self.threshold_search():
            luts += self.search_resources()[0]["LUT"]
        elif self.has_thresholds:
            out_bits = self.out_dtype().bitwidth()
            luts += pe * (self.threshold_count() * comparator_luts(self.threshold_width()) + out_bits)
        logic = {"LUT": luts, "FF": self.registers(), "DSP": dot.get("DSP", 0)}
        memories = self.memories()
        if memories[0].style == "distributed" and self.weights_in_terms():
            memories = memories[1:]   # the weight ROM is part of the terms' LUTs
        loader = loader_resources(memories[0].width) if self.runtime_weights() else {}
        return add_resources(logic, loader, *(memory_resources(m) for m in memories))

    # --- many thresholds: a binary search (flow/ops/threshold_search.py) ---------------------
    def threshold_search(self) -> bool:
        return self.has_thresholds and uses_search(self.threshold_count())

    def threshold_range(self) -> tuple[int, int]:
        """The range of the thresholded value in the datapath: the popcount in xnor, else the
        accumulator."""
        if self.attr("mode") == "xnor":
            return 0, self.attr("MW")
        acc = dtype_attr(self, "acc_dtype")
        return int(acc.min()), int(acc.max())

    def search_bits(self) -> int:
        """Width of a stored threshold of the search: the range and the padding above it."""
        return signed_bits(self.threshold_range()[0], self.threshold_range()[1] + 1)

    def search_resources(self):
        return search_resources(self.attr("PE"), self.attr("MH") // self.attr("PE"), self.threshold_count(),
                                self.accumulator_bits(), self.search_bits(), self.out_dtype().bitwidth())

    def threshold_count(self) -> int:
        """Thresholds per channel: one per output level above the lowest."""
        out = self.out_dtype()
        return 1 if out == DataType["BIPOLAR"] else 2 ** out.bitwidth() - 1

    def threshold_width(self) -> int:
        """Bits of one threshold in the datapath's domain (see hw_thresholds)."""
        if self.attr("mode") == "xnor":
            return max(1, int(self.attr("MW") + 1).bit_length())
        acc = dtype_attr(self, "acc_dtype")
        return threshold_bits(int(acc.min()), int(acc.max()))

    def hw_thresholds(self, thresholds: np.ndarray) -> tuple[np.ndarray, int]:
        """Thresholds in the datapath's own domain and their field width.

        xnor compares the popcount P (acc = 2P - MW) as unsigned: acc >= t <=> P >= ceil((t+MW)/2).
        The other modes compare the signed accumulator. Thresholds are clamped to the
        reachable range so they fit THRES_BITS.
        """
        mw = self.attr("MW")
        t = np.asarray(thresholds, dtype=np.int64)
        if self.attr("mode") == "xnor":
            return clamp_thresholds(-((-(t + mw)) // 2), 0, mw), self.threshold_width()
        acc = dtype_attr(self, "acc_dtype")
        return clamp_thresholds(t, int(acc.min()), int(acc.max())), self.threshold_width()

    def rtl_params(self, model, memdir: Path, search: bool | None = None):
        """search: thresholds by binary search (default: where they are many)."""
        mw, mh, simd, pe = (self.attr(k) for k in ("MW", "MH", "SIMD", "PE"))
        in_dt, w_dt = dtype_attr(self, "in_dtype"), dtype_attr(self, "w_dtype")
        acc_dt, out_dt = dtype_attr(self, "acc_dtype"), self.out_dtype()
        mode = self.attr("mode")
        weights = np.asarray(model.get_initializer(self.onnx_node.input[1]), dtype=np.int64)
        sf, nf = mw // simd, mh // pe
        w_bits = w_dt.bitwidth()
        # memory word (nf, sf): field pe*SIMD + s holds W[sf*SIMD + s, nf*PE + pe]
        tiles = weights.reshape(sf, simd, nf, pe).transpose(2, 0, 3, 1).reshape(nf * sf, pe * simd)
        codes = (tiles > 0).astype(np.int64) if w_dt == DataType["BIPOLAR"] else tiles & ((1 << w_bits) - 1)
        weight_file = f"{self.name}_weights.mem"
        write_memh(memdir / weight_file, pack_fields(codes, w_bits), pe * simd * w_bits)
        acc_bits = signed_bits(int(acc_dt.min()), int(acc_dt.max()))
        params = {
            "MW": mw, "MH": mh, "SIMD": simd, "PE": pe, "MODE": MODE_CODE[mode],
            "IN_BITS": in_dt.bitwidth(), "IN_SIGNED": int(in_dt.signed() and in_dt != DataType["BIPOLAR"]),
            "W_BITS": w_bits, "W_SIGNED": int(w_dt.signed() and w_dt != DataType["BIPOLAR"]),
            "ACC_BITS": acc_bits, "NUM_VECTORS": self.num_vectors(),
            "N_THRES": 0, "THRES_BITS": 1, "OUT_BITS": acc_bits, "ACT_BIAS": 0,
            "WEIGHT_FILE": weight_file, "THRES_FILE": "",
            "WEIGHT_RAM_STYLE": self.weight_ram_style(),
            "DOT_DSP": int(self.dot_in_dsps()), "DOT_LUT_LEVELS": self.attr("dot_lut_levels"),
        }
        if self.runtime_weights():
            params.update(WEIGHT_LOAD=1, WEIGHT_BASE=self.attr("weight_base"))
        if self.has_thresholds and (self.threshold_search() if search is None else search):
            t, _ = self.hw_thresholds(model.get_initializer(self.onnx_node.input[2]))
            stem, bits = f"{self.name}_thresholds", self.search_bits()
            write_stage_files(memdir, stem, t, pe, self.threshold_range()[1] + 1, bits)
            params.update(N_THRES=t.shape[1], THRES_SEARCH=1, THRES_BITS=bits, OUT_BITS=out_dt.bitwidth(),
                          ACT_BIAS=0 if out_dt == DataType["BIPOLAR"] else self.attr("act_bias"),
                          THRES_FILE=stem)
        elif self.has_thresholds:
            t, t_bits = self.hw_thresholds(model.get_initializer(self.onnx_node.input[2]))
            n_thres = t.shape[1]
            # memory word nf: field pe*N_THRES + k holds threshold k of channel nf*PE + pe
            rows = (t.reshape(nf, pe, n_thres) & ((1 << t_bits) - 1)).reshape(nf, pe * n_thres)
            thres_file = f"{self.name}_thresholds.mem"
            write_memh(memdir / thres_file, pack_fields(rows, t_bits), pe * n_thres * t_bits)
            params.update(N_THRES=n_thres, THRES_BITS=t_bits, OUT_BITS=out_dt.bitwidth(),
                          ACT_BIAS=0 if out_dt == DataType["BIPOLAR"] else self.attr("act_bias"),
                          THRES_FILE=thres_file)
        return params

    def memory_parameters(self, memdir: Path):
        mw, mh, simd, pe = (self.attr(k) for k in ("MW", "MH", "SIMD", "PE"))
        sf, nf = mw // simd, mh // pe
        w_dt = dtype_attr(self, "w_dtype")
        codes = read_memh_fields(memdir / f"{self.name}_weights.mem", pe * simd, w_dt.bitwidth())
        weights = from_codes(codes, w_dt).reshape(nf, sf, pe, simd).transpose(1, 3, 0, 2).reshape(mw, mh)
        if not self.has_thresholds:
            return [weights]
        if self.threshold_search():
            t = read_effective_thresholds(memdir, f"{self.name}_thresholds", mh, pe, self.threshold_count(),
                                          self.search_bits())
            return [weights, 2 * t - mw if self.attr("mode") == "xnor" else t]
        n_thres, t_bits = self.threshold_count(), self.threshold_width()
        codes = read_memh_fields(memdir / f"{self.name}_thresholds.mem", pe * n_thres, t_bits).reshape(mh, n_thres)
        if self.attr("mode") == "xnor":  # popcount P >= p  <=>  acc = 2P - MW >= 2p - MW
            return [weights, 2 * codes - mw]
        return [weights, from_codes(codes, f"INT{t_bits}")]

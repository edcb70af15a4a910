"""What every hardware op has: attributes, streams, shapes, datatypes, execution, hardware facts.

A hardware op is a qonnx CustomOp in the domain `flow.ops`, so qonnx's executor runs the
hardware graph node by node with our numpy golden models. Subclasses keep the math in a
plain function (testable without ONNX) and add around it: the stream each side carries
(elements per word, datatype, words per frame), the analytic cycle count, the resource
estimate, the folding attributes and how to pick them for a frame rate, the work per frame,
and the parameters of the RTL module of the same name in hw/rtl/. The passes and reports ask
the op (flow/fold.py, flow/estimate.py, flow/report.py): a new op is its class, its RTL and its
HLS template, with no table elsewhere to extend.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from qonnx.core.datatype import DataType
from qonnx.custom_op.base import CustomOp

DOMAIN = "flow.ops"


class FoldingError(ValueError):
    """A folding (PE/SIMD/depth) an op cannot take; the message names the op."""


@dataclass(frozen=True)
class Memory:
    """An on-chip memory of an op's RTL: what the estimate counts and the RTL's RAM style."""

    name: str
    width: int
    depth: int
    style: str  # "block" (BRAM), "distributed" (LUTs) or "ultra" (UltraRAM)
    writable: bool = True

    @property
    def bits(self) -> int:
        return self.width * self.depth


@dataclass(frozen=True)
class Stream:
    """One AXI-Stream side of an op: `elems` elements of `dtype` per word, `words` per frame."""

    elems: int
    dtype: DataType
    words: int

    @property
    def bits(self) -> int:
        return self.elems * self.dtype.bitwidth()


@dataclass(frozen=True)
class Workload:
    """The arithmetic of one frame: `macs` multiply-accumulates of in_bits x w_bits operands,
    over `weights` weights (none for the ops that only move or compare values)."""

    macs: int = 0
    weights: int = 0
    in_bits: int = 0
    w_bits: int = 0

    @property
    def weight_bits(self) -> int:
        return self.weights * self.w_bits

    @property
    def bit_ops(self) -> int:
        return self.macs * self.in_bits * self.w_bits


def dtype_attr(node_op: HWOp, name: str) -> DataType:
    return DataType[node_op.get_nodeattr(name)]


class HWOp(CustomOp):
    """Base of the hardware ops. Subclasses define `op_attrs`, the streams, `compute`, `cycles`,
    `resources` and `rtl_params`; the folding, work and plumbing facts have defaults."""

    # name of the module (and file) in hw/rtl/
    rtl_module: str = ""
    # every module an op whose folding picks among several may use (rtl_module then a property)
    rtl_modules: tuple[str, ...] = ()
    # folding attributes this op takes, in the order a folding JSON lists them
    folding_attrs: tuple[str, ...] = ()
    # implementation attributes a folding JSON may also set (after folding_attrs; not part of
    # the folding summary): RAM style, run-time loading, DSP use
    implementation_attrs: tuple[str, ...] = ()
    # stream plumbing (FIFO, width converter): passes values on unchanged
    plumbing: bool = False
    # what the op's output stream carries, for the driver: "tensor" or "classes" (label indices)
    output_kind: str = "tensor"
    # the RAM-style attribute of movable_memory()
    movable_memory_attr: str = ""
    # movable_memory() may be loaded by the host at run time, so may go to UltraRAM
    runtime_loadable: bool = False
    # control inputs of the RTL module, wired to top-level inputs of the same name
    control_ports: tuple[str, ...] = ()
    # the RTL module has the weight bus (wl_valid, wl_addr, wl_data: hw/rtl/weight_loader.v),
    # used where loaded_memory() names a memory, idle elsewhere
    weight_bus: bool = False
    # streams read and written: the first `stream_inputs` node inputs are streams (the rest
    # parameters), every node output is one; the stitching wires them in this order
    stream_inputs: int = 1

    # --- attributes -------------------------------------------------------------------------
    @abstractmethod
    def op_attrs(self) -> dict:
        """The op's node attributes, in qonnx's (type, required, default) form."""

    def get_nodeattr_types(self):
        return self.op_attrs()

    @property
    def name(self) -> str:
        return self.onnx_node.name

    def attr(self, name):
        return self.get_nodeattr(name)

    # --- graph-level behaviour ----------------------------------------------------------------
    @abstractmethod
    def in_shape(self, batch: int) -> tuple[int, ...]:
        """Shape of the input tensor (channels-last) for a batch of `batch` frames."""

    @abstractmethod
    def out_shape(self, batch: int) -> tuple[int, ...]:
        """Shape of the output tensor (channels-last) for a batch of `batch` frames."""

    def out_dtype(self) -> DataType:
        return dtype_attr(self, "out_dtype")

    def make_shape_compatible_op(self, model):
        # hidden ops are inferred one by one, so intermediate shapes are unknown here:
        # the batch is the graph input's
        batch = model.get_tensor_shape(model.graph.input[0].name)[0]
        return self.make_const_shape_op(self.out_shape(batch))

    def infer_node_datatype(self, model):
        model.set_tensor_datatype(self.onnx_node.output[0], self.out_dtype())

    @abstractmethod
    def compute(self, *inputs: np.ndarray) -> np.ndarray:
        """The numpy golden model: integer inputs (and parameters) -> integer output."""

    def execute_node(self, context, graph):
        inputs = [context[name] for name in self.onnx_node.input]
        # a stream has no shape: a flattened map arrives with its producer's shape
        x = inputs[0]
        inputs[0] = x.reshape(self.in_shape(x.shape[0]))
        result = self.compute(*inputs)
        context[self.onnx_node.output[0]] = result.reshape(self.out_shape(x.shape[0])).astype(self.context_dtype())

    def context_dtype(self):
        """How the executor's context holds the output: float32 (qonnx's convention) holds
        integers exactly up to 24 bits, float64 beyond (correlation scores)."""
        return np.float32 if self.out_dtype().bitwidth() <= 24 else np.float64

    def verify_node(self):
        return []

    # --- hardware -----------------------------------------------------------------------------
    @abstractmethod
    def in_stream(self) -> Stream:
        """The input stream at the current folding."""

    @abstractmethod
    def out_stream(self) -> Stream:
        """The output stream at the current folding."""

    def input_streams(self) -> list[Stream]:
        """Every input stream, in node-input order (an op reading two streams overrides it)."""
        return [self.in_stream()]

    def input_shape(self, index: int, batch: int) -> tuple[int, ...]:
        """Shape of input stream `index` (channels-last): in_shape unless the inputs differ."""
        return self.in_shape(batch)

    def multi_stream(self) -> bool:
        """More than one input or output stream: the single-stream harness cannot run it alone;
        the stitched design's stream taps check it (flow/backends/taps.py)."""
        return self.stream_inputs > 1 or len(self.onnx_node.output) > 1

    def check_folding(self) -> None:
        """Raise FoldingError naming this op when its folding is not legal."""

    def fold_error(self, message: str) -> FoldingError:
        return FoldingError(f"{self.onnx_node.op_type} node '{self.name}': {message}")

    @abstractmethod
    def cycles(self) -> int:
        """Analytic cycles per frame in steady state (the op's initiation interval)."""

    @abstractmethod
    def rtl_params(self, model, memdir: Path) -> dict:
        """Parameters of the RTL module; writes the op's memory files into memdir."""

    def hls_params(self, model, memdir: Path) -> dict:
        """Parameters of the HLS function (hw/hls/, the RTL module's name): rtl_params unless the
        RTL has a structure the HLS function leaves to its synthesis."""
        return self.rtl_params(model, memdir)

    def memories(self) -> list[Memory]:
        """The RTL's memories at the current folding (none by default: registers only)."""
        return []

    def loaded_memory(self) -> tuple[Memory, str] | None:
        """The memory the host loads at run time (flow/backends/weight_image.py) and the name of
        its memory file among rtl_params' files; None: the bitstream holds every memory."""
        return None

    @abstractmethod
    def resources(self) -> dict:
        """Estimated {"LUT", "FF", "BRAM36", "DSP"} of the RTL at the current folding
        (shared primitives in flow/estimate.py)."""

    def multiplying_dsps(self) -> float:
        """DSP slices that multiply, which the energy estimate charges a multiply's figure per
        active cycle; slices used as adders (an MVAU's dot_dsp) switch as their toggles say."""
        return self.resources().get("DSP", 0)

    def movable_memory(self) -> Memory | None:
        """The first of memories(), where it is in block RAM only by its size (an op with a
        movable_memory_attr left on "auto"), which flow/fold.py's fit_memories may move to LUTs."""
        if not self.movable_memory_attr or not (memories := self.memories()):   # a FIFO of depth 0 has none
            return None
        memory = memories[0]
        return memory if self.attr(self.movable_memory_attr) == "auto" and memory.style == "block" else None

    # --- folding --------------------------------------------------------------------------------
    def folding(self) -> dict:
        """The folding attributes and their values."""
        return {k: self.attr(k) for k in self.folding_attrs}

    def auto_fold(self, model, target_cycles: float, folding: dict) -> dict:
        """The least parallelism whose cycles reach target_cycles, as folding attributes
        ({} keeps the defaults); `folding` holds what the ops before this one got. The op's
        attributes are left as they were."""
        return {}

    def fold_unlisted(self, model) -> None:
        """Adjust the folding when a folding does not list this op (by default: keep it)."""

    def least_parallelism(self, attr: str, total: int, target_cycles: float) -> int:
        """The least divisor of `total` for `attr` whose cycles reach target_cycles (else total)."""
        for d in divisors(total):
            self.set_nodeattr(attr, d)
            if self.cycles() <= target_cycles:
                self.set_nodeattr(attr, 1)
                return d
        self.set_nodeattr(attr, 1)
        return total

    # --- reports --------------------------------------------------------------------------------
    def workload(self) -> Workload:
        """Weights and multiply-accumulates per frame (none by default)."""
        return Workload()

    def memory_parameters(self, memdir: Path) -> list[np.ndarray]:
        """The node's parameter inputs as the memory files in memdir hold them, in compute's
        domain: the inverse of rtl_params' files, so the numpy model runs on what the RTL
        reads (a changed word included). None by default: registers only."""
        return []


def require_divisible(op: HWOp, total: int, total_name: str, fold: int, fold_name: str) -> None:
    if fold < 1 or total % fold:
        raise op.fold_error(
            f"{fold_name}={fold} must divide {total_name}={total} "
            f"(legal: {', '.join(str(d) for d in divisors(total))})"
        )


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


# on-chip buffers above this many bits go to block RAM, smaller ones to LUTRAM
BLOCK_RAM_BITS = 4096


def ram_style_for(bits: int, requested: str = "auto") -> str:
    """The RAM_STYLE an RTL memory of `bits` bits gets: the requested one, or by size."""
    if requested in ("block", "distributed"):
        return requested
    return "block" if bits > BLOCK_RAM_BITS else "distributed"


def write_memh(path: Path, words: list[int], bits: int) -> None:
    """One word per line, hexadecimal, for $readmemh."""
    digits = max(1, (bits + 3) // 4)
    Path(path).write_text("".join(f"{w:0{digits}x}\n" for w in words))


def read_memh_fields(path: Path, fields: int, bits: int) -> np.ndarray:
    """A $readmemh image -> (words, fields) codes: the inverse of write_memh(pack_fields(...))."""
    mask = (1 << bits) - 1
    words = [int(line, 16) for line in Path(path).read_text().split()]
    return np.array([[(w >> (i * bits)) & mask for i in range(fields)] for w in words], dtype=np.int64)


def pack_fields(fields: np.ndarray, bits: int) -> list[int]:
    """(words, n) non-negative codes -> one integer per word, field i at bits [i*bits, (i+1)*bits)."""
    words = []
    for row in np.asarray(fields, dtype=object):
        value = 0
        for i, f in enumerate(row):
            value |= int(f) << (i * bits)
        words.append(value)
    return words


def twos_complement(values: np.ndarray, bits: int) -> np.ndarray:
    """Signed integers -> their `bits`-bit two's complement codes (as Python ints)."""
    v = np.asarray(values, dtype=object)
    return np.vectorize(lambda x: int(x) & ((1 << bits) - 1), otypes=[object])(v)

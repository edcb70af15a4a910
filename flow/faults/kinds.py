"""The fault kinds: where each flips a bit (or shrinks a FIFO) in a copy of the build, the step
its rerun starts from, and whether the fault changes any op's output on the build's inputs,
decided by the ops' own numpy models."""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from qonnx.custom_op.registry import getCustomOp

from flow import verify
from flow.faults.sites import BuildFacts, FifoDepth, InputBit, MemoryBit
from flow.packing import from_codes, to_codes

CHUNK_BITS = 64  # an HLS memory header holds each word as 64-bit chunks (hls_memory.hpp.j2)


def flip_memh(path: Path, word: int, bit: int) -> None:
    """Flip one bit of one word of a $readmemh image in place."""
    lines = path.read_text().split("\n")
    lines[word] = f"{int(lines[word], 16) ^ (1 << bit):0{len(lines[word])}x}"
    path.write_text("\n".join(lines))


def memory_fault_observable(facts: BuildFacts, fault: MemoryBit) -> bool:
    """Does the node's numpy model, run on its L3 input with the parameters the faulted memory
    file holds, give another output than with the shipped file's?"""
    node = facts.node(fault.node)
    op = getCustomOp(node)
    rtl = facts.directory / "rtl"
    x = facts.context[node.input[0]].reshape(op.in_shape(len(facts.x)))
    expected = facts.context[node.output[0]]
    shipped = op.compute(x, *op.memory_parameters(rtl)).reshape(expected.shape)
    if not np.array_equal(shipped, expected):
        raise RuntimeError(f"{fault.node}: its memory files, read back, do not reproduce its L3 output")
    with tempfile.TemporaryDirectory() as tmp:
        for mem in rtl.glob(f"{fault.node}_*.mem"):
            shutil.copyfile(mem, Path(tmp) / mem.name)
        flip_memh(Path(tmp) / f"{fault.file_stem}.mem", fault.word, fault.bit)
        faulted = op.compute(x, *op.memory_parameters(Path(tmp))).reshape(expected.shape)
    return not np.array_equal(faulted, expected)


@dataclass(frozen=True)
class Kind(ABC):
    name: str
    rerun_from: str   # the first step that reads what the fault changes
    what: str         # for the report

    @abstractmethod
    def pick(self, facts: BuildFacts, rng: random.Random, n: int) -> list:
        """Up to n distinct faults of this kind."""

    @abstractmethod
    def apply(self, facts: BuildFacts, fault, build: Path) -> None:
        """Inject `fault` into the build directory `build` (a copy of facts.directory)."""

    @abstractmethod
    def observable(self, facts: BuildFacts, fault) -> bool | None:
        """Whether the fault changes an op's output on the build's inputs (None: a timing
        fault, which only the rerun can measure)."""


class RtlMemoryBit(Kind):
    def pick(self, facts, rng, n):
        return facts.memory_bits(rng, n)

    def apply(self, facts, fault: MemoryBit, build):
        flip_memh(build / "rtl" / f"{fault.file_stem}.mem", fault.word, fault.bit)

    def observable(self, facts, fault):
        return memory_fault_observable(facts, fault)


class HlsHeaderBit(Kind):
    """The same memory bits, in the HLS headers the C-simulation (and Vitis HLS) compiles."""

    def pick(self, facts, rng, n):
        return facts.memory_bits(rng, n)

    def apply(self, facts, fault: MemoryBit, build):
        path = build / "hls" / f"{fault.file_stem}.hpp"
        text = path.read_text()
        rows = list(re.finditer(r"^    \{ (.*) \},?$", text, re.MULTILINE))
        row = rows[fault.word]
        chunks = row.group(1).split(", ")
        index, bit = divmod(fault.bit, CHUNK_BITS)
        chunks[index] = f"0x{int(chunks[index].removesuffix('ULL'), 16) ^ (1 << bit):x}ULL"
        path.write_text(text[:row.start(1)] + ", ".join(chunks) + text[row.end(1):])

    def observable(self, facts, fault):
        return memory_fault_observable(facts, fault)


class BoardInputBit(Kind):
    """A bit flipped in an input word between the host and the accelerator: the driver streams
    deploy/reference.npz's inputs through the DMA, so the value it packs differs in that bit."""

    def pick(self, facts, rng, n):
        return facts.input_bits(rng, n)

    def apply(self, facts, fault: InputBit, build):
        path = build / "deploy" / "reference.npz"
        arrays = dict(np.load(path))
        arrays["core_in"] = faulted_inputs(arrays["core_in"], fault, facts.input_dtype)
        np.savez(path, **arrays)

    def observable(self, facts, fault):
        frame = slice(fault.frame, fault.frame + 1)
        faulted = faulted_inputs(verify.to_channels_first(facts.x), fault, facts.input_dtype)[frame]
        return not np.array_equal(verify.execute_batch(facts.model, verify.to_channels_last(faulted)),
                                  verify.execute_batch(facts.model, facts.x[frame]))


def faulted_inputs(core_in: np.ndarray, fault: InputBit, dtype) -> np.ndarray:
    """core_in (N, ...) channels-first with one bit of one element's code flipped; the element
    is counted in stream order (channels-last), as the DMA carries it."""
    x = verify.to_channels_last(np.array(core_in))
    flat = x.reshape(len(x), -1)
    code = to_codes(flat[fault.frame, fault.element], dtype) ^ np.uint64(1 << fault.bit)
    flat[fault.frame, fault.element] = from_codes(code, dtype)
    return verify.to_channels_first(flat.reshape(x.shape))


class FifoShrink(Kind):
    """A FIFO of the shipped accelerator.v made shallower than sized: the data cannot change
    (the FIFO's numpy model passes its input through at any depth), only the timing can."""

    def pick(self, facts, rng, n):
        return facts.fifo_depths(rng, n)

    def apply(self, facts, fault: FifoDepth, build):
        path = build / "rtl" / "accelerator.v"
        text = path.read_text()
        end = text.find(f") {fault.node} (")
        start = text.rfind("#(", 0, end)   # the instance's parameter list
        params, count = re.subn(r"\.DEPTH\(\d+\)", f".DEPTH({fault.depth})", text[start:end])
        if end < 0 or count != 1:
            raise RuntimeError(f"{path}: no DEPTH parameter of instance {fault.node}")
        path.write_text(text[:start] + params + text[end:])

    def observable(self, facts, fault):
        return None


KINDS = (
    RtlMemoryBit("rtl memory bit", "rtlsim", "a bit of a weight/threshold memory image (rtl/*.mem)"),
    HlsHeaderBit("hls header bit", "hlssim", "a bit of a weight/threshold memory header (hls/*.hpp)"),
    BoardInputBit("board input bit", "board", "a bit of an input word on its way to the board (L6)"),
    FifoShrink("fifo depth", "rtlsim", "a FIFO of rtl/accelerator.v shallower than its sized depth"),
)

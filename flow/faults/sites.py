"""Where faults go: the bits of a build's parameter memories, of its input stream, and its FIFOs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow import verify
from flow.packing import element_bits
from flow.reference import CORE_IN


@dataclass(frozen=True)
class MemoryBit:
    """Bit `bit` of word `word` of node's memory `memory` (rtl/<node>_<memory>.mem)."""

    node: str
    memory: str
    word: int
    bit: int

    @property
    def file_stem(self) -> str:
        return f"{self.node}_{self.memory}"

    def __str__(self) -> str:
        return f"{self.file_stem} word {self.word} bit {self.bit}"


@dataclass(frozen=True)
class InputBit:
    """Bit `bit` of element `element` (stream order) of input frame `frame`."""

    frame: int
    element: int
    bit: int

    def __str__(self) -> str:
        return f"input frame {self.frame} element {self.element} bit {self.bit}"


@dataclass(frozen=True)
class FifoDepth:
    node: str
    sized: int
    depth: int

    def __str__(self) -> str:
        return f"{self.node} depth {self.sized} -> {self.depth}"


class BuildFacts:
    """What the faults need of a finished build: its hardware graph, inputs and L3 tensors."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.model = ModelWrapper(str(self.directory / "30_folded.onnx"))
        self.x = verify.to_channels_last(np.load(self.directory / "reference_outputs.npz")[CORE_IN])
        self.input_dtype = getCustomOp(self.model.graph.node[0]).in_stream().dtype
        self._context = None

    @property
    def context(self) -> dict:
        """Every tensor of the hardware graph (L3) on the build's inputs."""
        if self._context is None:
            self._context = verify.execute_batch(self.model, self.x, full_context=True)
        return self._context

    def node(self, name: str):
        return next(n for n in self.model.graph.node if n.name == name)

    def memory_sites(self) -> list[tuple[str, str, int, int]]:
        """(node, memory, words, width) of every read-only memory the RTL loads from a file."""
        sites = []
        for node in self.model.graph.node:
            for mem in getCustomOp(node).memories():
                if not mem.writable and (self.directory / "rtl" / f"{node.name}_{mem.name}.mem").exists():
                    sites.append((node.name, mem.name, mem.depth, mem.width))
        return sites

    def memory_bits(self, rng: random.Random, n: int) -> list[MemoryBit]:
        """n distinct bits, uniform over every bit of every memory."""
        sites = self.memory_sites()
        sizes = [words * width for _, _, words, width in sites]
        picks = _distinct(rng, n, sum(sizes))
        faults = []
        for index in picks:
            for (node, memory, _, width), size in zip(sites, sizes, strict=True):
                if index < size:
                    faults.append(MemoryBit(node, memory, index // width, index % width))
                    break
                index -= size
        return faults

    def input_bits(self, rng: random.Random, n: int) -> list[InputBit]:
        """n distinct value bits of the input stream's elements (padding bits carry nothing)."""
        first = getCustomOp(self.model.graph.node[0]).in_stream()
        bits, per_frame = element_bits(first.dtype), int(np.prod(self.x.shape[1:]))
        return [InputBit(i // (per_frame * bits), (i // bits) % per_frame, i % bits)
                for i in _distinct(rng, n, len(self.x) * per_frame * bits)]

    def fifo_depths(self, rng: random.Random, n: int) -> list[FifoDepth]:
        """n distinct (FIFO, shallower power-of-two depth >= 2) pairs."""
        options = []
        for node in self.model.graph.node:
            if node.op_type == "FIFO":
                sized = getCustomOp(node).attr("depth")
                options += [FifoDepth(node.name, sized, 1 << k) for k in range(1, sized.bit_length() - 1)]
        return [options[i] for i in sorted(_distinct(rng, n, len(options)))]


def _distinct(rng: random.Random, n: int, population: int) -> list[int]:
    return rng.sample(range(population), min(n, population))

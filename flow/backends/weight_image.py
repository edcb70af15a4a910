"""The weight image: every parameter memory of a design that the host loads at run time, as one
array of 32-bit words. A memory is loaded at run time where a bitstream cannot initialise it (an
UltraRAM powers up as zeros, AMD UG901) or where its weights are to be reloadable without a new
bitstream (an MVAU's weight_load = "runtime").

Layout, shared by the RTL (hw/rtl/weight_loader.v), the HLS C-simulation, the Verilator harness
and the board's driver (deploy/): the loaded memories in graph order from word 0; each memory
word takes ceil(width / 32) image words, least significant lane first, in address order. The
host writes the whole image in order (on the board: axil_control's WEIGHT_ADDR, then
WEIGHT_DATA word by word), and only while no frame is in flight.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

IMAGE_FILE = "weight_image.bin"   # in rtl/ and deploy/: little-endian uint32 words
LANE_BITS = 32


@dataclass(frozen=True)
class Region:
    """One loaded memory's part of the image."""

    node: str
    memory_file: str   # the memory's $readmemh image in rtl/ (written by the op's rtl_params)
    base: int          # first image word
    width: int         # memory word bits
    depth: int         # memory words

    @property
    def lanes(self) -> int:
        return -(-self.width // LANE_BITS)

    @property
    def words(self) -> int:
        return self.lanes * self.depth

    def as_dict(self) -> dict:
        return {"node": self.node, "memory_file": self.memory_file, "base": self.base,
                "width": self.width, "depth": self.depth, "lanes": self.lanes}


def region_of(op) -> Region | None:
    """The part of the image the op's loaded memory takes, at its weight_base; None: it has none."""
    loaded = op.loaded_memory()
    if loaded is None:
        return None
    memory, memory_file = loaded
    return Region(op.onnx_node.name, memory_file, op.attr("weight_base"), memory.width, memory.depth)


def assign_regions(model: ModelWrapper) -> list[Region]:
    """Give each op with a loaded memory its place in the image (its weight_base attribute), in
    graph order; returns the regions."""
    regions, base = [], 0
    for node in model.graph.node:
        op = getCustomOp(node)
        if op.loaded_memory() is None:
            continue
        op.set_nodeattr("weight_base", base)
        regions.append(region_of(op))
        base += regions[-1].words
    return regions


def memory_words(mem_file: Path, width: int, lanes: int) -> np.ndarray:
    """A $readmemh image of width-bit words -> its lanes as uint32, least significant first."""
    words = [int(line, 16) for line in Path(mem_file).read_text().split()]
    mask = (1 << LANE_BITS) - 1
    if any(w >> width for w in words):
        raise ValueError(f"{mem_file}: a word is wider than the memory's {width} bits")
    return np.array([(w >> (LANE_BITS * k)) & mask for w in words for k in range(lanes)], dtype=np.uint32)


def write_image(regions: list[Region], memdir: Path, out: Path) -> int:
    """The image of `regions` from the memory files in memdir into `out`; returns its words."""
    parts = [memory_words(Path(memdir) / r.memory_file, r.width, r.lanes) for r in regions]
    image = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)
    for region, part in zip(regions, parts, strict=True):
        if len(part) != region.words:
            raise ValueError(f"{region.memory_file}: {len(part) // region.lanes} words, the memory has {region.depth}")
    image.astype("<u4").tofile(out)
    return len(image)


def read_image(path: Path) -> np.ndarray:
    return np.fromfile(path, dtype="<u4")

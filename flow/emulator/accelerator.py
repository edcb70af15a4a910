"""The programmable logic of a loaded build: its board-facing top (vivado/src/accelerator_axi.v)
in Verilator. The DMA hands it whole batches; its AXI-Lite registers are the RTL's own, read
through the harness after each batch (and once at download), so the cycle counter the driver
reads is the one the RTL counted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from flow.codegen_board import BOARD_TOP, CONTROL_ID, REGISTERS, load_board_design
from flow.sim.verilator import build

READ_ORDER = list(REGISTERS.values())


class AcceleratorError(RuntimeError):
    pass


class Accelerator:
    def __init__(self, build_dir: Path):
        self.build_dir = Path(build_dir)
        self.design = json.loads((self.build_dir / "deploy" / "design.json").read_text())
        src = self.build_dir / "vivado" / "src"
        self.workdir = src  # the memory files ($readmemh) lie beside the sources
        sources = load_board_design(src, self.design).sources
        self.input, self.output = self.design["input"], self.design["output"]
        self.sim = build(BOARD_TOP, sources, 8 * self.input["dma_bytes"], 8 * self.output["dma_bytes"],
                         axi_lite=True)
        self.registers: dict[int, int] = {}
        self.pending_writes: dict[int, int] = {}
        self.batches = 0
        self._run(np.zeros((0, self.input["dma_bytes"]), np.uint8), 0)   # reset values, from the RTL
        if self.registers[REGISTERS["ID"]] != CONTROL_ID:
            raise AcceleratorError(f"{BOARD_TOP} of {build_dir} answers ID 0x{self.registers[0]:08x}")

    @property
    def frame_in_bytes(self) -> int:
        return self.input["words"] * self.input["dma_bytes"]

    def _run(self, words: np.ndarray, frames: int) -> np.ndarray:
        out, stats = self.sim.run(words, frames * self.output["words"], self.input["words"],
                                  self.output["words"], self.workdir,
                                  axil_writes=self.pending_writes, axil_reads=READ_ORDER)
        self.registers = dict(zip(READ_ORDER, stats["axil_reads"], strict=True))
        self.pending_writes = {}
        return out

    def read(self, offset: int) -> int:
        return self.registers.get(offset, 0)

    def write(self, offset: int, value: int) -> None:
        """A register write reaches the RTL with the next batch; reads see what it will do."""
        self.pending_writes[offset] = value
        if offset == REGISTERS["FRAMES"]:
            self.registers.update({REGISTERS["FRAMES"]: value or 1, REGISTERS["STATUS"]: 0,
                                   REGISTERS["CYCLES_LO"]: 0, REGISTERS["CYCLES_HI"]: 0})

    def process(self, data: bytes) -> bytes:
        """One DMA batch: MM2S bytes in, S2MM bytes out (up to and including TLAST)."""
        if len(data) % self.frame_in_bytes:
            raise AcceleratorError(f"MM2S carried {len(data)} bytes, not whole frames of "
                                   f"{self.frame_in_bytes} bytes: the accelerator would wait for "
                                   "the rest of the frame (the emulator does not model that)")
        frames = len(data) // self.frame_in_bytes
        expected = self.registers.get(REGISTERS["FRAMES"], 1)
        if frames != expected:
            raise AcceleratorError(f"MM2S carried {frames} frames but the FRAMES register is "
                                   f"{expected}: TLAST would not end this transfer where the driver "
                                   "expects (the emulator does not model that)")
        words = np.frombuffer(data, np.uint8).reshape(-1, self.input["dma_bytes"])
        self.pending_writes.setdefault(REGISTERS["FRAMES"], frames)
        out = self._run(words, frames)
        self.batches += 1
        return out.tobytes()

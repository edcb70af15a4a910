"""The programmable logic of a loaded build: its board-facing top (vivado/src/accelerator_axi.v)
in one Verilator process that lives from the download to the next one, so the design keeps its
state between DMA transfers as the board's PL does (the tracker's exemplar memory, for one).
Every MMIO access to the accelerator is an AXI-Lite transaction on the RTL, and every DMA
transfer streams through it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from flow.backends.rtl.verilator import SimulationError, build
from flow.board.facts import read_facts
from flow.board.top import BOARD_TOP, CONTROL_ID, REGISTERS, load_board_design


class AcceleratorError(RuntimeError):
    pass


class Accelerator:
    def __init__(self, build_dir: Path):
        self.build_dir = Path(build_dir)
        self.design = read_facts(self.build_dir)
        src = self.build_dir / "vivado" / "src"
        sources = load_board_design(src, self.design).sources
        self.input, self.output = self.design["input"], self.design["output"]
        sim = build(BOARD_TOP, sources, 8 * self.input["dma_bytes"], 8 * self.output["dma_bytes"],
                    axi_lite=True)
        self.session = sim.serve(src)   # the memory files ($readmemh) lie beside the sources
        self.batches = 0
        if self.read(REGISTERS["ID"]) != CONTROL_ID:
            raise AcceleratorError(f"{BOARD_TOP} of {build_dir} answers ID 0x{self.read(0):08x}")

    @property
    def frame_in_bytes(self) -> int:
        return self.input["words"] * self.input["dma_bytes"]

    def _run(self, words: np.ndarray, frames: int, writes: dict | None = None,
             reads: list | None = None) -> tuple[np.ndarray, list[int]]:
        try:
            out, stats = self.session.run(words, frames * self.output["words"], self.input["words"],
                                          self.output["words"], axil_writes=writes, axil_reads=reads)
        except SimulationError as err:
            raise AcceleratorError(str(err)) from err
        return out, stats["axil_reads"]

    def _access(self, writes: dict | None = None, reads: list | None = None) -> list[int]:
        return self._run(np.zeros((0, self.input["dma_bytes"]), np.uint8), 0, writes, reads)[1]

    def read(self, offset: int) -> int:
        return self._access(reads=[offset])[0]

    def write(self, offset: int, value: int) -> None:
        self._access(writes={offset: value})

    def process(self, data: bytes) -> bytes:
        """One DMA batch: MM2S bytes in, S2MM bytes out (up to and including TLAST)."""
        if len(data) % self.frame_in_bytes:
            raise AcceleratorError(f"MM2S carried {len(data)} bytes, not whole frames of "
                                   f"{self.frame_in_bytes} bytes: the accelerator would wait for "
                                   "the rest of the frame (the emulator does not model that)")
        frames = len(data) // self.frame_in_bytes
        expected = self.read(REGISTERS["FRAMES"])
        if frames != expected:
            raise AcceleratorError(f"MM2S carried {frames} frames but the FRAMES register is "
                                   f"{expected}: TLAST would not end this transfer where the driver "
                                   "expects (the emulator does not model that)")
        words = np.frombuffer(data, np.uint8).reshape(-1, self.input["dma_bytes"])
        out, _ = self._run(words, frames)
        self.batches += 1
        return out.tobytes()

    def close(self) -> None:
        self.session.close()

"""The programmable logic of a loaded build: its board-facing top (vivado/src/accelerator_axi.v)
in one Verilator process that lives from the download to the next one, so the design keeps its
state between DMA transfers as the board's PL does (the tracker's exemplar memory, for one).
Every MMIO access to the accelerator is an AXI-Lite transaction on the RTL, and every DMA
transfer streams through it. Writes are posted, as an ARM core posts its stores to device memory:
they reach the RTL, in order, with the next read or DMA transfer (a weight image of 10^5 words
is then one simulator batch, not 10^5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from flow.backends.rtl.verilator import SimulationError, build
from flow.board.facts import read_facts
from flow.board.top import BOARD_TOP, CONTROL_ID, EACH, REGISTERS, load_board_design


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
        self.frames_left = 0   # input frames the running batch still takes (0: none running)
        self.each = False      # the running batch ends every output frame with TLAST
        self.posted: list[tuple[int, int]] = []   # writes not yet on the RTL: (offset, value)
        if self.read(REGISTERS["ID"]) != CONTROL_ID:
            raise AcceleratorError(f"{BOARD_TOP} of {build_dir} answers ID 0x{self.read(0):08x}")

    @property
    def frame_in_bytes(self) -> int:
        return self.input["words"] * self.input["dma_bytes"]

    def _run(self, words: np.ndarray, frames: int, reads: list | None = None, ends_batch: bool = True,
             each_frame: bool = False) -> tuple[np.ndarray, list[int]]:
        """The posted writes, then the stream, then the reads: one batch of the harness."""
        writes, self.posted = self.posted, []
        try:
            out, stats = self.session.run(words, frames * self.output["words"], self.input["words"],
                                          self.output["words"], axil_writes=writes, axil_reads=reads,
                                          ends_batch=ends_batch, each_frame=each_frame)
        except SimulationError as err:
            raise AcceleratorError(str(err)) from err
        return out, stats["axil_reads"]

    def read(self, offset: int) -> int:
        return self._run(np.zeros((0, self.input["dma_bytes"]), np.uint8), 0, [offset])[1][0]

    def write(self, offset: int, value: int) -> None:
        self.posted.append((offset, value))

    def process(self, data: bytes) -> tuple[bytes, list[int]]:
        """One MM2S transfer of whole input frames of the running batch (the batch: as many frames
        as the FRAMES register held at its first transfer; a driver may send them in parts, as the
        tracker does crop by crop) -> the output bytes they make, and the offsets in them where
        TLAST ended a packet: after the batch's last frame, or after every frame where the FRAMES
        write set EACH."""
        if len(data) % self.frame_in_bytes:
            raise AcceleratorError(f"MM2S carried {len(data)} bytes, not whole frames of "
                                   f"{self.frame_in_bytes} bytes: the accelerator would wait for "
                                   "the rest of the frame (the emulator does not model that)")
        frames = len(data) // self.frame_in_bytes
        if self.frames_left == 0:
            value = self.read(REGISTERS["FRAMES"])
            self.frames_left, self.each = value & ~EACH, bool(value & EACH)
        if frames > self.frames_left:
            raise AcceleratorError(f"MM2S carried {frames} frames but {self.frames_left} are left of the "
                                   "batch the FRAMES register set: TLAST would end the output inside this "
                                   "transfer (the emulator does not model that)")
        words = np.frombuffer(data, np.uint8).reshape(-1, self.input["dma_bytes"])
        ends_batch = frames == self.frames_left
        out, _ = self._run(words, frames, ends_batch=ends_batch, each_frame=self.each)
        self.frames_left -= frames
        if self.frames_left == 0:
            self.batches += 1
        frame_bytes = self.output["words"] * self.output["dma_bytes"]
        if self.each:
            return out.tobytes(), [k * frame_bytes for k in range(1, frames + 1)]
        return out.tobytes(), [frames * frame_bytes] if ends_batch else []

    def close(self) -> None:
        self.session.close()

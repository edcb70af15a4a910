"""The emulated board's state: its files (fpga_manager, /lib/firmware), the DDR, the
SLCR, and the programmable logic that a downloaded bitstream puts at the board's addresses."""

from __future__ import annotations

import threading
from pathlib import Path

from flow.board.bitstream import manifest_of_bin
from flow.board.emulator import dma, slcr
from flow.board.emulator.accelerator import Accelerator
from flow.board.emulator.memory import DDR
from flow.board.facts import read_facts
from flow.board.spec import Board

FPGA = "/sys/class/fpga_manager/fpga0/"
FIRMWARE = "/lib/firmware/"
SLCR_BASE = 0xF8000000


class BoardError(RuntimeError):
    """What a real board would answer with an error (a bad address, a bitstream it cannot load)."""


class EmulatedBoard:
    def __init__(self, board: Board, build_dirs: list[Path], ddr_file: Path | None = None):
        self.board = board
        self.lock = threading.RLock()
        ddr = board.data["ddr"]
        self.ddr = DDR(*(int(ddr[k], 16) for k in ("base", "size", "cma_base", "cma_size")), ddr_file)
        self.slcr = slcr.SLCR(board)
        self.dma = dma.AxiDma(self.ddr, board.data["dma"]["length_width"])
        self.builds = {}   # RTL digest -> build directory
        for build_dir in map(Path, build_dirs):
            design = read_facts(build_dir)
            self.builds[design["rtl_digest"]] = build_dir
        self.files = {FPGA + "state": b"operating", FPGA + "flags": b"0", FPGA + "firmware": b""}
        self.loaded: Path | None = None

    # --- files and the FPGA manager
    def write_file(self, path: str, data: bytes) -> None:
        self.files[path] = data
        if path == FPGA + "firmware":
            self._program(data.decode().strip("\0\n "))

    def _program(self, name: str) -> None:
        path = FIRMWARE + name
        if path not in self.files:
            raise BoardError(f"fpga_manager: {path} does not exist")
        manifest = manifest_of_bin(self.files[path])
        if manifest is None:
            raise BoardError(f"fpga_manager: {name} is not a bitstream the emulated board can run "
                             "(it models the builds' Verilator simulations, not configuration frames)")
        build_dir = self.builds.get(manifest.get("rtl_digest"))
        if build_dir is None:
            served = ", ".join(str(b) for b in self.builds.values()) or "none"
            raise BoardError(f"fpga_manager: {name} is build '{manifest.get('build')}' "
                             f"(RTL {manifest.get('rtl_digest', '?')[:12]}), which this emulated board "
                             f"does not serve (serving: {served}); start it with that build directory")
        self.close()   # a new bitstream replaces the PL: the old design's process ends
        self.dma = dma.AxiDma(self.ddr, self.board.data["dma"]["length_width"])
        self.dma.accelerator = Accelerator(build_dir)
        self.loaded = build_dir
        self.files[FPGA + "state"] = b"operating"

    def close(self) -> None:
        if self.dma.accelerator is not None:
            self.dma.accelerator.close()
            self.dma.accelerator = None
        self.loaded = None

    # --- memory-mapped devices
    def _devices(self) -> dict[str, tuple[int, int]]:
        devices = {"slcr": (SLCR_BASE, slcr.SIZE)}
        if self.loaded is not None:   # the DMA and the accelerator are programmable logic
            devices["dma"] = (self.board.address("axi_dma_0"), dma.SIZE)
            devices["accelerator"] = (self.board.address("accelerator"), dma.SIZE)
        return devices

    def map(self, base: int, length: int) -> tuple[str, int]:
        for name, (start, size) in self._devices().items():
            if start <= base and base + length <= start + size:
                return name, base - start
        loaded = "" if self.loaded else " (no bitstream is loaded: the PL is empty)"
        raise BoardError(f"no device answers at [0x{base:08x}, +0x{length:x}){loaded}")

    def _device(self, name: str):
        return {"slcr": self.slcr, "dma": self.dma, "accelerator": self.dma.accelerator}[name]

    def mmio_read(self, name: str, offset: int) -> int:
        return self._device(name).read(offset) & 0xFFFFFFFF

    def mmio_write(self, name: str, offset: int, value: int) -> None:
        self._device(name).write(offset, value)

    def fclk_mhz(self) -> float:
        return self.slcr.fclk_mhz(0)

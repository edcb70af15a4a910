"""The emulated board's state: its files (fpga_manager, /lib/firmware), the DDR, the processing
system's registers (its clocks: a PS7's SLCR or a PS8's CRL_APB and CRF_APB; a PS8's PS-PL port
widths), and the programmable logic that a downloaded bitstream puts at the board's addresses."""

from __future__ import annotations

import threading
from pathlib import Path

from flow.board.bitstream import manifest_of_bin
from flow.board.emulator import dma, ps7_clocks, ps8_clocks, ps8_ports
from flow.board.emulator.accelerator import Accelerator
from flow.board.emulator.memory import DDR
from flow.board.facts import read_facts
from flow.board.spec import Board

FPGA = "/sys/class/fpga_manager/fpga0/"
FIRMWARE = "/lib/firmware/"
CLOCKS = {"ps7": ps7_clocks.PS7Clocks, "ps8": ps8_clocks.PS8Clocks}


class BoardError(RuntimeError):
    """What a real board would answer with an error (a bad address, a bitstream it cannot load)."""


class EmulatedBoard:
    def __init__(self, board: Board, build_dirs: list[Path], ddr_file: Path | None = None):
        self.board = board
        self.lock = threading.RLock()
        ddr = board.data["ddr"]
        self.ddr = DDR(*(int(ddr[k], 16) for k in ("base", "size", "cma_base", "cma_size")), ddr_file)
        self.clocks = CLOCKS[board.processing_system](board)
        self.ports = ps8_ports.PortWidths() if board.processing_system == "ps8" else None
        self.ps_registers = {**self.clocks.blocks, **(self.ports.blocks if self.ports else {})}
        self.dma = self._new_dma()
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
        self.dma = self._new_dma()
        self.dma.accelerator = Accelerator(build_dir)
        self.loaded = build_dir
        self.files[FPGA + "state"] = b"operating"

    def _new_dma(self) -> dma.AxiDma:
        facts = self.board.data["dma"]
        return dma.AxiDma(self.ddr, facts["length_width"], facts["addr_width"])

    def close(self) -> None:
        if self.dma.accelerator is not None:
            self.dma.accelerator.close()
            self.dma.accelerator = None
        self.loaded = None

    # --- memory-mapped devices
    def _devices(self) -> dict[str, tuple[int, int]]:
        devices = {name: (block.base, block.size) for name, block in self.ps_registers.items()}
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
        if name in self.ps_registers:
            return self.ps_registers[name]
        mismatch = self.ports and self.ports.mismatch(self.board.data["dma"]["mm_data_width"])
        if mismatch:   # the PL is reached through the PS's ports
            raise BoardError(f"the PL's {name} is not reachable: {mismatch} (pynq sets the widths from "
                             "the .hwh's C_MAXIGP0_DATA_WIDTH and C_SAXIGP2_DATA_WIDTH at download)")
        return {"dma": self.dma, "accelerator": self.dma.accelerator}[name]

    def mmio_read(self, name: str, offset: int) -> int:
        return self._device(name).read(offset) & 0xFFFFFFFF

    def mmio_write(self, name: str, offset: int, value: int) -> None:
        self._device(name).write(offset, value)

    def pl_clock_mhz(self) -> float:
        """The clock the PL's design runs at: FCLK0 (PS7) or PL0 (PS8), as the registers set it now."""
        return self.clocks.pl_clock_mhz(0)

"""AXI DMA (PG021) in simple mode, register by register: MM2S reads DDR into the accelerator's
input stream, S2MM writes its output stream (up to TLAST) into DDR. An MM2S transfer runs once
both channels hold one; then MM2S reports Idle and IOC. S2MM does when TLAST came (the batch's
last frame, which may take several MM2S transfers; or, where the batch asked for TLAST on every
frame, each frame's last word), S2MM_LENGTH then holding the bytes written. Output past a TLAST
waits for the next S2MM transfer, as the stream would stall until the driver arms one.
Addresses are 64-bit on a DMA of c_addr_width 64 (MM2S_SA_MSB, S2MM_DA_MSB the upper words); on
one of 32 the MSB registers are reserved, and a transfer set to start above 4 GiB there is
refused (the board's DMA would use the low word: another buffer than the driver meant)."""

from __future__ import annotations

from flow.board.emulator.accelerator import Accelerator, AcceleratorError
from flow.board.emulator.memory import DDR, DDRError

# offsets of one channel's registers from its base (MM2S at 0x00, S2MM at 0x30)
DMACR, DMASR, ADDR, ADDR_MSB, LENGTH = 0x00, 0x04, 0x18, 0x1C, 0x28
S2MM = 0x30
RUN, RESET = 0x1, 0x4
HALTED, IDLE, INT_ERR, SLV_ERR, DEC_ERR, IOC = 0x1, 0x2, 0x10, 0x20, 0x40, 0x1000
SIZE = 0x10000


class Channel:
    def __init__(self, name: str):
        self.name = name
        self.reset()

    def reset(self) -> None:
        self.cr, self.sr = 0x10000, HALTED      # IRQ threshold 1, halted
        self.address = self.length = 0
        self.armed = False

    def read(self, offset: int) -> int:
        return {DMACR: self.cr, DMASR: self.sr, ADDR: self.address & 0xFFFFFFFF,
                ADDR_MSB: self.address >> 32, LENGTH: self.length}.get(offset, 0)

    def write(self, offset: int, value: int) -> None:
        if offset == DMACR:
            if value & RESET:
                self.reset()
                return
            self.cr = value & ~RESET
            if value & RUN:
                self.sr &= ~HALTED
            else:
                self.sr |= HALTED
                self.armed = False
        elif offset == DMASR:
            self.sr &= ~(value & (IOC | 0x2000 | 0x4000))   # interrupt bits: write 1 to clear
        elif offset == ADDR:
            self.address = (self.address & ~0xFFFFFFFF) | value
        elif offset == ADDR_MSB:
            self.address = (self.address & 0xFFFFFFFF) | (value << 32)
        elif offset == LENGTH:
            if self.sr & HALTED:
                return  # a halted channel ignores LENGTH, as the hardware does
            self.length = value
            self.armed = True
            self.sr &= ~IDLE

    def finish(self, error: int = 0) -> None:
        self.armed = False
        self.sr |= IDLE | (IOC if not error else 0) | error
        if error:
            self.sr |= HALTED


class AxiDma:
    def __init__(self, ddr: DDR, length_width: int, addr_width: int):
        self.ddr = ddr
        self.max_length = (1 << length_width) - 1
        self.addr_width = addr_width
        self.mm2s, self.s2mm = Channel("MM2S"), Channel("S2MM")
        self.s2mm_written = 0   # bytes the armed S2MM transfer has written so far
        self.pending = b""      # output the stream holds for the next S2MM transfer
        self.pending_ends: list[int] = []   # the offsets in it where TLAST ended a packet
        self.accelerator: Accelerator | None = None
        self.log: list[str] = []

    def read(self, offset: int) -> int:
        channel = self.s2mm if offset >= S2MM else self.mm2s
        return channel.read(offset - S2MM if offset >= S2MM else offset)

    def write(self, offset: int, value: int) -> None:
        channel = self.s2mm if offset >= S2MM else self.mm2s
        channel.write(offset - S2MM if offset >= S2MM else offset, value)
        if offset == S2MM + LENGTH:
            self.s2mm_written = 0
            self._deliver()
        if offset in (LENGTH, S2MM + LENGTH) and self.mm2s.armed and self.s2mm.armed:
            self._transfer()

    def _fail(self, channel: Channel, error: int, why: str) -> None:
        self.log.append(f"{channel.name}: {why}")
        channel.finish(error)

    def _valid(self, channel: Channel) -> bool:
        """A transfer's length and address checked, as the DMA does when it starts one."""
        if channel.length == 0 or channel.length > self.max_length:
            self._fail(channel, INT_ERR, f"length {channel.length} outside 1..{self.max_length}")
            return False
        if channel.address >> self.addr_width:
            self._fail(channel, INT_ERR, f"address 0x{channel.address:x} has bits above the DMA's "
                                         f"{self.addr_width}-bit addresses (its MSB register is reserved)")
            return False
        if not self.ddr.contains(channel.address, channel.length):
            self._fail(channel, DEC_ERR, f"[0x{channel.address:08x}, +{channel.length}) is not DDR")
            return False
        return True

    def _transfer(self) -> None:
        mm2s, s2mm = self.mm2s, self.s2mm
        if not (self._valid(mm2s) and self._valid(s2mm)):
            return
        if self.accelerator is None:
            return self._fail(mm2s, SLV_ERR, "no bitstream is loaded: nothing drives the streams")
        try:
            out, ends = self.accelerator.process(self.ddr.read(mm2s.address, mm2s.length))
        except (AcceleratorError, DDRError) as err:   # both channels stop: a driver waiting on either hears
            self._fail(mm2s, INT_ERR, str(err))
            return self._fail(s2mm, INT_ERR, str(err))
        mm2s.finish()
        self.pending_ends += [len(self.pending) + end for end in ends]
        self.pending += out
        self._deliver()

    def _deliver(self) -> None:
        """The stream's held output into the armed S2MM transfer, up to its TLAST."""
        s2mm = self.s2mm
        if not (s2mm.armed and self.pending and self._valid(s2mm)):
            return
        end = self.pending_ends[0] if self.pending_ends else len(self.pending)
        written = self.s2mm_written + end
        last = bool(self.pending_ends)
        if written > s2mm.length:
            self.pending, self.pending_ends = b"", []
            return self._fail(s2mm, INT_ERR, f"the stream carried {written} bytes {'up to TLAST' if last else 'so far'}, "
                                             f"S2MM_LENGTH allowed {s2mm.length}")
        self.ddr.write(s2mm.address + self.s2mm_written, self.pending[:end])
        self.s2mm_written = written
        self.pending = self.pending[end:]
        self.pending_ends = [e - end for e in self.pending_ends[1:]] if last else []
        if last:
            s2mm.length = written
            s2mm.finish()

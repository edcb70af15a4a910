"""A block of 32-bit registers of the emulated board's processing system at its base address: what
is written reads back, unwritten registers read their reset value (0 where none is given)."""

from __future__ import annotations


class RegisterBlock:
    def __init__(self, base: int, size: int, reset: dict[int, int]):
        self.base, self.size = base, size
        self.registers = dict(reset)   # byte offset -> value

    def read(self, offset: int) -> int:
        return self.registers.get(offset, 0)

    def write(self, offset: int, value: int) -> None:
        self.registers[offset] = value & 0xFFFFFFFF

    def field(self, offset: int, bit: int, width: int) -> int:
        """Bits [bit + width - 1 : bit] of the register at offset."""
        return (self.read(offset) >> bit) & ((1 << width) - 1)

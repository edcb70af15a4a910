"""The PS DDR: one flat byte array over the board's DDR window, and the contiguous (CMA)
allocator that pynq's allocate() calls reach (through XRT's buffer objects under pynq 3).
Given a file, the array is that file, shared with the driver's process, which maps its buffers
from it as the board's Linux maps DDR pages."""

from __future__ import annotations

from pathlib import Path

import numpy as np

PAGE = 4096


class DDRError(RuntimeError):
    """An access or allocation outside the modelled DDR."""


class DDR:
    def __init__(self, base: int, size: int, cma_base: int, cma_size: int, file: Path | None = None):
        self.base, self.size = base, size
        # calloc'd or a sparse file: pages cost memory only once touched
        self.data = np.zeros(size, np.uint8) if file is None else np.memmap(file, np.uint8, "w+", shape=size)
        self.cma = (cma_base, cma_base + cma_size)
        self.blocks: dict[int, int] = {}       # physical address -> size of each live allocation

    def contains(self, address: int, length: int) -> bool:
        return self.base <= address and address + length <= self.base + self.size

    def _span(self, address: int, length: int) -> slice:
        if not self.contains(address, length):
            raise DDRError(f"DDR access [0x{address:08x}, +{length}) is outside the DDR window "
                               f"[0x{self.base:08x}, 0x{self.base + self.size:08x})")
        return slice(address - self.base, address - self.base + length)

    def read(self, address: int, length: int) -> bytes:
        return self.data[self._span(address, length)].tobytes()

    def write(self, address: int, data: bytes) -> None:
        self.data[self._span(address, len(data))] = np.frombuffer(data, np.uint8)

    def allocate(self, size: int) -> int:
        """First fit, page aligned, in the CMA window."""
        size = max(PAGE, -(-size // PAGE) * PAGE)
        address = self.cma[0]
        for start in sorted(self.blocks):
            if start - address >= size:
                break
            address = max(address, start + self.blocks[start])
        if address + size > self.cma[1]:
            raise DDRError(f"out of contiguous memory: {size} bytes requested, "
                               f"{sum(self.blocks.values())} of {self.cma[1] - self.cma[0]} in use")
        self.blocks[address] = size
        self.data[self._span(address, size)] = 0
        return address

    def free(self, address: int) -> None:
        self.blocks.pop(address, None)

"""The stand-in .bit of a build without Vivado: a real Xilinx .bit header (design, part, date,
time, length) around a payload that names the build instead of configuration frames.

pynq turns a .bit into the .bin that fpga_manager loads (bit2bin: the header stripped, every
32-bit word byte-swapped); the emulated board reads that .bin back, recognises the payload and
puts the build's Verilator simulation behind its DMA. A real board rejects this file: it holds
no configuration frames (the Vivado flow in vivado/ writes the real one).
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import numpy as np

MAGIC = b"QNNFLOW-EMULATED-BITSTREAM\n"
HEADER_START = bytes.fromhex("0ff00ff00ff00ff000")


def _field(key: bytes, text: str) -> bytes:
    data = text.encode("ascii") + b"\0"
    return key + struct.pack(">h", len(data)) + data


def emulated_bit(design: str, part: str, manifest: dict) -> bytes:
    """The .bit bytes; `manifest` (JSON) identifies the build and the content of its RTL."""
    payload = MAGIC + json.dumps(manifest, sort_keys=True).encode() + b"\n"
    payload += b"\0" * (-len(payload) % 4)
    header = struct.pack(">h", len(HEADER_START)) + HEADER_START + struct.pack(">h", 1)
    header += _field(b"a", f"{design};UserID=0XFFFFFFFF;Version=emulated")
    header += _field(b"b", part.removeprefix("xc").rsplit("-", 1)[0])
    header += _field(b"c", "1970/01/01") + _field(b"d", "00:00:00")  # deterministic builds
    return header + b"e" + struct.pack(">i", len(payload)) + payload


def manifest_of_bin(bin_data: bytes) -> dict | None:
    """The manifest of an emulated bitstream from the .bin fpga_manager gets, else None."""
    if len(bin_data) % 4:
        return None
    data = np.frombuffer(bin_data, ">i4").astype("<i4").tobytes()  # undo bit2bin's byte swap
    if not data.startswith(MAGIC):
        return None
    return json.loads(data[len(MAGIC):].rstrip(b"\0").decode())


def sources_digest(paths: list[Path]) -> str:
    """sha256 over the names and contents of the files that make the design."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()

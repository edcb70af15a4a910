"""xclbinutil --add-section=KIND:FORMAT:FILE ... --output FILE [--skip-bank-grouping]: the part
of XRT's xclbinutil that pynq 3 runs on a Zynq board (pl_server/embedded_device.py), which
describes the memories of a design that has only a .hwh. It writes an xclbin (XRT's axlf
container) with the sections given: EMBEDDED_METADATA as RAW bytes, MEM_TOPOLOGY from JSON.

A script run by the board's Python (no flow imports): the emulated board puts it on PATH.
"""

import ctypes
import json
import sys
from pathlib import Path

SECTION_KINDS = {"EMBEDDED_METADATA": 2, "MEM_TOPOLOGY": 6}
MEMORY_TYPES = {"MEM_DDR3": 0, "MEM_DDR4": 1, "MEM_DRAM": 2, "MEM_STREAMING": 3,
                "MEM_PREALLOCATED_GLOB": 4, "MEM_ARE": 5, "MEM_HBM": 6, "MEM_BRAM": 7, "MEM_URAM": 8}


class Header(ctypes.Structure):          # axlf_header in XRT's xclbin.h
    _fields_ = [("length", ctypes.c_uint64), ("time_stamp", ctypes.c_uint64),
                ("feature_rom_time_stamp", ctypes.c_uint64), ("version_patch", ctypes.c_uint16),
                ("version_major", ctypes.c_uint8), ("version_minor", ctypes.c_uint8),
                ("mode", ctypes.c_uint32), ("platform_feature_id", ctypes.c_uint64 * 2),
                ("platform_vbnv", ctypes.c_ubyte * 64), ("uuid", ctypes.c_ubyte * 16),
                ("debug_bin", ctypes.c_char * 16), ("num_sections", ctypes.c_uint32)]


class SectionHeader(ctypes.Structure):   # axlf_section_header
    _fields_ = [("kind", ctypes.c_uint32), ("name", ctypes.c_char * 16),
                ("offset", ctypes.c_uint64), ("size", ctypes.c_uint64)]


class Axlf(ctypes.Structure):            # axlf, less its array of section headers
    _fields_ = [("magic", ctypes.c_char * 8), ("cipher", ctypes.c_ubyte * 32),
                ("key_block", ctypes.c_ubyte * 256), ("unique_id", ctypes.c_uint64),
                ("header", Header)]


class MemData(ctypes.Structure):         # mem_data
    _fields_ = [("type", ctypes.c_uint8), ("used", ctypes.c_uint8), ("size_kb", ctypes.c_int64),
                ("base_address", ctypes.c_int64), ("tag", ctypes.c_char * 16)]


def mem_topology(spec: dict) -> bytes:
    mems = spec["mem_topology"]["m_mem_data"]
    data = b"".join(bytes(MemData(MEMORY_TYPES[m["m_type"]], m["m_used"], m["m_sizeKB"],
                                  m["m_base_address"], m["m_tag"].encode())) for m in mems)
    # mem_topology: int32 m_count, then the array aligned as mem_data (8 bytes)
    return ctypes.c_int32(len(mems)).value.to_bytes(4, "little") + bytes(4) + data


def xclbin(sections: list[tuple[str, bytes]]) -> bytes:
    head = ctypes.sizeof(Axlf) + len(sections) * ctypes.sizeof(SectionHeader)
    headers, payload, offset = [], b"", -(-head // 8) * 8
    for kind, data in sections:
        headers.append(SectionHeader(SECTION_KINDS[kind], kind.encode()[:15], offset + len(payload), len(data)))
        payload += data + bytes(-len(data) % 8)
    axlf = Axlf(magic=b"xclbin2")
    axlf.header.length = offset + len(payload)
    axlf.header.version_major = 2
    axlf.header.num_sections = len(sections)
    out = bytes(axlf) + b"".join(bytes(h) for h in headers)
    return out + bytes(offset - len(out)) + payload


def main(argv: list[str]) -> int:
    sections, output, args = [], None, iter(argv)
    for arg in args:
        if arg.startswith("--add-section="):
            kind, fmt, file = arg.split("=", 1)[1].split(":", 2)
            if (kind, fmt) not in (("EMBEDDED_METADATA", "RAW"), ("MEM_TOPOLOGY", "JSON")):
                print(f"xclbinutil: section {kind}:{fmt} is not one the emulated board's xclbinutil "
                      "writes (EMBEDDED_METADATA:RAW, MEM_TOPOLOGY:JSON)", file=sys.stderr)
                return 1
            data = Path(file).read_bytes()
            sections.append((kind, mem_topology(json.loads(data)) if kind == "MEM_TOPOLOGY" else data))
        elif arg == "--output":
            output = next(args, None)
    if output is None:
        print("xclbinutil: --output FILE is required", file=sys.stderr)
        return 1
    Path(output).write_bytes(xclbin(sections))
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

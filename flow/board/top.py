"""The board-facing top (rtl/ core + AXI-Lite control + DMA-width streams) and its sources.

The core is the stitched RTL top of rtl/ (an HLS IP with the same stream ports can stand in
for it: `core_sources` is the one place that chooses). The top's streams are as wide as an AXI
DMA stream can be (a power of two of at least 8 bits), with the core's words in the low bits;
TLAST marks a batch's last output word (or every frame's, where the FRAMES write sets EACH);
axil_control holds the batch size and the cycle counter, and, for a core with the
exemplar_capture control input (the SiamFC tracker), the CAPTURE register that drives it batch
by batch (hw/rtl/axil_control.v says why per batch), and for a core with memories loaded at
run time (flow/backends/weight_image.py), WEIGHT_ADDR / WEIGHT_DATA on its weight bus.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from flow.backends.design import Design
from flow.backends.rtl.sources import rtl_sources
from flow.templating import template_env

BOARD_TOP = "accelerator_axi"
CONTROL = "axil_control"
# register byte offsets of hw/rtl/axil_control.v
REGISTERS = {"ID": 0x00, "STATUS": 0x04, "FRAMES": 0x08, "CYCLES_LO": 0x0C, "CYCLES_HI": 0x10,
             "IN_WORDS": 0x14, "OUT_WORDS": 0x18, "WEIGHT_ADDR": 0x20, "WEIGHT_DATA": 0x24}
EACH = 1 << 31   # FRAMES bit 31: TLAST ends every output frame, not only the batch's last
# control inputs of a core -> the register that drives each
CONTROL_REGISTERS = {"exemplar_capture": ("CAPTURE", 0x1C)}
CONTROL_ID = 0x514E4E46
CONTROL_RANGE = 0x10000   # the address window the block design gives the control port (64 KiB)
CONTROL_BITS = 32   # axil_control's AXI-Lite data width, which the PS's control port is set to


def dma_bits(bits: int) -> int:
    """The narrowest AXI DMA stream width (8, 16, 32, ... 1024 bits) that holds `bits`."""
    width = 8
    while width < bits:
        width *= 2
    if width > 1024:
        raise ValueError(f"a stream word of {bits} bits is wider than an AXI DMA stream (1024 bits)")
    return width


@dataclass(frozen=True)
class BoardDesign:
    top: str
    core: str
    sources: list[Path]      # every Verilog file, the board top last
    data_files: list[Path]   # memory files the core reads with $readmemh
    in_dma_bits: int
    out_dma_bits: int
    in_words: int            # stream words per frame
    out_words: int
    controls: tuple[str, ...] = ()   # control inputs of the core, each driven by a register

    @property
    def registers(self) -> dict[str, int]:
        return register_map(self.controls)

    @property
    def mm2s_realigns(self) -> int:
        """1 where the DMA's MM2S has its data realignment engine (DataMover, PG022: for streams up
        to 64 bits): then a transfer may start at any byte, so that a driver can send the frames of
        a batch one at a time (a 255 x 255 frame of 4-byte words is 260,100 bytes, not a multiple
        of the 64-bit memory side's 8)."""
        return int(self.in_dma_bits <= 64)


def register_map(controls) -> dict[str, int]:
    """The control registers of a board top whose core has these control inputs."""
    unknown = sorted(set(controls) - set(CONTROL_REGISTERS))
    if unknown:
        raise ValueError(f"the board top has no register for the control input(s) {', '.join(unknown)} "
                         f"(it drives {', '.join(CONTROL_REGISTERS)})")
    return {**REGISTERS, **dict(CONTROL_REGISTERS[c] for c in controls)}


def core_sources(design: Design) -> tuple[list[Path], list[Path]]:
    """The core's Verilog files and memory files (the hook for an HLS core: same ports)."""
    verilog = [Path(p) for p in design.sources]
    data = sorted(p for p in Path(design.directory).iterdir()
                  if p.is_file() and p.suffix not in (".v", ".sv", ".json"))
    return verilog, data


def generate_board_top(design: Design, in_words: int, out_words: int, out_dir: Path,
                       build_name: str) -> BoardDesign:
    """Write out_dir/: copies of the core's files, axil_control.v and accelerator_axi.v."""
    register_map(design.controls)   # a control the top cannot drive fails before any file is written
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    verilog, data = core_sources(design)
    copies = []
    for src in verilog + rtl_sources(CONTROL) + data:
        copies.append(out_dir / src.name)
        shutil.copyfile(src, copies[-1])
    in_port, out_port = 8 * ((design.in_bits + 7) // 8), 8 * ((design.out_bits + 7) // 8)
    in_dma, out_dma = dma_bits(in_port), dma_bits(out_port)
    text = template_env(Path(__file__).resolve().parent / "templates").get_template("accelerator_axi.v.j2").render(
        top=BOARD_TOP, core=design.top, build_name=build_name, in_port_bits=in_port,
        out_port_bits=out_port, in_dma_bits=in_dma, out_dma_bits=out_dma,
        in_words=in_words, out_words=out_words, controls=design.controls, weights=bool(design.weight_regions))
    top_file = out_dir / f"{BOARD_TOP}.v"
    top_file.write_text(text)
    n_verilog = len(verilog) + len(rtl_sources(CONTROL))
    return BoardDesign(BOARD_TOP, design.top, copies[:n_verilog] + [top_file], copies[n_verilog:],
                       in_dma, out_dma, in_words, out_words, tuple(design.controls))


def top_ports(verilog: Path) -> list[tuple[str, str, int]]:
    """(direction 'I'/'O', name, width) of each port of a generated top, in order."""
    text = re.sub(r"//[^\n]*|/\*.*?\*/", "", Path(verilog).read_text(), flags=re.DOTALL)
    header = text[text.index("(", text.index("module")):text.index(");")]
    ports = []
    for direction, msb, name in re.findall(r"\b(input|output)\s+(?:wire|reg)?\s*(?:\[(\d+):0\])?\s*(\w+)",
                                           header):
        ports.append(("I" if direction == "input" else "O", name, int(msb) + 1 if msb else 1))
    return ports


def load_board_design(src_dir: Path, facts: dict) -> BoardDesign:
    """The BoardDesign of a build's vivado/src/, with deploy/design.json's facts."""
    src_dir = Path(src_dir)
    verilog = sorted(p for p in src_dir.glob("*.v") if p.stem != BOARD_TOP) + [src_dir / f"{BOARD_TOP}.v"]
    data = sorted(p for p in src_dir.iterdir() if p.suffix != ".v")
    ins, outs = facts["input"], facts["output"]
    return BoardDesign(BOARD_TOP, facts["core"], verilog, data, 8 * ins["dma_bytes"], 8 * outs["dma_bytes"],
                       ins["words"], outs["words"], tuple(facts.get("controls", ())))

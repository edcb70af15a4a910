"""The .hwh (Vivado's hardware handoff) of the block design, written without Vivado.

It describes what hw/vivado's Tcl builds: the processing system (a Zynq PS7: FCLK0 at the build's
clock, M_AXI_GP0 to the control ports, S_AXI_HP0 for the DMA; a Zynq UltraScale+ PS8: pl_clk0,
M_AXI_HPM0_FPD, S_AXI_HP0_FPD), an AXI DMA in simple mode, and the accelerator with its AXI-Lite
register map, with the ports of the generated Verilog top. pynq parses it on the board
(pynqmetadata) to build the Overlay's ip_dict, clock_dict and register maps; pynq 3 takes the PL
clock from the PS's divisors as Vivado writes them (PCW_FCLK0_PERIPHERAL_DIVISOR0/1 on a PS7,
PSU__CRL_APB__PL0_REF_CTRL__DIVISOR0/1 on a PS8), and on a PS8 the widths it sets the PS-PL ports
to at download (C_MAXIGP0_DATA_WIDTH, C_SAXIGP2_DATA_WIDTH).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from flow.board.spec import Board
from flow.board.top import CONTROL_BITS, CONTROL_RANGE, BoardDesign, top_ports

DMA = "axi_dma_0"
ACCEL = "accelerator"
ACCEL_VLNV = "qnnflow.org:user:accelerator_axi:1.0"
# each kind of processing system as Vivado's IP names it: its block-design instance, module type,
# the .hwh's architecture, the PL clock and reset it drives, the clock pins of its master (control)
# and slave (DMA) ports, the DDR segment the slave port reaches (the interface Vivado files it under;
# for a PS8 the port's internal name, SAXIGP2 for S_AXI_HP0_FPD), and the protocol of its ports
PS_IP = {
    "ps7": {"instance": "processing_system7_0", "modtype": "processing_system7", "arch": "zynq",
            "clock": "FCLK_CLK0", "reset": "FCLK_RESET0_N", "master_aclk": "M_AXI_GP0_ACLK",
            "slave_aclk": "S_AXI_HP0_ACLK", "ddr_block": "HP0_DDR_LOWOCM", "ddr_interface": "S_AXI_HP0",
            "protocol": "AXI3"},
    "ps8": {"instance": "zynq_ultra_ps_e_0", "modtype": "zynq_ultra_ps_e", "arch": "zynquplus",
            "clock": "pl_clk0", "reset": "pl_resetn0", "master_aclk": "maxihpm0_fpd_aclk",
            "slave_aclk": "saxihp0_fpd_aclk", "ddr_block": "HP0_DDR_LOW", "ddr_interface": "SAXIGP2",
            "protocol": "AXI4"},
}

_REGISTER_DOC = {
    "ID": ("read-only", "constant 0x514E4E46"), "STATUS": ("read-only", "bit 0 busy, bit 1 done"),
    "FRAMES": ("read-write", "bits 30:0 frames in the next batch, bit 31 TLAST on every output frame; "
               "writing starts a new count"),
    "CYCLES_LO": ("read-only", "cycles of the last batch, bits 31:0"),
    "CYCLES_HI": ("read-only", "cycles of the last batch, bits 63:32"),
    "IN_WORDS": ("read-only", "input words per frame"), "OUT_WORDS": ("read-only", "output words per frame"),
    "CAPTURE": ("read-write", "bit 0: the next batch is a capture batch (exemplar_capture high for all "
                "its frames); clears itself at that batch's end"),
    "WEIGHT_ADDR": ("read-write", "weight image address of the next WEIGHT_DATA write"),
    "WEIGHT_DATA": ("write-only", "a write loads its word at WEIGHT_ADDR, which then counts up by one"),
}


def _params(parent: ET.Element, values: dict) -> None:
    node = ET.SubElement(parent, "PARAMETERS")
    for name, value in values.items():
        ET.SubElement(node, "PARAMETER", NAME=name, VALUE=str(value))


def _register_block(mod: ET.Element, interface: str, registers: list[tuple[str, int, str, str, dict]]) -> None:
    """ADDRESSBLOCKS with one register block: (name, offset, access, description, {field: (bit, width)})."""
    blocks = ET.SubElement(mod, "ADDRESSBLOCKS")
    block = ET.SubElement(blocks, "ADDRESSBLOCK", ACCESS="read-write", INTERFACE=interface, NAME="Reg",
                          RANGE=str(CONTROL_RANGE), USAGE="register")
    regs = ET.SubElement(block, "REGISTERS")
    for reg, offset, access, doc, fields in registers:
        r = ET.SubElement(regs, "REGISTER", NAME=reg)
        for pname, value in (("DESCRIPTION", doc), ("ADDRESS_OFFSET", hex(offset)), ("SIZE", "32"),
                             ("ACCESS", access), ("IS_ENABLED", "true"), ("RESET_VALUE", "0")):
            ET.SubElement(r, "PROPERTY", NAME=pname, VALUE=value)
        if fields:
            node = ET.SubElement(r, "FIELDS")
            for field, (bit, width) in fields.items():
                f = ET.SubElement(node, "FIELD", NAME=field)
                for pname, value in (("DESCRIPTION", field), ("ADDRESS_OFFSET", "0"), ("ACCESS", access),
                                     ("BIT_OFFSET", str(bit)), ("BIT_WIDTH", str(width))):
                    ET.SubElement(f, "PROPERTY", NAME=pname, VALUE=value)


# the AXI DMA's simple-mode registers (PG021): name, offset, access, description, fields
_DMA_CONTROL = {"RS": (0, 1), "Reset": (2, 1), "IOC_IrqEn": (12, 1), "Err_IrqEn": (14, 1)}
_DMA_STATUS = {"Halted": (0, 1), "Idle": (1, 1), "DMAIntErr": (4, 1), "DMASlvErr": (5, 1),
               "DMADecErr": (6, 1), "IOC_Irq": (12, 1), "Err_Irq": (14, 1)}
_DMA_REGISTERS = [
    ("MM2S_DMACR", 0x00, "read-write", "MM2S DMA control", _DMA_CONTROL),
    ("MM2S_DMASR", 0x04, "read-write", "MM2S DMA status", _DMA_STATUS),
    ("MM2S_SA", 0x18, "read-write", "MM2S source address, bits 31:0", {}),
    ("MM2S_SA_MSB", 0x1C, "read-write", "MM2S source address, bits 63:32", {}),
    ("MM2S_LENGTH", 0x28, "read-write", "MM2S transfer length in bytes; writing it starts the transfer", {}),
    ("S2MM_DMACR", 0x30, "read-write", "S2MM DMA control", _DMA_CONTROL),
    ("S2MM_DMASR", 0x34, "read-write", "S2MM DMA status", _DMA_STATUS),
    ("S2MM_DA", 0x48, "read-write", "S2MM destination address, bits 31:0", {}),
    ("S2MM_DA_MSB", 0x4C, "read-write", "S2MM destination address, bits 63:32", {}),
    ("S2MM_LENGTH", 0x58, "read-write", "S2MM buffer length; after the transfer, the bytes written", {}),
]


def _module(root: ET.Element, instance: str, vlnv: str, modtype: str, params: dict) -> ET.Element:
    version = vlnv.rsplit(":", 1)[1]
    mod = ET.SubElement(root, "MODULE", FULLNAME=f"/{instance}", HWVERSION=version, INSTANCE=instance,
                        IPTYPE="PERIPHERAL", IS_ENABLE="1", MODCLASS="PERIPHERAL", MODTYPE=modtype,
                        VLNV=vlnv)
    _params(mod, params)
    return mod


def _ports(mod: ET.Element, ports: list[tuple[str, str, int]], nets: dict[str, str],
           kinds: dict[str, str], clock_hz: int) -> None:
    """PORTS; nets maps a port to its net name (ports on one net are connected)."""
    node = ET.SubElement(mod, "PORTS")
    for direction, name, width in ports:
        attrs = {"DIR": direction, "NAME": name, "SIGIS": kinds.get(name, "undef")}
        if width > 1:
            attrs.update(LEFT=str(width - 1), RIGHT="0")
        if attrs["SIGIS"] == "clk":
            attrs["CLKFREQUENCY"] = str(clock_hz)
        if name in nets:
            attrs["SIGNAME"] = nets[name]
        ET.SubElement(node, "PORT", **attrs)


def _bus(parent: ET.Element, name: str, kind: str, vlnv: str, busname: str,
         portmap: dict[str, str], params: dict) -> None:
    """One BUSINTERFACE: portmap {logical: physical}."""
    bus = ET.SubElement(parent, "BUSINTERFACE", BUSNAME=busname, NAME=name, TYPE=kind, VLNV=vlnv)
    for pname, value in params.items():
        ET.SubElement(bus, "PARAMETER", NAME=pname, VALUE=str(value))
    maps = ET.SubElement(bus, "PORTMAPS")
    for logical, physical in portmap.items():
        ET.SubElement(maps, "PORTMAP", LOGICAL=logical.upper(), PHYSICAL=physical)


def _connect(modules: dict[str, ET.Element]) -> None:
    """CONNECTIONS of every port: the ports of the other direction on its net (SIGNAME)."""
    on_net: dict[str, list[tuple[str, str, str]]] = {}
    for instance, mod in modules.items():
        for port in mod.iter("PORT"):
            if port.get("SIGNAME"):
                on_net.setdefault(port.get("SIGNAME"), []).append((instance, port.get("NAME"), port.get("DIR")))
    for mod in modules.values():
        for port in mod.iter("PORT"):
            # an input names its driver, an output the inputs it drives
            others = [(i, p) for i, p, d in on_net.get(port.get("SIGNAME"), []) if d != port.get("DIR")]
            if others:
                conns = ET.SubElement(port, "CONNECTIONS")
                for other_instance, other_port in others:
                    ET.SubElement(conns, "CONNECTION", INSTANCE=other_instance, PORT=other_port)


def _ps7_parameters(board: Board, clock_mhz: float) -> dict:
    """The PS7's: FCLK0 from the IO PLL, GP0 to the control ports, HP0 for the DMA."""
    ps7 = board.data["ps7"]
    d0, d1, achieved = board.fclk_divisors(clock_mhz)
    return {
        "PCW_FPGA0_PERIPHERAL_FREQMHZ": f"{clock_mhz:g}", "PCW_ACT_FPGA0_PERIPHERAL_FREQMHZ": f"{achieved:.6f}",
        "PCW_FPGA_FCLK0_ENABLE": 1, "PCW_FCLK0_PERIPHERAL_CLKSRC": ps7["fclk0"]["source"],
        "PCW_FCLK0_PERIPHERAL_DIVISOR0": d0, "PCW_FCLK0_PERIPHERAL_DIVISOR1": d1,
        # FCLK1..3 unused (pynq resets them to its default 100 MHz at download)
        **{f"PCW_FPGA_FCLK{i}_ENABLE": 0 for i in (1, 2, 3)},
        **{f"PCW_FCLK{i}_PERIPHERAL_CLKSRC": "IO PLL" for i in (1, 2, 3)},
        **{f"PCW_FCLK{i}_PERIPHERAL_DIVISOR{j}": 1 for i in (1, 2, 3) for j in (0, 1)},
        "PCW_USE_M_AXI_GP0": 1, "PCW_USE_S_AXI_HP0": 1, "PCW_S_AXI_HP0_DATA_WIDTH": board.data["dma"]["mm_data_width"],
        "PCW_UIPARAM_DDR_PARTNO": "MT41K256M16 RE-125", "preset": ps7["board_part"],
    }


def _ps8_parameters(board: Board, clock_mhz: float) -> dict:
    """The PS8's: PL0 from its PLL, HPM0_FPD (PSU__USE__M_AXI_GP0) at the control ports' width,
    HP0_FPD (PSU__USE__S_AXI_GP2) at the DMA's."""
    ps8, mm_bits = board.data["ps8"], board.data["dma"]["mm_data_width"]
    d0, d1, achieved = board.fclk_divisors(clock_mhz)
    pl0 = "PSU__CRL_APB__PL0_REF_CTRL"
    return {
        "PSU__PSS_REF_CLK__FREQMHZ": f"{ps8['ps_ref_clk_mhz']:g}",
        f"{pl0}__FREQMHZ": f"{clock_mhz:g}", f"{pl0}__ACT_FREQMHZ": f"{achieved:.6f}",
        "PSU__FPGA_PL0_ENABLE": 1, f"{pl0}__SRCSEL": ps8["pl0"]["source"],
        f"{pl0}__DIVISOR0": d0, f"{pl0}__DIVISOR1": d1,
        # PL1..3 unused (pynq resets them to its default 100 MHz at download)
        **{f"PSU__FPGA_PL{i}_ENABLE": 0 for i in (1, 2, 3)},
        **{f"PSU__CRL_APB__PL{i}_REF_CTRL__SRCSEL": "IOPLL" for i in (1, 2, 3)},
        **{f"PSU__CRL_APB__PL{i}_REF_CTRL__DIVISOR{j}": 1 for i in (1, 2, 3) for j in (0, 1)},
        "PSU__USE__M_AXI_GP0": 1, "PSU__MAXIGP0__DATA_WIDTH": CONTROL_BITS, "C_MAXIGP0_DATA_WIDTH": CONTROL_BITS,
        "PSU__USE__S_AXI_GP2": 1, "PSU__SAXIGP2__DATA_WIDTH": mm_bits, "C_SAXIGP2_DATA_WIDTH": mm_bits,
        "preset": ps8["board_part"],
    }


def _system_info(root: ET.Element, name: str, board: Board) -> None:
    """SYSTEMINFO: the part as Vivado splits it (xc7z020clg400-1: 7z020, clg400, -1;
    xczu7ev-ffvc1156-2-e: xczu7ev, ffvc1156, -2)."""
    part = board.part
    if board.processing_system == "ps7":
        device, package, speed = part[2:8], part[8:14], part[14:]
    else:
        device, package, speed = part.split("-")[:3]
        speed = f"-{speed}"
    ET.SubElement(root, "SYSTEMINFO", ARCH=PS_IP[board.processing_system]["arch"], DEVICE=device, NAME=name,
                  PACKAGE=package, SPEEDGRADE=speed)


def hwh_xml(name: str, board: Board, clock_mhz: float, design: BoardDesign, top_file: Path) -> str:
    clock_hz = round(board.fclk_divisors(clock_mhz)[2] * 1e6)
    kind, dma = board.processing_system, board.data["dma"]
    ps, ip = board.data[kind], PS_IP[kind]
    instance = ip["instance"]
    clock_net, reset_net = f"{instance}_{ip['clock']}", f"{instance}_{ip['reset']}"
    control_bus = f"{instance}_{ps['master_port']}"
    root = ET.Element("EDKSYSTEM", EDWVERSION="1.2", TIMESTAMP="", VIVADOVERSION="none (flow/board/hwh.py)")
    _system_info(root, name, board)
    ET.SubElement(root, "EXTERNALPORTS")
    ET.SubElement(root, "EXTERNALINTERFACES")
    mods = ET.SubElement(root, "MODULES")
    aximm, axis = "xilinx.com:interface:aximm:1.0", "xilinx.com:interface:axis:1.0"
    mm_bits, in_bits, out_bits = dma["mm_data_width"], design.in_dma_bits, design.out_dma_bits

    # --- the processing system: the PL clock and reset, the control master, the DMA's slave port
    parameters = _ps7_parameters(board, clock_mhz) if kind == "ps7" else _ps8_parameters(board, clock_mhz)
    ps_mod = _module(mods, instance, ps["ip"], ip["modtype"], parameters)
    ps_mod.set("IS_PL", "FALSE")   # how pynqmetadata tells the processing system from the PL
    clock, reset, master_clk, slave_clk = ip["clock"], ip["reset"], ip["master_aclk"], ip["slave_aclk"]
    _ports(ps_mod, [("O", clock, 1), ("O", reset, 1), ("I", master_clk, 1), ("I", slave_clk, 1)],
           {clock: clock_net, reset: reset_net, master_clk: clock_net, slave_clk: clock_net},
           {clock: "clk", reset: "rst", master_clk: "clk", slave_clk: "clk"}, clock_hz)
    buses = ET.SubElement(ps_mod, "BUSINTERFACES")
    _bus(buses, ps["master_port"], "MASTER", aximm, control_bus, {"ACLK": master_clk},
         {"PROTOCOL": ip["protocol"], "DATA_WIDTH": CONTROL_BITS})
    _bus(buses, ps["slave_port"], "SLAVE", aximm, f"{DMA}_M_AXI", {"ACLK": slave_clk},
         {"PROTOCOL": ip["protocol"], "DATA_WIDTH": mm_bits})
    ddr_base, ddr_size = board.ddr_window()
    blocks = ET.SubElement(ps_mod, "ADDRESSBLOCKS")
    ET.SubElement(blocks, "ADDRESSBLOCK", ACCESS="", INTERFACE=ip["ddr_interface"], NAME=ip["ddr_block"],
                  RANGE=str(ddr_size), USAGE="memory")
    memmap = ET.SubElement(ps_mod, "MEMORYMAP")
    for instance_name, iface, base_name in ((DMA, "S_AXI_LITE", "C_BASEADDR"),
                                            (ACCEL, "s_axi_control", "C_S_AXI_CONTROL_BASEADDR")):
        base = board.address(instance_name)
        ET.SubElement(memmap, "MEMRANGE", ADDRESSBLOCK="Reg", BASENAME=base_name,
                      BASEVALUE=f"0x{base:08X}", HIGHNAME=base_name.replace("BASE", "HIGH"),
                      HIGHVALUE=f"0x{base + CONTROL_RANGE - 1:08X}", INSTANCE=instance_name, IS_DATA="TRUE",
                      IS_INSTRUCTION="TRUE", MASTERBUSINTERFACE=ps["master_port"], MEMTYPE="REGISTER",
                      SLAVEBUSINTERFACE=iface)

    # --- the AXI DMA, simple mode (no scatter-gather), MM2S -> accelerator -> S2MM
    dma_params = {
        "c_include_sg": 0, "c_micro_dma": 0, "c_sg_length_width": dma["length_width"],
        "c_include_mm2s": 1, "c_m_axi_mm2s_data_width": mm_bits, "c_m_axis_mm2s_tdata_width": in_bits,
        "c_include_mm2s_dre": design.mm2s_realigns, "c_mm2s_burst_size": 16,
        "c_include_s2mm": 1, "c_m_axi_s2mm_data_width": mm_bits, "c_s_axis_s2mm_tdata_width": out_bits,
        "c_include_s2mm_dre": 0, "c_s2mm_burst_size": 16, "c_addr_width": dma["addr_width"],
        "C_BASEADDR": f"0x{board.address(DMA):08X}",
        "C_HIGHADDR": f"0x{board.address(DMA) + CONTROL_RANGE - 1:08X}",
    }
    dma_mod = _module(mods, DMA, dma["ip"], "axi_dma", dma_params)
    stream_in = {"TDATA": ("m_axis_mm2s_tdata", in_bits), "TVALID": ("m_axis_mm2s_tvalid", 1),
                 "TREADY": ("m_axis_mm2s_tready", 1), "TLAST": ("m_axis_mm2s_tlast", 1)}
    stream_out = {"TDATA": ("s_axis_s2mm_tdata", out_bits), "TVALID": ("s_axis_s2mm_tvalid", 1),
                  "TREADY": ("s_axis_s2mm_tready", 1), "TLAST": ("s_axis_s2mm_tlast", 1)}
    dma_ports = [("I", "s_axi_lite_aclk", 1), ("I", "m_axi_mm2s_aclk", 1), ("I", "m_axi_s2mm_aclk", 1),
                 ("I", "axi_resetn", 1)]
    dma_ports += [("I" if k == "TREADY" else "O", p, w) for k, (p, w) in stream_in.items()]
    dma_ports += [("O" if k == "TREADY" else "I", p, w) for k, (p, w) in stream_out.items()]
    nets = {p: clock_net for p in ("s_axi_lite_aclk", "m_axi_mm2s_aclk", "m_axi_s2mm_aclk")}
    nets["axi_resetn"] = reset_net
    nets.update({p: f"{DMA}_M_AXIS_MM2S_{k}" for k, (p, _) in stream_in.items()})
    nets.update({p: f"{ACCEL}_M_AXIS_{k}" for k, (p, _) in stream_out.items()})
    _ports(dma_mod, dma_ports, nets, {"s_axi_lite_aclk": "clk", "m_axi_mm2s_aclk": "clk",
                                      "m_axi_s2mm_aclk": "clk", "axi_resetn": "rst"}, clock_hz)
    _register_block(dma_mod, "S_AXI_LITE", _DMA_REGISTERS)
    memmap = ET.SubElement(dma_mod, "MEMORYMAP")
    for master in ("M_AXI_MM2S", "M_AXI_S2MM"):
        ET.SubElement(memmap, "MEMRANGE", ADDRESSBLOCK=ip["ddr_block"], BASENAME="C_BASEADDR",
                      BASEVALUE=f"0x{ddr_base:08X}", HIGHNAME="C_HIGHADDR",
                      HIGHVALUE=f"0x{ddr_base + ddr_size - 1:08X}", INSTANCE=instance, IS_DATA="TRUE",
                      IS_INSTRUCTION="TRUE", MASTERBUSINTERFACE=master, MEMTYPE="MEMORY",
                      SLAVEBUSINTERFACE=ps["slave_port"])
    buses = ET.SubElement(dma_mod, "BUSINTERFACES")
    _bus(buses, "S_AXI_LITE", "SLAVE", aximm, control_bus, {}, {"PROTOCOL": "AXI4LITE"})
    _bus(buses, "M_AXI_MM2S", "MASTER", aximm, f"{DMA}_M_AXI", {}, {"PROTOCOL": "AXI4"})
    _bus(buses, "M_AXI_S2MM", "MASTER", aximm, f"{DMA}_M_AXI", {}, {"PROTOCOL": "AXI4"})
    _bus(buses, "M_AXIS_MM2S", "MASTER", axis, f"{DMA}_M_AXIS_MM2S",
         {k: p for k, (p, _) in stream_in.items()}, {"HAS_TLAST": 1, "TDATA_NUM_BYTES": in_bits // 8})
    _bus(buses, "S_AXIS_S2MM", "SLAVE", axis, f"{ACCEL}_M_AXIS",
         {k: p for k, (p, _) in stream_out.items()}, {"HAS_TLAST": 1, "TDATA_NUM_BYTES": out_bits // 8})

    # --- the accelerator: the generated top's own ports, its register map
    base = board.address(ACCEL)
    acc_mod = _module(mods, ACCEL, ACCEL_VLNV, "accelerator_axi", {
        "C_S_AXI_CONTROL_BASEADDR": f"0x{base:08X}",
        "C_S_AXI_CONTROL_HIGHADDR": f"0x{base + CONTROL_RANGE - 1:08X}",
        "IN_WORDS": design.in_words, "OUT_WORDS": design.out_words})
    _register_block(acc_mod, "s_axi_control",
                    [(reg, offset, *_REGISTER_DOC[reg], {}) for reg, offset in design.registers.items()])
    ports = top_ports(top_file)
    acc_nets = {"clk": clock_net, "rst": f"{ACCEL}_rst"}
    acc_nets.update({f"s_axis_{k.lower()}": f"{DMA}_M_AXIS_MM2S_{k}" for k in stream_in if k != "TLAST"})
    acc_nets.update({f"m_axis_{k.lower()}": f"{ACCEL}_M_AXIS_{k}" for k in stream_out})
    _ports(acc_mod, ports, acc_nets, {"clk": "clk", "rst": "rst"}, clock_hz)
    buses = ET.SubElement(acc_mod, "BUSINTERFACES")
    control = {p.removeprefix("s_axi_control_"): p for _, p, _ in ports if p.startswith("s_axi_control_")}
    _bus(buses, "s_axi_control", "SLAVE", aximm, control_bus, control,
         {"PROTOCOL": "AXI4LITE", "DATA_WIDTH": CONTROL_BITS})
    _bus(buses, "s_axis", "SLAVE", axis, f"{DMA}_M_AXIS_MM2S",
         {k: f"s_axis_{k.lower()}" for k in ("TDATA", "TVALID", "TREADY")}, {"HAS_TLAST": 0})
    _bus(buses, "m_axis", "MASTER", axis, f"{ACCEL}_M_AXIS",
         {k: f"m_axis_{k.lower()}" for k in stream_out}, {"HAS_TLAST": 1})

    _connect({instance: ps_mod, DMA: dma_mod, ACCEL: acc_mod})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n' + ET.tostring(root, encoding="unicode") + "\n"

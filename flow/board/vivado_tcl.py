"""The Vivado project of a build (vivado/*.tcl from hw/vivado/*.tcl.j2), checked without Vivado.

`write_tcl` renders the scripts; `check_tcl` runs them in a real Tcl 8.6 interpreter (Python's
tkinter) where each Vivado command the scripts use is a stub that checks its arguments against
the design: files exist, the top module is defined in them, every port an interface is built
from is a port of the RTL top, every block-design pin named exists on its IP (ours: from the
RTL; Xilinx's: the pins of those IP versions), and the addresses are the board's. A command
the stubs do not know fails the check. `run_vivado` runs the real flow when vivado is on PATH.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from flow.board.hwh import ACCEL_VLNV, PS_IP
from flow.board.spec import Board
from flow.board.top import CONTROL_BITS, CONTROL_RANGE, BoardDesign, top_ports
from flow.paths import HW_DIR
from flow.templating import template_env

TEMPLATES = HW_DIR / "vivado"
GENERATED = "<vivado-output>"   # files Vivado writes during the run (the block design's wrapper)
SCRIPTS = ["package_ip.tcl", "block_design.tcl", "implement.tcl", "project.tcl"]

# pins of the Xilinx IPs the block design uses (interfaces and scalar pins) that it connects
XILINX_PINS = {
    "processing_system7": {"M_AXI_GP0", "S_AXI_HP0", "DDR", "FIXED_IO", "FCLK_CLK0", "FCLK_RESET0_N",
                           "M_AXI_GP0_ACLK", "S_AXI_HP0_ACLK"},
    "zynq_ultra_ps_e": {"M_AXI_HPM0_FPD", "S_AXI_HP0_FPD", "pl_clk0", "pl_resetn0", "maxihpm0_fpd_aclk",
                        "saxihp0_fpd_aclk"},
    "axi_dma": {"S_AXI_LITE", "M_AXI_MM2S", "M_AXI_S2MM", "M_AXIS_MM2S", "S_AXIS_S2MM",
                "s_axi_lite_aclk", "m_axi_mm2s_aclk", "m_axi_s2mm_aclk", "axi_resetn"},
    "proc_sys_reset": {"slowest_sync_clk", "ext_reset_in", "peripheral_aresetn", "peripheral_reset",
                       "interconnect_aresetn"},
    "axi_interconnect": {"ACLK", "ARESETN"} | {f"{side}{i:02d}_{sig}" for side in "SM" for i in range(4)
                                               for sig in ("AXI", "ACLK", "ARESETN")},
}


def _env():
    return template_env(TEMPLATES)


def _interface_ports(ports: list[str], prefix: str) -> list[str]:
    return [p for p in ports if p.startswith(prefix + "_")]


def write_tcl(out_dir: Path, name: str, board: Board, clock_mhz: float, bd: BoardDesign) -> list[Path]:
    """Render vivado/{package_ip,block_design,implement,project}.tcl for the build."""
    ports = [p for _, p, _ in top_ports(bd.sources[-1])]
    vendor, library, top, version = ACCEL_VLNV.split(":")
    ic_clocks = ["ACLK", "S00_ACLK", "M00_ACLK"]
    ps = board.processing_system
    ps_clocks = [f"{PS_IP[ps]['instance']}/{PS_IP[ps][pin]}" for pin in ("master_aclk", "slave_aclk")]
    clock_pins = (["accelerator/clk", "axi_dma_0/s_axi_lite_aclk", "axi_dma_0/m_axi_mm2s_aclk",
                   "axi_dma_0/m_axi_s2mm_aclk", *ps_clocks, f"rst_{ps}_0/slowest_sync_clk"]
                  + [f"axi_interconnect_gp0/{p}" for p in ic_clocks + ["M01_ACLK"]]
                  + [f"axi_interconnect_hp0/{p}" for p in ic_clocks + ["S01_ACLK"]])
    resetn_pins = (["axi_dma_0/axi_resetn"]
                   + [f"axi_interconnect_gp0/{p.replace('ACLK', 'ARESETN')}" for p in ic_clocks + ["M01_ACLK"]]
                   + [f"axi_interconnect_hp0/{p.replace('ACLK', 'ARESETN')}" for p in ic_clocks + ["S01_ACLK"]])
    values = dict(
        name=name, board_name=board.name, part=board.part, board_part=board.data[ps]["board_part"], top=top,
        vlnv=ACCEL_VLNV, vendor=vendor, library=library, version=version,
        verilog=[p.name for p in bd.sources], data_files=[p.name for p in bd.data_files],
        s_axis=_interface_ports(ports, "s_axis"), m_axis=_interface_ports(ports, "m_axis"),
        s_axi_control=_interface_ports(ports, "s_axi_control"), control_range=CONTROL_RANGE,
        registers={k: f"0x{v:02X}" for k, v in bd.registers.items()},
        clock_mhz=f"{clock_mhz:g}", ps_vlnv=board.data[ps]["ip"],
        dma_vlnv=board.data["dma"]["ip"], addr_width=board.data["dma"]["addr_width"], control_bits=CONTROL_BITS,
        mm_bits=board.data["dma"]["mm_data_width"], length_width=board.data["dma"]["length_width"],
        in_bits=bd.in_dma_bits, out_bits=bd.out_dma_bits, mm2s_dre=bd.mm2s_realigns,
        clock_pins=clock_pins, resetn_pins=resetn_pins,
        dma_address=f"0x{board.address('axi_dma_0'):08X}", accel_address=f"0x{board.address('accelerator'):08X}",
        jobs=2,
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for script in SCRIPTS:
        path = out_dir / script
        # a Zynq UltraScale+ has a block design of its own (its PS8's ports and clock)
        template = "block_design_ps8.tcl.j2" if script == "block_design.tcl" and ps == "ps8" else script + ".j2"
        path.write_text(_env().get_template(template).render(**values))
        written.append(path)
    return written


class _StubVivado:
    """Vivado's Tcl commands as stubs that check their arguments; errors become Tcl errors."""

    def __init__(self, tcl, bd: BoardDesign, board: Board):
        self.tcl, self.bd, self.board = tcl, bd, board
        self.rtl_ports = {p for _, p, _ in top_ports(bd.sources[-1])}
        self.files: list[Path] = []
        self.cells: dict[str, str] = {}          # block-design cell -> IP type
        self.ip_interfaces: set[str] = set()     # what package_ip.tcl made of our ports
        self.checked: list[str] = []
        self.calls = 0
        self.error = ""

    def fail(self, message: str):
        self.error = message   # tkinter drops a callback's message on its way through Tcl
        raise RuntimeError(message)

    def define(self, name: str, func=None) -> None:
        def command(*args):
            self.calls += 1
            return (func or (lambda *a: ""))(*args)
        self.tcl.createcommand(name, command)

    # --- checking stubs
    def add_files(self, *args):
        files = [a for a in args if not a.startswith("-")]
        for group in files:
            for f in self.tcl.splitlist(group):
                if f.startswith(GENERATED):
                    continue
                if not Path(f).is_file():
                    self.fail(f"add_files: {f} does not exist")
                self.files.append(Path(f))
        return ""

    def set_property(self, prop, value, *objects):
        if prop == "top" and objects and objects[0] == "sources_1":
            defined = {m for f in self.files if f.suffix == ".v"
                       for m in re.findall(r"^\s*module\s+(\w+)", f.read_text(), re.MULTILINE)}
            if value.endswith("_wrapper"):   # made by make_wrapper in the run
                return ""
            if value not in defined:
                self.fail(f"set_property top: no module '{value}' in the added files")
            self.checked.append(f"top module {value} is defined in the added sources")
        if prop == "offset" and objects:
            segment = objects[0]
            block = re.search(r"SEG_(\w+)_Reg", segment)
            if block and int(value, 16) != self.board.address(block.group(1)):
                self.fail(f"{segment}: offset {value} is not the board's address of {block.group(1)}")
            self.checked.append(f"{segment} at {value}, as hw/boards/{self.board.name}.json says")
        return ""

    def infer_bus_interface(self, ports, vlnv, core):
        names = self.tcl.splitlist(ports)
        missing = [p for p in names if p not in self.rtl_ports]
        if missing:
            self.fail(f"ipx::infer_bus_interface: {', '.join(missing)} not ports of {self.bd.top}")
        kind = vlnv.split(":")[2]
        if kind in ("axis_rtl", "aximm_rtl"):
            prefix = names[0].rsplit("_", 1)[0]
            signals = {p.removeprefix(prefix + "_") for p in names}
            needed = ({"tdata", "tvalid", "tready"} if kind == "axis_rtl" else
                      {"awaddr", "awvalid", "awready", "wdata", "wstrb", "wvalid", "wready", "bresp",
                       "bvalid", "bready", "araddr", "arvalid", "arready", "rdata", "rresp", "rvalid",
                       "rready"})
            if not needed <= signals:
                self.fail(f"interface {prefix}: lacks {sorted(needed - signals)}")
            self.ip_interfaces.add(prefix)
            self.checked.append(f"IP interface {prefix} ({kind}) from ports {', '.join(names)}")
        else:
            self.ip_interfaces.update(names)
        return f"busif_{names[0]}"

    def create_bd_cell(self, *args):
        opts = dict(zip(args[:-1:2], args[1:-1:2], strict=False))
        name, vlnv = args[-1], opts.get("-vlnv", "")
        if vlnv == ACCEL_VLNV:
            self.cells[name] = "ours"
        else:
            ip = vlnv.split(":")[2] if vlnv.count(":") == 3 else ""
            if ip not in XILINX_PINS:
                self.fail(f"create_bd_cell {name}: IP {vlnv} is not one the check knows")
            self.cells[name] = ip
        return name

    def _pin(self, path: str) -> str:
        cell, _, pin = path.partition("/")
        if cell not in self.cells:
            self.fail(f"{path}: no cell {cell} in the block design")
        known = self.ip_interfaces if self.cells[cell] == "ours" else XILINX_PINS[self.cells[cell]]
        if pin not in known:
            self.fail(f"{path}: {cell} has no pin {pin} (it has {', '.join(sorted(known))})")
        return path

    def get_pins(self, *paths):
        return " ".join(self._pin(p) for group in paths for p in self.tcl.splitlist(group))

    def connect(self, *pins):
        self.checked.append("connect " + " ".join(pins))
        return ""


VIVADO_NOOPS = [
    "create_project", "update_compile_order", "current_project", "close_project", "update_ip_catalog",
    "create_bd_design", "apply_bd_automation", "assign_bd_address", "validate_bd_design",
    "save_bd_design", "get_files", "get_runs", "launch_runs", "wait_on_run", "open_run",
    "report_utilization", "report_timing_summary", "ipx::package_project", "ipx::current_core",
    "ipx::get_bus_interfaces", "ipx::remove_bus_interface", "ipx::add_bus_parameter",
    "ipx::associate_bus_interfaces", "ipx::add_memory_map", "ipx::add_address_block", "ipx::add_register",
    "ipx::create_xgui_files", "ipx::update_checksums", "ipx::check_integrity", "ipx::save_core",
]


def check_tcl(scripts: list[Path], bd: BoardDesign, board: Board | None = None) -> dict:
    """Run project.tcl (which sources the others) against the stubs; what passed, or the error."""
    from flow.board.spec import load_board

    board = board or load_board()
    try:
        import tkinter
    except ImportError:
        raise RuntimeError("checking the Vivado Tcl needs Tcl through Python's tkinter "
                           "(Debian: python3-tk, which ./dev env installs)") from None
    tcl = tkinter.Tcl()
    stub = _StubVivado(tcl, bd, board)
    for name in VIVADO_NOOPS:
        stub.define(name)
    stub.define("add_files", stub.add_files)
    stub.define("set_property", lambda *a: stub.set_property(*[x for x in a if x != "-dict"][:2],
                                                             *[x for x in a if x != "-dict"][2:]))
    stub.define("get_property", lambda prop, obj: "100%" if prop == "PROGRESS" else f"{obj}.{prop}")
    stub.define("ipx::infer_bus_interface", stub.infer_bus_interface)
    stub.define("create_bd_cell", stub.create_bd_cell)
    stub.define("get_bd_intf_pins", stub.get_pins)
    stub.define("get_bd_pins", stub.get_pins)
    stub.define("connect_bd_intf_net", stub.connect)
    stub.define("connect_bd_net", stub.connect)
    stub.define("make_wrapper", lambda *a: GENERATED + "/wrapper.v")
    stub.define("current_fileset", lambda *a: "sources_1")
    stub.define("get_bd_addr_segs", lambda *a: a[-1])
    # the outputs of a run that does not happen here: file copy/mkdir and the glob for the .hwh
    tcl.eval("rename file _tcl_file; rename glob _tcl_glob")
    tcl.eval("proc file {sub args} { if {$sub in {copy mkdir}} { return } ; _tcl_file $sub {*}$args }")
    tcl.eval("proc glob {args} { return [lindex $args end] }")
    project = Path(scripts[0]).parent / "project.tcl"
    result = {"interpreter": f"Tcl {tcl.eval('info patchlevel')} (Python tkinter) with stub Vivado "
                             "commands; Vivado was not run",
              "scripts": [Path(s).name for s in scripts]}
    try:
        tcl.eval(f"source {{{project}}}")
    except tkinter.TclError as err:
        result.update(passed=False, error=stub.error or str(err), where=tcl.eval("set errorInfo")[-600:])
        return result
    result.update(passed=True, commands=stub.calls, checked=stub.checked)
    return result


def run_vivado(vivado_dir: Path, timeout_s: float = 4 * 3600) -> dict:
    """`vivado -mode batch -source project.tcl` when vivado is on PATH; utilisation and timing."""
    if shutil.which("vivado") is None:
        return {"run": False, "reason": "vivado is not on PATH: the Tcl was generated and checked "
                                        "(vivado/checks.json), not run"}
    proc = subprocess.run(["vivado", "-mode", "batch", "-nojournal", "-source", "project.tcl"],
                          cwd=vivado_dir, capture_output=True, text=True, timeout=timeout_s, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"vivado failed ({proc.returncode}): {proc.stdout[-3000:]}")
    out = Path(vivado_dir) / "out"
    return {"run": True, **parse_utilization((out / "utilization.rpt").read_text()),
            **parse_timing((out / "timing.rpt").read_text())}


def parse_utilization(text: str) -> dict:
    """LUT, FF, BRAM36 (RAMB18 as half) and DSP from report_utilization's tables."""
    def used(label):
        m = re.search(rf"^\|\s*{label}\s*\|\s*([\d.]+)\s*\|", text, re.MULTILINE)
        return float(m.group(1)) if m else 0.0
    return {"LUT": used("Slice LUTs"), "FF": used("Slice Registers"), "BRAM36": used("Block RAM Tile"),
            "DSP": used("DSPs")}


def parse_timing(text: str) -> dict:
    """Worst negative slack (ns) and whether all timing constraints are met."""
    m = re.search(r"WNS\(ns\).*?\n[-\s]+\n\s*(-?[\d.]+)", text)
    return {"wns_ns": float(m.group(1)) if m else None,
            "timing_met": "All user specified timing constraints are met" in text}

"""The emulated board (a PYNQ-Z2's Zynq-7000, a ZCU104's or KV260's Zynq UltraScale+) as pynq 3 sees
it from inside its own process: the board's Linux and XRT below an unmodified pynq (zynq_linux.c,
preloaded into the driver's process), answered here by an EmulatedBoard over a Unix socket.

    with ZynqLinux(load_board(), [build_dir], workdir) as linux:
        subprocess.run([pynq3_python, ...], env=linux.env(pynq3_python))

What pynq 3 (3.0.1, 3.1.x) reaches on a board, and what stands for it here:
- the CPU: uname()'s machine is the board's (armv7l, aarch64: pynq picks its Zynq-7000 or its
  UltraScale+ code by it), the device tree's compatible and chosen/pynq_board the board's;
- /dev/mem: pynq's MMIO and Clocks map register windows; every load or store is one transaction
  on the board's devices (the PS's clock registers: a PS7's SLCR, a PS8's CRL_APB and CRF_APB;
  a PS8's PS-PL port widths; AXI DMA, the accelerator's AXI-Lite through its RTL);
- fpga_manager: /sys/class/fpga_manager/fpga0/{firmware,flags,state} and /lib/firmware/ are files
  under the board's root; writing the firmware name programs the PL with that .bin;
- XRT: $XILINX_XRT/lib/libxrt_core.so (buffer objects from the board's CMA window, mapped from
  the board's DDR file), which pynq 3.0.1 calls with ctypes; pyxrt (pyxrt.py, on PYTHONPATH),
  XRT's Python binding, through which pynq 3.1 calls the same library; xbutil --version; and
  xclbinutil (xclbinutil.py), which pynq runs to describe the memories of a design that has
  only a .hwh.
"""

from __future__ import annotations

import hashlib
import os
import socket
import struct
import subprocess
import threading
from collections import deque
from contextlib import contextmanager
from pathlib import Path

from flow.board.emulator.board_state import FIRMWARE, FPGA, BoardError, EmulatedBoard
from flow.board.emulator.memory import DDRError
from flow.board.spec import Board

SHIM_SOURCE = Path(__file__).with_name("zynq_linux.c")
XCLBINUTIL = Path(__file__).with_name("xclbinutil.py")
PYXRT = Path(__file__).with_name("pyxrt.py")   # imports xclbinutil: both go to $XILINX_XRT/python
XRT_VERSION = "2.13.0"   # the XRT of Vitis 2022.1, which PYNQ v3.0.1's images carry (3.1 does not ask)
REQUEST, REPLY = struct.Struct("<IIQQ"), struct.Struct("<qQ")
OP_MAP, OP_READ, OP_WRITE, OP_PROGRAM, OP_ALLOC, OP_FREE = range(1, 7)
KIND_DDR, KIND_DEVICE = 1, 2


# pynq 3.1 writes the xclbin it loads into its working directory (XrtDevice._xrt_download)
LOADED_XCLBIN = "loaded.xclbin"


@contextmanager
def leaving_no_xclbin(folder: Path):
    """For a process of the board that runs in the host's `folder`: removes the LOADED_XCLBIN
    pynq leaves there (unless one was there before), so that a build's deploy/ stays as packaged."""
    leftover = Path(folder) / LOADED_XCLBIN
    had = leftover.exists()
    try:
        yield
    finally:
        if not had:
            leftover.unlink(missing_ok=True)


def shim_library() -> Path:
    """zynq_linux.c compiled once per content, in the user's cache."""
    source = SHIM_SOURCE.read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "qnnflow"
    lib = cache / f"zynq_linux-{hashlib.sha256(source).hexdigest()[:16]}.so"
    if not lib.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = lib.with_suffix(f".{os.getpid()}.tmp")
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-Wall", "-o", str(tmp), str(SHIM_SOURCE), "-ldl"],
                       check=True, capture_output=True, text=True)
        tmp.replace(lib)
    return lib


class ZynqLinux:
    def __init__(self, board: Board, build_dirs: list[Path], workdir: Path, says_emulated: bool = True):
        """says_emulated: the device tree names the board as emulated (deploy/driver.py's
        board_kind); False plays a real board's device tree (a test of what the driver refuses)."""
        self.root = Path(workdir).resolve()
        fpga = self.root / FPGA.lstrip("/")
        fpga.mkdir(parents=True, exist_ok=True)
        (self.root / FIRMWARE.lstrip("/")).mkdir(parents=True, exist_ok=True)
        for name, text in (("state", "operating"), ("flags", "0"), ("firmware", "")):
            (fpga / name).write_text(text)
        chosen = self.root / "proc/device-tree/chosen"
        chosen.mkdir(parents=True, exist_ok=True)
        linux = board.data["linux"]
        (chosen / "pynq_board").write_bytes(linux["board"].encode() + b"\0")
        compatible = [f"qnnflow,emulated-{board.name.replace('_', '-')}"] * says_emulated + linux["compatible"]
        (self.root / "proc/device-tree/compatible").write_bytes(b"".join(c.encode() + b"\0" for c in compatible))
        (self.root / "pynq_state").mkdir(exist_ok=True)   # pynq's record of what the PL holds
        self.ddr_file = self.root / "ddr"
        self.state = EmulatedBoard(board, build_dirs, self.ddr_file)
        self.errors: list[str] = []   # what the board refused, for the caller's message
        self.bus: deque = deque(maxlen=4096)   # the last register transactions: (op, address, value)
        self.socket_path = self.root / "board.sock"
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(self.socket_path))
        self.listener.listen()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def env(self, python: Path) -> dict:
        """The driver process' environment: the shim preloaded, XRT's tools on PATH, its Python
        binding on PYTHONPATH (the only entry: a board has no host paths; callers add theirs)."""
        xrt = self.root / "xrt"
        lib = xrt / "lib" / "libxrt_core.so"
        for folder in ("lib", "bin", "python"):
            (xrt / folder).mkdir(parents=True, exist_ok=True)
        links = {lib: shim_library(), xrt / "python" / PYXRT.name: PYXRT, xrt / "python" / XCLBINUTIL.name: XCLBINUTIL}
        for link, target in links.items():
            link.unlink(missing_ok=True)
            link.symlink_to(target)
        tools = {"xbutil": f'echo "Version              : {XRT_VERSION}"',
                 "xclbinutil": f'exec "{python}" "{XCLBINUTIL}" "$@"'}
        for name, body in tools.items():
            (xrt / "bin" / name).write_text(f"#!/bin/sh\n{body}\n")
            (xrt / "bin" / name).chmod(0o755)
        return {**os.environ, "LD_PRELOAD": str(lib), "XILINX_XRT": str(xrt), "PYTHONPATH": str(xrt / "python"),
                "PATH": f"{xrt / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
                "PYNQ_BOARD_ROOT": str(self.root), "PYNQ_BOARD_SOCKET": str(self.socket_path),
                "PYNQ_BOARD_DDR": str(self.ddr_file), "PYNQ_BOARD_DDR_BASE": hex(self.state.ddr.base),
                "PYNQ_BOARD_MACHINE": self.state.board.data["linux"]["machine"]}

    def __enter__(self) -> ZynqLinux:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.listener.close()
        with self.state.lock:
            self.state.close()

    # --- the socket: one thread per process that connects
    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:   # closed: the board is switched off
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        with conn:
            while True:
                data = b""
                while len(data) < REQUEST.size:
                    chunk = conn.recv(REQUEST.size - len(data))
                    if not chunk:
                        return
                    data += chunk
                op, _, a, b = REQUEST.unpack(data)
                with self.state.lock:
                    try:
                        status, value = 0, self._answer(op, a, b)
                    except (BoardError, DDRError) as err:
                        self.errors.append(str(err))
                        status, value = 1, 0
                conn.sendall(REPLY.pack(status, value))

    def _answer(self, op: int, a: int, b: int) -> int:
        board = self.state
        if op == OP_MAP:
            if board.ddr.contains(a, b):
                return KIND_DDR
            board.map(a, b)
            return KIND_DEVICE
        if op == OP_READ:
            value = board.mmio_read(*board.map(a, 4))
            self.bus.append(("read", a, value))
            return value
        if op == OP_WRITE:
            self.bus.append(("write", a, b))
            board.mmio_write(*board.map(a, 4), b)
            return 0
        if op == OP_PROGRAM:
            name = (self.root / FPGA.lstrip("/") / "firmware").read_text().strip("\0\n ")
            firmware = self.root / FIRMWARE.lstrip("/") / name
            if not firmware.is_file():
                raise BoardError(f"fpga_manager: {FIRMWARE}{name} does not exist")
            board.files[FIRMWARE + name] = firmware.read_bytes()
            board.write_file(FPGA + "firmware", name.encode())
            return 0
        if op == OP_ALLOC:
            return board.ddr.allocate(a)
        if op == OP_FREE:
            board.ddr.free(a)
            return 0
        raise BoardError(f"unknown request {op} from the driver's process")


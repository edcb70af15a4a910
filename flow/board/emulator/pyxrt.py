"""pyxrt, XRT's Python binding, as far as pynq 3.1 uses it on a Zynq board (its
pl_server/xrt_device.py): a device that loads an xclbin, answers get_info, and allocates buffer
objects in the memories the xclbin names, each mapped into the process as a memoryview.

On a PYNQ v3.1 image this is XRT 2.17's pybind11 module (/usr/lib/python3.10/pyxrt.so, built
on the image by sdbuild/packages/xrtlib). Here it stands on the emulated board's XRT library
($XILINX_XRT/lib/libxrt_core.so, zynq_linux.c), whose xcl* calls the board answers: the
buffers come from the board's CMA window and map its DDR file.

A module of the board's Python (no flow imports): the emulated board puts its folder,
$XILINX_XRT/python, on PYTHONPATH, with xclbinutil.py beside it.
"""

import ctypes
import enum
import os

from xclbinutil import SECTION_KINDS, Axlf, MemData, SectionHeader

NULLBO = 0xFFFFFFFF
CACHEABLE = 1 << 24   # XRT_BO_FLAGS_CACHEABLE, above the memory index in xclAllocBO's flags


class BoProperties(ctypes.Structure):   # xclBOProperties
    _fields_ = [("handle", ctypes.c_uint), ("flags", ctypes.c_uint), ("size", ctypes.c_ulonglong),
                ("paddr", ctypes.c_ulonglong), ("domain", ctypes.c_uint)]


def _library() -> ctypes.CDLL:
    lib = ctypes.CDLL(os.path.join(os.environ["XILINX_XRT"], "lib", "libxrt_core.so"))
    lib.xclOpen.restype = ctypes.c_void_p
    lib.xclOpen.argtypes = [ctypes.c_uint, ctypes.c_char_p, ctypes.c_int]
    lib.xclLoadXclBin.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.xclAllocBO.restype = ctypes.c_uint
    lib.xclAllocBO.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_uint]
    lib.xclMapBO.restype = ctypes.c_void_p
    lib.xclMapBO.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_bool]
    lib.xclGetBOProperties.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.POINTER(BoProperties)]
    lib.xclSyncBO.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_size_t, ctypes.c_size_t]
    lib.xclFreeBO.argtypes = [ctypes.c_void_p, ctypes.c_uint]
    return lib


_xrt = _library()


class xclBOSyncDirection(enum.IntEnum):   # noqa: N801 (pyxrt's names)
    XCL_BO_SYNC_BO_TO_DEVICE = 0
    XCL_BO_SYNC_BO_FROM_DEVICE = 1


class xrt_info_device(enum.Enum):   # noqa: N801
    bdf = "bdf"
    dynamic_regions = "dynamic_regions"
    electrical = "electrical"
    host = "host"
    m2m = "m2m"
    max_clock_frequency_mhz = "max_clock_frequency_mhz"
    mechanical = "mechanical"
    memory = "memory"
    name = "name"
    pcie_info = "pcie_info"
    thermal = "thermal"
    vmr = "vmr"


# get_info's answers (pyxrt returns every one as a string): an embedded device has no PCIe, no
# sensors of XRT's and no management processor; pynq 3.1 keeps them in device_info and reads
# none of them on a Zynq.
DEVICE_INFO = {xrt_info_device.name: "edge", xrt_info_device.bdf: "0000:00:00.0",
               xrt_info_device.max_clock_frequency_mhz: "0", xrt_info_device.m2m: "0"}


class uuid:   # noqa: N801
    def __init__(self, raw: bytes):
        self.raw = bytes(raw)

    def to_string(self) -> str:
        h = self.raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def memory_topology(xclbin: bytes) -> list[MemData]:
    """The MEM_TOPOLOGY section of an xclbin (XRT's axlf container), or an error naming the file's fault."""
    if not xclbin.startswith(b"xclbin2\0"):
        raise RuntimeError("load_xclbin: not an xclbin (no 'xclbin2' magic)")
    head = Axlf.from_buffer_copy(xclbin)
    for i in range(head.header.num_sections):
        section = SectionHeader.from_buffer_copy(xclbin, ctypes.sizeof(Axlf) + i * ctypes.sizeof(SectionHeader))
        if section.kind == SECTION_KINDS["MEM_TOPOLOGY"]:
            count = int.from_bytes(xclbin[section.offset:section.offset + 4], "little", signed=True)
            first = section.offset + 8   # m_count, then the array aligned as mem_data
            return [MemData.from_buffer_copy(xclbin, first + k * ctypes.sizeof(MemData)) for k in range(count)]
    raise RuntimeError("load_xclbin: the xclbin has no MEM_TOPOLOGY section")


class device:   # noqa: N801
    def __init__(self, index: int = 0):
        self._handle = _xrt.xclOpen(index, None, 0)
        if not self._handle:
            raise RuntimeError(f"No such device with index '{index}'")
        self._memories: list[MemData] = []
        self._uuid = uuid(bytes(16))

    def load_xclbin(self, path: str) -> uuid:
        with open(path, "rb") as f:
            data = f.read()
        memories = memory_topology(data)
        if _xrt.xclLoadXclBin(self._handle, data):
            raise RuntimeError(f"load_xclbin: the device refused {path}")
        self._memories = memories
        self._uuid = uuid(bytes(Axlf.from_buffer_copy(data).header.uuid))
        return self._uuid

    def get_xclbin_uuid(self) -> uuid:
        return self._uuid

    def get_info(self, key: xrt_info_device) -> str:
        return DEVICE_INFO.get(key, "{}")


class bo:   # noqa: N801
    class flags(enum.IntEnum):   # noqa: N801
        normal = 0
        cacheable = CACHEABLE

    def __init__(self, dev: device, size: int, flags: "bo.flags", group: int):
        if not 0 <= group < len(dev._memories) or not dev._memories[group].used:
            raise RuntimeError(f"bo: memory group {group} is not a memory the loaded xclbin uses "
                               f"({len(dev._memories)} in its MEM_TOPOLOGY)")
        self._device, self._size = dev, size
        self._bo = _xrt.xclAllocBO(dev._handle, size, 0, int(flags) | group)
        if self._bo == NULLBO:
            raise RuntimeError(f"bo: the device cannot allocate {size} bytes in memory group {group}")
        self._properties = BoProperties()
        _xrt.xclGetBOProperties(dev._handle, self._bo, ctypes.byref(self._properties))

    def map(self) -> memoryview:
        pointer = _xrt.xclMapBO(self._device._handle, self._bo, True)
        if not pointer:
            raise RuntimeError("bo.map: the buffer cannot be mapped")
        return memoryview((ctypes.c_char * self._size).from_address(pointer)).cast("B")

    def size(self) -> int:
        return self._size

    def address(self) -> int:
        return self._properties.paddr

    def sync(self, direction: xclBOSyncDirection, size: int | None = None, offset: int = 0) -> None:
        if _xrt.xclSyncBO(self._device._handle, self._bo, int(direction),
                          self._size if size is None else size, offset):
            raise RuntimeError("bo.sync failed")

    def __del__(self):
        if getattr(self, "_bo", NULLBO) != NULLBO:
            _xrt.xclFreeBO(self._device._handle, self._bo)

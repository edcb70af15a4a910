"""What differs between the pynq releases a PYNQ-Z2 image runs (3.0.1; the v3.1 line, on PyPI as
3.1.1 and 3.1.2), file by file, on the path the deploy/ driver takes through pynq: Overlay and
its .hwh parsing, the PL server and embedded device, XRT, buffer allocation, MMIO, the DMA
driver and the bitstream download; with each release's declared dependencies, Python floor and
Zynq-7000 (Pynq-Z2) support, read from the PyPI sdists themselves.

    PYTHONPATH=. python benchmarks/pynq_versions.py [--sdists DIR]

The sdists are downloaded once into DIR (default build/pynq_sdists) and checked against their
sha256: 3.0.1 and 3.1.2 with pip, 3.1.1 from PyPI's file URL (pip refuses to download it: its
setup.py asks for pynqmetadata and pynqutils from git URLs). Saves
benchmarks/results/pynq_versions.json and .md.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]
SDISTS = {   # PyPI's sdists: sha256, and a file URL where pip cannot fetch it
    "3.0.1": ("9c8833212ad91bbb8e95fb0bc76ee4f8deefff0780d02ea90845ea73afd54451", None),
    "3.1.1": ("7a0fdbf2d264ee78fc45287ceaf4ca1cfa167e7c90c1b678ca9ae6d5e1c8c817",
              "https://files.pythonhosted.org/packages/fa/69/0c2f49798d1b500bf515d438dd13abec8bfe3b9c25c24552facddc268875/pynq-3.1.1.tar.gz"),
    "3.1.2": ("a4e59470641448a159ac0d40f74cbcc8870eda3285e63041cd83bc61299fd861", None),
}
PAIRS = (("3.0.1", "3.1.2"), ("3.1.1", "3.1.2"))
# the modules the driver's calls run through (deploy/driver.py: Overlay, allocate, the DMA's
# channels, the accelerator's MMIO, Clocks), and what they import on a board
DRIVER_PATH = ("__init__.py", "overlay.py", "bitstream.py", "buffer.py", "mmio.py", "ps.py", "registers.py",
               "pl.py", "devicetree.py", "utils.py", "lib/__init__.py", "lib/dma.py", "pl_server/",
               "metadata/", "_3rdparty/")
# what each change on the path means for the emulated board (flow/board/emulator), by file
MEANING = {
    "pl_server/xrt_device.py": "XRT through pyxrt (XRT's pybind11 module) instead of ctypes on libxrt_core.so: "
                               "device(0), load_xclbin(path) of the xclbin it writes to ./loaded.xclbin, "
                               "get_info, bo(device, size, flags, group) of at least 8 KiB, bo.map/address/sync. "
                               "The emulated board serves pyxrt (emulator/pyxrt.py) over the same library.",
    "_3rdparty/xrt.py": "pynq 3.0.1's ctypes binding of libxrt_core.so, gone in 3.1.",
    "_3rdparty/ert.py": "ERT command packets, gone with XRT's old scheduler API in 3.1.",
    "buffer.py": "freeing a buffer drops its pyxrt bo (XRT frees it) instead of calling xclFreeBO.",
    "pl_server/global_state.py": "the PL state file is global_pl_state_<device tag>.json: the emulated "
                                 "board keeps it under its root as 3.0.1's global_pl_state.json.",
    "pl_server/embedded_device.py": "MMIO and Registers get the device; the device records platform.machine() "
                                    "(armv7l from the board's uname) as its arch, which Clocks now picks by.",
    "ps.py": "ON_TARGET from /proc/device-tree/chosen/pynq_board (the board's device tree has it); "
             "CPU_ARCH from platform.machine(); Clocks by the active device's arch.",
    "pl_server/device.py": "an IP's MMIO base from its base_address (3.0.1 took its addr_range).",
    "lib/dma.py": "the DMA needs its description's device (Overlay gives it), SG descriptors allocated on it.",
    "overlay.py": "ERT start paths and free_bitstream gone; Clocks told the overlay's device.",
    "mmio.py": "a REMOTE device branch (pynq.remote, not used on a board).",
    "registers.py": "Register takes a device.",
    "__init__.py": "the version; GPIO, Interrupt, UioController and pmbus imported only without PYNQ_REMOTE_DEVICES.",
    "metadata/runtime_metadata_parser.py": "the PS's name from its hierarchy name.",
    "pl_server/__init__.py": "XILINX_XRT must be non-empty; RemoteDevice with PYNQ_REMOTE_DEVICES.",
    "pl_server/remote_device.py": "new: pynq.remote's gRPC devices (PYNQ_REMOTE_DEVICES), not used on a board.",
    "metadata/interrupt_controllers_view.py": "interrupt controllers keyed by hierarchy name (the driver polls: "
                                              "no interrupts).",
    "metadata/interrupt_pins_view.py": "interrupt pins found through that key (the driver polls: no interrupts).",
    "lib/__init__.py": "imports the new AXI4-Stream switch driver (lib/axiswitch.py).",
    "lib/axiswitch.py": "new: the AXI4-Stream switch driver (no such IP in our designs).",
}
# between releases of the v3.1 line
MEANING_31 = {"__init__.py": "the version string (3.1.1 also carries a __git_id__ line): nothing else."}


def fetch(version: str, folder: Path) -> Path:
    want, url = SDISTS[version]
    sdist = folder / f"pynq-{version}.tar.gz"
    if not sdist.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        if url:
            urllib.request.urlretrieve(url, sdist)
        else:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                            f"pynq=={version}", "-d", str(folder)], check=True)
    got = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if got != want:
        sys.exit(f"error: {sdist} has sha256 {got}, not PyPI's {want}")
    return sdist


def members(sdist: Path) -> dict[str, bytes]:
    """The sdist's files: pynq/... by their path under pynq/, setup.py, and boards/... ."""
    out = {}
    with tarfile.open(sdist) as tar:
        for m in tar:
            rel = m.name.split("/", 1)[-1]
            if m.isfile() and (rel.startswith("pynq/") and rel.endswith(".py") or rel == "setup.py"
                               or rel.startswith("boards/Pynq-Z2/base/base.")):
                out[rel.removeprefix("pynq/")] = tar.extractfile(m).read()
    return out


def on_path(rel: str) -> bool:
    return any(rel == p or p.endswith("/") and rel.startswith(p) for p in DRIVER_PATH)


def release(files: dict[str, bytes]) -> dict:
    setup = files["setup.py"].decode()
    required = re.search(r"required = \[(.*?)\]", setup, re.S).group(1)
    ps = files["ps.py"].decode()
    return {"install_requires": re.findall(r"['\"]([^'\"]+)['\"]", required),
            "python_requires": re.search(r"python_requires=['\"]([^'\"]+)", setup).group(1),
            "zynq_7000": {"ps.py ZYNQ_ARCH armv7l": 'ZYNQ_ARCH = "armv7l"' in ps,
                          "ps.py _ClocksZynq": "class _ClocksZynq" in ps,
                          "sdist boards/Pynq-Z2/base/base.{bit,hwh}": {"boards/Pynq-Z2/base/base.bit",
                                                                        "boards/Pynq-Z2/base/base.hwh"} <= set(files)},
            "uses_pyxrt": "import pyxrt" in files.get("pl_server/xrt_device.py", b"").decode(),
            "python_files": sum(1 for f in files if f.endswith(".py") and f != "setup.py")}


def compare(old: dict[str, bytes], new: dict[str, bytes], meaning: dict[str, str]) -> dict:
    names = sorted(f for f in set(old) | set(new) if f.endswith(".py") and f != "setup.py")
    changed = []
    for rel in names:
        a, b = old.get(rel), new.get(rel)
        if a == b:
            continue
        diff = list(difflib.unified_diff((a or b"").decode().splitlines(), (b or b"").decode().splitlines(), n=0))
        changed.append({"file": rel, "on_driver_path": on_path(rel),
                        "status": "added" if a is None else "removed" if b is None else "changed",
                        "lines_added": sum(1 for d in diff if d.startswith("+") and not d.startswith("+++")),
                        "lines_removed": sum(1 for d in diff if d.startswith("-") and not d.startswith("---")),
                        "meaning": meaning.get(rel, "")})
    return {"python_files_compared": len(names), "changed": changed,
            "on_driver_path": [c["file"] for c in changed if c["on_driver_path"]],
            "base_hwh_identical": old.get("boards/Pynq-Z2/base/base.hwh") == new.get("boards/Pynq-Z2/base/base.hwh")}


def markdown(r: dict) -> str:
    lines = ["# pynq releases of the PYNQ-Z2 images, compared on the driver's path", "",
             f"`PYTHONPATH=. python benchmarks/pynq_versions.py` ({r['when']}), from PyPI's sdists (sha256-checked).", "",
             "| pynq | Python floor | pyxrt | Zynq-7000: armv7l arch, Zynq clocks, Z2 base overlay | install_requires |",
             "|---|---|---|---|---|"]
    for v, rel in r["releases"].items():
        z = "yes" if all(rel["zynq_7000"].values()) else f"no: {rel['zynq_7000']}"
        lines.append(f"| {v} | {rel['python_requires']} | {'yes' if rel['uses_pyxrt'] else 'no'} | {z} | "
                     f"{', '.join(rel['install_requires'])} |")
    for pair, c in r["pairs"].items():
        path = [x for x in c["changed"] if x["on_driver_path"]]
        lines += ["", f"## {pair}", "",
                  f"{len(c['changed'])} of {c['python_files_compared']} Python files differ, {len(path)} on the "
                  f"driver's path; the Pynq-Z2 base.hwh is {'identical' if c['base_hwh_identical'] else 'different'}."]
        if path:
            lines += ["", "| file | change | +lines | -lines | what it means for the emulated board |", "|---|---|---|---|---|"]
            lines += [f"| {x['file']} | {x['status']} | {x['lines_added']} | {x['lines_removed']} | {x['meaning']} |"
                      for x in path]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sdists", type=Path, default=ROOT / "build" / "pynq_sdists")
    args = ap.parse_args(argv)
    files = {}
    for version in SDISTS:
        print(f"pynq {version}: {fetch(version, args.sdists).name}", flush=True)
        files[version] = members(args.sdists / f"pynq-{version}.tar.gz")
    result = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "sdists": {v: {"file": f"pynq-{v}.tar.gz", "sha256": s} for v, (s, _) in SDISTS.items()},
              "driver_path": list(DRIVER_PATH),
              "releases": {v: release(f) for v, f in files.items()},
              "pairs": {f"{a} -> {b}": compare(files[a], files[b], MEANING_31 if a.startswith("3.1") else MEANING)
                        for a, b in PAIRS}}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pynq_versions.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "pynq_versions.md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Verilog files a module needs: its own file in hw/rtl/ plus every module it instantiates."""

from __future__ import annotations

import re
from pathlib import Path

from flow.paths import HW_DIR

RTL_DIR = HW_DIR / "rtl"


def rtl_sources(module: str, extra_dirs: tuple[Path, ...] = ()) -> list[Path]:
    """Files of `module` and its submodules (found by name among hw/rtl/*.v and extra_dirs)."""
    known = {p.stem: p for d in (RTL_DIR, *extra_dirs) for p in sorted(Path(d).glob("*.v"))}
    if module not in known:
        raise FileNotFoundError(f"no Verilog file for module '{module}' in {RTL_DIR}")
    found, todo = {}, [module]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found[name] = known[name]
        text = re.sub(r"//[^\n]*|/\*.*?\*/", "", known[name].read_text(), flags=re.DOTALL)
        for other in known:
            if other not in found and re.search(rf"^\s*{other}\b\s*(#|\w+\s*\()", text, re.MULTILINE):
                todo.append(other)
    return sorted(found.values())

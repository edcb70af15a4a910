"""Vitis HLS C synthesis of a generated design (hls/csynth.tcl), when the tool is installed.

Runs `vitis_hls` (or the older `vivado_hls`) on the PATH and reads the figures of its report
(solution/syn/report/csynth.xml): latency and interval in cycles, and LUT, FF, BRAM, DSP.
Without the tool nothing runs and the result says so; no figure is made up.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

TOOLS = ("vitis_hls", "vivado_hls")
REPORT = Path("hls_project") / "solution" / "syn" / "report" / "csynth.xml"


def hls_tool() -> str | None:
    return next((t for t in TOOLS if shutil.which(t)), None)


def run_csynth(hls_dir: Path) -> dict:
    """C synthesis of hls_dir's design: {"run": True, tool, latency, interval, resources} or
    {"run": False, "reason": ...}."""
    tool = hls_tool()
    if tool is None:
        return {"run": False, "reason": f"none of {', '.join(TOOLS)} is on the PATH"}
    proc = subprocess.run([tool, "-f", "csynth.tcl"], cwd=hls_dir, capture_output=True, text=True, check=False)
    (Path(hls_dir) / "csynth.log").write_text(proc.stdout + proc.stderr)
    report = Path(hls_dir) / REPORT
    if proc.returncode != 0 or not report.exists():
        raise RuntimeError(f"{tool} C synthesis failed ({proc.returncode}); see {Path(hls_dir) / 'csynth.log'}")
    return {"run": True, "tool": tool, **read_csynth_report(report)}


def read_csynth_report(path: Path) -> dict:
    root = ET.parse(path).getroot()
    latency = root.find("PerformanceEstimates/SummaryOfOverallLatency")
    resources = root.find("AreaEstimates/Resources")

    def number(node, *tags):
        for tag in tags:
            found = node.find(tag) if node is not None else None
            if found is not None and found.text and found.text.strip().isdigit():
                return int(found.text)
        return None

    bram18 = number(resources, "BRAM_18K")
    return {
        "latency_cycles": {"best": number(latency, "Best-caseLatency"), "worst": number(latency, "Worst-caseLatency")},
        "interval_cycles": {"min": number(latency, "Interval-min"), "max": number(latency, "Interval-max")},
        "resources": {"LUT": number(resources, "LUT"), "FF": number(resources, "FF"),
                      "BRAM36": None if bram18 is None else bram18 / 2, "DSP": number(resources, "DSP", "DSP48E")},
    }

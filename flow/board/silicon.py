"""Measured silicon figures: the one JSON `python -m deploy.validate --out FILE` writes on a real
PYNQ-Z2 (L6, and per batch size the wall time and the accelerator's own cycle counter), checked
and stored as benchmarks/results/silicon/<design>-<rtl>-<bit>.json with a markdown summary beside.

    python -m flow.board ingest FILE [--out DIR] [--accept-emulated]

A run on the emulated board, or of the emulator's stand-in bitstream, is not silicon: refused
unless --accept-emulated (then stored with "emulated": true, for checking the path end to end).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from flow.paths import SOURCE_ROOT

SILICON_DIR = SOURCE_ROOT / "benchmarks" / "results" / "silicon"
ROW_KEYS = ("batch", "wall_seconds", "cycles", "cycles_per_frame", "clock_mhz", "chip_frames_per_second")


class IngestError(ValueError):
    pass


def _need(result: dict, key: str, kind, where: str = ""):
    value = result.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise IngestError(f"{where}{key}: expected {names}, found {value!r}")
    return value


def check(result: dict) -> None:
    """IngestError naming the first field that is missing, of the wrong type or inconsistent."""
    if not isinstance(result, dict):
        raise IngestError("the file holds no JSON object (give what deploy.validate --out wrote)")
    for key in ("design", "board", "rtl_digest", "pynq", "platform"):
        _need(result, key, str)
    l6 = _need(result, "L2_L6", dict)
    inputs, mismatches = _need(l6, "inputs", int, "L2_L6."), _need(l6, "mismatches", int, "L2_L6.")
    if inputs <= 0 or not 0 <= mismatches <= 10**12 or _need(l6, "equal", bool, "L2_L6.") != (mismatches == 0):
        raise IngestError(f"L2_L6: {inputs} inputs, {mismatches} mismatches and equal={l6['equal']} disagree")
    rows = _need(result, "throughput", list)
    if not rows:
        raise IngestError("throughput: no batch was measured")
    for i, row in enumerate(rows):
        for key in ROW_KEYS:
            _need(row, key, (int, float), f"throughput[{i}].")
        fps = row["batch"] * row["clock_mhz"] * 1e6 / row["cycles"] if row["cycles"] > 0 else math.inf
        if not math.isclose(fps, row["chip_frames_per_second"], rel_tol=1e-6):
            raise IngestError(f"throughput[{i}]: chip_frames_per_second {row['chip_frames_per_second']} is "
                              f"not batch x clock / cycles ({fps:.6g})")
    source = _need(result, "bitstream", dict).get("source")
    if source not in ("vivado", "emulated"):
        raise IngestError(f"bitstream.source: expected vivado or emulated, found {source!r}")


def is_silicon(result: dict) -> bool:
    return result["platform"] == "zynq" and result["bitstream"]["source"] == "vivado"


def summary(result: dict) -> str:
    l6 = result["L2_L6"]
    lines = [f"# {result['design']} on {result['board']} "
             f"({'silicon' if is_silicon(result) else 'EMULATED, not silicon'})", "",
             f"pynq {result['pynq']}, RTL {result['rtl_digest'][:12]}, bitstream {result['bitstream']['source']}; "
             f"L6: {l6['inputs']} inputs, {l6['mismatches']} mismatches", "",
             "| batch | cycles/frame | clock MHz | fps (cycle counter) | wall ms |", "|---|---|---|---|---|"]
    lines += [f"| {r['batch']} | {r['cycles_per_frame']:.0f} | {r['clock_mhz']:.2f} | "
              f"{r['chip_frames_per_second']:.1f} | {1e3 * r['wall_seconds']:.2f} |" for r in result["throughput"]]
    return "\n".join(lines) + "\n"


def ingest(path: Path, out_dir: Path = SILICON_DIR, accept_emulated: bool = False) -> Path:
    """Check the file and store it (JSON and markdown) in out_dir; returns the stored JSON's path."""
    try:
        result = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise IngestError(f"{path}: not a readable JSON file ({err})") from None
    check(result)
    if not is_silicon(result):
        if not accept_emulated:
            raise IngestError(f"{path}: measured on the {result['platform']} platform with the "
                              f"{result['bitstream']['source']} bitstream, not on a PYNQ board with "
                              "Vivado's: not silicon (--accept-emulated stores it marked as emulated)")
        result["emulated"] = True
    bit = result["bitstream"].get("bit_sha256", "nobit")[:12]
    stem = f"{result['design']}-{result['rtl_digest'][:12]}-{bit}"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out_dir / f"{stem}.md").write_text(summary(result))
    return out_dir / f"{stem}.json"

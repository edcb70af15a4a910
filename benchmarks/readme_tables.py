"""The figure tables of README.md and benchmarks/README.md, rendered from benchmarks/results/.

A table in a README is marked by two comments; everything between them is this script's output:

    <!-- table:cnv -->
    | ... |
    <!-- /table -->

`TABLES` maps each name to the function that renders it from its JSON. The markers may be
indented (a table inside a list item): the table gets the same indentation.

    ./dev python benchmarks/readme_tables.py           # rewrite the marked tables
    ./dev python benchmarks/readme_tables.py --check   # exit 1 naming the tables that differ
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from pathlib import Path

from flow.board.spec import load_board

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOCS = [ROOT / "README.md", ROOT / "benchmarks" / "README.md"]
MARKED = re.compile(r"^(?P<indent>[ \t]*)<!-- table:(?P<name>[\w-]+) -->\n(?P<body>.*?)^(?P=indent)<!-- /table -->",
                    re.M | re.S)
XC7Z020 = load_board("pynq_z2").resources


def load(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


def _n(value, fmt: str = ",.0f") -> str:
    return "-" if value is None else format(value, fmt)


def cnv() -> str:
    """cnv_w1a1's builds beside the published context rows (benchmarks/cnv_figures.py)."""
    r = load("cnv_figures")
    lines = [f"| build (`{r['command']}`) | tool, scope | fps @100 MHz | LUT | FF | BRAM36 | DSP | "
             "images/s per 1,000 LUT | of xc7z020: LUT, BRAM36 | estimate / Yosys: LUT, BRAM36 | "
             "rtlsim frames/s: full pipeline, with gaps |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for c in r["context"]:
        fps = _n(c["fps"]) + (f" (folding bound {c['folding_bound_fps']:,})" if c.get("folding_bound_fps") else "")
        klut = 1000 * c["fps"] / c["LUT"] if c["LUT"] else None
        lines.append(f"| context: {c['build']} (published) | {c['tool']}, {c['scope']} | {fps} | {_n(c['LUT'])} | "
                     f"{_n(c['FF'])} | {_n(c['BRAM36'])} | {_n(c['DSP'])} | {_n(klut)} | - | - | - |")
    for b in r["builds"]:
        y, q = b["yosys"], b["estimate_over_yosys"]
        lines.append(
            f"| `{b['build']}` ({b['folding']}) | Yosys, accelerator | {b['measured_fps']:,.0f} | {y['LUT']:,} | "
            f"{y['FF']:,} | {y['BRAM36']:g} | {y['DSP']} | {_n(b['fps_per_klut'])} | "
            f"{100 * y['LUT'] / XC7Z020['LUT']:.1f} %, {100 * y['BRAM36'] / XC7Z020['BRAM36']:.0f} % | "
            f"{q['LUT']:.2f}, {q['BRAM36']:.2f} | "
            f"{b['rtlsim_frames_per_second']:.1f}, {b['rtlsim_frames_per_second_with_gaps']:.1f} |")
    return "\n".join(lines)


def faults(name: str) -> str:
    """Injected faults by kind (python -m flow.faults; the JSON it writes into the build)."""
    r = load(name)
    lines = ["| kind | injected | observable | caught | not observable (share) |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {k['kind']} | {k['injected']} | {k['observable']} | {k['caught']} | "
              f"{k['not_observable']} ({100 * k['not_observable_share']:.0f} %) |" for k in r["kinds"]]
    return "\n".join(lines)


def recorded(name: str) -> str:
    """A table recorded with the command that measured it ({"command", "header", "rows"}): for
    figures no script writes as JSON (a whole build's wall time, CI runs)."""
    r = load(name)
    lines = ["| " + " | ".join(r["header"]) + " |", "|" + "---|" * len(r["header"])]
    return "\n".join(lines + ["| " + " | ".join(map(str, row)) + " |" for row in r["rows"]])


TABLES: dict[str, Callable[[], str]] = {
    "cnv": cnv,
    "faults_tfc_w1a1": lambda: faults("faults_tfc_w1a1"),
    "siamfc_binary": lambda: recorded("siamfc_binary_build"),
    "siamfc_int4": lambda: recorded("siamfc_int4_build"),
    "ci": lambda: recorded("ci_runs"),
}


def render(text: str) -> str:
    """`text` with every marked table rendered from the results."""
    def table(m: re.Match) -> str:
        if m["name"] not in TABLES:
            raise ValueError(f"table '{m['name']}': no such table (known: {', '.join(TABLES)})")
        body = "".join(f"{m['indent']}{line}\n" if line else "\n" for line in TABLES[m["name"]]().split("\n"))
        return f"{m['indent']}<!-- table:{m['name']} -->\n{body}{m['indent']}<!-- /table -->"

    return MARKED.sub(table, text)


def drifted(text: str) -> list[str]:
    """The names of the marked tables whose text differs from what the results render."""
    rendered = {m["name"]: m["body"] for m in MARKED.finditer(render(text))}
    return [m["name"] for m in MARKED.finditer(text) if m["body"] != rendered[m["name"]]]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 when a table differs")
    args = ap.parse_args(argv)
    stale = []
    for doc in DOCS:
        text = doc.read_text()
        names = drifted(text)
        stale += [f"{doc.relative_to(ROOT)}: {n}" for n in names]
        if names and not args.check:
            doc.write_text(render(text))
    if args.check and stale:
        raise SystemExit("tables that differ from benchmarks/results (run benchmarks/readme_tables.py): "
                         + ", ".join(stale))
    print("\n".join(f"{'differs' if args.check else 'rewritten'}: {s}" for s in stale) or "every table up to date")


if __name__ == "__main__":
    main()

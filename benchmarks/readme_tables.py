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

from benchmarks import cnv_efficiency, cnv_figures, energy, networks_on_boards, qonnx_models
from flow import coverage
from flow.faults.report import kinds_table

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOCS = [ROOT / "README.md", ROOT / "benchmarks" / "README.md"]
MARKED = re.compile(r"^(?P<indent>[ \t]*)<!-- table:(?P<name>[\w-]+) -->\n(?P<body>.*?)^(?P=indent)<!-- /table -->",
                    re.M | re.S)


def load(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


def faults(name: str) -> str:
    """Injected faults by kind (python -m flow.faults writes the JSON into the build)."""
    return "\n".join(kinds_table(load(name)))


def recorded(name: str) -> str:
    """A table recorded with the command that measured it ({"command", "header", "rows"}): for
    figures no script writes as JSON (a whole build's wall time, CI runs)."""
    r = load(name)
    lines = ["| " + " | ".join(r["header"]) + " |", "|" + "---|" * len(r["header"])]
    return "\n".join(lines + ["| " + " | ".join(map(str, row)) + " |" for row in r["rows"]])


TABLES: dict[str, Callable[[], str]] = {
    "cnv": lambda: cnv_figures.table(load("cnv_figures")),
    "cnv_efficiency": lambda: cnv_efficiency.table(load("cnv_efficiency")),
    "energy": lambda: energy.readme_table(load("energy")),
    "faults_tfc_w1a1": lambda: faults("faults_tfc_w1a1"),
    "siamfc_binary": lambda: recorded("siamfc_binary_build"),
    "siamfc_int4": lambda: recorded("siamfc_int4_build"),
    "ci": lambda: recorded("ci_runs"),
    "op_coverage": lambda: coverage.table(load("op_coverage")["entries"]),
    "qonnx_models": lambda: qonnx_models.table(load("qonnx_models")["rows"]),
    "networks_on_boards": lambda: networks_on_boards.table(load("networks_on_boards")["rows"],
                                                         load("networks_on_boards")["peers"]),
}


def render(text: str) -> str:
    """`text` with every marked table rendered from the results."""
    def table(m: re.Match) -> str:
        if m["name"] not in TABLES:
            raise ValueError(f"table '{m['name']}': no such table (known: {', '.join(TABLES)})")
        body = "".join(f"{m['indent']}{line}\n" if line else "\n" for line in TABLES[m["name"]]().rstrip("\n").split("\n"))
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

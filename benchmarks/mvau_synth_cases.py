"""Yosys resources and timing proxy of single MVAUs with distributed (shallow) weight ROMs, the
case where mvau.v reads the ROM by a registered address in its terms stage: run it in this
checkout for the after figure and in an older one (git worktree) for the before figure.

    ./dev python benchmarks/mvau_synth_cases.py --label before       (in the older checkout)
    ./dev python benchmarks/mvau_synth_cases.py --label after [--compare before]
    ./dev python benchmarks/mvau_synth_cases.py --label after --saved --compare before

Writes benchmarks/results/mvau_synth_cases_<label>.json (and, with --compare, the
before/after markdown). Cases are tests/rtl/test_mvau.py's make_case tuples with random weights
(seed --seed, default 0), weight_ram_style distributed.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.synth import synthesize
from tests.rtl.test_mvau import make_case

RESULTS = Path(__file__).resolve().parent / "results"
# (MW, MH, SIMD, PE, input, weight, output, act_bias, vector dims)
CASES = {
    # an xnor conv layer's MVAU: 36 x 256-bit weight ROM (SF 9, NF 4)
    "xnor_pe4_simd64": (576, 16, 64, 4, "BIPOLAR", "BIPOLAR", "BIPOLAR", 0, [2]),
    # CNV's first layer kind: 8-bit pixels times binary weights, 18 x 24-bit ROM
    "binary_weight_pe8_simd3": (27, 16, 3, 8, "UINT8", "BIPOLAR", "BIPOLAR", 0, [2]),
    # more of CNV's first layer kind, for the estimate of the binary modes' negations (the
    # binary_weight label): SIMD 9 and 27 take several kernel positions of whole windows
    "binary_weight_pe16_simd9": (27, 64, 9, 16, "UINT8", "BIPOLAR", "BIPOLAR", 0, [2]),
    "binary_weight_pe16_simd27": (27, 64, 27, 16, "UINT8", "BIPOLAR", "BIPOLAR", 0, [2]),
    # a 6-word ROM: with one neuron fold it merges into the terms, with two it does not
    # (MVAU.weights_in_terms): the rom_merge label
    "xnor_nf1_rom6x768": (288, 16, 48, 16, "BIPOLAR", "BIPOLAR", "BIPOLAR", 0, [2]),
    "xnor_nf2_rom6x768": (288, 16, 96, 8, "BIPOLAR", "BIPOLAR", "BIPOLAR", 0, [2]),
}


def run(name: str, seed: int = 0) -> dict:
    model, node, _ = make_case(CASES[name], frames=1, seed=seed)
    op = getCustomOp(node)
    op.set_nodeattr("weight_ram_style", "distributed")
    with tempfile.TemporaryDirectory() as tmp:
        result = synthesize(Path(tmp), rtl_sources("mvau"), "mvau", op.rtl_params(model, Path(tmp)))
    return {"case": CASES[name], "seed": seed, "yosys": {k: result[k] for k in ("LUT", "FF", "BRAM36", "DSP")},
            "timing_proxy": result["timing_proxy"], "estimate": op.resources()}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--label", required=True)
    ap.add_argument("--compare", help="label of the before figure")
    ap.add_argument("--cases", nargs="*", default=list(CASES))
    ap.add_argument("--seed", type=int, default=0, help="weight seed (LUTs of a ROM in logic depend on it)")
    ap.add_argument("--saved", action="store_true", help="compare the saved figures of --label, no synthesis")
    args = ap.parse_args(argv)
    saved = RESULTS / f"mvau_synth_cases_{args.label}.json"
    if args.saved:
        rows = json.loads(saved.read_text())
    else:
        rows = {}
        for name in args.cases:
            rows[name] = run(name, args.seed)
            print(name, rows[name]["yosys"], rows[name]["timing_proxy"]["critical_path_ps"], "ps", flush=True)
        RESULTS.mkdir(exist_ok=True)
        saved.write_text(json.dumps(rows, indent=2) + "\n")
    if args.compare:
        before = json.loads((RESULTS / f"mvau_synth_cases_{args.compare}.json").read_text())
        lines = ["| case | LUT before | LUT after | FF before | FF after | critical path before / after (ps, proxy) | LUT estimate after |",
                 "|---|---|---|---|---|---|---|"]
        for name, a in rows.items():
            b = before[name]
            lines.append(f"| {name} | {b['yosys']['LUT']:,} | {a['yosys']['LUT']:,} | {b['yosys']['FF']:,} | "
                         f"{a['yosys']['FF']:,} | {b['timing_proxy']['critical_path_ps']:,} / "
                         f"{a['timing_proxy']['critical_path_ps']:,} | {a['estimate']['LUT']:,.0f} |")
        (RESULTS / f"mvau_synth_cases_{args.compare}_vs_{args.label}.md").write_text("\n".join(lines) + "\n")
        print("\n".join(lines))


if __name__ == "__main__":
    main()

"""python -m flow.explore: sweep a design space, estimate every point, build and verify the front.

    python -m flow.explore cnv_w1a1 --fps 500 1000 2000 max [--ram-style auto block]
        [--clock-mhz 100 125] [--checkpoint a.pt b.pt] [--bound 'MVAU_*.PE=1:16'] [--inputs 4]
        [--synth] [--estimate-only] [--out DIR] [--workers N | --address HOST:PORT]
    python -m flow.explore --space space.json     (flow/explore/space.py describes the JSON)

Rerunning the same command resumes an interrupted sweep (its explore.json); the result is
<out>/explore.json and <out>/explore.html.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flow.cli_args import fps_or_max, positive
from flow.third_party import import_warnings_hidden

with import_warnings_hidden():
    from flow.explore.space import Space, load_space, parse_bound
    from flow.explore.sweep import PAGE, explore


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m flow.explore", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("target", nargs="*", help="target name(s)")
    ap.add_argument("--model", nargs="+", default=[], help="QONNX file(s) to sweep")
    ap.add_argument("--space", type=Path, help="the space as JSON (flags below then override its keys)")
    ap.add_argument("--fps", nargs="+", type=fps_or_max("--fps"), help="target frames/s, or max")
    ap.add_argument("--clock-mhz", nargs="+", type=positive(float, "--clock-mhz"))
    ap.add_argument("--ram-style", nargs="+", dest="ram_styles", help="auto, block, distributed")
    ap.add_argument("--checkpoint", nargs="+", dest="checkpoints", help="a target's checkpoints")
    ap.add_argument("--board", nargs="+", dest="boards")
    ap.add_argument("--bound", action="append", default=[], help="NODE.ATTR=LEAST:MOST (shell patterns)")
    ap.add_argument("--inputs", type=positive(int, "--inputs"), help="test inputs of each built point (default 4)")
    ap.add_argument("--synth", action="store_true", help="also run Yosys on every front point")
    ap.add_argument("--estimate-only", action="store_true", help="fold and estimate; build nothing")
    ap.add_argument("--out", type=Path, help="sweep folder (default build/explore_<first model>)")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive(int, "--workers"), help="Ray CPUs on this machine (default: all)")
    where.add_argument("--address", help="join a running Ray cluster (ray start --head) at HOST:PORT")
    return ap


def space_of(args) -> Space:
    space = load_space(args.space) if args.space else Space(models=[])
    models = [*args.target, *map(str, args.model)]
    if models:
        space.models = models
    for name in ("fps", "clock_mhz", "ram_styles", "checkpoints", "boards"):
        if getattr(args, name):
            setattr(space, name, getattr(args, name))
    for text in args.bound:
        node, attr, bound = parse_bound(text)
        space.bounds.setdefault(node, {})[attr] = bound
    if args.inputs is not None:
        space.inputs = args.inputs
    return space.check()


@import_warnings_hidden()
def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        space = space_of(args)
        out = args.out or Path("build") / f"explore_{Path(space.models[0]).stem}"
        sweep = explore(space, out, synth=args.synth, build_front=not args.estimate_only,
                        workers=args.workers, address=args.address)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for p in sweep.front:
        built = ("verified" if p.verified else "FAILED") if p.build else "not built"
        measured = f", {p.build['measured_fps']:,.0f} measured" if p.build and p.build.get("measured_fps") else ""
        print(f"{p.design}: {p.fps:,.0f} fps (est.{measured}), LUT {p.resources['LUT']:,.0f}, "
              f"BRAM36 {p.resources['BRAM36']:g}: {built}")
    print(f"{sweep.directory / PAGE}")
    return 0 if all(p.verified for p in sweep.front) or args.estimate_only else 1


if __name__ == "__main__":
    sys.exit(main())

"""What a HashedNets weight memory would save in an MVAU, by the compiler's own estimates.

A hashed layer (models/compress/hashing.py) stores K = rate x MW x MH buckets instead of its
weights; in hardware its weight memory could become a bucket table plus a hash unit. But an MVAU
reads PE x SIMD weights every cycle from one wide word, and hashing sends those PE x SIMD weights to
unrelated buckets. Three ways to serve them, each estimated per MVAU with flow/estimate.py's memory
model (block RAM by aspect ratio, distributed ROM as LUT logic) at the folding the compiler chose:

  replicated  true HashedNets: every lane needs its own read each cycle, so ceil(lanes / 2)
              dual-port copies of the K x w table (block RAM), or one LUT-ROM read per lane;
  banked      a bank-aware hash (lane l only reads bank l, K / lanes buckets): one narrow
              memory per lane. The sharing then depends on the folding;
  word        one hash per PE x SIMD word: a table of K / lanes words, full width. Whole words
              are shared, again tied to the folding, a coarser method than HashedNets.

Every lane (replicated, banked) or MVAU (word) also needs a hash unit. The estimate takes a
multiply-free one, three xor-shift rounds over the index bits (one LUT per bit per round, a
register per bit); MurmurHash's fmix32, which the torch model uses, needs two 32 x 32
multiplies (8 DSP48E1) per lane instead. Estimates, not synthesis: no hashed MVAU exists.

    nice -n 10 python benchmarks/hashed_weights.py [--rate 0.125]

Networks: cnv_w1a1 (the target, 3,050 frames/s) and VGG-A / VGG-C in the xnor preset (seeded
weights; the folding and memories do not depend on the values), lowered and folded by the compiler
(steps export .. fold only). Writes benchmarks/results/hashed_weights.{json,md,png}.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from qonnx.core.modelwrapper import ModelWrapper  # noqa: E402
from qonnx.custom_op.registry import getCustomOp  # noqa: E402

from flow.api import configure  # noqa: E402
from flow.estimate import add_resources, memory_resources, total_resources  # noqa: E402
from flow.ops.base import Memory, ram_style_for  # noqa: E402
from flow.pipeline import pipeline  # noqa: E402
from models.compress.report import table, write_json  # noqa: E402
from models.vgg import make_vgg  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
NETWORKS = {"cnv_w1a1": ("cnv_w1a1", 3050), "vgg_c xnor": ("vgg_c", 10_000),
            "vgg_a xnor": ("vgg_a", 50)}
VARIANTS = ("today", "replicated", "banked", "word")
HASH_ROUNDS = 3


def folded(name: str, work: Path) -> ModelWrapper:
    """The network lowered and folded by the compiler (the build's steps up to fold)."""
    model, fps = NETWORKS[name]
    out = work / name.replace(" ", "_")
    if not (out / "30_folded.onnx").exists():
        if model.startswith("vgg"):
            torch.manual_seed(0)
            model = make_vgg(model, (1, 28, 28), preset="xnor").eval()
        cfg = configure(model, fps=fps, out=out, inputs=2, input_shape=(1, 28, 28))
        cfg.out.mkdir(parents=True, exist_ok=True)
        for step in pipeline(cfg):
            step.run(cfg)
            if step.name == "fold":
                break
    return ModelWrapper(str(out / "30_folded.onnx"))


def hash_unit(index_bits: int) -> dict:
    return {"LUT": HASH_ROUNDS * index_bits, "FF": index_bits, "BRAM36": 0, "DSP": 0}


def rom(width: int, depth: int) -> dict:
    return memory_resources(Memory("w", width, depth, ram_style_for(width * depth), False))


def variants(op, rate: float) -> dict:
    mw, mh, simd, pe = (op.get_nodeattr(k) for k in ("MW", "MH", "SIMD", "PE"))
    lanes, n = pe * simd, mw * mh
    w = op.memories()[0].width // lanes
    k = math.ceil(rate * n)
    index_bits = max(1, math.ceil(math.log2(n)))
    table_mem = Memory("t", w, k, ram_style_for(w * k), False)
    copies = math.ceil(lanes / 2) if table_mem.style == "block" else lanes
    return {
        "shape": {"MW": mw, "MH": mh, "PE": pe, "SIMD": simd, "w_bits": w, "buckets": k},
        "today": memory_resources(op.memories()[0]),
        "replicated": add_resources(*[memory_resources(table_mem)] * copies,
                                    *[hash_unit(index_bits)] * lanes),
        "banked": add_resources(*[rom(w, math.ceil(k / lanes))] * lanes,
                                *[hash_unit(index_bits)] * lanes),
        "word": add_resources(rom(lanes * w, math.ceil(k / lanes)), hash_unit(index_bits)),
    }


def network(name: str, rate: float, work: Path) -> dict:
    model = folded(name, work)
    ops = {n.name: variants(getCustomOp(n), rate) for n in model.graph.node
           if n.op_type.startswith("MVAU")}
    totals = {v: add_resources(*(o[v] for o in ops.values())) for v in VARIANTS}
    return {"design_estimate": total_resources(model), "mvau": ops, "weights_total": totals}


def markdown(result: dict) -> str:
    parts = ["# Hashed MVAU weight memories: estimated savings",
             f"Rate {result['rate']} (buckets per weight); MVAU weight memories only, summed over "
             "the network, plus the hash units. `python benchmarks/hashed_weights.py "
             f"--rate {result['rate']}`. Estimates (flow/estimate.py), no hashed MVAU was built."]
    rows = []
    for name, r in result["networks"].items():
        d = r["design_estimate"]
        for v in VARIANTS:
            t = r["weights_total"][v]
            rows.append([name, v, f"{t['LUT']:,.0f}", f"{t['FF']:,.0f}", f"{t['BRAM36']:g}",
                         f"{d['LUT']:,.0f} / {d['BRAM36']:g}" if v == "today" else ""])
    parts.append(table(["network", "weight memory", "LUT", "FF", "BRAM36",
                        "whole design today (LUT / BRAM36)"], rows))
    parts.append(result["conclusion"])
    return "\n\n".join(parts) + "\n"


def conclusion(result: dict) -> str:
    lines = []
    for name, r in result["networks"].items():
        t = r["weights_total"]
        best = min(("replicated", "banked"), key=lambda v: t[v]["LUT"] + 500 * t[v]["BRAM36"])
        lines.append(f"{name}: today {t['today']['LUT']:,.0f} LUT + {t['today']['BRAM36']:g} "
                     f"BRAM36; HashedNets at best ({best}) {t[best]['LUT']:,.0f} LUT + "
                     f"{t[best]['BRAM36']:g} BRAM36; word hashing {t['word']['LUT']:,.0f} LUT + "
                     f"{t['word']['BRAM36']:g} BRAM36.")
    return "\n".join(f"- {x}" for x in lines)


def plot(path: Path, result: dict) -> None:
    names = list(result["networks"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key in zip(axes, ("LUT", "BRAM36"), strict=True):
        width = 0.8 / len(VARIANTS)
        for i, v in enumerate(VARIANTS):
            ax.bar([j + i * width for j in range(len(names))],
                   [result["networks"][n]["weights_total"][v][key] for n in names], width, label=v)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(names))], names)
        ax.set_yscale("symlog")
        ax.set_ylabel(f"{key} (weight memories + hash units)")
        ax.grid(alpha=0.3, axis="y")
    axes[0].legend()
    fig.suptitle(f"hashed MVAU weight memories at rate {result['rate']} (estimate)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=0.125)
    p.add_argument("--networks", nargs="+", default=list(NETWORKS), choices=list(NETWORKS))
    p.add_argument("--work", default="build/hashed_weights")
    p.add_argument("--out", default=str(RESULTS))
    args = p.parse_args(argv)
    result = {"rate": args.rate,
              "networks": {n: network(n, args.rate, Path(args.work)) for n in args.networks}}
    result["conclusion"] = conclusion(result)
    out = Path(args.out)
    write_json(out / "hashed_weights.json", result)
    (out / "hashed_weights.md").write_text(markdown(result))
    plot(out / "hashed_weights.png", result)
    print(markdown(result))
    return result


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])

"""``python -m models.evaluate tracking``: OTB one-pass evaluation of SiamFC trackers.

    python -m models.evaluate tracking --benchmark DIR --checkpoint a.pt [b.pt ...] [--onnx f.onnx]

Each checkpoint (written by the siamfc recipe) is tracked with its torch backbone, each ONNX file
with onnxruntime, over every OTB-format sequence in DIR (e.g. one written by
``python -m models.data.synthetic_tracking``); ``--merge`` adds the trackers of earlier
tracking.json files (the same benchmark), so runs made apart are reported together. Writes
<out>/tracking.json (per sequence and averaged), <out>/tracking.md (a table shaped like Przewlocka et al.'s
Tables 2 and 3) and the OTB precision and success plots <out>/precision.png, <out>/success.png.
"""

import json
from pathlib import Path

import torch

from deploy.siamfc_tracker import SiamFCTracker, TrackerConfig
from models.data.otb import load_benchmark
from models.eval_commands import EVALUATIONS
from models.siamfc import conv_parameter_memory, load_siamfc
from models.siamfc_presets import bits_label
from models.tracking.backbones import CorrelatingBackbone, OnnxBackbone, TorchBackbone
from models.tracking.metrics import average, plot_curves, sequence_metrics
from models.training import progress


def add_arguments(parser):
    parser.add_argument(
        "--benchmark",
        help="folder of OTB-format sequences (python -m models.data.synthetic_tracking --out DIR)",
    )
    parser.add_argument("--checkpoint", nargs="*", default=[], help="siamfc recipe checkpoints")
    parser.add_argument("--onnx", nargs="*", default=[], help="plain ONNX backbones (onnxruntime)")
    parser.add_argument(
        "--merge",
        nargs="*",
        default=[],
        help="tracking.json files of earlier runs (same benchmark and scales) to report together "
        "with the trackers given here",
    )
    parser.add_argument("--scales", type=int, choices=(3, 5), default=3)
    parser.add_argument("--limit", type=int, default=None, help="only the first N sequences")
    parser.add_argument("--out", default="build/models/tracking", help="output folder")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for torch")


def trackers(args):
    """(name, backbone, info) for every checkpoint and ONNX file."""
    out = []
    for path in args.checkpoint:
        net = load_siamfc(path)
        p = net.preset
        info = {
            "source": str(path),
            "preset": p.name,
            "width": net.backbone.width,
            "table2_row": p.table2_row,
            "first": bits_label(p.first_weight_bits),
            "hidden": bits_label(p.hidden_weight_bits),
            "last": bits_label(p.last_weight_bits),
            "activation": bits_label(p.act_bits),
            "conv_param_kbytes": conv_parameter_memory(net.backbone)["kbytes"],
        }
        out.append((p.name, TorchBackbone(net), info))
    for path in args.onnx:
        out.append((Path(path).stem, OnnxBackbone(path), {"source": str(path)}))
    names = [name for name, _, _ in out]
    if len(set(names)) != len(names):
        out = [(f"{name}:{Path(info['source']).parent.name}", b, info) for name, b, info in out]
    return out


def evaluate(tracker_list, sequences, config: TrackerConfig) -> dict:
    """{name: {"info", "average", "fps", "sequences": {sequence: metrics}}}."""
    results = {}
    for name, backbone, info in tracker_list:
        tracker = SiamFCTracker(CorrelatingBackbone(backbone), config)
        per_sequence, fps = {}, []
        for sequence in progress(sequences, f"tracking with {name}", unit="seq"):
            boxes, seq_fps = tracker.track(sequence)
            per_sequence[sequence.name] = {
                **sequence_metrics(boxes, sequence.boxes),
                "fps": seq_fps,
                "boxes": boxes.round(3).tolist(),
            }
            fps.append(seq_fps)
        results[name] = {
            "info": info,
            "average": average(per_sequence.values()),
            "fps": float(sum(fps) / len(fps)),
            "sequences": per_sequence,
        }
    return results


def markdown(results, benchmark, scales) -> str:
    lines = [
        f"# SiamFC tracking on {benchmark}",
        "",
        f"{scales} scales; OTB one-pass evaluation; precision at 20 px, success AUC "
        "(IoU thresholds 0..1), mean IoU, averaged over sequences; fps of the tracking loop on "
        "this machine's CPU (shared, indicative only).",
        "",
        "| No | tracker | first | hidden | last | activation | conv params (KB) | precision@20 (%) "
        "| success AUC (%) | mean IoU (%) | fps |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        i, a = r["info"], r["average"]
        kb = f"{i['conv_param_kbytes']:.1f}" if "conv_param_kbytes" in i else "-"
        lines.append(
            f"| {i.get('table2_row') or '-'} | {name} | {i.get('first', '-')} | "
            f"{i.get('hidden', '-')} | {i.get('last', '-')} | {i.get('activation', '-')} | {kb} | "
            f"{100 * a['precision_20']:.2f} | {100 * a['auc']:.2f} | {100 * a['mean_iou']:.2f} "
            f"| {r['fps']:.1f} |"
        )
    lines += [
        "",
        "Per sequence (precision@20 / AUC, %):",
        "",
        "| sequence | " + " | ".join(results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for seq in next(iter(results.values()))["sequences"]:
        cells = [
            f"{100 * r['sequences'][seq]['precision_20']:.1f} / "
            f"{100 * r['sequences'][seq]['auc']:.1f}"
            for r in results.values()
        ]
        lines.append(f"| {seq} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@EVALUATIONS.register(
    "tracking", "OTB precision/success of SiamFC trackers on a benchmark", add_arguments
)
def run(args):
    torch.set_num_threads(args.threads)
    if not (args.checkpoint or args.onnx or args.merge):
        raise SystemExit("give at least one --checkpoint, --onnx or --merge")
    report = {"benchmark": args.benchmark, "scales": args.scales, "trackers": {}}
    for path in args.merge:
        earlier = json.loads(Path(path).read_text())
        report["benchmark"] = report["benchmark"] or earlier["benchmark"]
        if (earlier["benchmark"], earlier["scales"]) != (report["benchmark"], report["scales"]):
            raise SystemExit(
                f"{path} evaluated {earlier['benchmark']} with {earlier['scales']} scales, not "
                f"{report['benchmark']} with {report['scales']}"
            )
        report["trackers"].update(earlier["trackers"])
    if args.checkpoint or args.onnx:
        if not args.benchmark:
            raise SystemExit("--benchmark is needed to track with --checkpoint or --onnx")
        sequences = load_benchmark(args.benchmark)[: args.limit]
        config = TrackerConfig.for_scales(args.scales)
        report["trackers"].update(evaluate(trackers(args), sequences, config))
    results = report["trackers"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tracking.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "tracking.md").write_text(markdown(results, report["benchmark"], args.scales))
    n_sequences = len(next(iter(results.values()))["sequences"])
    plot_curves(
        {name: r["average"] for name, r in results.items()},
        out / "precision.png",
        out / "success.png",
        title=f"({n_sequences} sequences)",
    )
    for name, r in results.items():
        a = r["average"]
        print(
            f"{name}: precision@20 {100 * a['precision_20']:.2f}%, AUC {100 * a['auc']:.2f}%, "
            f"mean IoU {100 * a['mean_iou']:.2f}%, {r['fps']:.1f} fps"
        )
    print(
        f"wrote {out / 'tracking.json'}, {out / 'tracking.md'}, {out / 'precision.png'}, "
        f"{out / 'success.png'}"
    )
    return results

"""`python -m models.compress search`: a small hardware-aware architecture search, the search
family of Goel et al.'s survey ("A Survey of Methods for Low-Power Deep Learning and Computer
Vision"; MnasNet's multi-objective reward, with the compiler's estimate in place of a measured
device). VGG hidden-layer widths and per-layer quantisation presets are drawn at random (seeded);
each candidate is trained briefly on the MNIST subset (its reward: validation top-1) and folded
and estimated by the compiler at one fixed frames/s (its cost: LUT, BRAM36).

Every candidate is one Ray task (flow/tasks.py: --workers N CPUs on this machine, or --address of
a running cluster). Writes into --out: result.json (rewritten after every candidate; rerunning the
same command keeps the candidates already done), tables.md and front.png (top-1 against LUT at the
fixed frames/s, the front marked); with --results DIR also DIR/vgg_search.{json,md,png}.
"""
from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import time
from pathlib import Path

from flow.cli_args import positive
from flow.tasks import Pool, TaskError
from models.compress.pareto import pareto_front
from models.compress.report import write_json
from models.compress.search_candidate import evaluate
from models.compress.search_report import markdown, plot
from models.compress.search_space import BUILDABLE_PRESETS, VARIANTS, SearchSpace, sample_candidates
from models.compress.source import load_data, recipe_config

RESULT_NAME = "vgg_search"
# what changes a candidate's outcome: a rerun with other values starts over
SETTINGS = ("arch", "epochs", "lr", "train_limit", "fps", "clock_mhz", "board", "inputs")


def add_arguments(p) -> None:
    p.add_argument("--arch", default="vgg_c", choices=VARIANTS, help="the VGG layout searched")
    p.add_argument("--budget", type=positive(int, "--budget"), default=24, help="candidates")
    p.add_argument("--multipliers", nargs="+", type=positive(float, "--multipliers"),
                   default=[0.5, 1.0, 2.0], help="per-layer width multipliers to draw from")
    p.add_argument("--presets", nargs="+", default=["w1a1", "w2a2", "w4a4"],
                   help=f"per-layer presets to draw from ({', '.join(BUILDABLE_PRESETS)})")
    p.add_argument("--epochs", type=positive(int, "--epochs"), default=2, help="training epochs")
    p.add_argument("--lr", type=positive(float, "--lr"), default=2e-3)
    p.add_argument("--train-limit", type=positive(int, "--train-limit"), default=None,
                   help="first N training images (default all 8,000 of the subset)")
    p.add_argument("--fps", type=positive(float, "--fps"), default=10_000,
                   help="the fixed frames/s every candidate is folded for")
    p.add_argument("--clock-mhz", type=positive(float, "--clock-mhz"), default=100.0)
    p.add_argument("--board", default="pynq_z2")
    p.add_argument("--inputs", type=positive(int, "--inputs"), default=4,
                   help="test inputs of each candidate's front end")
    p.add_argument("--results", type=Path, default=None,
                   help=f"also write the figures as DIR/{RESULT_NAME}.{{json,md,png}}")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive(int, "--workers"),
                       help="Ray CPUs on this machine (default: all)")
    where.add_argument("--address", help="join a running Ray cluster at HOST:PORT")


def run(args) -> dict:
    try:
        space = SearchSpace(args.arch, tuple(args.multipliers), tuple(args.presets)).check()
        candidates = sample_candidates(space, args.budget, args.seed)
    except ValueError as err:
        raise SystemExit(f"error: {err}") from None
    out = Path(args.out).resolve()
    settings = {k: getattr(args, k) for k in SETTINGS} | {"seed": args.seed}
    earlier = _earlier(out / "result.json", settings)
    done = {c["key"]: c for c in earlier.get("candidates", []) if c is not None}
    data = load_data(recipe_config(args.arch, "w1a1", train_limit=args.train_limit))
    jobs = [{"index": i, "widths": c.widths, "presets": c.presets, "seed": args.seed, "out": str(out),
             **{k: settings[k] for k in SETTINGS}} for i, c in enumerate(candidates)]
    todo = [j for j in jobs if _key(j) not in done]
    result = {"command": "python -m models.compress " + shlex.join(getattr(args, "argv", [])),
              "settings": settings,
              "space": {"arch": space.arch, "base_widths": space.base_widths,
                        "multipliers": list(space.multipliers), "presets": list(space.presets),
                        "size": space.size()},
              "search": f"uniform random sample of {args.budget} distinct candidates "
                        f"(numpy default_rng({args.seed}))",
              "reward": "validation top-1 (1,000 images; test top-1 reported beside it)",
              "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "candidates": [done.get(_key(j)) for j in jobs]}
    print(f"search: {len(jobs)} candidates of {space.size():.3g}, {len(jobs) - len(todo)} done before",
          flush=True)
    # the cost adds up over the runs that made the candidates (a resumed search included)
    cost = Cost(earlier.get("cost", {}), result)
    if todo:
        _evaluate(todo, data, args, result, out, cost)
    cost.update()
    finished = [c for c in result["candidates"] if c is not None]
    result["front"] = pareto_front(finished)
    result["front_test"] = pareto_front(finished, "test_top1")
    _save(out, result)
    (out / "tables.md").write_text(markdown(result))
    plot(out / "front.png", result)
    if args.results is not None:
        args.results.mkdir(parents=True, exist_ok=True)
        for name, suffix in (("result.json", "json"), ("tables.md", "md"), ("front.png", "png")):
            shutil.copyfile(out / name, args.results / f"{RESULT_NAME}.{suffix}")
    return result


def _evaluate(todo: list[dict], data: dict, args, result: dict, out: Path, cost: Cost) -> None:
    """Every job of `todo` as a Ray task, each result saved as it comes with the cost so far (a
    task that raised is a candidate with the reason)."""
    with Pool(workers=args.workers, address=args.address) as pool:
        for i, r in pool.run(evaluate, todo, shared=data, desc="candidates"):
            job = todo[i]
            if isinstance(r, TaskError):
                r = {"index": job["index"], "widths": list(job["widths"]), "presets": list(job["presets"]),
                     "hardware": {"built": False, "reason": f"task failed on {r.node}: {r.message}"}}
            r["key"] = _key(job)
            result["candidates"][job["index"]] = r
            cost.update(_tree_cpu_seconds())
            _say(r)
            _save(out, result)


class Cost:
    """result["cost"]: the tasks' CPU seconds (their sum), the whole run's CPU seconds and wall time,
    and the machine's load average as each candidate finished, added to an earlier run's."""

    def __init__(self, earlier: dict, result: dict):
        self.earlier, self.result, self.started = earlier, result, time.time()
        self.loads = [*earlier.get("load_average_1min_samples", [])]
        self.session_cpu = 0.0

    def update(self, session_cpu: float | None = None) -> None:
        if session_cpu is not None:
            self.session_cpu = session_cpu
        self.loads.append(round(os.getloadavg()[0], 2))
        task_cpu = sum(c.get("cpu_seconds", 0.0) for c in self.result["candidates"] if c is not None)
        e = self.earlier
        self.result["cost"] = {
            "task_cpu_seconds": round(task_cpu, 1), "cpu_hours": round(task_cpu / 3600, 4),
            "session_cpu_seconds": round(e.get("session_cpu_seconds", 0) + self.session_cpu, 1),
            "wall_seconds": round(e.get("wall_seconds", 0) + time.time() - self.started, 1),
            "load_average_1min_samples": self.loads}


def _tree_cpu_seconds() -> float:
    """User + system CPU seconds of this process and every process under it (Ray's own and its
    workers, with the tasks' work) since they started: what the whole run cost on this machine."""
    import psutil

    me = psutil.Process()
    total = 0.0
    for p in (me, *me.children(recursive=True)):
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def _key(job: dict) -> str:
    return f"{'-'.join(map(str, job['widths']))}|{' '.join(job['presets'])}"


def _earlier(path: Path, settings: dict) -> dict:
    """The result of an earlier run of the same settings in this folder, else {}."""
    if not path.is_file():
        return {}
    earlier = json.loads(path.read_text())
    return earlier if earlier.get("settings") == json.loads(json.dumps(settings)) else {}


def _save(out: Path, result: dict) -> None:
    write_json(out / "result.json", result)


def _say(r: dict) -> None:
    h = r["hardware"]
    what = (f"{h['fps']:,.0f} fps, LUT {h['resources']['LUT']:,.0f}, BRAM36 {h['resources']['BRAM36']:g}"
            if h["built"] else f"not built: {h['reason']}")
    top1 = f"val top-1 {100 * r['val_top1']:.1f}%, " if "val_top1" in r else ""
    print(f"candidate {r['index']}: {top1}{what}", flush=True)

"""Run faults: for each kind, pick faults, judge them with the numpy models, rerun the build
on a copy of its directory for every observable one (and a sample of the others), and count."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from qonnx.custom_op.registry import getCustomOp

from flow.build import ARGS_FILE
from flow.faults.kinds import KINDS, Kind
from flow.faults.sites import BuildFacts

REPO = Path(__file__).resolve().parents[2]   # the rerun uses this very toolchain


def rerun_argv(argv: list[str], out: Path, step: str) -> list[str]:
    """The build's own command line, writing to `out` and rerunning from `step`."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--out", "--from"):
            skip = True
        elif not arg.startswith(("--out=", "--from=")):
            kept.append(arg)
    return [*kept, "--out", str(out), "--from", step]


def rerun(facts: BuildFacts, kind: Kind, fault, workdir: Path) -> dict:
    """Copy the build, inject the fault, rerun the build from the kind's step: exit status,
    its first failure, and the cycles per frame it measured (None when it measured none)."""
    stored = json.loads((facts.directory / ARGS_FILE).read_text())
    trial = workdir / "trial"
    if trial.exists():
        shutil.rmtree(trial)
    shutil.copytree(facts.directory, trial, symlinks=True)
    kind.apply(facts, fault, trial)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    started = time.time()
    proc = subprocess.run([sys.executable, "-m", "flow.build", *rerun_argv(stored["argv"], trial, kind.rerun_from)],
                          cwd=stored["cwd"], env=env, capture_output=True, text=True, check=False)
    _check_resumed(proc.stdout, kind.rerun_from, facts.directory)
    lines = proc.stderr.splitlines()
    errors = [(lines[i + 1] if "checks failed:" in line and i + 1 < len(lines) else line).strip()
              for i, line in enumerate(lines) if line.startswith("error:")]
    rtlsim = trial / "sim" / "rtlsim.json"
    cycles = json.loads(rtlsim.read_text())["throughput_run"]["cycles_per_frame"] if rtlsim.exists() else None
    shutil.rmtree(trial)
    return {"exit_code": proc.returncode, "first_failure": errors[0] if errors else None,
            "cycles_per_frame": cycles, "seconds": round(time.time() - started, 1)}


def _check_resumed(log: str, step: str, build: Path) -> None:
    """Every step before `step` must have been up to date: one that ran again (another
    toolchain made the build) would have overwritten the fault."""
    for line in log.splitlines():
        match = re.match(r"\[\d+/\d+\] (\S+)\s+(.*)", line)
        if not match or match.group(1) == step:
            if match:
                return
            continue
        if not match.group(2).startswith(("up to date", "skipped")):
            raise RuntimeError(f"rerunning {build} from '{step}' also reran '{match.group(1)}': the build was "
                               "made by another version of the toolchain; rebuild it with this one first")


def run_kind(facts: BuildFacts, kind: Kind, trials: int, confirm: int, rng: random.Random,
             workdir: Path, say: Callable[[str], None]) -> dict:
    faults = kind.pick(facts, rng, trials)
    judged = [{"site": str(f), "fault": f, "observable": kind.observable(facts, f)} for f in faults]
    hidden = [j for j in judged if j["observable"] is False]
    sample = rng.sample(hidden, min(confirm, len(hidden)))
    to_run = [j for j in judged if j["observable"] is not False] + sample
    analytic = max(getCustomOp(n).cycles() for n in facts.model.graph.node)
    for i, j in enumerate(to_run, start=1):
        j.update(rerun(facts, kind, j["fault"], workdir))
        if j["observable"] is None:   # timing: slower than the analytic figure, or stalled
            j["observable"] = j["cycles_per_frame"] is None or j["cycles_per_frame"] > analytic
        j["caught"] = j["exit_code"] != 0
        verdict = "caught" if j["caught"] else "passed"
        say(f"  [{kind.name} {i}/{len(to_run)}] {j['site']}: "
            f"{'observable' if j['observable'] else 'not observable'}, build {verdict} "
            f"(exit {j['exit_code']}, {j['seconds']} s){': ' + j['first_failure'] if j['first_failure'] else ''}")
    for j in judged:
        j.pop("fault")
    observable = [j for j in judged if j["observable"]]
    rerun_hidden = [j for j in judged if not j["observable"] and "exit_code" in j]
    return {
        "kind": kind.name, "what": kind.what, "rerun_from": kind.rerun_from,
        "injected": len(judged), "observable": len(observable),
        "caught": sum(j["caught"] for j in observable),
        "not_observable": len(judged) - len(observable),
        "not_observable_share": (len(judged) - len(observable)) / len(judged) if judged else None,
        "not_observable_rerun": len(rerun_hidden),
        "not_observable_confirmed": sum(not j["caught"] for j in rerun_hidden),
        "faults": judged,
    }


def run_faults(build_dir: Path, trials: int, seed: int, confirm: int,
               say: Callable[[str], None] = print) -> dict:
    """Every fault kind on the build in build_dir; the counts and each fault's fate."""
    facts = BuildFacts(build_dir)
    rng = random.Random(seed)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        kinds = []
        for kind in KINDS:
            say(f"{kind.name}: {kind.what}; rerun from {kind.rerun_from}")
            kinds.append(run_kind(facts, kind, trials, confirm, rng, Path(tmp), say))
    return {"build": str(Path(build_dir).resolve()), "trials_per_kind": trials, "seed": seed,
            "confirm_per_kind": confirm, "seconds": round(time.time() - started, 1), "kinds": kinds}

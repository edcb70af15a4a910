"""The whole compiler, in order, and the runner that executes it.

Each step writes its files into the build directory and is skipped when its content key
(flow/content_key.py) is unchanged; the checks each step makes are kept with its key, so the
verdict (flow/verdict.py) always judges exactly the steps of this invocation: those that ran and
those found up to date, never the files of a step that was not selected.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from flow import content_key, verdict
from flow.backends import selected
from flow.backends.hls import steps as hls
from flow.backends.rtl import steps as rtl
from flow.board.l6 import STEPS as BOARD_STEPS
from flow.config import BuildConfig
from flow.report import write_report
from flow.step import Step
from flow.steps import FRONT_END

STATE_FILE = "build_state.json"
VERIFICATION_FILE = "verification.json"
ERROR_FILE = "build_error.txt"  # why the last run stopped; removed by a run that completes


def pipeline(cfg: BuildConfig) -> list[Step]:
    """Every step of a build, in order; a target's own steps run after the simulations."""
    return [
        *FRONT_END,                 # export, streamline, reference (L2), lower, fold, verify (L0, L1, L3)
        *rtl.SIMULATION,            # Verilog, the stitched design in Verilator (L4), each op's RTL
        *hls.SIMULATION,            # HLS C++, its C-simulation (L5)
        *(cfg.target.steps if cfg.target else ()),
        *rtl.SYNTHESIS,             # Yosys (--synth)
        *rtl.ENERGY,                # energy per image, an estimate from toggle activity (--energy)
        *hls.SYNTHESIS,             # Vitis HLS, when installed
        *BOARD_STEPS,               # Vivado Tcl, .bit/.hwh, driver; L6 on the emulated board
    ]


class StepFailed(RuntimeError):
    pass


@dataclass
class BuildResult:
    report: dict
    failures: list[str]          # the verdict: empty when the build passed

    @property
    def passed(self) -> bool:
        return not self.failures


def build_key(cfg: BuildConfig) -> str:
    """What every step depends on: the toolchain, and the target's code and data."""
    parts = [content_key.toolchain_digest()]
    if cfg.target is not None:
        parts += [content_key.application_digest(m) for m in sorted(target_modules(cfg.target))]
        parts += [content_key.option_value(Path(p)) for p in cfg.target.data_files]
    return content_key.digest(*parts)


def target_modules(target) -> set[str]:
    """The modules of a target's functions: its model, inputs, steps and report section."""
    functions = [target.make_model, target.make_inputs, target.load_checkpoint, target.report_section,
                 target.random_model, target.make_labels,
                 *(s.function for s in target.steps)]
    return {getattr(f, "func", f).__module__ for f in functions if f is not None}


def step_key(previous: str, step: Step, cfg: BuildConfig) -> str:
    options = {k: content_key.option_value(getattr(cfg, k)) for k in step.options}
    return content_key.digest(previous, step.name, json.dumps(options, sort_keys=True),
                              json.dumps(step.parameters, sort_keys=True, default=repr))


def run_build(cfg: BuildConfig, restart_from: str | None = None,
              say: Callable[[str], None] = print, only: Collection[str] | None = None) -> BuildResult:
    """Run every selected step (skipping up-to-date ones), then the verdict and the report.
    `only` names the steps to run (a design-space sweep stops at rtlsim); default all."""
    steps = pipeline(cfg)
    names = [s.name for s in steps]
    if restart_from is not None and restart_from not in names:
        raise ValueError(f"--from {restart_from}: no such step (steps: {', '.join(names)})")
    unknown = sorted(set(only or ()) - set(names))
    if unknown:
        raise ValueError(f"steps {', '.join(unknown)}: no such step (steps: {', '.join(names)})")
    cfg.out.mkdir(parents=True, exist_ok=True)
    state_path = cfg.path(STATE_FILE)
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    key, dirty = build_key(cfg), False
    checks, timings = {}, {}
    width = max(map(len, names))
    for index, step in enumerate(steps, start=1):
        label = f"[{index}/{len(steps)}] {step.name:<{width}}"
        if not selected(step.backend, cfg.backend):
            say(f"{label} skipped (--backend {cfg.backend})")
            continue
        if only is not None and step.name not in only:
            say(f"{label} not selected")
            continue
        key = step_key(key, step, cfg)
        dirty = dirty or step.name == restart_from
        old = state.get(step.name, {})
        if not dirty and old.get("key") == key and all(cfg.path(o).exists() for o in step.outputs):
            checks[step.name], timings[step.name] = old.get("checks", []), old["seconds"]
            say(f"{label} up to date")
            continue
        dirty = True
        estimate = f" (last run {old['seconds']:.0f} s)" if old.get("seconds", 0) >= 10 else ""
        say(f"{label} {step.summary}{estimate}")
        _remove(cfg, step.outputs)
        started = time.time()
        try:
            made = step.run(cfg) or []
        except Exception as err:
            _remove(cfg, step.outputs)
            state.pop(step.name, None)
            state_path.write_text(json.dumps(state, indent=2))
            failed = StepFailed(f"step '{step.name}' failed: {err}")
            cfg.path(ERROR_FILE).write_text(f"{failed}\n")
            raise failed from err
        seconds = time.time() - started
        checks[step.name], timings[step.name] = made, seconds
        state[step.name] = {"key": key, "seconds": round(seconds, 2), "checks": made}
        state_path.write_text(json.dumps(state, indent=2))
        failed = verdict.failures({step.name: made})
        say(f"{label} done in {seconds:.1f} s" + (f", {len(failed)} checks FAILED" if failed else ""))
    failures = verdict.failures(checks)
    cfg.write_json(VERIFICATION_FILE, {"passed": not failures, "failures": failures, "steps": checks})
    # the report describes a folded design: none for a run that stops before folding
    report = write_report(cfg, checks, timings) if "fold" in checks else {}
    _remove(cfg, [ERROR_FILE])
    return BuildResult(report, failures)


def _remove(cfg: BuildConfig, outputs) -> None:
    for o in outputs:
        p = cfg.path(o)
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()

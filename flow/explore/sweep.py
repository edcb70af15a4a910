"""A sweep: every point of the space folded and estimated, the fps-resources front found, and each
front point built through L4 (and Yosys with synth), every piece of work a Ray task.

The state lives in <out>/explore.json, written after every finished task: a sweep that was
stopped resumes where it was (finished estimates and builds are kept; a build cut short resumes
at its first step that is not up to date), and the page (<out>/explore.html) is rewritten with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from flow.explore.build_point import build_point, front_end, point_key
from flow.explore.estimate import estimate_point
from flow.explore.front import front
from flow.explore.page import write_page
from flow.explore.space import PointSpec, Space
from flow.tasks import Pool, TaskError

STATE = "explore.json"
PAGE = "explore.html"


@dataclass
class Point:
    """One point: what was asked (spec), the folding it got, its estimate, and its build when it
    is on the front (None otherwise, or not built yet)."""
    spec: PointSpec
    design: str
    folding: dict | None
    estimate: dict
    on_front: bool
    build: dict | None

    @property
    def fps(self) -> float | None:
        return self.estimate.get("fps")

    @property
    def resources(self) -> dict | None:
        return self.estimate.get("resources")

    @property
    def verified(self) -> bool:
        return bool(self.build and self.build.get("passed"))


@dataclass
class Sweep:
    directory: Path
    points: list[Point]

    @property
    def front(self) -> list[Point]:
        return sorted((p for p in self.points if p.on_front), key=lambda p: (p.design, p.fps))

    @classmethod
    def open(cls, directory: str | Path) -> Sweep:
        directory = Path(directory)
        if not (directory / STATE).is_file():
            raise ValueError(f"{directory}: no {STATE} (not a sweep folder)")
        return _sweep(directory, json.loads((directory / STATE).read_text()))


def _sweep(directory: Path, state: dict) -> Sweep:
    on_front = set(state.get("front", []))
    points = []
    for key, p in state["points"].items():
        fkey = p.get("build_key")
        points.append(Point(PointSpec(**p["spec"]), p["design"], p["estimate"].get("folding"),
                            p["estimate"], key in on_front, state["builds"].get(fkey) if fkey else None))
    return Sweep(directory, points)


def explore(space: Space, out: str | Path, *, synth: bool = False, build_front: bool = True,
            workers: int | None = None, address: str | None = None,
            say: Callable[[str], None] = print) -> Sweep:
    """Sweep `space` into `out` (resuming a sweep found there) and return it; see the module."""
    space.check()
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    state_path = out / STATE
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    if state.get("space") not in (None, _space_json(space)):
        say(f"note: {state_path} was a sweep of another space; its finished work is kept where it applies")
    state = {"space": _space_json(space), "synth": synth, "points": state.get("points", {}),
             "builds": state.get("builds", {}), "front": state.get("front", []), "errors": state.get("errors", {})}

    def save():
        state_path.write_text(json.dumps(state, indent=2) + "\n")
        write_page(out / PAGE, state)

    specs = space.points()
    designs = {s.design: s for s in specs}
    with Pool(workers=workers, address=address) as pool:
        say(f"{len(specs)} points of {len(designs)} design(s) on {pool.cpus} Ray CPU(s)")
        jobs = [{"design": d, "model": s.model, "checkpoint": s.checkpoint, "inputs": space.inputs,
                 "board": s.board, "out": str(out)} for d, s in designs.items()]
        bases = {}
        for i, result in pool.run(front_end, jobs, desc="front end"):
            if isinstance(result, TaskError):
                raise ValueError(f"{jobs[i]['design']}: front end failed: {result.message}")
            bases[jobs[i]["design"]] = result

        todo = [s for s in specs if s.key not in state["points"]]
        say(f"estimate: {len(specs) - len(todo)} points done before, {len(todo)} to fold")
        hw = {d: b["20_hw.onnx"] for d, b in bases.items()}
        for i, result in pool.run(_estimate, todo, shared={"hw": hw, "bounds": space.bounds},
                                  desc="fold + estimate"):
            s = todo[i]
            estimate = {"fits": False, "error": result.message} if isinstance(result, TaskError) else result
            state["points"][s.key] = {"spec": asdict(s), "design": s.design, "estimate": estimate}
            save()
        current = [{**state["points"][s.key], "key": s.key} for s in specs]
        chosen = front(current)
        state["front"] = [p["key"] for p in chosen]
        save()
        say(f"front: {len(chosen)} of {len(specs)} points")
        if build_front:
            builds, seen = [], set()
            for p in chosen:   # a folding reached from several points is built once
                s = p["spec"]
                key = point_key(p["design"], s["board"], s["clock_mhz"], p["estimate"]["folding"],
                                space.inputs, synth)
                state["points"][p["key"]]["build_key"] = key
                if key in seen or key in state["builds"]:
                    continue
                seen.add(key)
                builds.append({"key": key, "design": p["design"], "model": s["model"],
                               "checkpoint": s["checkpoint"], "board": s["board"], "clock_mhz": s["clock_mhz"],
                               "folding": p["estimate"]["folding"], "inputs": space.inputs, "synth": synth,
                               "out": str(out)})
            say(f"build: {len(chosen) - len(builds)} front points built before, {len(builds)} to build")
            for i, result in pool.run(build_point, builds, shared=bases, desc="build (L4)"):
                if isinstance(result, TaskError):
                    state["errors"][builds[i]["key"]] = result.message
                    say(f"build {builds[i]['key']} failed: {result.message}")
                else:
                    state["builds"][builds[i]["key"]] = result
                    state["errors"].pop(builds[i]["key"], None)
                save()
    return _sweep(out, state)


def _estimate(spec: PointSpec, shared: dict) -> dict:
    return estimate_point(shared["hw"][spec.design], spec, shared["bounds"])


def _space_json(space: Space) -> dict:
    return json.loads(json.dumps(asdict(space)))

"""The build's verdict: every check a step makes is recorded with its rule, and one function
decides pass or fail from the checks of this invocation's steps.

A check is a dict: name, scope (which ladder or part of the design), rule, passed, and the
figures behind it. The rules:

  exact               integer outputs identical, over at least one input
  rounding_boundary   float levels (L0, L1 against L2): every difference must be shown to sit on a
                      rounding boundary (flow/rounding_boundary.py); any other difference fails
  clean               a tool's findings (lint warnings, Tcl check errors) must be empty
  cycles              measured cycles per frame must not exceed the analytic figure
  completes           a simulation must deliver every output word (a stalled stream, a
                      deadlock, fails after the simulation's cycle limit)
  fits                a synthesis tool's resource counts must stay within the board's budget
                      (the folding is chosen by the estimate; this is where a wrong estimate fails)

A comparison over zero inputs fails under every rule: it shows nothing.
"""

from __future__ import annotations


def level(name: str, comparison: dict, scope: str = "ladder", rule: str = "exact") -> dict:
    """A check of one level against another (comparison: flow/verify.py compare)."""
    if rule not in ("exact", "rounding_boundary"):
        raise ValueError(f"level {name}: rule '{rule}' is not a comparison rule")
    inputs = comparison.get("inputs", 0)
    unexplained = comparison["mismatches"] - comparison.get("boundary_cases", 0)
    passed = inputs > 0 and unexplained == 0 and "shape_mismatch" not in comparison
    return {"name": name, "scope": scope, "rule": rule, "passed": bool(passed), **comparison}


def clean(name: str, findings: list[str], scope: str = "tools") -> dict:
    """A tool's findings, which must be none (lint warnings, Tcl errors)."""
    return {"name": name, "scope": scope, "rule": "clean", "passed": not findings,
            "findings": list(findings)}


def cycles(name: str, measured: int, analytic: int, scope: str = "ladder") -> dict:
    return {"name": name, "scope": scope, "rule": "cycles", "passed": bool(0 < measured <= analytic),
            "measured_cycles": int(measured), "analytic_cycles": int(analytic)}


def deadlock(name: str, cycles: int, scope: str = "ladder") -> dict:
    """A simulation that stopped short of its last output word within `cycles` cycles."""
    return {"name": name, "scope": scope, "rule": "completes", "passed": False, "cycles_run": int(cycles)}


def fits(name: str, counts: dict, budget: dict, scope: str = "synthesis") -> dict:
    """Resource counts of a synthesis tool (LUT, FF, BRAM36, DSP; URAM where the part has it) against the
    board's budget."""
    over = {k: [counts.get(k, 0), budget[k]] for k in budget if counts.get(k, 0) > budget[k]}
    return {"name": name, "scope": scope, "rule": "fits", "passed": not over,
            "counts": {k: counts.get(k, 0) for k in budget}, "budget": dict(budget), "over": over}


def failures(checks_by_step: dict[str, list[dict]]) -> list[str]:
    """Every failed check, as 'step: scope name (why)'; empty when the build passes."""
    failed = []
    for step, checks in checks_by_step.items():
        for c in checks:
            if not c["passed"]:
                failed.append(f"{step}: {c['scope']} {c['name']} ({_why(c)})")
    return failed


def _why(c: dict) -> str:
    if c["rule"] == "clean":
        return f"{len(c['findings'])} findings, first: {c['findings'][0]}"
    if c["rule"] == "completes":
        return f"no complete output after {c['cycles_run']:,} cycles (a deadlock)"
    if c["rule"] == "fits":
        return ", ".join(f"{k} {n:,.0f} > {b:,.0f}" for k, (n, b) in c["over"].items())
    if c["rule"] == "cycles":
        return f"{c['measured_cycles']:,} measured > {c['analytic_cycles']:,} analytic cycles per frame"
    if c.get("inputs", 0) == 0:
        return "0 inputs compared"
    if "shape_mismatch" in c:
        return f"shapes {c['shape_mismatch']}"
    unexplained = c["mismatches"] - c.get("boundary_cases", 0)
    return f"{unexplained} of {c['mismatches']} differences not on a rounding boundary" \
        if c["rule"] == "rounding_boundary" else f"{c['mismatches']} mismatches"


def ladder(checks_by_step: dict[str, list[dict]], scope: str = "ladder") -> dict:
    """The levels of one ladder by name (L0_L1, L2_L4, ...), for reports."""
    return {c["name"]: c for checks in checks_by_step.values() for c in checks
            if c["scope"] == scope and c["rule"] in ("exact", "rounding_boundary")}

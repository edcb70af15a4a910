"""Folding: how much of each op runs in parallel (PE, SIMD), from a JSON file or a target fps.

Folding JSON: an object keyed by node name (as in 20_hw.onnx), each value an object of the
op's folding attributes, for example

    {"MVAU_0": {"PE": 16, "SIMD": 3, "weight_ram_style": "block"},
     "SlidingWindow_0": {"SIMD": 3},
     "MaxPool_0": {"PE": 4}}

Unlisted ops keep PE = SIMD = 1, except that a SlidingWindow follows its MVAU's SIMD (the two
must match to stream without a width converter). FIFOs ("FIFO_3": {"depth": 64}) not listed are
sized by simulation (flow/size_fifos.py). Every build writes the folding it used to
folding.json, so an automatic folding can be edited and fed back with --folding.

Automatic folding (--target-fps): each op picks the least parallelism whose analytic cycles
per frame reach clock / fps (its auto_fold; an MVAU prefers SIMD over PE). What an op may be
folded by is its own (folding_attrs, implementation_attrs on the op class, flow/ops/).
"""

from __future__ import annotations

import json
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.estimate import bram36_count, total_resources, uram_count
from flow.ops import FoldingError


def json_attrs(op) -> tuple[str, ...]:
    """The attributes a folding JSON may set on `op`."""
    return op.folding_attrs + op.implementation_attrs


def apply_folding(model: ModelWrapper, folding: dict, plumbing_later: bool = False) -> ModelWrapper:
    """Set folding attributes from a folding dict; errors name the node and the attribute.

    With plumbing_later, entries for FIFOs (which exist only once plumbing is inserted) are
    left for a second call.
    """
    nodes = {n.name: n for n in model.graph.node}
    for name, attrs in folding.items():
        if name not in nodes:
            if plumbing_later and name.startswith("FIFO_"):
                continue
            raise FoldingError(f"folding names node '{name}', which is not in the graph "
                               f"(nodes: {', '.join(nodes)})")
        node = nodes[name]
        op = getCustomOp(node)
        allowed = json_attrs(op)
        for key, value in attrs.items():
            if key not in allowed:
                raise FoldingError(f"{node.op_type} node '{name}': '{key}' is not a folding "
                                   f"attribute (allowed: {', '.join(allowed) or 'none'})")
            op.set_nodeattr(key, value)
    for node in model.graph.node:
        if node.name not in folding:
            getCustomOp(node).fold_unlisted(model)
    check_folding(model)
    return model


def fit_to_board(model: ModelWrapper, board) -> None:
    """What the folding leaves to the board: DSP48 slices for dot products (fit_dot_trees),
    which frees LUTs, then memories out of block RAM (fit_memories)."""
    fit_dot_trees(model, board)
    fit_memories(model, board)


# the MVAU attributes fit_dot_trees sets
DOT_TREE_ATTRS = ("dot_tree", "dot_lut_levels")


def fit_dot_trees(model: ModelWrapper, board) -> None:
    """Give the xnor MVAUs left on dot_tree "auto" DSP48 slices for their dot products' upper
    adder levels and accumulators (hw/rtl/dot_dsp.v), within the board's DSP budget: first each
    with two adder levels in LUTs (the fewest slices), those that save the most LUTs per slice
    first, then with one and with none the same way. A binary network leaves the slices idle
    otherwise; a popcount's upper levels are few wide adders, a LUT per bit in the fabric."""
    budget = board.budget().get("DSP", 0)
    ops = [op for op in map(getCustomOp, model.graph.node)
           if op.onnx_node.op_type == "MVAU" and op.attr("mode") == "xnor" and op.attr("dot_tree") == "auto"]
    used = total_resources(model).get("DSP", 0)
    for levels in (2, 1, 0):
        moves = []   # (LUTs saved per added slice, op, slices added)
        for op in ops:
            before, after = op.resources(), _in_slices(op, levels)
            if after is not None and after["LUT"] < before["LUT"]:
                added = after["DSP"] - before["DSP"]
                moves.append(((before["LUT"] - after["LUT"]) / max(added, 1), op, added))
        for _, op, added in sorted(moves, key=lambda m: -m[0]):
            if used + added <= budget:
                op.set_nodeattr("dot_tree", "dsp")
                op.set_nodeattr("dot_lut_levels", levels)
                used += added


def _in_slices(op, levels: int) -> dict | None:
    """op's resources with its dot product in slices past `levels` LUT levels, or None where
    that is not legal; op unchanged."""
    saved = op.attr("dot_tree"), op.attr("dot_lut_levels")
    op.set_nodeattr("dot_tree", "dsp")
    op.set_nodeattr("dot_lut_levels", levels)
    try:
        op.check_folding()
        return op.resources()
    except FoldingError:
        return None
    finally:
        op.set_nodeattr("dot_tree", saved[0])
        op.set_nodeattr("dot_lut_levels", saved[1])


def fit_memories(model: ModelWrapper, board) -> None:
    """Move the ops' movable memories (MVAU weights and FIFOs left on "auto") out of block RAM
    while the design is over its BRAM budget. On a board with UltraRAM, weight memories the host
    can load at run time go there first, those that free the most block RAM per UltraRAM first
    (a move that would take the design over its URAM budget is not made). Then memories go to
    LUTs, the least BRAM-efficient (fewest bits per block) first: wide, shallow words fill a block
    poorly. A move that would take the design over its LUT budget is not made."""
    budget = board.budget()
    movable = []
    for node in model.graph.node:
        op = getCustomOp(node)
        mem = op.movable_memory()
        if mem is not None:
            movable.append((mem, op))
    total = total_resources(model)
    if budget.get("URAM", 0) > 0:
        loadable = [(m, op) for m, op in movable if op.runtime_loadable]
        for _, op in sorted(loadable, key=lambda item: -bram36_count(item[0].width, item[0].depth)
                            / uram_count(item[0].width, item[0].depth)):
            if total["BRAM36"] <= budget["BRAM36"]:
                return
            total = _move(model, op, "ultra", total, "URAM", budget)
    for _, op in sorted(movable, key=lambda item: item[0].bits / bram36_count(item[0].width, item[0].depth)):
        if total["BRAM36"] <= budget["BRAM36"]:
            return
        if op.attr(op.movable_memory_attr) == "auto":
            total = _move(model, op, "distributed", total, "LUT", budget)


def _move(model: ModelWrapper, op, style: str, total: dict, kind: str, budget: dict) -> dict:
    """Set op's movable memory to `style` unless that takes the design over its `kind` budget;
    returns the design's total."""
    op.set_nodeattr(op.movable_memory_attr, style)
    moved = total_resources(model)
    if moved[kind] > budget.get(kind, 0):
        op.set_nodeattr(op.movable_memory_attr, "auto")   # back: the total stands as it was
        return total
    return moved


def check_folding(model: ModelWrapper) -> None:
    for node in model.graph.node:
        getCustomOp(node).check_folding()


def load_folding(path: Path) -> dict:
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise FoldingError(f"--folding {path}: cannot read a JSON object ({err})") from err
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise FoldingError(f"--folding {path}: expected {{node name: {{attribute: value}}}}")
    return data


def folding_of(model: ModelWrapper) -> dict:
    """The folding attributes of every foldable node, as a folding JSON object."""
    out = {}
    for node in model.graph.node:
        op = getCustomOp(node)
        if json_attrs(op):
            out[node.name] = {k: op.attr(k) for k in json_attrs(op)}
    return out


def auto_folding(model: ModelWrapper, target_fps: float, clock_mhz: float) -> dict:
    """Least parallelism per op whose analytic cycles reach clock / fps, each op's auto_fold
    in graph order (an op may follow what the ops before it got)."""
    target_cycles = clock_mhz * 1e6 / target_fps
    folding = {}
    for node in model.graph.node:
        fold = getCustomOp(node).auto_fold(model, target_cycles, folding)
        if fold:
            folding[node.name] = fold
    return folding


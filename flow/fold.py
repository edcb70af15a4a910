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

Automatic folding (--target-fps): each op gets the least parallelism whose analytic cycles
per frame reach clock / fps; an MVAU prefers SIMD over PE (one wide dot product per output
channel costs fewer LUTs than many narrow ones).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.ops import FoldingError
from flow.ops.base import divisors

FOLDABLE = {"MVAU": ("PE", "SIMD", "weight_ram_style"), "SlidingWindow": ("SIMD",), "Correlation": ("SIMD",),
            "MaxPool": ("PE",), "Thresholding": ("PE",), "LabelSelect": ("PE",), "FIFO": ("depth", "ram_style")}


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
        allowed = FOLDABLE.get(node.op_type, ())
        op = getCustomOp(node)
        for key, value in attrs.items():
            if key not in allowed:
                raise FoldingError(f"{node.op_type} node '{name}': '{key}' is not a folding "
                                   f"attribute (allowed: {', '.join(allowed) or 'none'})")
            op.set_nodeattr(key, value)
    _match_windows_to_mvaus(model, explicit=set(folding))
    check_folding(model)
    return model


def _match_windows_to_mvaus(model: ModelWrapper, explicit: set[str]) -> None:
    for node in model.graph.node:
        if node.op_type != "SlidingWindow" or node.name in explicit:
            continue
        consumer = model.find_consumer(node.output[0])
        if consumer is not None and consumer.op_type == "MVAU":
            simd = getCustomOp(consumer).attr("SIMD")
            window = getCustomOp(node)
            if window.attr("channels") % simd == 0:
                window.set_nodeattr("SIMD", simd)


def fit_memories(model: ModelWrapper, board) -> None:
    """Move MVAU weight memories left on "auto" from block RAM to LUTs while the design is over
    its BRAM budget and under its LUT budget, the least BRAM-efficient (fewest bits per block)
    first: wide, shallow weight words fill a block poorly."""
    from flow.estimate import bram36_count, total_resources

    budget = board.budget()
    movable = []
    for node in model.graph.node:
        if node.op_type == "MVAU":
            op = getCustomOp(node)
            depth, width = op.weight_memory_shape()
            if op.attr("weight_ram_style") == "auto" and op.weight_ram_style() == "block":
                movable.append((width * depth / bram36_count(width, depth), op))
    for _, op in sorted(movable, key=lambda item: item[0]):
        total = total_resources(model)
        if total["BRAM36"] <= budget["BRAM36"]:
            return
        op.set_nodeattr("weight_ram_style", "distributed")
        if total_resources(model)["LUT"] > budget["LUT"]:
            op.set_nodeattr("weight_ram_style", "auto")
            return


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
        keys = FOLDABLE.get(node.op_type, ())
        if keys:
            op = getCustomOp(node)
            out[node.name] = {k: op.attr(k) for k in keys}
    return out


def auto_folding(model: ModelWrapper, target_fps: float, clock_mhz: float) -> dict:
    """Least parallelism per op whose analytic cycles reach clock / fps."""
    target_cycles = clock_mhz * 1e6 / target_fps
    folding = {}
    for node in model.graph.node:
        op = getCustomOp(node)
        if node.op_type == "MVAU":
            folding[node.name] = _fold_mvau(model, node, op, target_cycles)
        elif node.op_type in ("MaxPool", "Thresholding"):
            folding[node.name] = {"PE": _least_parallelism(op, "PE", op.attr("channels"), target_cycles)}
    for node in model.graph.node:
        if node.op_type == "LabelSelect":
            producer = model.find_producer(node.input[0])
            pe = folding.get(producer.name, {}).get("PE", 1) if producer is not None else 1
            labels = getCustomOp(node).attr("labels")
            folding[node.name] = {"PE": math.gcd(pe, labels)}
    return folding


def _fold_mvau(model, node, op, target_cycles) -> dict:
    mw, mh = op.attr("MW"), op.attr("MH")
    producer = model.find_producer(node.input[0])
    simd_limit = mw
    if producer is not None and producer.op_type == "SlidingWindow":
        simd_limit = getCustomOp(producer).attr("channels")  # the window streams SIMD channels
    simds = [d for d in divisors(mw) if simd_limit % d == 0]
    best = None
    for simd in simds:
        for pe in divisors(mh):
            op.set_nodeattr("SIMD", simd)
            op.set_nodeattr("PE", pe)
            if op.cycles() <= target_cycles:
                key = (pe * simd, pe)
                if best is None or key < best[0]:
                    best = (key, pe, simd)
                break
    if best is None:  # the target is out of reach: the most this op can do
        pe, simd = mh, max(simds)
    else:
        _, pe, simd = best
    op.set_nodeattr("SIMD", 1)
    op.set_nodeattr("PE", 1)
    return {"PE": pe, "SIMD": simd}


def _least_parallelism(op, attr: str, total: int, target_cycles: float) -> int:
    for d in divisors(total):
        op.set_nodeattr(attr, d)
        if op.cycles() <= target_cycles:
            op.set_nodeattr(attr, 1)
            return d
    op.set_nodeattr(attr, 1)
    return total

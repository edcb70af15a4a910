"""Fold one point of the space and estimate it: the folding step's own choices (automatic
folding or the most that fits, RAM styles, memories moved to LUTs over the BRAM budget) and the
ops' analytic cycles and resources, without the FIFO sizing by simulation that a build adds."""

from __future__ import annotations

import fnmatch

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.board.spec import load_board
from flow.estimate import total_resources
from flow.explore.space import PointSpec
from flow.fold import apply_folding, auto_folding, fit_to_board, folding_of
from flow.insert_plumbing import insert_plumbing
from flow.ops import FoldingError
from flow.steps import check_budget, max_fps_folding


def bounded(model: ModelWrapper, folding: dict, bounds: dict) -> dict:
    """The folding with every bounded attribute moved to the nearest legal value inside its
    [least, most] range (a value the op's own check accepts)."""
    out = {name: dict(attrs) for name, attrs in folding.items()}
    for node in model.graph.node:
        op = getCustomOp(node)
        for pattern, attrs in bounds.items():
            if not fnmatch.fnmatchcase(node.name, pattern):
                continue
            for attr, (least, most) in attrs.items():
                if attr not in op.folding_attrs:
                    raise FoldingError(f"bounds {pattern}.{attr}: {node.op_type} node '{node.name}' "
                                       f"folds by {', '.join(op.folding_attrs) or 'nothing'}")
                value = out.get(node.name, {}).get(attr, op.attr(attr))
                legal = _legal_values(op, attr, least, most)
                if not legal:
                    raise FoldingError(f"bounds {pattern}.{attr}: no legal {attr} of node "
                                       f"'{node.name}' in [{least}, {most}]")
                out.setdefault(node.name, {})[attr] = min(legal, key=lambda v: (abs(v - value), v))
    return out


def _legal_values(op, attr: str, least: int, most: int) -> list[int]:
    before, legal = op.attr(attr), []
    for v in range(least, most + 1):
        op.set_nodeattr(attr, v)
        try:
            op.check_folding()
            legal.append(v)
        except FoldingError:
            pass
    op.set_nodeattr(attr, before)
    return legal


def estimate_point(hw_model: bytes, spec: PointSpec, bounds: dict) -> dict:
    """The folding of `spec` on the lowered graph (20_hw.onnx's bytes), and its estimate:
    {"folding", "fits", "fps", "cycles", "bottleneck", "resources", "error"}."""
    import onnx

    board = load_board(spec.board)
    model = ModelWrapper(onnx.load_from_string(hw_model))

    def adjust(m, folding):
        folding = bounded(m, folding, bounds)
        if spec.ram_style != "auto":
            for node in m.graph.node:
                if "weight_ram_style" in getCustomOp(node).implementation_attrs:
                    folding.setdefault(node.name, {})["weight_ram_style"] = spec.ram_style
        return folding

    try:
        if spec.fps == "max":
            folding = max_fps_folding(model, spec.clock_mhz, board, adjust)
        else:
            folding = adjust(model, auto_folding(model, float(spec.fps), spec.clock_mhz))
        model = insert_plumbing(apply_folding(model, folding, plumbing_later=True))
        fit_to_board(model, board)
    except FoldingError as err:
        return {"folding": None, "fits": False, "error": str(err)}
    ops = [(getCustomOp(n).cycles(), n.name) for n in model.graph.node if n.op_type != "FIFO"]
    cycles, bottleneck = max(ops)
    try:
        check_budget(model, board)
        fits, error = True, None
    except FoldingError as err:
        fits, error = False, str(err)
    # FIFOs are sized by simulation in the point's build: the folding leaves them out
    folding = {k: v for k, v in folding_of(model).items() if not k.startswith("FIFO_")}
    return {"folding": folding, "fits": fits, "error": error, "cycles": cycles, "bottleneck": bottleneck,
            "fps": spec.clock_mhz * 1e6 / cycles, "resources": total_resources(model)}

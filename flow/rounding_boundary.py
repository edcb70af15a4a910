"""Rounding-boundary evidence: which differences between a float level (L0 torch in float64, L1
qonnx in float32) and the exact integer graph (L2) are shown to be rounding-boundary cases.

For one input, the float level's codes at every thresholded quantizer are fed into the integer
graph in place of its own (reference.onnx with those tensors made inputs). The integer graph then
gives, at each quantizer, the exact accumulator the float level approximated there, from the
float level's own codes before it. The exact value before rounding, v = alpha * acc + beta (the
rationals the streamline derived the thresholds from, recorded in 10_integer.onnx's metadata
"quantizer_sites"), decides the exact code e. Where the float level's code a differs from the
integer graph's code t:

  t != e                        the integer graph rounds wrongly (a wrong threshold): unexplained
  every rounding boundary c between a and e within the float error bound E of v (and, where the
  level's own value is known, |v_float - v| <= E)
                                a rounding-boundary case, with its evidence
  otherwise                     unexplained

E is sound (flow/float_error.py). An input's output differences are boundary cases when every
quantizer difference is one and the integer graph fed with the level's codes gives the level's
output (under verify.compare's rule): the output then differs only through those cases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from onnx import TensorProto, helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx

from flow import verify
from flow.float_error import FLOAT32, QUANTIZERS, quantizer_error_bound
from flow.reference import CORE_IN, CORE_OUT, make_reference, session
from flow.streamline.quantizer import Quantizer, parse_quantizer

SITES = "quantizer_sites"
EVIDENCE_SHOWN = 20  # per level in the check: the counts are complete, the examples are not


@dataclass(frozen=True)
class Site:
    """A thresholded activation quantizer: its QONNX node and what the integer graph computes."""

    node: object           # the QONNX Quant / BipolarQuant node
    quant: Quantizer
    tensor: str            # its codes in the reference graph
    input: str             # the integer tensor the thresholds compare
    alpha: list[Fraction]  # per channel: v = alpha * input + beta
    beta: list[Fraction]
    relu: bool

    def exact_value(self, channel: int, acc: int) -> Fraction:
        v = self.alpha[channel] * acc + self.beta[channel]
        return max(v, Fraction(self.quant.zero_point)) if self.relu else v  # relu(z)/s + zp

    def boundary(self, code: int) -> tuple[Fraction, bool]:
        """(c, strict): the code is reached where v >= c (v > c when strict)."""
        return self.quant.condition(code)

    def exact_code(self, v: Fraction) -> int:
        levels = self.quant.levels
        reached = [v > c if strict else v >= c for c, strict in map(self.boundary, levels[1:])]
        return levels[sum(reached)]

    def codes(self, values: np.ndarray) -> np.ndarray:
        """A level's quantizer outputs (code * scale) as codes."""
        return np.rint(np.asarray(values, np.float64) / np.asarray(self.quant.output_scale, np.float64))


@dataclass
class Evidence:
    """One float level against L2."""

    level: str
    explained: np.ndarray                               # per input
    cases: list[dict] = field(default_factory=list)      # quantizer values on a boundary
    # differences that are not (per input and quantizer, the first EVIDENCE_SHOWN examined)
    unexplained: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        return {"quantizer_cases": len(self.cases), "unexplained": len(self.unexplained),
                "cases": self.cases[:EVIDENCE_SHOWN], "unexplained_cases": self.unexplained[:EVIDENCE_SHOWN]}


def boundary_cases(comparison: dict, a: np.ndarray, b: np.ndarray, step, exact: bool,
                   *levels: Evidence) -> dict:
    """A comparison of two levels with its boundary cases (the differences at the inputs that
    every given level's evidence explains) and that evidence, for verdict.level."""
    if "shape_mismatch" in comparison:
        return comparison
    bad = verify.mismatch_mask(a, b, step, exact).reshape(len(a), -1)
    explained = np.logical_and.reduce([ev.explained for ev in levels])
    return {**comparison, "boundary_cases": int(bad[explained].sum()),
            "rounding_evidence": {ev.level: ev.summary() for ev in levels}}


def sites(qonnx_model: ModelWrapper, int_model: ModelWrapper) -> list[Site]:
    renamed = {int_model.get_metadata_prop("core_input"): CORE_IN,
               int_model.get_metadata_prop("core_output"): CORE_OUT}
    nodes = {n.name: n for n in qonnx_model.graph.node}
    return [Site(nodes[s["quant_node"]], parse_quantizer(qonnx_model, nodes[s["quant_node"]]),
                 renamed.get(s["tensor"], s["tensor"]), renamed.get(s["input"], s["input"]),
                 [Fraction(a) for a in s["alpha"]], [Fraction(b) for b in s["beta"]], s["relu"])
            for s in json.loads(int_model.get_metadata_prop(SITES) or "[]")]


def qonnx_values(qonnx_model: ModelWrapper):
    """L1's tensors for one input (batch 1): qonnx's full execution context."""
    name = qonnx_model.graph.input[0].name
    return lambda x: execute_onnx(qonnx_model, {name: x}, return_full_exec_context=True)


def torch_values(torch_model, qonnx_model: ModelWrapper):
    """L0's activation quantizer outputs for one input (the model in float64): Brevitas' quant
    activations in the order they run, paired with the QONNX graph's activation quantizers in
    graph order. None where their numbers differ (a layer with its own output quantizer)."""
    from brevitas.nn.quant_layer import QuantNonLinearActLayer

    names = [n.output[0] for n in qonnx_model.graph.node
             if n.op_type in QUANTIZERS and qonnx_model.get_initializer(n.input[0]) is None]
    modules = [m for m in torch_model.modules() if isinstance(m, QuantNonLinearActLayer)]
    if len(modules) != len(names):
        return None

    def values(x):
        import torch

        seen = []
        hooks = [m.register_forward_hook(lambda _m, _i, out: seen.append(getattr(out, "value", out)))
                 for m in modules]
        try:
            with torch.no_grad():
                torch_model(torch.from_numpy(x).double())
        finally:
            for hook in hooks:
                hook.remove()
        shapes = [tuple(qonnx_model.get_tensor_shape(n)) for n in names]
        if [tuple(v.shape) for v in seen] != shapes:
            raise ValueError("the torch model's quant activations do not run in the QONNX graph's order")
        return {n: v.numpy() for n, v in zip(names, seen, strict=True)}

    return values


def evidence(level: str, qonnx_model: ModelWrapper, int_model: ModelWrapper, x: np.ndarray,
             level_out: np.ndarray, l2_out: np.ndarray, step, exact: bool, values=None,
             unit_roundoff: float = FLOAT32) -> Evidence:
    """Which inputs' differences between a float level and L2 are rounding-boundary cases.

    values(x_one) -> {QONNX tensor name: the level's value} for one input (batch 1), at least
    every activation quantizer's output (qonnx_values for L1); None where the level's tensors
    are not at hand: then only inputs whose outputs equal L2's are explained."""
    if np.shape(level_out) != np.shape(l2_out):
        return Evidence(level, np.zeros(len(x), bool), unexplained=[{"reason": "output shapes differ"}])
    differs = verify.mismatch_mask(level_out, l2_out, step, exact).reshape(len(x), -1).any(axis=1)
    result = Evidence(level, ~differs)
    if values is None or not differs.any():
        return result
    site_list = sites(qonnx_model, int_model)
    injected = session(_injected_reference(int_model, site_list))
    input_quant = _input_quantizer(qonnx_model)
    out_name = qonnx_model.graph.output[0].name
    for i in np.flatnonzero(differs):
        tensors = values(x[i:i + 1])
        codes = {s.tensor: s.codes(tensors[s.node.output[0]]) for s in site_list}
        feeds = {injected.get_inputs()[0].name: x[i:i + 1].astype(np.float32), **codes}
        integer = dict(zip([o.name for o in injected.get_outputs()], injected.run(None, feeds), strict=True))
        integer.update(codes)
        found = []
        input_codes = np.rint(np.asarray(tensors[input_quant.output[0]], np.float64)
                              / np.asarray(parse_quantizer(qonnx_model, input_quant).scale, np.float64))
        if not np.array_equal(input_codes, integer[CORE_IN]):
            found.append({"input": int(i), "quantizer": input_quant.name,
                          "reason": "the input quantizer's codes differ from L2's"})
        for site in site_list:
            found += _site(int(i), qonnx_model, site, tensors, integer, unit_roundoff, result.cases)
        if verify.mismatch_mask(level_out[i:i + 1], integer[out_name], step, exact).any():
            found.append({"input": int(i), "reason": "the output differs from the integer graph's "
                          "on the level's own codes"})
        result.unexplained += found
        result.explained[i] = not found
    return result


def _site(i, model, site: Site, tensors, integer, u, cases) -> list[dict]:
    """The level's codes at one quantizer against the integer graph's on the same inputs; the
    boundary cases go to `cases`, the rest is returned."""
    a, t, acc = integer[site.tensor], integer[site.tensor + INTEGER], integer[site.input]
    where = np.argwhere(a != t)
    if not len(where):
        return []
    bound = np.broadcast_to(quantizer_error_bound(model, site.node, tensors, u), a.shape)
    z = tensors.get(site.node.input[0])
    if z is not None:  # the level's own value before rounding, as qonnx's Quant computes it
        s = np.asarray(model.get_initializer(site.node.input[1]))
        z = np.asarray(z) / s.astype(np.asarray(z).dtype) + site.quant.zero_point
    unexplained = []
    for idx in map(tuple, where):
        if len(unexplained) == EVIDENCE_SHOWN:  # the input is unexplained already: spare the rest
            break
        v = site.exact_value(idx[1] if len(idx) > 1 else 0, int(acc[idx]))
        e = site.exact_code(v)
        entry = {"input": i, "quantizer": site.node.name, "tensor": site.node.output[0],
                 "index": [int(j) for j in idx[1:]], "accumulator": int(acc[idx]), "exact_value": str(v),
                 "float_code": int(a[idx]), "integer_code": int(t[idx]), "exact_code": e,
                 "error_bound": float(bound[idx])}
        if z is not None:
            entry["float_value"] = float(z[idx])
        if int(t[idx]) != e:
            unexplained.append({**entry, "reason": "the integer graph does not round the exact value "
                                "to its code (a wrong threshold)"})
            continue
        lo, hi = sorted((int(a[idx]), e))
        boundaries = [site.boundary(k)[0] for k in site.quant.levels if lo < k <= hi]
        distance = max(abs(v - c) for c in boundaries)
        entry.update(boundary=str(boundaries[0]) if len(boundaries) == 1 else [str(c) for c in boundaries],
                     distance=float(distance))
        limit = Fraction(float(bound[idx]))
        if distance <= limit and (z is None or abs(Fraction(float(z[idx])) - v) <= limit):
            cases.append(entry)
        else:
            unexplained.append({**entry, "reason": "not within the float error bound of a rounding boundary"})
    return unexplained


INTEGER = "__integer"  # the integer graph's own codes at a quantizer whose codes are fed in


def _injected_reference(int_model: ModelWrapper, site_list: list[Site]):
    """reference.onnx with each quantizer's codes as an input; its own codes and the thresholds'
    inputs as outputs, beside core_in and the model's output."""
    model = make_reference(int_model)
    graph = model.graph
    fed = {s.tensor for s in site_list}
    for node in graph.node:
        node.output[:] = [o + INTEGER if o in fed else o for o in node.output]
    outputs = [o for o in graph.output if o.name != CORE_OUT]
    wanted = [s.tensor + INTEGER for s in site_list] + [s.input for s in site_list if s.input not in fed]
    outputs += [helper.make_tensor_value_info(n, TensorProto.DOUBLE, None)
                for n in dict.fromkeys(wanted) if n != CORE_IN]
    inputs = [helper.make_tensor_value_info(s.tensor, TensorProto.DOUBLE, None) for s in site_list]
    graph.ClearField("output")
    graph.output.extend(outputs)
    graph.input.extend(inputs)
    return model


def _input_quantizer(model):
    node = model.find_consumers(model.graph.input[0].name)[0]
    while node.op_type not in QUANTIZERS:
        node = model.find_consumers(node.output[0])[0]
    return node

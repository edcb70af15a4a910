"""RTL code generation: memory files, the used hw/rtl modules and the stitched top (rtl/)."""

from __future__ import annotations

import shutil
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.backends.design import Design
from flow.backends.rtl.sources import rtl_sources
from flow.backends.weight_image import IMAGE_FILE, assign_regions, write_image
from flow.templating import template_env

TOP = "accelerator"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def verilog_value(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return str(int(value))


def generate_rtl(model: ModelWrapper, out_dir: Path, build_name: str) -> Design:
    """Write rtl/: each op's memory files, copies of the modules used, and accelerator.v."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    nodes = list(model.graph.node)
    regions = assign_regions(model)
    graph_in, graph_out = model.graph.input[0].name, model.graph.output[0].name
    first = getCustomOp(model.find_consumer(graph_in))
    streams = [{"name": "s_in", "bits": first.in_stream().bits}]
    wires = {graph_in: "s_in"}  # tensor -> the stream wire carrying it
    instances, modules = [], set()
    for node in nodes:
        op = getCustomOp(node)
        outputs = []
        for k, tensor in enumerate(node.output):
            name = "s_out" if tensor == graph_out else f"s_{node.name}" + (f"_{k}" if k else "")
            streams.append({"name": name, "bits": op.out_stream().bits})
            wires[tensor] = name
            outputs.append(name)
        inputs = [wires[t] for t in node.input[:op.stream_inputs]]
        params = op.rtl_params(model, out_dir)
        instances.append({
            "name": node.name, "module": op.rtl_module,
            "description": f"{node.op_type} {node.name}" + (f" ({node.doc_string})" if node.doc_string else ""),
            "params": [(k, verilog_value(v)) for k, v in params.items()],
            "ports": _ports("s", inputs) + _ports("m", outputs), "tap": outputs[0],
            "tap_bits": op.out_stream().bits,
            "controls": list(op.control_ports), "weight_bus": op.weight_bus,
        })
        modules.add(op.rtl_module)
    sources = []
    for module in sorted(modules):
        for src in rtl_sources(module):
            target = out_dir / src.name
            if not target.exists():
                shutil.copyfile(src, target)
                sources.append(target)
    in_bits = streams[0]["bits"]
    out_bits = next(st["bits"] for st in streams if st["name"] == "s_out")
    controls = tuple(sorted({c for inst in instances for c in inst["controls"]}))
    if regions:
        write_image(regions, out_dir, out_dir / IMAGE_FILE)
    text = template_env(TEMPLATES).get_template("accelerator.v.j2").render(
        top=TOP, build_name=build_name, streams=streams, instances=instances, controls=controls,
        weight_ports=bool(regions), weight_bus=any(inst["weight_bus"] for inst in instances),
        in_bits=in_bits, out_bits=out_bits,
        in_port_bits=8 * ((in_bits + 7) // 8), out_port_bits=8 * ((out_bits + 7) // 8))
    top_file = out_dir / f"{TOP}.v"
    top_file.write_text(text)
    return Design(TOP, out_dir, sorted(sources) + [top_file], in_bits, out_bits, controls,
                  tuple(r.as_dict() for r in regions))


def _ports(side: str, wires: list[str]) -> list[tuple[str, str]]:
    """(port prefix, wire) of a module's input ("s") or output ("m") streams: s_axis for one,
    s0_axis, s1_axis, ... for several."""
    if len(wires) == 1:
        return [(f"{side}_axis", wires[0])]
    return [(f"{side}{i}_axis", w) for i, w in enumerate(wires)]

"""HLS code generation (hls/): the dataflow top, memory headers, test bench and Vitis HLS Tcl.

The backend shares everything but the templates with the RTL one: each op's parameters and
memory images come from the op's one parameter table (`hls_params`: the values
rtl/accelerator.v gets, unless the RTL takes a structure of its own, as an MVAU's binary search
of many thresholds), its C++ template in hw/hls/ has the RTL module's name, and the
streams use the one packing. FIFO nodes become the depths of the hls::streams they sit on.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.backends.design import Design
from flow.backends.rtl.codegen import TOP
from flow.backends.weight_image import IMAGE_FILE, assign_regions, write_image
from flow.ops.correlation import CAPTURE_INPUT
from flow.packing import tensor_to_words
from flow.paths import HW_DIR
from flow.templating import template_env

HLS_DIR = HW_DIR / "hls"
TESTBENCH = "testbench.cpp"
STREAM_TAPS = "stream_taps.hpp"  # the C-simulation's alone (QNNFLOW_STREAM_TAPS)
WEIGHT_IMAGE_HEADER = "weight_image.hpp"  # the test bench's: run-time memories from the image
STREAM_OPTIONS = HLS_DIR.parent / "sim" / "stream_options.hpp"  # shared with the Verilator harness
DEFAULT_DEPTH = 2
COSIM_FRAMES = 2


def port_bits(bits: int) -> int:
    return 8 * ((bits + 7) // 8)


def hls_headers(function: str) -> list[Path]:
    """The header of an op's C++ template and the hw/hls headers it includes, recursively."""
    found, todo = {}, [f"{function}.hpp"]
    if not (HLS_DIR / todo[0]).exists():
        raise ValueError(f"no HLS template hw/hls/{todo[0]} for the op whose RTL is hw/rtl/{function}.v: "
                         "every op needs both (until it has one, build with --backend rtl)")
    while todo:
        name = todo.pop()
        path = HLS_DIR / name
        if not path.exists():
            raise FileNotFoundError(f"no HLS header {name} in {HLS_DIR}")
        if name not in found:
            found[name] = path
            todo += re.findall(r'^#include "([\w.]+)"', path.read_text(), re.MULTILINE)
    return sorted(found.values())


def _identifier(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _memory_header(env, out_dir: Path, mem_file: Path, name: str, description: str) -> str:
    """A $readmemh image -> hls/<name>.hpp holding it as 64-bit chunks; returns the header name."""
    lines = mem_file.read_text().split()
    chunks = (4 * len(lines[0]) + 63) // 64
    rows = []
    for line in lines:
        value = int(line, 16)
        rows.append(", ".join(f"0x{(value >> (64 * c)) & ((1 << 64) - 1):x}ULL" for c in range(chunks)))
    header = f"{name}.hpp"
    (out_dir / header).write_text(env.get_template("hls_memory.hpp.j2").render(
        name=name, depth=len(rows), chunks=chunks, rows=rows, description=description,
        source=mem_file.name))
    return header


def generate_hls(model: ModelWrapper, out_dir: Path, build_name: str, part: str, clock_mhz: float,
                 cosim_io: tuple[np.ndarray, np.ndarray] | None = None,
                 cosim_capture: np.ndarray | None = None) -> Design:
    """Write hls/: the top (accelerator.cpp/.hpp), one header per memory, copies of the op
    templates used, the test bench, and csynth.tcl / export_ip.tcl for Vitis HLS.
    cosim_io: (inputs, expected outputs), channels-last, for the co-simulation stimulus;
    cosim_capture: their per-frame exemplar_capture flags (required for a top with that control)."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    env = template_env(Path(__file__).resolve().parent / "templates")
    nodes = [n for n in model.graph.node if n.op_type != "FIFO"]
    first, last = getCustomOp(nodes[0]), getCustomOp(nodes[-1])
    in_bits, out_bits = first.in_stream().bits, last.out_stream().bits
    wires, depths = _stream_wires(model)
    regions = {r.memory_file: r for r in assign_regions(model)}
    streams, instances, headers, loaded = [], [], set(), []
    with tempfile.TemporaryDirectory() as tmp:
        for node in nodes:
            op = getCustomOp(node)
            try:
                op_headers = hls_headers(op.rtl_module)
            except ValueError as err:
                raise ValueError(f"{node.op_type} node '{node.name}': {err}") from err
            name = _identifier(node.name)
            params = op.hls_params(model, Path(tmp))
            memories = []
            for key, value in params.items():
                if not key.endswith("_FILE"):
                    continue
                if value in regions:   # loaded at run time: an argument of the top
                    mem_name = _identifier(Path(value).stem)
                    region = regions[value]
                    loaded.append({"name": mem_name, "depth": region.depth, "chunks": -(-region.width // 64),
                                   "base": region.base, "lanes": region.lanes})
                elif value:
                    mem_name = _identifier(Path(value).stem)
                    headers.add(_memory_header(env, out_dir, Path(tmp) / value, mem_name,
                                               f"{node.name}'s {key[:-5].lower()} memory"))
                else:  # an absent memory (an MVAU without thresholds) is one unused word
                    mem_name = f"{name}_no_{key[:-5].lower()}"
                    headers.add(_memory_header(env, out_dir, _zero_image(Path(tmp), mem_name), mem_name,
                                               f"an unused {key[:-5].lower()} memory of {node.name}"))
                memories.append(mem_name)
            inputs = [wires[t] for t in node.input[:op.stream_inputs]]
            outputs = [wires[t] for t in node.output]
            for output in outputs:
                if output != "m_axis":
                    streams.append({"name": output, "bits": op.out_stream().bits,
                                    "depth": depths.get(output, DEFAULT_DEPTH)})
            ints = {k: int(v) for k, v in params.items() if not isinstance(v, str)}
            ints.update(IN_WORD_BITS=port_bits(in_bits) if inputs[0] == "s_axis" else op.in_stream().bits,
                        OUT_WORD_BITS=port_bits(out_bits) if outputs[0] == "m_axis" else op.out_stream().bits,
                        IN_WORDS=op.in_stream().words, OUT_WORDS=op.out_stream().words)
            instances.append({
                "name": name, "node": node.name, "tap_bits": op.out_stream().bits,
                "function": op.rtl_module, "params": list(ints.items()),
                "description": f"{node.op_type} {node.name}" + (f" ({node.doc_string})" if node.doc_string else ""),
                "streams": inputs + outputs, "tap": outputs[0], "memories": memories,
                "controls": list(op.control_ports),
            })
            headers.add(f"{op.rtl_module}.hpp")
            for src in op_headers:
                shutil.copyfile(src, out_dir / src.name)
        if regions:
            write_image(list(regions.values()), Path(tmp), out_dir / IMAGE_FILE)
    for bench in (TESTBENCH, STREAM_TAPS, WEIGHT_IMAGE_HEADER):
        shutil.copyfile(HLS_DIR / bench, out_dir / bench)
    shutil.copyfile(STREAM_OPTIONS, out_dir / STREAM_OPTIONS.name)  # the test bench's command line
    controls = tuple(sorted({c for inst in instances for c in inst["controls"]}))
    context = dict(top=TOP, build_name=build_name, in_bits=in_bits, out_bits=out_bits, controls=controls,
                   in_port_bits=port_bits(in_bits), out_port_bits=port_bits(out_bits), loaded=loaded,
                   weight_words=sum(r.words for r in regions.values()))
    (out_dir / f"{TOP}.hpp").write_text(env.get_template("hls_accelerator.hpp.j2").render(**context))
    (out_dir / f"{TOP}.cpp").write_text(env.get_template("hls_accelerator.cpp.j2").render(
        **context, headers=sorted(headers), instances=instances, streams=streams))
    _write_tcl(env, out_dir, build_name, part, clock_mhz, first, last, cosim_io,
               _cosim_capture(controls, cosim_io, cosim_capture))
    return Design(TOP, out_dir, [out_dir / f"{TOP}.cpp", out_dir / TESTBENCH], in_bits, out_bits, controls,
                  tuple(r.as_dict() for r in regions.values()))


def _zero_image(folder: Path, name: str) -> Path:
    path = folder / f"{name}.mem"
    path.write_text("0\n")
    return path


def _stream_wires(model: ModelWrapper) -> tuple[dict, dict]:
    """({tensor: hls::stream name}, {stream name: depth}): a FIFO node is the depth of the stream
    it sits on, not a function; the graph's input is s_axis, the op output that reaches the graph's
    m_axis, every other op output s_<op> (s_<op>_<k> for its k-th output, k > 0)."""
    graph_in, graph_out = model.graph.input[0].name, model.graph.output[0].name
    wires, depths = {graph_in: "s_axis"}, {}
    out_tensor = graph_out  # the tensor of the op whose output reaches the graph's through FIFOs
    while (producer := model.find_producer(out_tensor)).op_type == "FIFO":
        out_tensor = producer.input[0]
    for node in model.graph.node:
        if node.op_type == "FIFO":
            wire = wires[node.input[0]]
            wires[node.output[0]] = wire
            # depth 0 is no FIFO in the RTL; an HLS stream between processes needs a depth
            depths.setdefault(wire, getCustomOp(node).attr("depth") or DEFAULT_DEPTH)
            continue
        for k, tensor in enumerate(node.output):
            wires[tensor] = "m_axis" if tensor == out_tensor else \
                f"s_{_identifier(node.name)}" + (f"_{k}" if k else "")
    return wires, depths


def _cosim_capture(controls: tuple[str, ...], cosim_io, capture) -> np.ndarray | None:
    """The co-simulation's capture flags: a top with exemplar_capture needs them (without, its
    exemplar memory stays zero and the expected scores cannot match); nothing else takes them."""
    wanted = cosim_io is not None and CAPTURE_INPUT in controls
    if wanted and capture is None:
        raise ValueError(f"the top has the control {CAPTURE_INPUT}: its co-simulation needs the test "
                         "frames' capture flags (cosim_capture)")
    if capture is not None and not wanted:
        raise ValueError(f"cosim_capture is for the co-simulation (cosim_io) of a top with the control "
                         f"{CAPTURE_INPUT}")
    return None if capture is None else np.asarray(capture, dtype=np.uint8)


def _write_tcl(env, out_dir: Path, build_name: str, part: str, clock_mhz: float, first, last,
               cosim_io, capture: np.ndarray | None) -> None:
    ins, outs = first.in_stream(), last.out_stream()
    frames = 0
    if cosim_io is not None:
        x, y = (np.asarray(a)[:COSIM_FRAMES] for a in cosim_io)
        frames = len(x)
        (out_dir / "cosim").mkdir()
        tensor_to_words(x, ins.elems, ins.dtype).tofile(out_dir / "cosim" / "in.bin")
        tensor_to_words(y, outs.elems, outs.dtype).tofile(out_dir / "cosim" / "expected.bin")
        if capture is not None:
            capture[:frames].tofile(out_dir / "cosim" / "capture.bin")
    template = env.get_template("hls_vitis.tcl.j2")
    for script, export in (("csynth.tcl", False), ("export_ip.tcl", True)):
        if export and not frames:
            continue
        (out_dir / script).write_text(template.render(
            build_name=build_name, top=TOP, part=part, clock_ns=f"{1000.0 / clock_mhz:g}", script=script,
            export=export, cosim_frames=frames, cosim_capture=capture is not None,
            cosim_in_words=frames * ins.words,
            cosim_out_words=frames * outs.words, in_frame_words=ins.words, out_frame_words=outs.words))

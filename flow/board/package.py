"""The package step: from the stitched RTL to what the board needs (vivado/ and deploy/).

    vivado/src/           the board-facing top (accelerator_axi.v), axil_control.v, the core's
                          Verilog and memory files: what Vivado packages as the IP
    vivado/*.tcl          IP packaging, block design, synthesis to bitstream (flow/board/vivado_tcl.py)
    vivado/checks.json    what was checked here: Verilator lint, the Tcl against the RTL
    vivado/vivado.json    whether Vivado ran; its utilisation and timing when it did (the real
                          .bit/.hwh are then in vivado/out/, the .hwh given the PL clock parameter)
    deploy/<name>.bit/.hwh the overlay: Vivado's when it ran, else the emulated board's stand-in
                          (flow/board/bitstream.py), which a real board's driver refuses
    deploy/design.json    the driver's facts: streams, shapes, datatypes, registers, DMA, and
                          which bitstream deploy/ holds ("bitstream": source, sha256 of .bit/.hwh)
    deploy/reference.npz  reference inputs and reference.onnx's outputs for L6
    deploy/deploy/        the driver package (numpy + pynq), copied from the repository
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow import verdict
from flow.backends.rtl.steps import load_design
from flow.backends.rtl.verilator import lint
from flow.backends.weight_image import IMAGE_FILE
from flow.board.bitstream import emulated_bit, sources_digest
from flow.board.facts import read_facts, write_facts
from flow.board.hwh import ACCEL, DMA, hwh_xml
from flow.board.spec import load_board
from flow.board.top import BOARD_TOP, generate_board_top
from flow.board.vivado_tcl import check_tcl, run_vivado, write_tcl
from flow.paths import DEPLOY_DIR
from flow.reference import CORE_IN, CORE_OUT

DRIVER_DIR = DEPLOY_DIR


def stream_facts(model: ModelWrapper) -> tuple[dict, dict]:
    """The input and output streams of the folded design, as the driver needs them."""
    nodes = list(model.graph.node)
    first, last = getCustomOp(nodes[0]), getCustomOp(nodes[-1])
    facts = []
    for stream, shape in ((first.in_stream(), first.in_shape(1)), (last.out_stream(), last.out_shape(1))):
        facts.append({"dtype": stream.dtype.name, "elems": stream.elems, "words": stream.words,
                      "word_bytes": (stream.bits + 7) // 8, "stream_shape": list(shape[1:])})
    compute = [op for op in map(getCustomOp, nodes) if not op.plumbing]
    facts[1]["kind"] = compute[-1].output_kind
    return facts[0], facts[1]


def package(cfg, design, model: ModelWrapper) -> dict:
    """Write vivado/ and deploy/ for the build `cfg` (a BuildConfig); returns the design facts."""
    ref = np.load(cfg.path("reference_outputs.npz"))
    rtlsim = json.loads(cfg.path("sim", "rtlsim.json").read_text())["throughput_run"]
    reference = {"core_in": ref[CORE_IN].astype(np.int64), "core_out": ref[CORE_OUT],
                 "images": np.load(cfg.path("inputs.npy"))}
    quantizer = json.loads(cfg.load_model("10_integer.onnx").get_metadata_prop("input_quantizer") or "{}")
    return package_design(cfg.path(), cfg.name, cfg, design, model, reference,
                          {k: rtlsim[k] for k in ("cycles_per_frame", "latency_cycles")},
                          input_quantizer=quantizer)


def package_design(out: Path, name: str, cfg, design, model: ModelWrapper, reference: dict,
                   rtlsim: dict, extra_facts: dict | None = None,
                   input_quantizer: dict | None = None) -> dict:
    """Write out/vivado/ and out/deploy/ for the stitched design of `model` (cfg gives board and
    clock); reference: the arrays of deploy/reference.npz (core_in: integer inputs (N, C, H, W),
    core_out: reference.onnx's outputs, and whatever else L6 needs: capture flags); extra_facts
    join design.json; input_quantizer: how real inputs become the input's codes (scale, zero
    point, rounding, the float ops before it), recorded with the input. Returns the design facts."""
    out = Path(out)
    board = load_board(cfg.board)
    ins, outs = stream_facts(model)
    bd = generate_board_top(design, ins["words"], outs["words"], out / "vivado" / "src", name)
    digest = sources_digest(bd.sources + bd.data_files)
    warnings = lint(bd.top, bd.sources)
    checks = {"verilator_lint": warnings or "clean"}
    checks["tcl"] = check_tcl(write_tcl(out / "vivado", name, board, cfg.clock_mhz, bd), bd, board)
    (out / "vivado" / "checks.json").write_text(json.dumps(checks, indent=2) + "\n")

    deploy = out / "deploy"
    if deploy.exists():
        shutil.rmtree(deploy)
    shutil.copytree(DRIVER_DIR, deploy / "deploy", ignore=shutil.ignore_patterns("__pycache__"))
    ins.update(dma_bytes=bd.in_dma_bits // 8, shape=list(reference["core_in"].shape[1:]),
               frame_by_frame=bool(bd.mm2s_realigns),   # MM2S sends from any byte: one frame a transfer
               **({"quantizer": input_quantizer} if input_quantizer else {}))
    outs.update(dma_bytes=bd.out_dma_bits // 8, shape=list(reference["core_out"].shape[1:]))
    facts = {
        "name": name, "board": board.name, "part": board.part, "clock_mhz": cfg.clock_mhz,
        "bitfile": f"{name}.bit", "dma": DMA, "accelerator": ACCEL, "registers": bd.registers,
        "controls": list(bd.controls),
        "dma_length_width": board.data["dma"]["length_width"], "input": ins, "output": outs,
        "rtl_digest": digest, "top": BOARD_TOP, "core": design.top, "rtlsim": rtlsim,
        **(extra_facts or {}),
    }
    if design.weight_regions:   # the memories the driver loads after programming the PL
        shutil.copyfile(Path(design.directory) / IMAGE_FILE, deploy / IMAGE_FILE)
        facts["weights"] = {"file": IMAGE_FILE, "words": design.weight_words,
                            "sha256": _sha256(deploy / IMAGE_FILE), "regions": list(design.weight_regions)}
    write_facts(out, facts)
    np.savez(deploy / "reference.npz", **reference)
    bit = emulated_bit(name, board.part, {"build": name, "rtl_digest": digest})
    (deploy / f"{name}.bit").write_bytes(bit)
    (deploy / f"{name}.hwh").write_text(hwh_xml(name, board, cfg.clock_mhz, bd, bd.sources[-1]))
    return facts


def package_checks(vivado_dir: Path) -> list[dict]:
    """The board top's lint and the Tcl check (vivado/checks.json) as verdict checks."""
    checks = json.loads((Path(vivado_dir) / "checks.json").read_text())
    lint_text = checks["verilator_lint"]
    tcl = checks["tcl"]
    return [verdict.clean("verilator lint of the board top",
                          [] if lint_text == "clean" else lint_text.splitlines(), scope="package"),
            verdict.clean("Vivado Tcl against the RTL",
                          [] if tcl["passed"] else [tcl.get("error", "failed")], scope="package")]


def deploy_bitstream(out: Path, name: str, vivado_ran: bool) -> dict:
    """Vivado's .bit/.hwh (out/vivado/out/) into out/deploy/ when it ran, else the emulated pair
    package_design wrote stays; design.json records which, with both files' sha256."""
    deploy = Path(out) / "deploy"
    if vivado_ran:
        for suffix in (".bit", ".hwh"):
            shutil.copyfile(Path(out) / "vivado" / "out" / f"{name}{suffix}", deploy / f"{name}{suffix}")
    facts = read_facts(out)
    facts["bitstream"] = {"source": "vivado" if vivado_ran else "emulated",
                          **{f"{s}_sha256": _sha256(deploy / f"{name}.{s}") for s in ("bit", "hwh")}}
    write_facts(out, facts)
    return facts["bitstream"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_vivado_and_deploy(out: Path, name: str) -> list[dict]:
    """vivado/project.tcl run when vivado is on PATH (vivado/vivado.json says whether), its
    bitstream into deploy/; the package checks."""
    result = run_vivado(Path(out) / "vivado")
    result["bitstream"] = deploy_bitstream(out, name, result["run"])
    (Path(out) / "vivado" / "vivado.json").write_text(json.dumps(result, indent=2) + "\n")
    return package_checks(Path(out) / "vivado")


def step_package(cfg) -> list[dict]:
    """vivado/ (IP, block design, bitstream Tcl: checked here, run if vivado is on PATH) and deploy/."""
    package(cfg, load_design(cfg), cfg.load_model("30_folded.onnx"))
    return run_vivado_and_deploy(cfg.path(), cfg.name)

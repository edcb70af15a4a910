"""The Python API: build a target, a QONNX file, a qonnx ModelWrapper or a Brevitas module, and get
back a Build: its report, ladder and verdict, its folding, and its design run on new inputs.

    from flow.api import build
    b = build("tfc_w1a1", inputs=8)                 # or build(brevitas_module, input_shape=(1, 28, 28))
    b.passed, b.failures, b.folding, b.report["performance"]
    ref = b.predict(x)                              # reference.onnx (L2): core_in, core_out, the output
    assert np.array_equal(b.rtlsim(x), ref["core_out"])   # the stitched RTL in Verilator (L4)

`python -m flow.build` (flow/build.py) is the command line over the same `configure`. What a
caller passes in memory (a model, a folding dict, input data) is written into the build
directory's given/ first, so it enters the steps' content keys by its contents, like a file.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import numpy as np

from flow.third_party import import_warnings_hidden

with import_warnings_hidden():
    from qonnx.core.modelwrapper import ModelWrapper

    from flow import verify
    from flow.backends import BACKENDS
    from flow.board.spec import load_board
    from flow.config import BuildConfig
    from flow.declared_input import DeclaredInput
    from flow.pipeline import VERIFICATION_FILE, run_build
    from flow.reference import CORE_IN, CORE_OUT, run_reference, session
    from flow.target import find_target

GIVEN = "given"   # the caller's in-memory model, folding and inputs, as files in the build directory


@import_warnings_hidden()   # finding a target imports its plugin, and with it brevitas
def configure(model, *, name: str | None = None, out: str | Path | None = None,
              folding: dict | str | Path | None = None, fps: float | str | None = None,
              clock_mhz: float | None = None, inputs: int | None = None, input_data=None,
              input_datatype: str | None = None, input_shape: tuple[int, ...] | None = None, checkpoint: str | Path | None = None,
              weights: str | None = None,
              backend: str = "both", synth: bool = False, energy: bool = False, op_sim: bool = True,
              dynamo: bool = False, l4_shards: int = 1, ray_address: str | None = None,
              ignore_budget: bool = False, board: str | None = None,
              runtime_weights: bool = False) -> BuildConfig:
    """The BuildConfig of a build of `model`: a target name, a QONNX file, a qonnx ModelWrapper or
    a Brevitas (torch) module.

    folding: {node: {PE, SIMD, ...}} or a folding JSON file; fps: frames/s to fold for, or "max";
    neither: a target's own goal, else PE = SIMD = 1. l4_shards: L4's frames split over this many
    Ray tasks (on this machine, or on the cluster at ray_address). input_data: test inputs (N, ...) as an array
    or a .npy file (not for targets, which make their own); input_shape: one frame's shape without
    the batch axis, for a torch module given without input_data. input_datatype: the model's float
    input declared as integer codes, "UINT8" or with a scale "UINT8:1/255" (flow/declared_input.py;
    not for targets). out: build/<name> by default.
    weights: "random:SEED", a target's network with seeded random weights (not with checkpoint).
    board: a board of hw/boards/ (default: the target's, else pynq_z2): its part, budget, clock and
    block design.
    ignore_budget: the folding is not held to the board's budget (a network that fits no board,
    verified all the same; not with fps "max", which the budget defines); the report says so.
    runtime_weights: every MVAU's weights are loaded by the host after the bitstream (the driver
    does), so that new weights of the same network need no new bitstream.
    """
    target = model_path = torch_model = None
    if isinstance(model, str) and not _names_a_file(model):
        target = find_target(model)
    elif isinstance(model, (str, Path)):
        model_path = Path(model)
        if not model_path.is_file():
            raise ValueError(f"model {model}: no such file")
    elif not isinstance(model, ModelWrapper) and not _is_torch_module(model):
        raise ValueError(f"model: expected a target name, a QONNX file, a qonnx ModelWrapper or a "
                         f"torch.nn.Module, got {type(model).__name__}")
    name = name or (target.name if target else model_path.stem if model_path else "model")
    out = Path(out) if out is not None else Path("build") / name
    if out.exists() and not out.is_dir():
        raise ValueError(f"out {out}: exists and is not a directory")
    if folding is not None and fps is not None:
        raise ValueError("folding and fps exclude each other")
    if fps is not None and fps != "max" and not (isinstance(fps, (int, float)) and fps > 0):
        raise ValueError(f"fps {fps!r}: expected a positive number or 'max'")
    if clock_mhz is not None and not clock_mhz > 0:
        raise ValueError(f"clock_mhz {clock_mhz}: must be positive")
    if inputs is not None and not (isinstance(inputs, int) and inputs > 0):
        raise ValueError(f"inputs {inputs!r}: must be a positive integer")
    if not (isinstance(l4_shards, int) and l4_shards > 0):
        raise ValueError(f"l4_shards {l4_shards!r}: must be a positive integer")
    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r}: expected one of {', '.join(sorted(BACKENDS))}")
    if target is not None and input_data is not None:
        raise ValueError("input_data goes with a model (a target makes its own test inputs)")
    if input_datatype is not None:
        if target is not None:
            raise ValueError("input_datatype goes with a model (a target's input quantizer is its own)")
        DeclaredInput.parse(input_datatype)
    if checkpoint is not None and not Path(checkpoint).is_file():
        raise ValueError(f"checkpoint {checkpoint}: no such file")
    weights_seed = _weights_seed(weights, target, checkpoint)

    given = out / GIVEN
    if isinstance(input_data, (str, Path)):
        if not Path(input_data).is_file():
            raise ValueError(f"input_data {input_data}: no such file")
        input_data = Path(input_data)
    elif input_data is not None:
        given.mkdir(parents=True, exist_ok=True)
        np.save(given / "input_data.npy", np.asarray(input_data, dtype=np.float32))
        input_data = given / "input_data.npy"
    if isinstance(model, ModelWrapper):
        given.mkdir(parents=True, exist_ok=True)
        model_path = given / "model.onnx"
        model.save(str(model_path))
    elif target is None and model_path is None:   # a torch module: its QONNX export is its content
        torch_model = model
        model_path = _export(model, given / "model.onnx", input_data, input_shape, dynamo)
    folding_path = None
    if isinstance(folding, dict):
        given.mkdir(parents=True, exist_ok=True)
        folding_path = given / "folding.json"
        folding_path.write_text(json.dumps(folding, indent=2, sort_keys=True) + "\n")
    elif folding is not None:
        folding_path = Path(folding)
        if not folding_path.is_file():
            raise ValueError(f"folding {folding}: no such file")

    if input_data is not None and inputs is None:   # every frame given is a test input
        inputs = len(np.load(input_data, mmap_mode="r"))
    board = board or (target.board if target else "pynq_z2")
    load_board(board)   # an unknown name: a ValueError naming the known ones
    notes = []
    if ignore_budget:
        if fps == "max":
            raise ValueError("ignore_budget with fps 'max': the budget is what defines the max folding")
        notes.append("budget check relaxed (--ignore-budget): the design is not held to the board's budget by "
                     "the estimate, and the resources below may exceed it; it fits no board as built")
    if fps is None and folding_path is None:
        if target is not None:
            fps = target.target_fps
        else:
            notes.append("no folding or target fps given: every op at PE = SIMD = 1 (the slowest design)")
    return BuildConfig(
        name=name, out=out, target=target, model_path=model_path, torch_model=torch_model,
        checkpoint=Path(checkpoint) if checkpoint else None, weights_seed=weights_seed, folding_path=folding_path, target_fps=fps,
        clock_mhz=clock_mhz or (target.clock_mhz if target else 100.0),
        inputs=inputs or (target.default_inputs if target else 100), input_data=input_data,
        input_datatype=input_datatype,
        per_op_sim=op_sim, synth=synth, energy=energy, dynamo=dynamo, backend=backend, notes=notes,
        l4_shards=l4_shards, ray_address=ray_address, ignore_budget=ignore_budget, board=board,
        runtime_weights=runtime_weights)


def _weights_seed(weights: str | None, target, checkpoint) -> int | None:
    """The seed of `weights` "random:SEED", checked against what the build is given."""
    if weights is None:
        return None
    kind, _, seed = weights.partition(":")
    if kind != "random" or not seed.isdigit():
        raise ValueError(f"weights {weights!r}: expected random:SEED (a seed >= 0)")
    if target is None or target.random_model is None:
        raise ValueError(f"weights {weights}: only a target with seeded random weights takes it"
                         + (f" ({target.name} has none)" if target else ""))
    if checkpoint is not None:
        raise ValueError("weights random:SEED and a checkpoint exclude each other")
    return int(seed)


def _names_a_file(text: str) -> bool:
    return text.endswith(".onnx") or Path(text).is_file()


def _is_torch_module(model) -> bool:
    import torch

    return isinstance(model, torch.nn.Module)


def _export(module, path: Path, input_data: Path | None, input_shape, dynamo: bool) -> Path:
    """A Brevitas module -> QONNX at `path`, traced on one frame of input_data or of input_shape."""
    import torch

    from flow.frontend import export_brevitas

    if input_data is not None:
        example = np.load(input_data)[:1]
    elif input_shape is not None:
        example = np.zeros((1, *input_shape), dtype=np.float32)
    else:
        raise ValueError("a torch module needs input_shape (one frame, without the batch axis) or input_data")
    path.parent.mkdir(parents=True, exist_ok=True)
    export_brevitas(module, torch.from_numpy(example), path, dynamo=dynamo)
    return path


@import_warnings_hidden()
def build(model, *, restart_from: str | None = None, verbose: bool = True, **options) -> Build:
    """Build `model` (see `configure` for it and the options) and return the Build.

    A step that cannot complete raises flow.pipeline.StepFailed (the earlier steps stay, and
    build_error.txt says why); failed checks do not raise: Build.passed and Build.failures say.
    """
    cfg = configure(model, **options)
    say = print if verbose else _silent
    for note in cfg.notes:
        say(f"note: {note}")
    run_build(cfg, restart_from=restart_from, say=say)
    return Build.open(cfg.out)


def _silent(_: str) -> None:
    pass


class Build:
    """A build directory: what its last run found, and its design on new inputs."""

    def __init__(self, directory: Path):
        self.directory = directory

    @classmethod
    def open(cls, directory: str | Path) -> Build:
        directory = Path(directory)
        if not (directory / "report.json").is_file():
            raise ValueError(f"{directory}: not a completed build (no report.json)")
        return cls(directory)

    def __repr__(self) -> str:
        return f"Build({str(self.directory)!r}, {'passed' if self.passed else 'FAILED'})"

    @cached_property
    def report(self) -> dict:
        return self._json("report.json")

    @cached_property
    def verification(self) -> dict:
        """The ladder (level -> comparison), the verdict, and every check by step."""
        checks = self._json(VERIFICATION_FILE)
        return {"ladder": self.report["verification"], "passed": checks["passed"],
                "failures": checks["failures"], "checks": checks["steps"]}

    @property
    def passed(self) -> bool:
        return self.verification["passed"]

    @property
    def failures(self) -> list[str]:
        return self.verification["failures"]

    @cached_property
    def folding(self) -> dict:
        return self._json("folding.json")

    @cached_property
    def _reference(self):
        return session(self.directory / "reference.onnx")

    def predict(self, x) -> dict[str, np.ndarray]:
        """The bit-exact reference (reference.onnx in onnxruntime, L2) on float inputs x (N, ...):
        {"core_in": the accelerator's input codes, "core_out": what it returns, <the model's
        output name>: the output after the output edge's scale}."""
        return run_reference(self._reference, self._frames(x))

    def rtlsim(self, x) -> np.ndarray:
        """The stitched RTL in Verilator (L4) on float inputs x (N, ...): its outputs, shaped as
        predict(x)["core_out"] (and equal to it, integer for integer)."""
        from flow.backends.design import Design
        from flow.backends.rtl.stitched import build_design, simulate_design

        if not (self.directory / "rtl" / "design.json").is_file():
            raise ValueError(f"{self.directory}: no generated RTL (built with backend='hls')")
        reference = self.predict(x)
        design = Design.load(self.directory / "rtl")
        model = ModelWrapper(str(self.directory / "30_folded.onnx"))
        y, _ = simulate_design(build_design(design), design, model,
                               verify.to_channels_last(reference[CORE_IN]), progress="rtlsim")
        return verify.to_channels_first(y).reshape(reference[CORE_OUT].shape)

    def _frames(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        frame = tuple(self._reference.get_inputs()[0].shape[1:])
        if x.ndim != len(frame) + 1 or x.shape[1:] != frame:
            raise ValueError(f"x: expected frames (N, {', '.join(map(str, frame))}), got shape {x.shape}")
        return x

    def _json(self, name: str):
        return json.loads((self.directory / name).read_text())

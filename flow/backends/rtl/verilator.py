"""Build a Verilator simulation of one AXI-Stream module (cached by content) and run it.

Every module in hw/rtl/ and every generated accelerator top share the port names the harness
(hw/sim/axis_harness.cpp) drives, so one harness serves unit tests and whole designs. A build
is keyed by the hash of everything that enters it (sources, parameters, widths, flags,
Verilator version), so identical designs are compiled once per machine and shared between
tests and builds. Memory files ($readmemh) are read at run time, relative to the run
directory, so new weights never cost a rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from flow.backends import tools
from flow.backends.build_cache import build_once
from flow.backends.tools import Tool
from flow.paths import HW_DIR
from flow.tasks import jobs

HW_ROOT = HW_DIR
HARNESS = HW_ROOT / "sim" / "axis_harness.cpp"
HARNESS_OPTIONS = HW_ROOT / "sim" / "stream_options.hpp"  # included by the harness
HARNESS_TAPS = HW_ROOT / "sim" / "stream_taps.hpp"  # included by the harness
LINT_WAIVERS = HW_ROOT / "rtl" / "lint_waivers.vlt"  # every lint waiver, each with its reason
# X (an unassigned or unreset value) becomes a value chosen by the run's X seed, so state that
# reset does not set changes the output with the seed (flow/backends/rtl/x_seeds.py runs two seeds);
# assertions on, every lint warning stops the build
VERILATOR_FLAGS = ["-O3", "--x-assign", "unique", "--x-initial", "unique", "--assert", "-Wall"]
X_SEED = 1  # the default X seed of a run (Verilator's runtime seed; 0 would pick a random one)
# CFG_CXXFLAGS_PCH_I: g++'s flag for reading Verilator's precompiled header, which configure
# leaves empty in the PyPI wheel's verilated.mk (without it g++ takes the header for a linker input)
MAKE_FLAGS = "OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2 CFG_CXXFLAGS_PCH_I=-include"


class SimulationError(RuntimeError):
    pass


class SimulationTimeout(SimulationError):
    """The harness gave up after max_cycles without every output word: the design stalled."""

    def __init__(self, message: str, cycles: int):
        super().__init__(message)
        self.cycles = cycles


IDLE_CYCLES = 64    # the harness's default run after the last output word
TIMEOUT_STATUS = 3  # the harness's exit status when max_cycles pass before the last output word


def cache_root() -> Path:
    root = os.environ.get("QNNFLOW_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "qnnflow"


def verilator() -> Tool:
    try:
        return tools.verilator()
    except tools.ToolError as err:
        raise SimulationError(str(err)) from err


def verilator_version() -> str:
    return verilator().version


def _build_env() -> dict:
    """ccache (when installed) keeps its objects beside the simulators."""
    return {**os.environ, "CCACHE_DIR": str(cache_root() / "ccache"),
            "CCACHE_BASEDIR": str(cache_root())}


def x_seed_args(x_seed: int) -> list[str]:
    """Verilator's runtime options: every variable starts random, drawn from x_seed."""
    if x_seed < 1:
        raise ValueError(f"an X seed is >= 1 (got {x_seed}; Verilator reads 0 as 'pick one at random')")
    return ["+verilator+rand+reset+2", f"+verilator+seed+{x_seed}"]


def _param_flag(name: str, value) -> str:
    if isinstance(value, str):
        return f'-G{name}="{value}"'
    return f"-G{name}={int(value)}"


@dataclass(frozen=True)
class Simulator:
    binary: Path
    in_bytes: int
    out_bytes: int
    axi_lite: bool = False  # a board-facing top: AXI-Lite control registers and TLAST
    # the weight image the harness loads over the weight bus after reset, from address weights_base
    weights: Path | None = None
    weights_base: int = 0
    FRAME_DONE = "harness: frame "   # a --progress line: one per completed output frame

    def run(
        self,
        words_in: np.ndarray,
        out_words: int,
        in_frame_words: int,
        out_frame_words: int,
        workdir: Path,
        seed: int = 1,
        in_gap: float = 0.0,
        out_stall: float = 0.0,
        max_cycles: int = 10**9,
        in_period: float = 0.0,
        axil_writes: dict[int, int] | list[tuple[int, int]] | None = None,
        axil_reads: list[int] | None = None,
        capture: np.ndarray | None = None,
        x_seed: int = X_SEED,
        progress: str | None = None,
        plusargs: tuple[str, ...] = (),
        idle_cycles: int = IDLE_CYCLES,
        each_frame: bool = False,
    ) -> tuple[np.ndarray, dict]:
        """Stream words_in (n, in_bytes) through the design; returns (out words, stats).

        in_period > 0 paces the input to one frame per in_period cycles. stats: cycles,
        frame_first_input / frame_last_output (cycle of each frame's first accepted input word
        and last accepted output word), log (what the design printed). A board-facing top
        (axi_lite) first takes axil_writes ({offset: value}, or (offset, value) pairs in order where
        a register is written more than once) and finally answers axil_reads
        (stats["axil_reads"], in order). x_seed: the seed every X and unreset variable
        draws its value from (returned as stats["x_seed"]). progress: a label for a progress bar
        over the output frames (runs of minutes: the whole test set through a large design).
        plusargs ("name=value") go to the design's $value$plusargs; idle_cycles: cycles run after
        the last output word, in which no other may appear. each_frame: a board-facing top whose
        FRAMES write set EACH, so that TLAST ends every output frame (else only the last).
        """
        workdir = Path(workdir).resolve()  # the simulator runs there; its file paths must not be relative
        with tempfile.TemporaryDirectory(dir=workdir) as tmp, tempfile.TemporaryFile("w+") as errors:
            args = self._batch_args(Path(tmp), words_in, out_words, in_frame_words, out_frame_words,
                                    in_gap, out_stall, max_cycles, in_period, axil_writes, axil_reads,
                                    capture)
            if idle_cycles != IDLE_CYCLES:
                args += ["--idle-cycles", str(idle_cycles)]
            if each_frame:
                args += ["--each-frame", "1"]
            if self.weights is not None:
                args += ["--weights", str(Path(self.weights).resolve()), "--weights-base", str(self.weights_base)]
            proc = subprocess.Popen([str(self.binary), "--seed", str(seed), "--progress", "1", *args,
                                     *x_seed_args(x_seed), *(f"+{p}" for p in plusargs)],
                                    cwd=workdir, stdout=subprocess.PIPE, stderr=errors, text=True)
            log = []
            with proc, tqdm(total=out_words // out_frame_words, desc=progress, leave=False,
                            disable=progress is None) as bar:
                for line in proc.stdout:
                    if line.startswith(self.FRAME_DONE):
                        bar.update()
                    else:
                        log.append(line)
            if proc.returncode != 0:
                errors.seek(0)
                message = (f"simulation of {self.binary.parent.name} failed ({proc.returncode}): "
                           f"{errors.read().strip() or ''.join(log).strip()}")
                if proc.returncode == TIMEOUT_STATUS:
                    raise SimulationTimeout(message, max_cycles)
                raise SimulationError(message)
            out, stats = self._results(Path(tmp), out_words)
        stats["log"], stats["x_seed"] = "".join(log), x_seed
        return out, stats

    def serve(self, workdir: Path, x_seed: int = X_SEED) -> SimulatorSession:
        """One design that keeps its state between batches (the harness's --serve mode)."""
        return SimulatorSession(self, Path(workdir).resolve(), x_seed)

    def _batch_args(self, tmp: Path, words_in, out_words, in_frame_words, out_frame_words, in_gap,
                    out_stall, max_cycles, in_period, axil_writes, axil_reads, capture) -> list[str]:
        """Write a batch's input files to tmp; its harness options."""
        if (axil_writes or axil_reads) and not self.axi_lite:
            raise SimulationError(f"{self.binary.parent.name} has no AXI-Lite control port")
        words_in = np.ascontiguousarray(words_in, dtype=np.uint8).reshape(-1, self.in_bytes)
        words_in.tofile(tmp / "in.bin")
        args = [
            "--in", str(tmp / "in.bin"), "--out", str(tmp / "out.bin"), "--stats", str(tmp / "stats.json"),
            "--in-words", str(len(words_in)), "--out-words", str(out_words),
            "--in-frame-words", str(in_frame_words), "--out-frame-words", str(out_frame_words),
            "--in-gap", str(in_gap), "--out-stall", str(out_stall),
            "--max-cycles", str(max_cycles), "--in-period", str(in_period),
        ]
        if axil_writes:
            pairs = axil_writes.items() if isinstance(axil_writes, dict) else axil_writes
            args += ["--axil-writes", ",".join(f"{k}={v}" for k, v in pairs)]
        if axil_reads:
            args += ["--axil-reads", ",".join(map(str, axil_reads))]
        if capture is not None:
            np.asarray(capture, dtype=np.uint8).tofile(tmp / "capture.bin")
            args += ["--capture", str(tmp / "capture.bin")]
        return args

    def _results(self, tmp: Path, out_words: int) -> tuple[np.ndarray, dict]:
        out = np.fromfile(tmp / "out.bin", dtype=np.uint8).reshape(out_words, self.out_bytes)
        return out, json.loads((tmp / "stats.json").read_text())


class SimulatorSession:
    """A simulator process that runs batch after batch on one design, never reset in between
    (the harness's --serve mode): what a board's programmable logic does between DMA transfers.
    The run directory is workdir (memory files); close() ends the process."""

    DONE = "harness: batch done"

    def __init__(self, sim: Simulator, workdir: Path, x_seed: int = X_SEED):
        self.sim, self.workdir, self.x_seed = sim, workdir, x_seed
        self.errors = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen([str(sim.binary), "--serve", "1", *x_seed_args(x_seed)], cwd=workdir,
                                     text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors)

    def run(self, words_in: np.ndarray, out_words: int, in_frame_words: int, out_frame_words: int,
            max_cycles: int = 10**9, axil_writes: dict[int, int] | list[tuple[int, int]] | None = None,
            axil_reads: list[int] | None = None, ends_batch: bool = True,
            each_frame: bool = False) -> tuple[np.ndarray, dict]:
        """One batch, as Simulator.run (no gaps or stalls: the emulated DMA streams at full rate).
        ends_batch=False: a board-facing top's batch goes on in the next run (no TLAST on its last
        word); each_frame: TLAST ends every output frame."""
        with tempfile.TemporaryDirectory(dir=self.workdir) as tmp:
            tmp = Path(tmp)
            args = self.sim._batch_args(tmp, words_in, out_words, in_frame_words, out_frame_words, 0.0,
                                        0.0, max_cycles, 0.0, axil_writes, axil_reads, None)
            if not ends_batch:
                args += ["--ends-batch", "0"]
            if each_frame:
                args += ["--each-frame", "1"]
            if any(any(c.isspace() for c in a) for a in args):
                raise SimulationError(f"the run directory {self.workdir} has white space in its path, "
                                      "which the --serve protocol's lines cannot carry")
            if self.proc.poll() is not None:
                self._fail()
            self.proc.stdin.write(" ".join(args) + "\n")
            self.proc.stdin.flush()
            log = []
            for line in self.proc.stdout:
                if line.rstrip("\n") == self.DONE:
                    break
                log.append(line)
            else:
                self._fail()
            out, stats = self.sim._results(tmp, out_words)
        stats["log"], stats["x_seed"] = "".join(log), self.x_seed
        return out, stats

    def _fail(self):
        self.proc.wait()
        self.errors.seek(0)
        raise SimulationError(f"simulation of {self.sim.binary.parent.name} stopped "
                              f"({self.proc.returncode}): {self.errors.read().strip()}")

    def close(self) -> None:
        self.proc.stdin.close()   # end of input: the harness exits
        self.proc.wait()
        self.proc.stdout.close()
        self.errors.close()


def build(
    top: str,
    sources: list[Path],
    in_bits: int,
    out_bits: int,
    params: dict | None = None,
    axi_lite: bool = False,
    capture: bool = False,
    extra_flags: tuple[str, ...] = (),
    weight_bus: bool = False,
) -> Simulator:
    """Compile `top` (with parameters) and the harness into a simulator, or reuse a cached one.

    axi_lite: the top has the AXI-Lite control port and TLAST of a board-facing design.
    capture: the top has an exemplar_capture control input that the harness drives.
    weight_bus: the top has the weight bus (wl_valid, wl_addr, wl_data), which the harness
    drives with the image of Simulator.weights (idle without one).
    extra_flags: more Verilator flags, for a separate build (toggle coverage: its harness
    writes coverage.dat into the run directory).
    """
    params = dict(sorted((params or {}).items()))
    in_bytes, out_bytes = (in_bits + 7) // 8, (out_bits + 7) // 8
    sources = sorted({Path(s).resolve() for s in sources})
    key = hashlib.sha256()
    for part in [verilator_version(), top, json.dumps(params), in_bytes, out_bytes, capture, weight_bus,
                 VERILATOR_FLAGS, extra_flags, MAKE_FLAGS, HARNESS.read_bytes(), HARNESS_OPTIONS.read_bytes(),
                 HARNESS_TAPS.read_bytes(), LINT_WAIVERS.read_bytes()] + (["axi_lite"] if axi_lite else []):
        key.update(str(part).encode())
    for src in sources:
        key.update(src.name.encode())
        key.update(src.read_bytes())
    digest = key.hexdigest()[:20]
    target = cache_root() / "verilator" / f"{top}-{digest}"

    def compile_into(staging: Path) -> None:
        # the design's facts go in a header that only the harness includes, not -D flags or
        # -include, so the compiler flags are the same for every design (ccache reuses Verilator's
        # runtime objects across designs) and nothing comes before Verilator's precompiled header
        (staging / "harness_config.h").write_text(
            f'#define HARNESS_TOP V{top}\n#define HARNESS_HEADER "V{top}.h"\n'
            f"#define IN_BYTES {in_bytes}\n#define OUT_BYTES {out_bytes}\n"
            + ("#define HARNESS_AXI_LITE 1\n" if axi_lite else "")
            + ("#define HARNESS_CAPTURE 1\n" if capture else "")
            + ("#define HARNESS_WEIGHTS 1\n" if weight_bus else ""))
        cmd = [
            *verilator().command, "--cc", "--exe", "--build", "-j", str(jobs()),
            "--top-module", top, "--Mdir", str(staging), "-o", "sim",
            *VERILATOR_FLAGS, *extra_flags,
            # PYTHON3: the wheel's verilated.mk names `python`, which Debian lacks (it runs
            # verilator_includer for designs small enough to compile as one file)
            "-MAKEFLAGS",
            f"{MAKE_FLAGS} PYTHON3={sys.executable}" + (" OBJCACHE=ccache" if shutil.which("ccache") else ""),
            *[_param_flag(k, v) for k, v in params.items()],
            str(LINT_WAIVERS), *map(str, sources), str(HARNESS),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=verilator().environ(_build_env()),
                              check=False)
        if proc.returncode != 0:
            raise SimulationError(
                f"verilator build of {top} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
            )

    binary = build_once(target, "sim", compile_into)
    return Simulator(binary, in_bytes, out_bytes, axi_lite)


def lint(top: str, sources: list[Path], params: dict | None = None) -> str:
    """verilator --lint-only -Wall with the waivers; returns the warnings text ('' when clean)."""
    cmd = [*verilator().command, "--lint-only", "--quiet-stats", "-Wall", "--top-module", top,
           *[_param_flag(k, v) for k, v in sorted((params or {}).items())], str(LINT_WAIVERS),
           *(str(Path(s).resolve()) for s in sources)]  # the waivers name files by absolute path
    proc = subprocess.run(cmd, capture_output=True, text=True, env=verilator().environ(), check=False)
    return (proc.stdout + proc.stderr).strip()

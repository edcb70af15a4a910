"""The whole SiamFC tracker's frame rate on a PYNQ-Z2, by a model: host work (a Cortex-A9
estimate from instruction counts), fabric, DMA, writes into the DMA buffer and driver calls, in
series and as the driver runs.

Host work per tracked frame, phase by phase, is counted on this machine by callgrind (valgrind)
running deploy/'s own code on recorded frames of the benchmark (syn_test_0_000, the reference
scores kept by benchmarks/siamfc_tracker_equivalence.py): the crops (now only their samples:
the accelerator's crop engine cuts them), the peak search, and the driver's numpy work per batch
(what BoardScores.responses runs beside the pynq calls: now each crop's header and the frame
written into the DMA buffer and the outputs unpacked; at BEFORE the crops' codes, checks and
packing). Each phase runs FRAMES frames in a process of its own, beside one that loads the same
and runs none; the difference over FRAMES is its instructions per frame (Python's start and
imports cancel; every child runs each phase once first, so that first calls' one-off costs, numpy's
and ctypes', cancel too). The children import deploy/ with a stand-in for the pynq module (only the
driver's numpy methods run, no pynq call), and numpy runs with its AVX/AVX2/AVX-512 kernels off
(NPY_DISABLE_CPU_FEATURES), so its vector code is the SSE2 baseline. deploy/'s C kernels are
built for x86-64's baseline (SSE2: deploy/native.py passes no -march), once in the parent, so
that no child counts a compilation.

Cortex-A9 time, an ESTIMATE at the pessimistic end: x86 instructions x ARM_PER_X86 (the A9's
NEON has no float64 lanes, so a 2-lane SSE2 double op becomes 2 VFP instructions) / (A9_IPC x
650 MHz). Fabric: design.json's rtlsim latency + (scales - 1) intervals (the accelerator's
counter reads the same on the emulated board); the crop engine is part of it. DMA: design.json's
bytes per frame through the stream at the fabric clock. Buffer writes: the bytes written into
pynq 3's DMA buffer, which it allocates non-cacheable, at A9_COPY_MB_S; the block copies
themselves (glibc's memcpy/memset) are left out of the instruction counts (block_copies). Driver calls: the pynq
MMIO/DMA calls of QNNOverlay.run_buffered, at PYNQ_CALL_US each (Python on the A9).

The peak search's rows, bounds and extremes run on two threads (the A9's two cores,
deploy/siamfc_peak.c, each thread half of the same items): callgrind counts each thread apart,
and the busier core's count (the main thread less the none child's, or the other threads
together) is the phase's time on two cores; the total is its time on one.

In series adds every term, on one core. As the driver runs: the samples, the buffer writes and
the driver's calls, then the fabric's 3 scales in one batch (the DMA inside its counted cycles,
first input word to last output word), then the peak search on two cores: a frame's crops need
the last frame's box, so nothing overlaps. The figures at commit BEFORE (the host cutting the
crops; the same method, from git) stand beside today's.

    python benchmarks/siamfc_tracker_fps.py [--build build/siamfc_binary] [--frames 8] [--jobs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
A9_MHZ = 650.0
A9_IPC = 0.5            # pessimistic end for interpreter and memory-bound numpy code
ARM_PER_X86 = 2.0       # float64 vector ops: 2 VFP instructions per 2-lane SSE2 instruction
A9_COPY_MB_S = 300.0    # CPU writes into a non-cacheable DMA buffer (pessimistic)
PYNQ_CALL_US = 50.0     # one pynq MMIO read/write or DMA transfer/wait call in Python on the A9
# QNNOverlay's calls per batch: FRAMES write, recv transfer, send transfer, send wait, recv wait,
# CYCLES_LO and CYCLES_HI reads; and per further send of a batch in parts (BoardScores sends crop by
# crop): the wait on the last send and its own transfer
BATCH_CALLS = 7
SEND_CALLS = 2
# what callgrind does not count, the kernel's side of the two cores' handoffs per frame (a thread
# started or woken): the peak search's thread start, 8 barriers and the join; at a pessimistic 50 us
HANDOFFS = 10
HANDOFF_US = 50.0
PHASES = ("crop", "peak", "driver")
BEFORE = "11321be"      # before the host work was cut: the host cut the crops
# earlier stages of the board's tracker, this benchmark's own result at each commit, for the table
EARLIER = {"ff998d2": "the host cutting the crops on two cores, each scale sent as soon as it was cut",
           "85e5ed9": "the crop engine, the batch sent whole, the peak search's cells one at a time"}
NONE = "none"           # the children's common start: imports and data, no frame
NO_AVX = "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX2 FMA3 AVX F16C"


def record_inputs(build: Path, cache: Path, frames: int, out: Path) -> None:
    """Frames, tracker states and score maps of syn_test_0_000's first frames, for the child."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from siamfc_tracker_equivalence import CachedScores

    from deploy.siamfc_tracker import SiamFCTracker
    from flow.targets.siamfc.inputs import BENCHMARK_FRAMES
    from models.data.synthetic_tracking import benchmark

    sequence = benchmark(1, 0, "test", BENCHMARK_FRAMES)[0]   # the recorded sequence: its length shapes it
    scores = CachedScores(None, cache / f"{sequence.name}.npz")
    tracker = SiamFCTracker(scores)
    tracker.init(sequence.frame(0), sequence.boxes[0])
    states, maps, images, all_crops = [], [], [], []
    for t in range(1, frames + 1):
        frame = sequence.frame(t)
        states.append([*tracker.center, tracker.x_side])
        sides, crops = tracker.search_crops(frame)
        maps.append(tracker.responses(crops))
        images.append(frame)
        all_crops.append(crops)
        tracker.locate(maps[-1], sides, frame.shape)
    if scores.misses:
        raise SystemExit(f"{scores.misses} crops not in {cache}: run siamfc_tracker_equivalence.py first")
    np.savez(out, frames=np.stack(images), states=np.array(states), maps=np.stack(maps), crops=np.stack(all_crops),
             fill=tracker.fill, design=json.dumps(designs(build)["now"]), design_before=json.dumps(designs(build)["before"]))


def designs(build: Path) -> dict:
    """The tracker design's facts now, and as at BEFORE: its input then the search crops' words
    (the backbone design's input), not a crop's header and frame."""
    now = json.loads((build / "tracker" / "deploy" / "design.json").read_text())
    crops_in = json.loads((build / "deploy" / "design.json").read_text())["input"]
    return {"now": now, "before": {**now, "input": crops_in}}


def child(inputs: Path, phase: str, frames: int) -> None:
    """Run one phase on `frames` recorded frames with deploy/ alone (callgrind counts this)."""
    import gc
    from types import ModuleType, SimpleNamespace

    gc.disable()   # a collection falls where the allocations happen to take it: noise between children

    sys.modules["pynq"] = ModuleType("pynq")          # the driver's methods below call no pynq
    sys.modules["pynq"].Overlay, sys.modules["pynq"].allocate = object, None

    from deploy.driver import QNNOverlay
    from deploy.peak import PeakFinder
    from deploy.siamfc_tracker import SiamFCTracker, TrackerConfig
    from deploy.tracker import BoardScores

    data = dict(np.load(inputs))   # read once: an npz reads (and checks) an array at each access
    engine = getattr(BoardScores, "cuts_crops", False)   # the accelerator cuts the crops (else BEFORE)
    design = json.loads(str(data["design" if engine else "design_before"]))
    # the board's backend as the tracker sees it; responses() is never called
    board = SimpleNamespace(set_exemplar=print, responses=print, cuts_crops=engine)
    tracker = SiamFCTracker(board, TrackerConfig())
    tracker.fill, tracker.x_side_limits, tracker.size, tracker.z_side = data["fill"], (0, np.inf), np.ones(2), 1.0
    # made once per sequence (its window, its taps): in every child, so that it cancels
    tracker.peak = PeakFinder(data["maps"].shape[-1], tracker.config.response_up, tracker.penalties,
                              tracker.config.window_influence)
    scales = len(data["maps"][0])
    frame_bytes = design["input"]["words"] * design["input"]["dma_bytes"]
    overlay = SimpleNamespace(input=design["input"], output=design["output"], max_batch=scales,
                              in_frame_bytes=frame_bytes, in_buffer=np.zeros(scales * frame_bytes, np.uint8))
    raw = np.zeros(scales * design["output"]["words"] * design["output"]["dma_bytes"], np.uint8)
    if engine:   # the board's backend on an overlay of the driver's numpy methods (in every child)
        overlay.design, overlay.controls, overlay.last_batch_cycles = design, ["exemplar_capture"], 0
        overlay.input_frames = lambda n: QNNOverlay.input_frames(overlay, n)
        overlay.start_batch = overlay.send_frames = lambda n: None
        overlay.finish_batch = lambda: QNNOverlay._unpack(overlay, raw, scales)
        backend = BoardScores(overlay)
    crops = []   # the driver's input: each frame's crops as the tracker hands them (in every child)
    for t in range(frames if engine else 0):
        tracker.center, tracker.x_side = data["states"][t][:2], data["states"][t][2]
        crops.append(tracker.search_crops(data["frames"][t])[1])

    def run(name: str, t: int) -> None:
        tracker.center, tracker.x_side = data["states"][t][:2], data["states"][t][2]
        if name == "crop":
            tracker.search_crops(data["frames"][t])
        elif name == "peak":
            tracker.locate(data["maps"][t], tracker.x_side * tracker.scale_factors, data["frames"][t].shape)
        elif engine:   # BoardScores.responses less the pynq calls: headers and frames in, maps out
            backend.responses(crops[t])
        else:   # deploy/ at BEFORE: the host's crops to codes, checks, packing, a copy
            pixels = BoardScores.codes(SimpleNamespace(offset=design["tracker"]["pixel_offset"]), data["crops"][t])
            overlay.in_buffer[:] = QNNOverlay._pack(overlay, QNNOverlay.check_input(overlay, pixels))
            QNNOverlay._unpack(overlay, raw, scales).astype(np.float64)

    for name in PHASES:   # each phase once, in every child: first calls' one-off costs cancel
        run(name, 0)
    for t in range(frames if phase != NONE else 0):
        run(phase, t)


def instructions(inputs: Path, phase: str, frames: int, deploy_root: Path = ROOT) -> list[int]:
    """x86 instructions of a child running `phase`, with deploy/ imported from deploy_root: per
    thread, the main thread first (callgrind counts each thread apart)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": NO_AVX, "PYTHONPATH": f"{deploy_root}{os.pathsep}{ROOT}"}
        proc = subprocess.run(["valgrind", "--tool=callgrind", "--separate-threads=yes", f"--callgrind-out-file={out}",
                               sys.executable, __file__, "--child", str(inputs), phase, str(frames)],
                              env=env, capture_output=True, text=True)
        if proc.returncode:
            raise SystemExit(f"the {phase} child failed ({proc.returncode}): {proc.stderr[-2000:]}")
        threads = sorted(Path(tmp).glob("callgrind.out-*"), key=lambda f: int(f.name.rsplit("-", 1)[1]))
        return [int(re.search(r"^summary: (\d+)", f.read_text(), re.M).group(1)) - block_copies(f) for f in threads]


def block_copies(callgrind_out: Path) -> int:
    """Instructions of glibc's memcpy/memmove/memset in a callgrind file, which the instruction
    counts leave out: callgrind counts x86's rep movsb/stosb a byte at a time, and a copy's time
    is the buffer_writes term (its bytes at A9_COPY_MB_S), not instructions."""
    text = subprocess.run(["callgrind_annotate", "--threshold=100", str(callgrind_out)], capture_output=True,
                          text=True, check=True).stdout
    return sum(int(m.group(1).replace(",", "")) for m in
               re.finditer(r"^\s*([\d,]+) \([^)]*\)\s+\S*(?:memcpy|memmove|memset)\S*:", text, re.M))


def counts_per_frame(inputs: Path, frames: int, jobs: int, deploy_root: Path = ROOT, phases=PHASES) -> dict:
    """x86 instructions per frame of each phase, its child's less the child that runs none:
    {phase: {"total": all threads, "critical": the busier core (the main thread less the none
    child's, or the other threads together: they run on the second core, one after another)}}."""
    with ThreadPoolExecutor(jobs) as pool:
        counts = dict(zip((NONE, *phases), pool.map(lambda p: instructions(inputs, p, frames, deploy_root),
                                                     (NONE, *phases)), strict=True))
    main, others = counts[NONE][0], sum(counts[NONE][1:])   # the warm-up's threads are every child's
    return {phase: {"total": (sum(counts[phase]) - main - others) / frames,
                    "critical": max(counts[phase][0] - main, sum(counts[phase][1:]) - others) / frames}
            for phase in phases}


def deploy_at(commit: str, into: Path) -> Path:
    """deploy/ as it stood at `commit`, extracted into `into`."""
    archive = subprocess.run(["git", "archive", commit, "deploy"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def earlier_results() -> list[dict]:
    """This benchmark's own result at each EARLIER commit."""
    results = []
    for commit, what in EARLIER.items():
        text = subprocess.run(["git", "show", f"{commit}:benchmarks/results/siamfc_tracker_fps.json"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout
        model = json.loads(text)["model"]
        results.append({"commit": commit, "what": what, "as_driven_ms": model["as_driven_ms"],
                        "as_driven_fps": model["as_driven_fps"]})
    return results


def a9_ms(x86_instructions: float) -> float:
    return x86_instructions * ARM_PER_X86 / (A9_IPC * A9_MHZ * 1e6) * 1e3


def fps_model(design: dict, host: dict, scales: int = 3, crop_by_crop: bool = True) -> dict:
    """ms per tracker frame per term; in series and as the driver runs (frames never overlap: a
    frame's crops need the last frame's box). host: A9 ms per phase, "peak_critical" the peak
    search's busier core (two threads where it has them). crop_by_crop: the batch is sent a crop at
    a time (BoardScores), so that each later crop's buffer writes and send calls fall inside the
    fabric's work on the crops before it, up to one fabric interval each; else one send after all
    the writes (deploy/ at BEFORE)."""
    clock = design["clock_mhz"] * 1e3                       # cycles per ms
    rt = design["rtlsim"]
    interval = rt["cycles_per_frame"] / clock
    fabric = rt["latency_cycles"] / clock + (scales - 1) * interval
    bytes_in = scales * design["input"]["words"] * design["input"]["dma_bytes"]
    bytes_out = scales * design["output"]["words"] * design["output"]["dma_bytes"]
    dma = (bytes_in + bytes_out) / (design["input"]["dma_bytes"] * clock)   # one word a cycle
    writes = bytes_in / (A9_COPY_MB_S * 1e3)
    call_ms = PYNQ_CALL_US / 1e3
    sends = scales if crop_by_crop else 1
    calls = (BATCH_CALLS + SEND_CALLS * (sends - 1)) * call_ms
    terms = {"host_crop": host["crop"], "host_peak": host["peak"], "driver_numpy": host["driver"],
             "fabric": fabric, "dma": dma, "buffer_writes": writes, "driver_calls": calls}
    series = sum(terms.values())
    later_crop = writes / scales + SEND_CALLS * call_ms     # a later crop's writes and send calls
    hidden = (sends - 1) * min(later_crop, interval)
    two_cores = host["peak_critical"] < host["peak"]
    as_driven = (series - dma - hidden - host["peak"] + host["peak_critical"]
                 + (HANDOFFS * HANDOFF_US / 1e3 if two_cores else 0.0))
    return {"terms_ms": terms, "peak_critical_ms": host["peak_critical"], "series_ms": series,
            "series_fps": 1000 / series, "as_driven_ms": as_driven, "as_driven_fps": 1000 / as_driven,
            "hidden_by_fabric_ms": hidden, "sends_per_frame": sends,
            "fabric_fps": 1000 / fabric, "left_at_60fps_ms": 1000 / 60 - fabric,
            "dma_bytes": {"in": bytes_in, "out": bytes_out},
            "fabric_interval_ms": interval, "fabric_latency_ms": rt["latency_cycles"] / clock}


def main(argv=None):
    if argv is None and sys.argv[1:2] == ["--child"]:
        return child(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=ROOT / "build" / "siamfc_binary")
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "tracker_scores")
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=1, help="valgrind processes side by side")
    args = ap.parse_args(argv)
    inputs = args.cache / "host_work.npz"
    # deploy/'s C kernels built here, before the children load them (the children of deploy/ at
    # BEFORE import that deploy/, so this module imports today's only in the parent)
    from deploy import native

    for source in sorted((ROOT / "deploy").glob("*.c")):
        native.load(source)
    if not inputs.exists():
        record_inputs(args.build, args.cache, max(args.frames, 8), inputs)
    counts = counts_per_frame(inputs, args.frames, args.jobs)
    with tempfile.TemporaryDirectory() as tmp:
        old_counts = counts_per_frame(inputs, args.frames, args.jobs, deploy_at(BEFORE, Path(tmp)))
    for phase in PHASES:
        print(f"{phase}: {counts[phase]['total'] / 1e6:.2f} M x86 instructions per frame, the busiest thread "
              f"{counts[phase]['critical'] / 1e6:.2f} M ({old_counts[phase]['total'] / 1e6:.1f} M at {BEFORE})",
              flush=True)
    design = designs(args.build)

    def a9(counted: dict) -> dict:
        return {**{phase: a9_ms(n["total"]) for phase, n in counted.items()},
                "peak_critical": a9_ms(counted["peak"]["critical"])}
    host, old_host = a9(counts), a9(old_counts)
    result = {"frames": args.frames, "x86_instructions_per_frame": counts, "a9_ms_estimate": host,
              "assumptions": {"a9_mhz": A9_MHZ, "a9_ipc": A9_IPC, "arm_per_x86": ARM_PER_X86,
                              "copy_mb_s": A9_COPY_MB_S, "pynq_call_us": PYNQ_CALL_US,
                              "batch_calls": BATCH_CALLS, "send_calls": SEND_CALLS, "thread_handoffs": HANDOFFS, "handoff_us": HANDOFF_US},
              "model": fps_model(design["now"], host),
              "earlier": earlier_results(),
              "before": {"commit": BEFORE, "x86_instructions_per_frame": old_counts, "a9_ms_estimate": old_host,
                         "model": fps_model(design["before"], old_host, crop_by_crop=False)}}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "siamfc_tracker_fps.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / "siamfc_tracker_fps.md").write_text(markdown(result))
    print(markdown(result))


def markdown(r) -> str:
    m, a, old = r["model"], r["assumptions"], r["before"]
    was = old["model"]
    count, old_count = r["x86_instructions_per_frame"], old["x86_instructions_per_frame"]
    names = {"host_crop": "crop", "host_peak": "peak", "driver_numpy": "driver"}
    lines = ["# The SiamFC tracker's frame rate on a PYNQ-Z2 (model; host terms are ESTIMATES)", "",
             "`python benchmarks/siamfc_tracker_fps.py` (siamfc_binary, 3 scales). Host terms: callgrind "
             f"instruction counts on x86 (numpy without AVX) x {a['arm_per_x86']:g} / "
             f"(IPC {a['a9_ipc']:g} x {a['a9_mhz']:g} MHz), the Cortex-A9's pessimistic end; writes into the "
             f"non-cacheable DMA buffer at {a['copy_mb_s']:g} MB/s; pynq calls at {a['pynq_call_us']:g} us each "
             f"({a['batch_calls']} per batch, {a['send_calls']} more per further send); the peak search on two "
             f"cores with {a['thread_handoffs']} thread "
             f"handoffs per frame at {a['handoff_us']:g} us (the kernel's side, which callgrind does not count). "
             f"Before: deploy/ at commit {old['commit']}, counted by the same children in the same run (the host "
             "cut the crops). Now: the accelerator's crop engine cuts the crops (Pillow's bytes, the boxes of "
             "the recorded tracker); the host computes their samples, writes each crop's header and the frame "
             "into the DMA buffer, sending each crop as soon as it is written, and searches the peak "
             "(deploy/siamfc_peak.c, two cores, two cells at a time). A count within "
             "0.1 M of 0 is the children's noise (the crops' samples are now a few hundred instructions).", "",
             "| term | x86 instr./frame before | now | ms/frame before | now |", "|---|---|---|---|---|"]
    for term, ms in m["terms_ms"].items():
        phase = names.get(term)
        counted = (f"{old_count[phase]['total'] / 1e6:.2f} M | {count[phase]['total'] / 1e6:.2f} M"
                   if phase else "- | -")
        lines.append(f"| {term} | {counted} | {was['terms_ms'][term]:.2f} | {ms:.2f} |")
    lines.append(f"| host_peak, the busier core | - | {count['peak']['critical'] / 1e6:.2f} M | "
                 f"{was['peak_critical_ms']:.2f} | {m['peak_critical_ms']:.2f} |")
    for key, label in (("series", "**in series** (every term, one core)"),
                       ("as_driven", "**as the driver runs** (one batch of 3, the DMA inside the fabric's "
                                     "cycles; now the later crops' writes and sends inside the fabric's work on "
                                     "the earlier ones, and the peak search on two cores)")):
        lines.append(f"| {label} | | | {was[key + '_ms']:.2f} ms = {was[key + '_fps']:.1f} fps | "
                     f"**{m[key + '_ms']:.2f} ms = {m[key + '_fps']:.1f} fps** |")
    lines += [""] + [f"At commit {e['commit']} ({e['what']}; this benchmark's result there): "
                     f"{e['as_driven_ms']:.2f} ms = {e['as_driven_fps']:.1f} fps as the driver ran." for e in r["earlier"]]
    lines += ["", f"Hidden inside the fabric's work: {m['hidden_by_fabric_ms']:.2f} ms of the later crops' writes "
              f"and sends ({m['sends_per_frame']} sends per frame, each at most one fabric interval).", "",
              f"DMA: {m['dma_bytes']['in']:,} bytes in (3 x a crop's header and the frame), "
              f"{m['dma_bytes']['out']:,} out per frame (design.json); fabric (crop engine, backbone, correlation): "
              f"latency {m['fabric_latency_ms']:.2f} ms + 2 intervals of {m['fabric_interval_ms']:.2f} ms "
              f"= {m['fabric_fps']:.1f} fps alone; at 60 fps it leaves {m['left_at_60fps_ms']:.2f} ms per frame "
              "for the host, the buffer writes and the driver.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

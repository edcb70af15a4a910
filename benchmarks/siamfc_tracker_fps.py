"""The whole SiamFC tracker's frame rate on a PYNQ-Z2, by a model: host work (a Cortex-A9
estimate from instruction counts), fabric, DMA, writes into the DMA buffer and driver calls, in
series and as the driver runs.

Host work per tracked frame, phase by phase, is counted on this machine by callgrind (valgrind)
running deploy/'s own code on recorded frames of the benchmark (syn_test_0_000, the reference
scores kept by benchmarks/siamfc_tracker_equivalence.py): the crops (now only their samples:
the accelerator's crop engine cuts them), the peak search, and the driver's numpy work per batch
(what BoardScores.scores_by_scale runs beside the pynq calls: now each crop's header and the frame
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
MMIO/DMA calls of QNNOverlay's batch in parts, at PYNQ_CALL_US each (Python on the A9).

The peak search runs on two threads (the A9's two cores, deploy/siamfc_peak.c, each thread half of
the same items): callgrind counts each thread apart, and the busier core's count (the main thread
less the none child's, or the other threads together) is the phase's time on two cores; the total
is its time on one. Children of their own count the first k scales' parts alone (SCALES_PHASE k,
k = 1, 2, 3): their differences are each scale's part, the peak phase less all of them its finish.

In series adds every term, on one core. As the driver runs (fps_model): a frame's crops need the
last frame's box, so frames never overlap; within a frame, the crops are written and sent one by
one while the fabric cuts the ones before, and each crop's score map (its own TLAST) has its part
of the peak search run while the fabric scores the next. The figures at commit BEFORE (the host
cutting the crops; the same method, from git) stand beside today's.

    python benchmarks/siamfc_tracker_fps.py [--build build/siamfc_binary] [--frames 16] [--jobs 1]
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
# CYCLES_LO and CYCLES_HI reads; per further crop of a batch sent and received crop by crop
# (BoardScores): the wait on the last send and its own transfer, the wait on the last crop's output
# and the next one's transfer
BATCH_CALLS = 7
SEND_CALLS = 2
RECEIVE_CALLS = 2
# what callgrind does not count, the kernel's side of the two cores' handoffs (a thread started or
# woken), at a pessimistic HANDOFF_US each: per scale's part of the peak search its thread's
# start, 3 barriers and the join, 2 barriers more for the part that finds its scale's minimum too
# (the first the board gives); the finish's start, 3 barriers (one fewer where the best scale's
# minimum is found: counted as not) and the join (at BEFORE: one thread)
SCALE_HANDOFFS = 5
MINIMUM_HANDOFFS = 2
FINISH_HANDOFFS = 5
HANDOFF_US = 50.0
PHASES = ("crop", "peak", "driver")
SCALES = 3   # SiamFC's 3-scale tracker
SCALES_PHASE = "peak_scales_{}"   # today's peak search, its first k scales' parts, without its finish
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
    run = json.loads((build / "tracker" / "sim" / "rtlsim.json").read_text())["throughput_run"]
    # the throughput run's first frame is the capture frame, whose change of flag drains the
    # pipeline: the search frames after it run as a tracker frame's batch does
    first, clock = run["frame_first_input"][1], now["clock_mhz"] * 1e3
    now["batch_timeline"] = {"input_ms": [(c - first) / clock for c in run["frame_first_input"][1:]],
                             "output_ms": [(c - first) / clock for c in run["frame_last_output"][1:]]}
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
        overlay.start_batch = lambda n, each_frame=False: None
        overlay.send_frames = lambda n: None
        overlay.receive_frame = lambda: QNNOverlay._unpack(overlay, raw[:len(raw) // scales], 1)
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
        elif name.startswith(SCALES_PHASE.format("")):   # the first k scales' parts, as the board gives them
            for k in tracker.scale_order[:int(name.rsplit("_", 1)[1])]:
                tracker.peak.scale(k, data["maps"][t][k])
            tracker.peak.forget()   # no finish
        elif engine:   # BoardScores less the pynq calls: headers and frames in, each crop's map out
            for _ in backend.scores_by_scale(crops[t]):
                pass
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


def fps_model(design: dict, host: dict, scales: int = SCALES, by_crop: bool = True) -> dict:
    """ms per tracker frame per term; in series and as the driver runs (frames never overlap: a
    frame's crops need the last frame's box). host: A9 ms per phase, "peak_critical" the peak
    search's busier core (two threads where it has them), "parts_critical" each scale's part's.

    by_crop (deploy/ today, BoardScores.scores_by_scale): the first crop's header, frame and send,
    then the fabric. The later crops are written and sent while the fabric cuts the earlier ones,
    and each crop's map comes with its own TLAST; each scale's part of the peak search runs as its
    map comes, the finish after the last. The driver's numpy work is taken as the same for each
    crop (a modelling assumption: each crop runs the same header, copy and unpack). A crop's send
    waits on the last (its MM2S done once the fabric took that crop's last input word, i.e. takes
    the next crop's first), and the fabric waits where the host has not sent a crop by the time
    it would take it. design["batch_timeline"]: when the fabric takes each crop's first word and gives each
    crop's last output word, from the first crop's first word (the build's rtlsim throughput run,
    a batch after a drained pipeline, as each tracker frame's batch starts). Else (deploy/ at
    BEFORE): every write, one send, the whole fabric, then the peak."""
    clock = design["clock_mhz"] * 1e3                       # cycles per ms
    rt = design["rtlsim"]
    interval, latency = rt["cycles_per_frame"] / clock, rt["latency_cycles"] / clock
    # now: the batch's own last output word in rtlsim; BEFORE (no timeline then): latency + intervals
    fabric = design["batch_timeline"]["output_ms"][scales - 1] if by_crop else latency + (scales - 1) * interval
    bytes_in = scales * design["input"]["words"] * design["input"]["dma_bytes"]
    bytes_out = scales * design["output"]["words"] * design["output"]["dma_bytes"]
    dma = (bytes_in + bytes_out) / (design["input"]["dma_bytes"] * clock)   # one word a cycle
    writes = bytes_in / (A9_COPY_MB_S * 1e3)
    call_ms, handoff_ms = PYNQ_CALL_US / 1e3, HANDOFF_US / 1e3
    per_crop = (SEND_CALLS + RECEIVE_CALLS) * (scales - 1) if by_crop else 0
    calls = (BATCH_CALLS + per_crop) * call_ms
    terms = {"host_crop": host["crop"], "host_peak": host["peak"], "driver_numpy": host["driver"],
             "fabric": fabric, "dma": dma, "buffer_writes": writes, "driver_calls": calls}
    series = sum(terms.values())
    if by_crop:   # scores_by_scale's order, step by step; t0: the first crop's first word goes in
        crop_host = (writes + host["driver"]) / scales     # one crop's header, frame copy and unpack
        parts = [part + (SCALE_HANDOFFS + MINIMUM_HANDOFFS * (k == 0)) * handoff_ms
                 for k, part in enumerate(host["parts_critical"])]
        finish = host["peak_critical"] - sum(host["parts_critical"]) + FINISH_HANDOFFS * handoff_ms
        taken, out = design["batch_timeline"]["input_ms"], design["batch_timeline"]["output_ms"]
        t0 = now = host["crop"] + crop_host + 3 * call_ms   # FRAMES, the output transfer, the first send
        stall = 0.0   # the fabric waiting for a crop the host has not sent yet
        maps_in = 0
        for k in range(1, scales):
            now += crop_host
            if k >= 2:   # crop k - 2's map in (the next one's transfer armed) before waiting on a send
                now = max(now, t0 + stall + out[maps_in]) + RECEIVE_CALLS * call_ms
                maps_in += 1
            now = max(now, t0 + stall + taken[k]) + SEND_CALLS * call_ms   # crop k - 1 all taken
            stall += max(0.0, now - (t0 + stall + taken[k]))
        spans = []   # each scale's part of the peak search: (start, end), ms
        for k in range(scales):
            if k >= maps_in:
                now = max(now, t0 + stall + out[k]) + RECEIVE_CALLS * call_ms
            spans.append((now, now + parts[k]))
            now += parts[k]
        as_driven = now + finish + 2 * call_ms           # and the cycle counter's two reads
    else:
        as_driven = series - dma - host["peak"] + host["peak_critical"]
    return {"terms_ms": terms, "peak_critical_ms": host["peak_critical"], "series_ms": series,
            "series_fps": 1000 / series, "as_driven_ms": as_driven, "as_driven_fps": 1000 / as_driven,
            "by_crop": by_crop, "later_crop_ms": crop_host + SEND_CALLS * call_ms if by_crop else None,
            "fabric_stall_ms": stall if by_crop else None,
            "first_word_ms": t0 if by_crop else None, "part_spans_ms": spans if by_crop else None,
            "finish_ms": finish if by_crop else None,
            "fabric_fps": 1000 / fabric, "left_at_60fps_ms": 1000 / 60 - fabric,
            "dma_bytes": {"in": bytes_in, "out": bytes_out},
            "fabric_interval_ms": interval, "fabric_latency_ms": latency}


def main(argv=None):
    if argv is None and sys.argv[1:2] == ["--child"]:
        return child(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=ROOT / "build" / "siamfc_binary")
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "tracker_scores")
    ap.add_argument("--frames", type=int, default=16, help="frames counted (more: less of the children's noise per frame)")
    ap.add_argument("--jobs", type=int, default=1, help="valgrind processes side by side")
    args = ap.parse_args(argv)
    inputs = args.cache / "host_work.npz"
    # deploy/'s C kernels built here, before the children load them (the children of deploy/ at
    # BEFORE import that deploy/, so this module imports today's only in the parent)
    from deploy import native

    for source in sorted((ROOT / "deploy").glob("*.c")):
        native.load(source)
    if not inputs.exists() or len(np.load(inputs)["states"]) < args.frames:   # recorded once, as many as asked
        record_inputs(args.build, args.cache, args.frames, inputs)
    counts = counts_per_frame(inputs, args.frames, args.jobs,
                              phases=(*PHASES, *(SCALES_PHASE.format(k) for k in range(1, SCALES + 1))))
    with tempfile.TemporaryDirectory() as tmp:
        old_counts = counts_per_frame(inputs, args.frames, args.jobs, deploy_at(BEFORE, Path(tmp)))
    for phase in PHASES:   # the scales' part is in the peak's
        print(f"{phase}: {counts[phase]['total'] / 1e6:.2f} M x86 instructions per frame, the busiest thread "
              f"{counts[phase]['critical'] / 1e6:.2f} M ({old_counts[phase]['total'] / 1e6:.1f} M at {BEFORE})",
              flush=True)
    design = designs(args.build)

    def a9(counted: dict) -> dict:
        ms = {**{phase: a9_ms(n["total"]) for phase, n in counted.items()},
              "peak_critical": a9_ms(counted["peak"]["critical"])}
        if SCALES_PHASE.format(1) in counted:   # each scale's part: the first k scales' less the first k - 1's
            upto = [0.0] + [a9_ms(counted[SCALES_PHASE.format(k)]["critical"]) for k in range(1, SCALES + 1)]
            ms["parts_critical"] = [b - a for a, b in zip(upto[:-1], upto[1:], strict=True)]
        return ms
    host, old_host = a9(counts), a9(old_counts)
    result = {"frames": args.frames, "x86_instructions_per_frame": counts, "a9_ms_estimate": host,
              "assumptions": {"a9_mhz": A9_MHZ, "a9_ipc": A9_IPC, "arm_per_x86": ARM_PER_X86,
                              "copy_mb_s": A9_COPY_MB_S, "pynq_call_us": PYNQ_CALL_US,
                              "batch_calls": BATCH_CALLS, "send_calls": SEND_CALLS,
                              "receive_calls": RECEIVE_CALLS, "scale_handoffs": SCALE_HANDOFFS,
                              "minimum_handoffs": MINIMUM_HANDOFFS,
                              "finish_handoffs": FINISH_HANDOFFS, "handoff_us": HANDOFF_US},
              "model": fps_model(design["now"], host),
              "earlier": earlier_results(), "batch_timeline": design["now"]["batch_timeline"],
              "before": {"commit": BEFORE, "x86_instructions_per_frame": old_counts, "a9_ms_estimate": old_host,
                         "model": fps_model(design["before"], old_host, by_crop=False)}}
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
             f"({a['batch_calls']} per batch, {a['send_calls'] + a['receive_calls']} more per further crop); "
             f"the peak search on two cores with {a['scale_handoffs']} thread handoffs per scale "
             f"({a['scale_handoffs'] + a['minimum_handoffs']} for the first, which finds its minimum too) and "
             f"{a['finish_handoffs']} for its finish, at {a['handoff_us']:g} us each (the kernel's side, which "
             f"callgrind does not count). Before: deploy/ at commit {old['commit']}, counted by the same "
             "children in the same run (the host cut the crops). Now: the accelerator's crop engine cuts the "
             "crops (Pillow's bytes, the boxes of the recorded tracker); the host computes their samples, writes "
             "each crop's header and the frame into the DMA buffer and sends it, the next while the fabric cuts "
             "it; each crop's score map comes with its own TLAST, and its part of the peak search "
             "(deploy/siamfc_peak.c: two cores, two cells at a time) runs while the fabric scores the next. "
             "A count within 0.1 M of 0 is the children's noise (the crops' samples are a few hundred "
             "instructions).", "",
             "| term | x86 instr./frame before | now | ms/frame before | now |", "|---|---|---|---|---|"]
    for term, ms in m["terms_ms"].items():
        phase = names.get(term)
        counted = (f"{old_count[phase]['total'] / 1e6:.2f} M | {count[phase]['total'] / 1e6:.2f} M"
                   if phase else "- | -")
        lines.append(f"| {term} | {counted} | {was['terms_ms'][term]:.2f} | {ms:.2f} |")
    lines.append(f"| host_peak, the busier core | - | {count['peak']['critical'] / 1e6:.2f} M | "
                 f"{was['peak_critical_ms']:.2f} | {m['peak_critical_ms']:.2f} |")
    parts = r["a9_ms_estimate"]["parts_critical"]
    lines.append(f"| of which each scale's part, the busier core | - | "
                 f"{count[SCALES_PHASE.format(SCALES)]['critical'] / 1e6:.2f} M in all | - | "
                 + " + ".join(f"{p:.2f}" for p in parts) + " |")
    for key, label in (("series", "**in series** (every term, one core)"),
                       ("as_driven", "**as the driver runs** (one batch of 3; before: every write, the fabric, "
                                     "then the peak; now: crop by crop, the later crops' writes and the scales' "
                                     "peak parts inside the fabric's work, the DMA inside its counted cycles)")):
        lines.append(f"| {label} | | | {was[key + '_ms']:.2f} ms = {was[key + '_fps']:.1f} fps | "
                     f"**{m[key + '_ms']:.2f} ms = {m[key + '_fps']:.1f} fps** |")
    lines += [""] + [f"At commit {e['commit']} ({e['what']}; this benchmark's result there): "
                     f"{e['as_driven_ms']:.2f} ms = {e['as_driven_fps']:.1f} fps as the driver ran." for e in r["earlier"]]
    timeline = r["batch_timeline"]
    lines += ["", f"A later crop's host work (its header, frame copy, unpack and sends): {m['later_crop_ms']:.2f} ms; "
              "the fabric takes the crops' first words at "
              + ", ".join(f"{t:.2f}" for t in timeline["input_ms"][:3]) + " ms and gives their maps at "
              + ", ".join(f"{t:.2f}" for t in timeline["output_ms"][:3]) + " ms (rtlsim, from the first crop's "
              f"first word); the fabric waited {m['fabric_stall_ms']:.2f} ms for the host. The first crop's first "
              f"word goes in at {m['first_word_ms']:.2f} ms; the scales' parts of the peak search run "
              + ", ".join(f"{a:.2f}-{b:.2f}" for a, b in m["part_spans_ms"])
              + f" ms, the finish {m['finish_ms']:.2f} ms.", "",
              f"DMA: {m['dma_bytes']['in']:,} bytes in (3 x a crop's header and the frame), "
              f"{m['dma_bytes']['out']:,} out per frame (design.json); fabric (crop engine, backbone, correlation): "
              f"{m['terms_ms']['fabric']:.2f} ms a batch = {m['fabric_fps']:.1f} fps alone; at 60 fps it leaves "
              f"{m['left_at_60fps_ms']:.2f} ms per frame for what the host cannot overlap.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

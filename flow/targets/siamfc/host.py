"""The tracker's host work per frame, timed by the build beside the fabric's cycles.

Beside the accelerator the host does, per tracker frame, what SiamFCTracker.track_phases times
apart (deploy/siamfc_tracker.py): the search crops' samples (3 scales; the accelerator's crop
engine cuts them) and the peak search (the upsampled cells that can hold the peak, bicubic 16x,
penalties, window, argmax, box update). They run here on HOST_FRAMES frames of the first
benchmark sequence, scored by the build's bit-exact reference as the board's accelerator scores
them (its crops cut by the engine's model); the time is CPU time of this build machine's
processor, not the board's Cortex-A9.

How host and fabric overlap within a frame (a bound): the host's part of scale s+1 can be done
while the fabric embeds scale s, so a frame takes at least max(host, one scale's part + fabric +
peak search); the peak search needs every scale's map. Frames cannot overlap: the crops of frame
t+1 are centred on frame t's result.
"""

from __future__ import annotations

import dataclasses
import platform
import time
from pathlib import Path

HOST_FRAMES = 10


def time_host(build_dir: Path, search_size: int) -> dict:
    """ms per tracker frame of each host phase (and the reference backend's, for scale)."""
    from deploy.siamfc_tracker import SiamFCTracker, TrackerConfig, host_ms_per_frame
    from flow.targets.siamfc.backend import ReferenceScores
    from models.data.synthetic_tracking import benchmark

    sequence = benchmark(1, 0, "test", HOST_FRAMES + 1)[0]
    config = dataclasses.replace(TrackerConfig.for_scales(3), search_size=search_size)
    tracker = SiamFCTracker(ReferenceScores(build_dir, crop_engine=True), config)
    # one frame first, untimed: the one-off costs (deploy/'s C kernels compiled where this machine
    # has no current build of them, the peak search's tables) are no frame's
    tracker.track_phases(benchmark(1, 0, "test", 2)[0])
    _, seconds = tracker.track_phases(sequence, clock=time.process_time)
    return {"frames": HOST_FRAMES, "cpu": f"{cpu_name()} ({platform.machine()})",
            "ms_per_frame": host_ms_per_frame(seconds, HOST_FRAMES)}


def cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or "unknown CPU"


def host_overlap(ms: dict, fabric_frame_ms: float, scales: int) -> dict:
    """Tracker fps with the host's phases in series with the fabric, and the bound with them
    overlapped within a frame (the module's docstring says how)."""
    overlapped = max(ms["host"], ms["crop"] / scales + fabric_frame_ms + ms["peak"])
    return {"fabric_frame_ms": fabric_frame_ms,
            "tracker_fps_host_in_series": 1000 / (ms["host"] + fabric_frame_ms),
            "tracker_fps_host_overlapped_bound": 1000 / overlapped}

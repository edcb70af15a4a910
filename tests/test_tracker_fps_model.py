"""benchmarks/siamfc_tracker_fps.py's model of a tracker frame as the driver runs it, step by step:
the crops sent one by one, each scale's part of the peak search as its map comes."""

import pytest

from benchmarks import siamfc_tracker_fps as fps

CALL = fps.PYNQ_CALL_US / 1e3
HANDOFF = fps.HANDOFF_US / 1e3


def design(taken, out):
    """A design of 1-word frames (writes of no weight) whose fabric takes and gives the batch's
    crops at these times (ms from the first crop's first word)."""
    return {"clock_mhz": 100.0, "rtlsim": {"cycles_per_frame": 300_000, "latency_cycles": 500_000},
            "input": {"words": 1, "dma_bytes": 8}, "output": {"words": 1, "dma_bytes": 4},
            "batch_timeline": {"input_ms": taken, "output_ms": out}}


def host(parts=(0.0, 0.0, 0.0), finish=0.0):
    return {"crop": 0.0, "peak": sum(parts) + finish, "driver": 0.0, "parts_critical": list(parts),
            "peak_critical": sum(parts) + finish}


def test_the_frame_ends_after_the_last_map_its_part_and_the_finish():
    m = fps.fps_model(design([0.0, 3.0, 6.0], [5.0, 8.0, 11.0]), host(parts=(1.0, 1.0, 1.0), finish=2.0))
    t0 = 3 * CALL   # FRAMES, the output transfer, the first send
    # each later crop is sent once the fabric took the one before; its send's calls come after it
    # (counted as the fabric waiting: 2 sends)
    stall = 2 * (fps.SEND_CALLS * CALL)
    assert m["first_word_ms"] == pytest.approx(t0, abs=1e-3)
    assert m["fabric_stall_ms"] == pytest.approx(stall, abs=1e-3)
    last = t0 + stall + 11.0 + fps.RECEIVE_CALLS * CALL   # the last map in
    part = 1.0 + fps.SCALE_HANDOFFS * HANDOFF
    assert m["part_spans_ms"][2] == pytest.approx((last, last + part), abs=1e-3)
    finish = 2.0 + fps.FINISH_HANDOFFS * HANDOFF
    assert m["as_driven_ms"] == pytest.approx(last + part + finish + 2 * CALL, abs=1e-3)


def test_a_part_longer_than_the_fabric_gives_delays_the_next():
    quick = fps.fps_model(design([0.0, 3.0, 6.0], [5.0, 8.0, 11.0]), host(parts=(1.0, 1.0, 1.0)))
    slow = fps.fps_model(design([0.0, 3.0, 6.0], [5.0, 8.0, 11.0]), host(parts=(6.0, 1.0, 1.0)))
    # the first part ends after the second map: the second starts when it ends, not at its map
    first_end = slow["part_spans_ms"][0][1]
    assert first_end > 8.0 and slow["part_spans_ms"][1][0] == pytest.approx(first_end + fps.RECEIVE_CALLS * CALL)
    assert slow["as_driven_ms"] > quick["as_driven_ms"]


def test_the_third_crop_waits_for_the_first_map_and_the_fabric_for_it():
    # the fabric would take the third crop (4 ms) before the first map is out (5 ms): the driver
    # sends it only after receiving that map, and the fabric waits
    m = fps.fps_model(design([0.0, 2.0, 4.0], [5.0, 8.0, 11.0]), host())
    assert m["fabric_stall_ms"] > 1.0

"""The numpy tracker gives the recorded tracker's boxes: the first tracked frames of the
benchmark's first sequence, scored by the siamfc_binary build's reference backend. The score maps
of those frames are kept with the test (siamfc_reference_scores.npz), keyed by the sha256 of the
exemplar and the crops they score, so the crops must be byte for byte the recorded tracker's
too; the boxes (benchmarks/results/siamfc_tracker_baseline.json, recorded by the tracker this one
replaces) must be identical to the last bit. benchmarks/siamfc_tracker_equivalence.py compares
the whole benchmark."""

import hashlib
import json
from pathlib import Path

import numpy as np

from deploy.siamfc_tracker import SiamFCTracker, TrackerConfig
from models.data.synthetic_tracking import benchmark

ROOT = Path(__file__).resolve().parents[2]
FRAMES = 3


class RecordedScores:
    def __init__(self):
        self.maps = dict(np.load(Path(__file__).with_name("siamfc_reference_scores.npz")))

    def set_exemplar(self, pixels):
        self.exemplar = hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()

    def responses(self, pixels):
        key = hashlib.sha256(self.exemplar.encode() + np.ascontiguousarray(pixels).tobytes()).hexdigest()
        assert key in self.maps, "the crops differ from the recorded tracker's"
        return self.maps[key]


def test_first_frames_give_the_recorded_boxes():
    baseline = json.loads((ROOT / "benchmarks" / "results" / "siamfc_tracker_baseline.json").read_text())
    sequence = benchmark(1, 0, "test", baseline["benchmark"]["frames"])[0]
    tracker = SiamFCTracker(RecordedScores(), TrackerConfig.for_scales(3))
    tracker.init(sequence.frame(0), sequence.boxes[0])
    boxes = [tracker.update(sequence.frame(t)) for t in range(1, FRAMES + 1)]
    recorded = np.array(baseline["boxes"][sequence.name][1:FRAMES + 1])
    assert np.array_equal(np.array(boxes), recorded)

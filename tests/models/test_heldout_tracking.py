"""The held-out tracking benchmarks: deterministic, frozen, and built from images training never
samples."""

import numpy as np
import pytest

from models.data import heldout_tracking
from models.data.synthetic_tracking import PHOTOS, SPLITS, SceneConfig, SyntheticSequence, photo

# The frozen definition's ground truth: the sum of every box of the set, the last box of
# sequence 5, and each sequence's attribute initials (S IPR OCC IV MB BC FM).
FROZEN = {
    "easy": (
        202585.808,
        [58.94, 124.178, 57.336, 60.811],
        ["SI", "S", "II", "", "I", "I", "SI", "", "I", "", "S", "S"],
    ),
    "hard": (
        199002.484,
        [81.546, 88.076, 38.461, 28.029],
        [
            "SOBF",
            "SIOIBF",
            "SOBF",
            "IOMBF",
            "SIOBF",
            "OIBF",
            "SIOIBF",
            "SOBF",
            "OMBF",
            "OBF",
            "IOIBF",
            "SOIBF",
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(heldout_tracking.HELDOUT_SETS))
def test_a_set_is_deterministic_and_frozen(name):
    a, b = heldout_tracking.sequences(name), heldout_tracking.sequences(name)
    spec = heldout_tracking.get_set(name)
    assert len(a) == spec.sequences == 12 and all(len(s) == spec.frames == 50 for s in a)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.boxes, y.boxes)
    np.testing.assert_array_equal(a[0].frame(17), b[0].frame(17))
    total, last_box, attributes = FROZEN[name]
    assert np.concatenate([s.boxes for s in a]).sum() == pytest.approx(total, abs=0.01)
    np.testing.assert_allclose(a[5].boxes[-1], last_box, atol=1e-3)
    assert ["".join(t[0] for t in s.attributes) for s in a] == attributes


def test_the_hard_set_has_distractors_occlusion_and_fast_motion_the_easy_set_none():
    for s in heldout_tracking.sequences("hard"):
        assert {"OCC", "BC", "FM"} <= set(s.attributes)
    for s in heldout_tracking.sequences("easy"):
        assert not {"OCC", "BC", "FM", "MB"} & set(s.attributes)


def test_no_held_out_image_is_one_training_or_the_project_benchmark_samples():
    heldout = set(SPLITS["heldout"])
    assert len(heldout) == 6 and not heldout & (set(SPLITS["train"]) | set(SPLITS["test"]))
    # not under another name either: no held-out image equals a scikit-image photograph
    for other in (*SPLITS["train"], *SPLITS["test"]):
        for name in heldout:
            assert photo(name).shape != photo(other).shape or not np.array_equal(
                photo(name), photo(other)
            ), (name, other)
    for name in heldout_tracking.HELDOUT_SETS:
        for s in heldout_tracking.sequences(name):
            assert {s.target_photo, s.background_photo} <= heldout
            assert s.target_photo != s.background_photo


def test_each_image_is_the_target_source_of_two_sequences():
    for name in heldout_tracking.HELDOUT_SETS:
        counts = np.unique(list(heldout_tracking.sources(name).values()), return_counts=True)[1]
        assert sorted(counts) == [2] * 6


def test_the_default_scene_draws_what_it_drew_before_scene_configs():
    # the training data and the project's benchmark must not change: syn_train_1_000's attributes
    # and first and last boxes as the training cache holds them, written before SceneConfig existed
    s = SyntheticSequence(100000, "train", 100)
    assert s.attributes == ["SV", "IPR", "MB", "FM"]
    np.testing.assert_allclose(s.boxes[0], [118.096, 85.156, 68.424, 95.042], atol=1e-3)
    np.testing.assert_allclose(s.boxes[99], [70.505, 52.735, 50.977, 64.47], atol=1e-3)
    faster = SyntheticSequence(100000, "train", 100, scene=SceneConfig(fast_speed=(20.0, 30.0)))
    assert faster.attributes == s.attributes and not np.allclose(faster.boxes, s.boxes)


def test_bad_names_are_named():
    with pytest.raises(ValueError, match="unknown held-out set 'medium'"):
        heldout_tracking.get_set("medium")
    with pytest.raises(ValueError, match="not in split 'heldout'"):
        SyntheticSequence(0, "heldout", 5, target_photo="astronaut")
    with pytest.raises(ValueError, match="one value per attribute"):
        SceneConfig(probabilities=(0.5,))
    assert set(SPLITS["heldout"]) <= set(PHOTOS)

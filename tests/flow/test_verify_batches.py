"""The frame ranges L3 runs in: fixed sizes, or ranges that start at capture frames."""

import numpy as np
import pytest

from flow.verify import batches


def test_fixed_ranges_without_capture_flags():
    assert batches(5, 2) == [slice(0, 2), slice(2, 4), slice(4, 5)]
    assert batches(0, 2) == []


def test_ranges_start_at_capture_frames_and_keep_an_exemplar_whole():
    capture = np.array([1, 0, 1, 0, 0, 1, 0])
    assert batches(len(capture), 4, capture) == [slice(0, 2), slice(2, 5), slice(5, 7)]
    assert batches(len(capture), 5, capture) == [slice(0, 5), slice(5, 7)]
    # one exemplar's frames longer than the size stay together
    assert batches(5, 2, np.array([1, 0, 0, 0, 0])) == [slice(0, 5)]


def test_the_first_frame_must_capture():
    with pytest.raises(ValueError, match="first frame must be a capture frame"):
        batches(3, 2, np.array([0, 1, 0]))

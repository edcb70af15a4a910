"""OTB-format loader on sequences the test writes."""

import numpy as np
import pytest
from PIL import Image

from models.data.otb import load_benchmark, load_sequence, read_groundtruth, write_groundtruth


def write_sequence(folder, boxes_text, n_images, size=(40, 30)):
    (folder / "img").mkdir(parents=True)
    for t in range(n_images):
        Image.fromarray(np.full((size[1], size[0], 3), 10 * t, np.uint8)).save(
            folder / "img" / f"{t + 1:04d}.jpg"
        )
    (folder / "groundtruth_rect.txt").write_text(boxes_text)


@pytest.mark.parametrize("separator", [",", "\t", " ", ", "])
def test_separators_and_one_based_coordinates(tmp_path, separator):
    text = (
        "\n".join(
            separator.join(row) for row in (("1", "2", "30", "40"), ("11.5", "12", "30", "41"))
        )
        + "\n\n"
    )
    write_sequence(tmp_path / "Walk", text, 2)
    sequence = load_sequence(tmp_path / "Walk")
    assert sequence.name == "Walk" and len(sequence) == 2
    np.testing.assert_array_equal(sequence.boxes, [[0, 1, 30, 40], [10.5, 11, 30, 41]])
    frame = sequence.frame(1)
    assert (
        frame.shape == (30, 40, 3) and frame.dtype == np.uint8 and abs(int(frame.mean()) - 10) <= 1
    )


def test_grey_frames_come_back_as_rgb(tmp_path):
    write_sequence(tmp_path / "Grey", "1,1,5,5\n", 0)
    Image.fromarray(np.full((8, 9), 77, np.uint8)).save(tmp_path / "Grey" / "img" / "0001.jpg")
    frame = load_sequence(tmp_path / "Grey").frame(0)
    assert frame.shape == (8, 9, 3)


def test_groundtruth_round_trip(tmp_path):
    boxes = np.array([[0.0, 1.25, 10.5, 20.0], [3.125, 4.0, 11.0, 19.5]])
    write_groundtruth(tmp_path / "gt.txt", boxes)
    assert (tmp_path / "gt.txt").read_text().splitlines()[0] == "1.000,2.250,10.500,20.000"
    np.testing.assert_allclose(read_groundtruth(tmp_path / "gt.txt"), boxes)


def test_errors_name_the_problem(tmp_path):
    write_sequence(tmp_path / "Short", "1,2,3,4\n", 2)
    with pytest.raises(ValueError, match="2 images but 1 boxes"):
        load_sequence(tmp_path / "Short")
    write_sequence(tmp_path / "Bad", "1,2,3\n", 1)
    with pytest.raises(ValueError, match=r"groundtruth_rect.txt:1: expected 4 values"):
        load_sequence(tmp_path / "Bad")
    with pytest.raises(FileNotFoundError, match="no OTB sequences"):
        load_benchmark(tmp_path / "nowhere")


def test_benchmark_lists_sequences_by_name(tmp_path):
    for name in ("b", "a"):
        write_sequence(tmp_path / name, "1,1,4,4\n", 1)
    (tmp_path / "notes").mkdir()
    assert [s.name for s in load_benchmark(tmp_path)] == ["a", "b"]

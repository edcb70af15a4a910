"""Pair sampler: SiamFC crop geometry, mean padding, labels, and where the target lands."""

import numpy as np
import pytest

from models.data.pairs import (
    PairConfig,
    PairDataset,
    crop,
    exemplar_side,
    score_labels,
    window_centre,
)


def test_exemplar_side_has_the_context_margin():
    # w = 40, h = 20: p = (40 + 20) / 2 = 30, side = sqrt(70 * 50)
    assert exemplar_side(40, 20) == pytest.approx(np.sqrt(70 * 50))
    with pytest.raises(ValueError, match="positive"):
        exemplar_side(0, 10)


def test_crop_at_unit_scale_is_the_sub_image_and_pads_with_the_mean():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (50, 60, 3)).astype(np.uint8)
    # a 20x20 square centred at (30, 25) covers columns 20..39 and rows 15..34
    np.testing.assert_array_equal(crop(image, (30.0, 25.0), 20, 20), image[15:35, 20:40])
    # half outside the frame at the top-left: the outside takes the frame's mean colour
    out = crop(image, (0.0, 0.0), 20, 20)
    mean = np.rint(image.reshape(-1, 3).mean(axis=0))
    assert np.abs(out[:9, :9].astype(int) - mean).max() <= 1
    np.testing.assert_array_equal(out[10:, 10:], image[:10, :10])


def test_crop_resizes_the_region_to_the_output_size():
    image = np.zeros((100, 100, 3), np.uint8)
    image[40:60, 40:60] = 255  # a 20x20 white square centred at (50, 50)
    out = crop(image, (50.0, 50.0), 40, 80)  # 2x enlargement: the square becomes 40x40
    rows, cols = np.nonzero(out[:, :, 0] >= 128)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (20, 59, 20, 59)


def test_labels_are_a_disk_of_positives_with_balanced_weights():
    size = 17  # 191x191 search crop
    labels, weights = score_labels(size, target=(95.5, 95.5), positive_radius=8)
    assert window_centre(8) == 95.5
    # radius 8 px = 2 cells at stride 4: cells with di^2 + dj^2 <= 4 -> 13 positives around (8, 8)
    assert labels.sum() == 13 and labels[8, 8] == 1 and labels[8, 10] == 1 and labels[8, 11] == 0
    assert labels[6, 8] == 1 and labels[7, 7] == 1 and labels[6, 7] == 0
    np.testing.assert_allclose(weights[labels == 1], 0.5 / 13)
    np.testing.assert_allclose(weights[labels == 0], 0.5 / (289 - 13))
    assert weights.sum() == pytest.approx(1.0)
    shifted, _ = score_labels(size, target=(95.5 + 8, 95.5 - 4), positive_radius=8)
    assert shifted[7, 10] == 1 and shifted.sum() == 13


class SquareSequence:
    """A white square moving right on a grey frame; boxes are exact."""

    def __init__(self, n=6):
        self.boxes = np.array([[60.0 + 5 * t, 70.0, 24.0, 24.0] for t in range(n)])

    def __len__(self):
        return len(self.boxes)

    def frame(self, t):
        image = np.full((200, 240, 3), 90, np.uint8)
        x, y, w, h = self.boxes[t].astype(int)
        image[y : y + h, x : x + w] = 255
        return image


def test_pairs_put_the_target_where_the_labels_say():
    config = PairConfig(search_size=191, max_gap=3)
    dataset = PairDataset([SquareSequence()], n_pairs=6, seed=1, config=config)
    assert dataset.score_size == 17
    for i in range(len(dataset)):
        item = dataset[i]
        assert item["exemplar"].shape == (127, 127, 3) and item["search"].shape == (191, 191, 3)
        # exemplar: 24 px target, side sqrt(48 * 48) = 48 -> 127 / 48 = 2.65x: the square is
        # centred and about 63 px wide
        rows, cols = np.nonzero(item["exemplar"][:, :, 0].numpy() > 170)
        assert (
            abs((cols.min() + cols.max() + 1) / 2 - 63.5) <= 1
            and abs((rows.min() + rows.max() + 1) / 2 - 63.5) <= 1
        )
        assert abs(cols.max() + 1 - cols.min() - 63.5) <= 4
        # search: the square's centre is the reported target, which the labels' positives surround
        rows, cols = np.nonzero(item["search"][:, :, 0].numpy() > 170)
        centre = np.array([(cols.min() + cols.max() + 1) / 2, (rows.min() + rows.max() + 1) / 2])
        np.testing.assert_allclose(centre, item["target"].numpy(), atol=4.0)  # stretch <= 5%
        pos_rows, pos_cols = np.nonzero(item["labels"].numpy())
        mid = np.array([window_centre(pos_cols).mean(), window_centre(pos_rows).mean()])
        np.testing.assert_allclose(mid, item["target"].numpy(), atol=4.0)
    first, again = dataset[2], dataset[2]
    assert all(np.array_equal(first[k], again[k]) for k in first)

"""The numpy tracker's host work against what it replaces: its crops are Pillow's bytes, its
upsampled cells torch's F.interpolate (up to the fused multiply-adds of torch's CPU kernel), and
the peak from the candidate cells is the peak of the whole upsampled maps."""

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from deploy.crop import Cropper, OpenCVCropper, crop, fill_colour
from deploy.peak import PeakFinder, Upsampler, full_peak
from models.data.pairs import crop as pillow_crop


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    smooth = np.kron(rng.integers(0, 256, (30, 40, 3)), np.ones((8, 8, 1)))
    return np.clip(smooth + rng.normal(0, 20, smooth.shape), 0, 255).astype(np.uint8)  # 240 x 320


def test_crops_are_pillows_bytes(frame):
    rng = np.random.default_rng(1)
    fill = frame.reshape(-1, 3).mean(axis=0)
    for _ in range(60):   # inside, across and beyond the border; up- and downsampled
        center, side = rng.uniform(-100, 420, 2), rng.uniform(4, 900)
        out = int(rng.choice([127, 143, 255]))
        np.testing.assert_array_equal(crop(frame, center, side, out, fill_colour(frame)),
                                      pillow_crop(frame, center, side, out, fill))


def test_a_cropper_writes_pillows_bytes_into_a_view_crop_after_crop(frame):
    """One Cropper, its working arrays reused, into a view of a bigger array (as the tracker's
    crops): the bytes of the whole-array crop, nothing written outside the view."""
    rng = np.random.default_rng(5)
    fill = fill_colour(frame)
    cropper, target = Cropper(143), np.zeros((2, 143, 143, 3), np.uint8)
    for _ in range(40):   # sides from 1/8 to 6 times the output: slices and gathered rows alike
        center, side = rng.uniform(-150, 470, 2), rng.uniform(16, 900)
        cropper(target[1], frame, center, side, fill)
        np.testing.assert_array_equal(target[1], pillow_crop(frame, center, side, 143, frame.reshape(-1, 3).mean(0)))
        assert not target[0].any()


def test_crops_cut_in_bands_of_rows_are_the_whole_crops(frame):
    """Two croppers, each a band of output rows (the tracker's two threads): the whole crop's
    bytes, the bands split anywhere, inside and outside the frame's rows."""
    rng = np.random.default_rng(9)
    fill = fill_colour(frame)
    upper, lower = Cropper(127), Cropper(127)
    for _ in range(30):
        center, side, split = rng.uniform(-150, 470, 2), rng.uniform(16, 900), int(rng.integers(0, 128))
        whole, banded = np.zeros((2, 127, 127, 3), np.uint8)
        Cropper(127)(whole, frame, center, side, fill)
        upper(banded, frame, center, side, fill, (0, split))
        lower(banded, frame, center, side, fill, (split, 127))
        np.testing.assert_array_equal(banded, whole)
    with pytest.raises(ValueError, match=r"output rows \[5, 200\) are not rows of a 127 x 127 crop"):
        upper(np.zeros((127, 127, 3), np.uint8), frame, (10, 10), 20, fill, (5, 200))


def test_opencv_crops_sample_where_pillows_do():
    """OpenCV's fixed-point crops: on a smooth frame, within 2 levels of Pillow's bytes (a
    1/32-pixel sample grid and other rounding), and the fill colour exactly where Pillow's is."""
    yy, xx = np.mgrid[:240, :320]
    frame = np.stack([0.5 * xx + 0.4 * yy, 0.2 * xx + 0.6 * yy, 200 - 0.3 * xx], axis=-1).astype(np.uint8)
    fill = np.array([7, 250, 3], np.uint8)   # no pixel of the frame's
    rng = np.random.default_rng(7)
    cropper, out = OpenCVCropper(127), np.empty((127, 127, 3), np.uint8)
    for _ in range(40):   # inside, across and beyond the border; up- and downsampled
        center, side = rng.uniform(-60, 380, 2), rng.uniform(30, 500)
        cropper(out, frame, center, side, fill)
        pillow = crop(frame, center, side, 127, fill)
        outside = (pillow == fill).all(axis=-1)
        np.testing.assert_array_equal((out == fill).all(axis=-1), outside)
        assert np.abs(out.astype(int) - pillow).max() <= 2


def test_crop_rejects_what_it_cannot_crop(frame):
    with pytest.raises(ValueError, match="uint8 H x W x 3"):
        crop(frame.astype(np.float32), (10, 10), 20, 127)
    with pytest.raises(ValueError, match="C-contiguous uint8 127 x 127 x 3 array"):
        Cropper(127)(np.zeros((127, 127, 4), np.uint8), frame, (10, 10), 20, fill_colour(frame))


def torch_upsampled(maps, factor=16):
    size = maps.shape[-1] * factor
    return F.interpolate(torch.from_numpy(maps[:, None]), size=(size, size), mode="bicubic",
                         align_corners=False)[:, 0].numpy()


def test_upsampling_is_torchs():
    rng = np.random.default_rng(2)
    up = Upsampler(33, 16)
    small = rng.integers(-2**12, 2**12, (3, 33, 33)).astype(np.float64)
    np.testing.assert_array_equal(up.full(small), torch_upsampled(small))   # every term exact
    # score maps of the full network reach 2^24 and more: torch's CPU kernel fuses the row
    # taps' multiply-adds, so its last bits may differ (the same inputs give other last bits on
    # a CPU without FMA): a few units in the last place
    large = rng.integers(-2**25, 2**25, (3, 33, 33)).astype(np.float64)
    ours, theirs = up.full(large), torch_upsampled(large)
    assert np.abs(ours - theirs).max() <= 16 * np.spacing(np.abs(theirs).max())


def test_the_kernels_peak_is_the_whole_maps_on_hard_maps():
    """deploy/siamfc_peak.c's choice against the whole upsampling's on maps that stress its
    bounds: flat and noisy, negative, up to 2^24, one scale far ahead or all alike; where it
    cannot decide (equal or near-equal best cells) the whole maps decide."""
    rng = np.random.default_rng(6)
    finder = PeakFinder(33, 16, np.array([0.9745, 1.0, 0.9745]), 0.176)
    yy, xx = np.mgrid[:33, :33]
    for _ in range(60):
        c, amplitude = rng.uniform(0, 32, 2), 10 ** rng.uniform(0, 7.2)
        bump = amplitude * np.exp(-((yy - c[0]) ** 2 + (xx - c[1]) ** 2) / rng.uniform(1, 80))
        noise = rng.normal(0, amplitude * rng.uniform(0, 1), (3, 33, 33))
        maps = np.round(bump * rng.uniform(0.5, 1.5, (3, 1, 1)) + noise) * rng.choice([-1, 1])
        assert finder(maps) == full_peak(finder, maps)
    assert finder.full_decisions <= 3   # maps of a few levels tie: the kernel decides the rest
    undecided = finder.full_decisions
    twins = np.zeros((3, 33, 33))
    twins[1, 10, 10] = twins[1, 10, 22] = 1e6   # mirror images about the window's centre column
    assert finder(twins) == full_peak(finder, twins) and finder.full_decisions == undecided + 1


def test_every_blocks_bounds_hold_its_cells():
    """The kernel's block bounds (about a level, from the source cells) against the whole
    upsampling's cells, block by block, on maps where levels and spreads differ by orders of
    magnitude: a bound that misses a cell could drop the block that holds the peak."""
    rng = np.random.default_rng(10)
    finder = PeakFinder(33, 16, np.array([0.9745, 1.0, 0.9745]), 0.176)
    up, starts = finder.up, finder.up.starts
    upper, lower = (finder.work[i].reshape(3, up.blocks, up.blocks) for i in (3, 4))
    for case in range(30):
        level, spread = rng.choice([0, 1e3, -1e7, 2e7]), 10 ** rng.uniform(0, 7)
        maps = np.round(level + rng.normal(0, spread, (3, 33, 33)))
        if case % 3 == 0:   # a checkerboard: neighbours of opposite sign, the row taps' cancellation
            maps *= (-1) ** np.add.outer(np.arange(33), np.arange(33))
        for k in range(3):
            finder.scale(k, maps[k])
        finder.forget()
        cells = up.full(maps)
        highest = np.maximum.reduceat(np.maximum.reduceat(cells, starts, axis=1), starts, axis=2)
        lowest = np.minimum.reduceat(np.minimum.reduceat(cells, starts, axis=1), starts, axis=2)
        assert (highest <= upper).all() and (lowest >= lower).all()


def test_the_peak_search_says_what_it_cannot_take():
    finder = PeakFinder(33, 16, np.array([0.9745, 1.0, 0.9745]), 0.176)
    with pytest.raises(ValueError, match=r"score maps of shape \(3, 33, 33\) expected, got \(3, 17, 17\)"):
        finder(np.zeros((3, 17, 17)))
    finder.scale(1, np.zeros((33, 33)))
    for k in (1, 3):
        with pytest.raises(ValueError, match=rf"scale {k} is not one of the 3 scales still to come \(0, 2\)"):
            finder.scale(k, np.zeros((33, 33)))
    with pytest.raises(ValueError, match=r"scales 0, 2 are missing"):
        finder.finish()
    with pytest.raises(ValueError, match=r"a score map of shape \(33, 33\) expected, got \(1, 33, 33\)"):
        finder.scale(0, np.zeros((1, 33, 33)))
    finder.forget()
    finder.scale(0, np.zeros((33, 33)))
    with pytest.raises(ValueError, match="upsamples by at most 64, not 128"):
        PeakFinder(17, 128, np.ones(3), 0.176)
    for scales in (0, 17):
        with pytest.raises(ValueError, match=rf"one penalty per scale, 1 to 16 scales: got \({scales},\)"):
            PeakFinder(33, 16, np.ones(scales), 0.176)


def peaky_maps(rng, count):
    yy, xx = np.mgrid[:33, :33]
    for _ in range(count):
        c = rng.uniform(8, 24, 2)
        bump = 2e7 * np.exp(-((yy - c[0]) ** 2 + (xx - c[1]) ** 2) / rng.uniform(5, 40))
        yield np.stack([np.round(bump * f + rng.normal(0, 3e5, bump.shape)) for f in (0.97, 1, 0.98)])


def test_the_scales_in_any_order_give_the_same_peak():
    """The board gives the centre scale's map first: each scale's part prunes with the scales
    done before it, whichever they are, and the peak is the same."""
    rng = np.random.default_rng(9)
    finder = PeakFinder(33, 16, np.array([0.9745, 1.0, 0.9745]), 0.176)
    for maps in peaky_maps(rng, 12):
        for order in ((0, 1, 2), (1, 0, 2), (2, 1, 0)):
            for k in order:
                finder.scale(k, maps[k])
            assert finder.finish() == full_peak(finder, maps)


def test_the_candidate_cells_hold_the_whole_maps_peak():
    rng = np.random.default_rng(3)
    finder = PeakFinder(33, 16, np.array([0.9745, 1.0, 0.9745]), 0.176)
    for maps in peaky_maps(rng, 25):
        assert finder(maps) == full_peak(finder, maps)
    flat = np.zeros((3, 33, 33))   # every cell tied: the first one, as argmax picks
    assert finder(flat) == full_peak(finder, flat)


def test_the_peak_is_torchs_upsampling_peak():
    """SiamFC's peak search as it ran on F.interpolate's maps, against the finder's."""
    rng = np.random.default_rng(4)
    finder = PeakFinder(33, 16, np.array([0.9745, 1.0, 0.9745]), 0.176)
    for maps in peaky_maps(rng, 10):
        up = torch_upsampled(maps)
        up[0] *= 0.9745
        up[2] *= 0.9745
        best = int(np.argmax(up.reshape(3, -1).max(axis=1)))
        response = up[best] - up[best].min()
        response /= response.sum() + 1e-16
        response = (1 - 0.176) * response + 0.176 * finder.window
        assert finder(maps) == (best, *np.unravel_index(int(np.argmax(response)), response.shape))

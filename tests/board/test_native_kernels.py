"""deploy/native.py: deploy/'s C kernels are built once per machine with the system's compiler,
and a missing compiler or a source that does not compile is one line that says what to do."""

import numpy as np
import pytest

from deploy import crop_stream, native
from deploy.crop import Cropper, region


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QNNFLOW_NATIVE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_kernel_is_built_once_and_rebuilt_when_its_source_changes(tmp_path, cache):
    source = tmp_path / "twice.c"
    source.write_text("int twice(int x) { return 2 * x; }\n")
    assert native.load(source).twice(21) == 42
    built = sorted(cache.iterdir())
    assert len(built) == 1 and built[0].name.startswith("twice-")
    mtime = built[0].stat().st_mtime_ns
    assert native.load(source).twice(4) == 8 and built[0].stat().st_mtime_ns == mtime   # not rebuilt
    source.write_text("int twice(int x) { return x + x + 0; }\n")
    assert native.load(source).twice(5) == 10 and len(list(cache.iterdir())) == 2


def test_a_source_that_does_not_compile_names_the_file_and_leaves_nothing(tmp_path, cache):
    source = tmp_path / "broken.c"
    source.write_text("int broken( { return 0; }\n")
    with pytest.raises(native.NativeError, match=r"could not build broken\.c: .*broken\.c:1"):
        native.load(source)
    assert not any(cache.iterdir())


def test_no_compiler_is_one_line_that_says_what_to_install(monkeypatch):
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(native.NativeError, match="the PYNQ-Z2 image ships gcc; on a Debian host: apt install gcc"):
        native.compiler()


def test_the_crop_kernel_leaves_the_frame_and_the_rest_of_the_output_alone(cache):
    """Only the inside of the region is written (the fill is crop.py's), the frame is read only,
    and a frame that is a strided view is cropped as its copy."""
    rng = np.random.default_rng(3)
    frame = rng.integers(0, 256, (60, 80, 3), np.uint8)
    wide = np.zeros((60, 160, 3), np.uint8)
    wide[:, ::2] = frame
    before = frame.copy()
    out, reference = np.full((2, 31, 31, 3), 9, np.uint8), np.empty((31, 31, 3), np.uint8)
    Cropper(31)(out[0], frame, (70, 10), 50, np.array([1, 2, 3], np.uint8))
    Cropper(31)(reference, wide[:, ::2], (70, 10), 50, np.array([1, 2, 3], np.uint8))
    np.testing.assert_array_equal(out[0], reference)
    np.testing.assert_array_equal(frame, before)
    assert (out[1] == 9).all()
    assert (out[0, 0] == [1, 2, 3]).all() and not (out[0, -1] == [1, 2, 3]).all(axis=-1).all()


def test_crop_headers_in_c_are_numpys():
    """crop_stream.Headers (deploy/crop_header.c) writes the words crop_stream.header() makes of
    region()'s samples: crops inside, across and beyond the frame, at 1:1 on pixel centres."""
    rng = np.random.default_rng(3)
    for n in (1, 15, 255):
        headers, words = crop_stream.Headers(n), np.empty(crop_stream.header_words(n), np.uint64)
        for i in range(100):
            h, w = (int(v) for v in rng.integers(1, 400, 2))
            center, side = rng.uniform(-100, 500, 2), rng.uniform(0.5, 1200)
            if i % 5 == 0:
                center, side = np.floor(center) + 0.5, float(n)
            fill = rng.integers(0, 256, 3).astype(np.uint8)
            headers(words, (h, w), center, side, fill)
            assert np.array_equal(words, crop_stream.header(region((h, w), center, side, n), n, (h, w), fill))
    with pytest.raises(ValueError, match="header is 62 C-contiguous uint64 words"):
        crop_stream.Headers(15)(np.empty(61, np.uint64), (10, 10), (5, 5), 7.0, np.zeros(3, np.uint8))

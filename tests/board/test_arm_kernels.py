"""deploy/'s C kernels on the board's instruction set: built for the PYNQ-Z2's Cortex-A9 (ARMv7,
VFPv3, hard float: Ubuntu armhf's defaults) with the cross gcc and deploy/native.py's flags, run
under qemu-arm, byte for byte against the host's build on the same cases: 32-bit pointers and
indices, VFP arithmetic (gcc emits multiply-accumulates there, which round product and sum apart
as the host's separate instructions do). The emulated board runs the host's build. A fused
multiply-add would change a byte or a peak only where a value lies within an ulp of a rounding
boundary, which random cases hardly reach: -ffp-contract=off and the A9's VFPv3 (no fused
instruction) rule those out, not this test."""

import subprocess

import numpy as np
import pytest

from deploy import native
from deploy.crop import Cropper, region
from deploy.crop_stream import Headers, header_words
from deploy.peak import NEAR_TIE, SLACK, PeakFinder
from flow.paths import DEPLOY_DIR, SOURCE_ROOT

HERE = SOURCE_ROOT / "tests" / "board"
ARM_FLAGS = ("-march=armv7-a", "-mfpu=vfpv3-d16", "-mfloat-abi=hard", "-static")


@pytest.fixture(scope="module")
def arm_kernels(tmp_path_factory):
    program = tmp_path_factory.mktemp("arm") / "arm_kernels"
    flags = [f for f in native.FLAGS if f not in ("-shared", "-fPIC")]
    subprocess.run(["arm-linux-gnueabihf-gcc", *flags, *ARM_FLAGS, "-I", str(DEPLOY_DIR), "-o", str(program),
                    str(HERE / "arm_kernels.c"),
                    str(DEPLOY_DIR / "pillow_crop.c"), str(DEPLOY_DIR / "crop_header.c"), str(DEPLOY_DIR / "siamfc_peak.c"),
                    *native.LIBRARIES], check=True)

    def run(kind: str, cases, tmp_path) -> bytes:
        (tmp_path / "cases").write_bytes(b"".join(cases))
        subprocess.run(["qemu-arm", str(program), kind, str(tmp_path / "cases"), str(tmp_path / "out")],
                       check=True, timeout=120)
        return (tmp_path / "out").read_bytes()
    return run


def test_the_a9s_crops_are_the_hosts(arm_kernels, tmp_path):
    rng = np.random.default_rng(5)
    cases, expected = [], []
    while len(cases) < 120:   # frames of any size, regions inside, across and beyond the border
        h, w = (int(v) for v in rng.integers(1, [300, 400]))
        frame = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        n, center, side = int(rng.choice([31, 127, 255])), rng.uniform(-150, 470, 2), rng.uniform(2, 1200)
        c0, c1, x, dx, r0, r1, y, dy = region(frame.shape, center, side, n)
        if r0 == r1 or c0 == c1:
            continue
        cases.append(np.array([h, w, n, r0, r1, c0, c1], np.int32).tobytes() + frame.tobytes()
                     + x.astype(np.int32).tobytes() + dx.tobytes() + y.astype(np.int32).tobytes() + dy.tobytes())
        out = np.zeros((n, n, 3), np.uint8)
        Cropper(n)(out, frame, center, side, np.zeros(3, np.uint8))
        expected.append((out, (r0, r1, c0, c1)))
    data, at = np.frombuffer(arm_kernels("crop", cases, tmp_path), np.uint8), 0
    for out, (r0, r1, c0, c1) in expected:
        n = len(out)
        arm = data[at: at + n * n * 3].reshape(n, n, 3)
        at += n * n * 3
        np.testing.assert_array_equal(arm[r0:r1, c0:c1], out[r0:r1, c0:c1])
    assert at == len(data)


def test_the_a9s_crop_headers_are_the_hosts(arm_kernels, tmp_path):
    """The crop engine's headers (deploy/crop_header.c): the samples' float64 arithmetic on VFPv3."""
    rng = np.random.default_rng(11)
    cases, expected = [], []
    for _ in range(60):
        h, w = (int(v) for v in rng.integers(1, [300, 400]))
        n, center, side = int(rng.choice([15, 127, 255])), rng.uniform(-150, 470, 2), rng.uniform(2, 1200)
        fill = rng.integers(0, 256, 3).astype(np.uint8)
        cases.append(np.array([h, w, n], np.int32).tobytes() + np.array([*center, side]).tobytes()
                     + fill.tobytes() + b"\0")
        words = np.empty(header_words(n), np.uint64)
        Headers(n)(words, (h, w), center, side, fill)
        expected.append(words)
    data = np.frombuffer(arm_kernels("header", cases, tmp_path), np.uint64)
    assert np.array_equal(data, np.concatenate(expected))


def test_the_a9s_peak_search_is_the_hosts(arm_kernels, tmp_path):
    rng = np.random.default_rng(8)
    finder = PeakFinder(33, 16, np.array([0.9745, 1.0, 0.9745]), 0.176)
    yy, xx = np.mgrid[:33, :33]
    cases, expected = [], []
    for i in range(40):
        c, amplitude = rng.uniform(0, 32, 2), 10 ** rng.uniform(0, 7.2)
        bump = amplitude * np.exp(-((yy - c[0]) ** 2 + (xx - c[1]) ** 2) / rng.uniform(1, 80))
        maps = np.round(bump * rng.uniform(0.5, 1.5, (3, 1, 1)) + rng.normal(0, amplitude * rng.uniform(0, 1), (3, 33, 33)))
        maps = np.ascontiguousarray(maps if i else np.zeros((3, 33, 33)))   # all tied: undecided
        head = np.array([3, 33, finder.up.cells, finder.up.blocks], np.int32).tobytes()
        reals = np.array([finder.influence, NEAR_TIE, SLACK]).tobytes()
        tables = b"".join(t.astype(np.int32).tobytes() if t.dtype == np.intp else t.tobytes() for t in finder.tables)
        cases.append(head + reals + maps.tobytes() + tables)
        for k in range(3):
            finder.scale(k, maps[k])
        finder.forget()   # the kernel's own result below, not finish()'s fallback to the whole maps
        undecided = finder.search_finish(finder.maps_address, *finder.arguments)
        expected.append([undecided, *(finder.found if not undecided else np.zeros(3))])
    arm = np.frombuffer(arm_kernels("peak", cases, tmp_path), np.int32).reshape(-1, 4)
    host = np.array(expected, np.int32)
    decided = host[:, 0] == 0
    np.testing.assert_array_equal(arm[:, 0], host[:, 0])
    np.testing.assert_array_equal(arm[decided], host[decided])
    assert decided.sum() >= 35 and not decided[0]

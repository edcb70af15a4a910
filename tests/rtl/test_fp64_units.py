"""fp64_add and fp64_mul: bit for bit numpy's float64 arithmetic (IEEE round to nearest even, no
fused multiply-add: C's double on x86-64), range_error exactly on the operands and results
outside their contract. Streamed through the fixture tests/rtl/fp64_stream.v."""

from pathlib import Path

import numpy as np
import pytest

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import build, lint

ADD, SUB, MUL = 0, 1, 2   # the fixture's op codes
FIXTURE_DIR = Path(__file__).parent
TINY = 2.0 ** -1022       # the smallest normal number
FRAC_MASK = (1 << 52) - 1
IN_BYTES = 17            # the fixture's input word: {op, a, b} in 130 bits


def compose(sign, exp, frac) -> np.ndarray:
    """Doubles from their fields (arrays or scalars)."""
    sign, exp, frac = (np.asarray(v, dtype=np.uint64) for v in (sign, exp, frac))
    return ((sign << np.uint64(63)) | (exp << np.uint64(52)) | frac).view(np.float64)


def bits(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).view(np.uint64)


def random_fields(rng, n):
    return rng.integers(0, 2, n), rng.integers(0, 1 << 52, n, dtype=np.uint64)


def vec(op, a, b):
    a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
    return np.broadcast_to(np.asarray(op), a.shape).ravel(), a.ravel(), b.ravel()


def random_normals(rng, n):
    """Random signs and fractions: exponents up to 60 apart or anywhere apart for sums; for
    products mostly an exponent sum in range, else anywhere (overflow, underflow)."""
    sa, fa = random_fields(rng, n)
    sb, fb = random_fields(rng, n)
    ea = rng.integers(1, 2047, n)
    anywhere = rng.integers(1, 2047, n)
    near = np.clip(ea + rng.integers(-60, 61, n), 1, 2046)
    eb = np.where(rng.random(n) < 0.7, near, anywhere)
    in_range = np.clip(rng.integers(2, 2046, n) - ea + 1023, 1, 2046)
    eb_mul = np.where(rng.random(n) < 0.9, in_range, anywhere)
    a = compose(sa, ea, fa)
    return [vec(rng.choice([ADD, SUB], n), a, compose(sb, eb, fb)), vec(MUL, a, compose(sb, eb_mul, fb))]


def weights(rng, n):
    """Interpolation weights in [0, 1): random doubles, k / 2^m, and the special values."""
    m = rng.integers(1, 54, n)
    dyadic = np.floor(rng.random(n) * 2.0 ** m) / 2.0 ** m
    special = rng.choice([0.0, 0.5, 0.25, 0.75, 0.125, 1 - 2.0 ** -53, 2.0 ** -53, 1 - 2.0 ** -52], n)
    return np.concatenate([rng.random(n), dyadic, special])


def crop_steps(rng, n):
    """The crop's a + (b - a) * w, step by step: pixel values 0..255, then between two such
    results (values in [0, 256) with full fractions); and [0, 256) values combined freely."""
    out = []
    w = weights(rng, n)
    m = len(w)
    lo, hi = rng.integers(0, 256, (2, m)).astype(np.float64)
    for _ in range(2):
        d = hi - lo
        p = d * w
        out += [vec(SUB, hi, lo), vec(MUL, d, w), vec(MUL, w, d), vec(ADD, lo, p)]
        r = lo + p
        lo, hi = r, rng.permutation(r)
        w = rng.permutation(w)
    u, v = rng.random((2, n)) * 256
    out += [vec(rng.choice([ADD, SUB, MUL], n), u, v), vec(MUL, u, rng.random(n))]
    diffs = np.arange(-255, 256, dtype=np.float64)
    out.append(vec(MUL, rng.choice(diffs, m), rng.permutation(w)))
    return out


def cancellation(rng, n):
    """Near-equal operands subtracted: low bits changed, a few ulps apart, exponents one apart."""
    s, f = random_fields(rng, n)
    e = rng.integers(60, 2000, n)
    a = compose(s, e, f)
    k = rng.integers(1, 53, n).astype(np.uint64)
    noise = rng.integers(0, 1 << 52, n, dtype=np.uint64) & ((np.uint64(1) << k) - np.uint64(1))
    b = (bits(a) ^ noise).view(np.float64)
    near = np.nextafter(a, a * rng.choice([-4.0, 4.0], n))
    scaled = a * (1 - 2.0 ** -rng.integers(1, 60, n))
    return [vec(SUB, a, b), vec(ADD, a, -b), vec(SUB, a, near), vec(SUB, near, a),
            vec(SUB, a, scaled), vec(ADD, -scaled, a)]


def add_ties(rng, n):
    """b's lowest set bit at a's half ulp (or quarter ulp, for a difference one binade lower):
    the discarded bits are exactly half an ulp, a's last bit even or odd."""
    sa, fa = random_fields(rng, n)
    sb, fb = random_fields(rng, n)
    ea = rng.integers(60, 2000, n)
    d = rng.integers(2, 54, n)
    i = (d - rng.integers(1, 3, n)).astype(np.uint64)   # b's significand bit at that position
    mb = (fb | np.uint64(1 << 52)) >> i << i | (np.uint64(1) << i)
    a = compose(sa, ea, fa)
    b = compose(sb, ea - d, mb & np.uint64(FRAC_MASK))
    power = compose(sa, ea, 0)     # a power of two: a difference drops into the binade below
    return [vec(rng.choice([ADD, SUB], n), a, b), vec(rng.choice([ADD, SUB], n), power, b)]


def odd(rng, nbits: int) -> int:
    return (1 << (nbits - 1)) | int(rng.integers(0, 1 << (nbits - 1))) | 1


def mul_ties(rng, n):
    """Odd significand parts whose product has 54 bits: its last (discarded) bit is exactly half
    an ulp; the kept ulp is even or odd at random."""
    a, b = [], []
    while len(a) < n:
        la = int(rng.integers(2, 53))
        x, y = odd(rng, la), odd(rng, int(rng.integers(max(54 - la, 2), min(56 - la, 54))))
        if (x * y).bit_length() == 54:
            ex, ey = rng.integers(-400, 400, 2)
            a.append(np.ldexp(float(x), int(ex)) * rng.choice([-1.0, 1.0]))
            b.append(np.ldexp(float(y), int(ey)) * rng.choice([-1.0, 1.0]))
    return [vec(MUL, a, b)]


def carries(rng, n):
    """Rounding that carries into the exponent: a fraction of all ones (or nearly) plus a little,
    and products around 2 (a carry to 2, or out of [2, 4) to 4)."""
    s, _ = random_fields(rng, n)
    e = rng.integers(60, 2000, n)
    a = compose(s, e, FRAC_MASK - rng.integers(0, 4, n))
    eb = e - rng.integers(1, 60, n)
    b = compose(s, eb, rng.integers(0, 1 << 52, n, dtype=np.uint64))
    x = 1 + rng.random(n)
    y = 2 / x
    out = [vec(ADD, a, b), vec(SUB, a, -b)]
    for k in (-2, -1, 0, 1, 2):
        yk = y
        for _ in range(abs(k)):
            yk = np.nextafter(yk, np.sign(k) * np.inf)
        out += [vec(MUL, x, yk), vec(MUL, x * 2.0 ** rng.integers(-900, 900, n), yk)]
    return out


def zeros(rng, n):
    """Signed zeros with each other and with normal numbers, and x - x, x + (-x)."""
    z = np.array([0.0, -0.0])
    s, f = random_fields(rng, n)
    x = compose(s, rng.integers(1, 2047, n), f)
    out = []
    for op in (ADD, SUB, MUL):
        out += [vec(op, z[:, None], z[None, :]), vec(op, rng.choice(z, n), x), vec(op, x, rng.choice(z, n))]
    out += [vec(SUB, x, x), vec(ADD, x, -x), vec(ADD, -x, x)]
    return out


def range_cases(rng, n):
    """Operands outside the contract (subnormal, infinite, NaN) and results beside its edges:
    around 2^-1022 and around 2^1024, on both sides."""
    s, f = random_fields(rng, n)
    normal = compose(s, rng.integers(1, 2047, n), f)
    big = np.finfo(np.float64).max
    specials = np.concatenate([compose([0, 1, 0, 1], 2047, [0, 0, 1 << 51, 1]),   # infinities, NaNs
                               [TINY, -TINY, big, -big, 0.0]])
    subnormal = compose(s, 0, np.maximum(f, 1))
    pick = np.where(rng.random(n) < 0.5, subnormal, rng.choice(specials, n))
    out = [vec(op, pick, normal) for op in (ADD, SUB, MUL)] + [vec(op, normal, pick) for op in (ADD, SUB, MUL)]
    # sums of numbers near 2^-1022, differences below it; sums near 2^1024, rounding up to it
    # (the largest number plus half an ulp) or not
    small = compose(rng.integers(0, 2, n), rng.integers(1, 4, n), f)
    top = compose(s, 2046, f)
    all_ones = compose(s, 2046, FRAC_MASK - rng.integers(0, 4, n))
    out += [vec(rng.choice([ADD, SUB], n), small, rng.permutation(small)),
            vec(ADD, big, [2.0 ** 970, 2.0 ** 970 * (1 - 2.0 ** -52), 2.0 ** 969, -big, big]),
            vec(rng.choice([ADD, SUB], n), top, rng.permutation(top)),
            vec(ADD, all_ones, compose(s, 2046 - rng.integers(1, 60, n), rng.permutation(f)))]
    # products that round near 2^-1022 and 2^1024
    x = 1 + rng.random(n)
    y = 2 / x
    for k in range(-3, 4):
        yk = y
        for _ in range(abs(k)):
            yk = np.nextafter(yk, np.sign(k) * np.inf)
        out += [vec(MUL, x * 2.0 ** -511, yk * 2.0 ** -512), vec(MUL, x * 2.0 ** 512, yk * 2.0 ** 511)]
    return out


def all_vectors(seed=0, n=4000):
    rng = np.random.default_rng(seed)
    parts = [*random_normals(rng, 8 * n), *crop_steps(rng, n // 2), *cancellation(rng, n), *add_ties(rng, 2 * n),
             *mul_ties(rng, n), *carries(rng, n // 2), *zeros(rng, n // 4), *range_cases(rng, n // 4)]
    op, a, b = (np.concatenate(v) for v in zip(*parts, strict=True))
    return op.astype(np.uint8), a, b


def out_of_contract(x) -> np.ndarray:
    e, f = (bits(x) >> np.uint64(52)) & np.uint64(0x7FF), bits(x) & np.uint64(FRAC_MASK)
    return (e == 0x7FF) | ((e == 0) & (f != 0))


def exact_product_below_tiny(a, b) -> bool:
    """The exact product of two normal numbers is below 2^-1022 (ints: no rounding)."""
    ea, eb = (int(bits(v)) >> 52 & 0x7FF for v in (a, b))
    ma, mb = ((int(bits(v)) & FRAC_MASK) | 1 << 52 for v in (a, b))
    # a * b = ma * mb * 2^(ea + eb - 2 * 1075)
    return ma * mb < 1 << (2 * 1075 - 1022 - ea - eb)


def reference(op, a, b):
    """(y bits, range_error) numpy's way, and the contract's."""
    with np.errstate(all="ignore"):
        y = np.where(op == MUL, a * b, np.where(op == SUB, a - b, a + b))
    mag = np.abs(y)
    error = out_of_contract(a) | out_of_contract(b) | np.isinf(y)
    # a nonzero result below 2^-1022: a sum there is exact, a product of nonzero operands may be
    # rounded to 0 or up to 2^-1022
    nonzero_product = (op == MUL) & (a != 0) & (b != 0)
    error |= np.where(op == MUL, nonzero_product, y != 0) & (mag < TINY)
    edge = np.flatnonzero(nonzero_product & (mag == TINY) & ~error)
    error[edge] = [exact_product_below_tiny(a[i], b[i]) for i in edge]
    return bits(y), error


def pack(op, a, b) -> np.ndarray:
    words = np.zeros((len(op), IN_BYTES), np.uint8)
    words[:, 0:8] = bits(b).astype("<u8").view(np.uint8).reshape(-1, 8)
    words[:, 8:16] = bits(a).astype("<u8").view(np.uint8).reshape(-1, 8)
    words[:, 16] = op
    return words


def unpack(out):
    y = np.ascontiguousarray(out[:, :8]).view("<u8").ravel().astype(np.uint64)
    return y, out[:, 8]


@pytest.fixture(scope="module")
def stream():
    return build("fp64_stream", rtl_sources("fp64_stream", (FIXTURE_DIR,)), 130, 65)


@pytest.fixture(scope="module")
def vectors():
    op, a, b = all_vectors()
    y, error = reference(op, a, b)
    return op, a, b, y, error


def run(stream, vectors, workdir, **schedule):
    op, a, b, y, error = vectors
    out, _ = stream.run(pack(op, a, b), len(op), 1, 1, workdir, **schedule)
    got_y, got_error = unpack(out)
    assert np.array_equal(got_error, error.astype(np.uint8)), [
        (int(op[i]), a[i], b[i], int(got_error[i])) for i in np.flatnonzero(got_error != error)[:10]]
    wrong = np.flatnonzero(~error & (got_y != y))
    assert wrong.size == 0, [(int(op[i]), a[i].hex(), b[i].hex(), hex(got_y[i]), hex(y[i])) for i in wrong[:10]]


def test_vectors_cover_the_contract(vectors):
    op, a, b, y, error = vectors
    assert 100_000 < len(op) < 300_000
    for code in (ADD, SUB, MUL):
        assert np.count_nonzero((op == code) & ~error) > 10_000 and np.count_nonzero((op == code) & error) > 500
    zero = ~error & ((y << np.uint64(1)) == 0)
    for sign in (0, 1):
        assert np.count_nonzero(zero & ((y >> np.uint64(63)) == sign)) > 20


def test_units_match_ieee(stream, vectors, tmp_path):
    run(stream, vectors, tmp_path)


def test_order_kept_under_gaps_and_back_pressure(stream, vectors, tmp_path):
    run(stream, tuple(v[::8] for v in vectors), tmp_path, seed=3, in_gap=0.3, out_stall=0.5)


@pytest.mark.parametrize("module", ["fp64_add", "fp64_mul"])
def test_lint_clean(module):
    assert lint(module, rtl_sources(module)) == ""

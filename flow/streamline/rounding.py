"""When does a rounding mode reach level k? Exact conditions for deriving thresholds.

For every rounding mode QONNX's Quant accepts, round(v) >= k holds exactly when v >= c
(non-strict) or v > c (strict) for a constant c depending on k. Thresholds then follow by
exact rational arithmetic, ties included (round-half-even is why they can't be skipped:
power-of-two scales put many accumulator values exactly on a half).
"""

from __future__ import annotations

from fractions import Fraction

HALF = Fraction(1, 2)


def level_condition(mode: str, k: int) -> tuple[Fraction, bool]:
    """(c, strict) such that round_mode(v) >= k  <=>  v > c if strict else v >= c."""
    mode = mode.upper()
    if mode in ("ROUND", "HALF_EVEN"):
        # ties at k - 1/2 round to the even neighbour: k when k is even
        return k - HALF, k % 2 != 0
    if mode == "FLOOR":
        return Fraction(k), False
    if mode == "CEIL":
        return Fraction(k - 1), True
    if mode == "UP":  # away from zero
        return (Fraction(k - 1), True) if k >= 1 else (Fraction(k), False)
    if mode == "DOWN":  # toward zero (np.fix)
        return (Fraction(k), False) if k >= 1 else (Fraction(k - 1), True)
    if mode == "HALF_UP":  # half away from zero
        return (k - HALF, False) if k >= 1 else (k - HALF, True)
    if mode == "HALF_DOWN":  # half toward zero
        return (k - HALF, True) if k >= 1 else (k - HALF, False)
    raise ValueError(
        f"rounding mode {mode!r} is not supported "
        "(ROUND/HALF_EVEN, FLOOR, CEIL, UP, DOWN, HALF_UP, HALF_DOWN)"
    )


def min_integer_reaching(alpha: Fraction, beta: Fraction, c: Fraction, strict: bool) -> int:
    """Smallest integer a with alpha*a + beta >= c (or > c when strict); alpha > 0."""
    bound = (c - beta) / alpha
    if strict:
        return bound.numerator // bound.denominator + 1
    return -((-bound.numerator) // bound.denominator)

"""Command-line value types shared by the commands (flow.build, flow.explore): a bad value is a
one-line argparse error naming the flag, never a traceback."""

from __future__ import annotations

import argparse


def positive(kind, flag: str):
    """A parser of positive `kind` (int or float) values for `flag`."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} {text!r}: expected a positive {kind.__name__}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{flag} {text}: must be positive")
        return value
    return parse


def fps_or_max(flag: str):
    """A parser of a frame rate for `flag`: a positive number, or 'max' (the fastest folding that fits)."""
    number = positive(float, flag)
    return lambda text: text if text == "max" else number(text)

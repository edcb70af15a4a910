"""Fault injection into a finished build: single bit flips in the files that ship (RTL memory
images, HLS memory headers), in the input words on their way to the board, and FIFOs shrunk
below their sized depth; each fault is rerun through the build's own steps on a copy of the
build directory and counts as caught only when that build exits non-zero.

    python -m flow.faults BUILD_DIR [--trials N] [--seed S] [--confirm K]
"""

"""Per-op stream checks inside a simulated design: every op's output stream, as the simulation
wrote it with +stream_taps=DIR (L4: rtl/accelerator.v's taps, compiled for Verilator only; L5: the
HLS top's, compiled for the g++ C-simulation only, hw/hls/stream_taps.hpp), against that node's
output in the hardware graph run op by op in numpy (L3). A fault is then caught at the op where
it happens, even when it never reaches the output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow import verdict, verify
from flow.ops.base import Stream
from flow.packing import unpack_words, word_bytes

BATCH = 32                  # frames per L3 execution at most: its full context holds every tensor of the batch
CONTEXT_VALUES = 20_000_000  # and at most about this many values in that context (a tracker frame has millions)


class Tap:
    """A tap file (one word a line, in hex, most significant digit first), read a range of words
    at a time: a whole tracker run's taps are gigabytes once unpacked."""

    def __init__(self, path: Path, stream: Stream):
        self.stream = stream
        self.digits = (stream.bits + 3) // 4
        size = Path(path).stat().st_size
        if size % (self.digits + 1):
            raise ValueError(f"{path}: not lines of {self.digits} hex digits")
        self.lines = np.memmap(path, dtype=np.uint8, mode="r").reshape(-1, self.digits + 1) if size \
            else np.zeros((0, self.digits + 1), np.uint8)

    def __len__(self) -> int:
        return len(self.lines)

    def values(self, start: int, stop: int) -> np.ndarray:
        """Words [start, stop) -> (words, elems) values."""
        text = np.asarray(self.lines[start:stop, :self.digits])
        nibbles = np.where(text >= ord("a"), text - (ord("a") - 10), text - ord("0")).astype(np.uint8)[:, ::-1]
        if self.digits % 2:
            nibbles = np.concatenate([nibbles, np.zeros((len(nibbles), 1), np.uint8)], axis=1)
        words = nibbles[:, 0::2] | (nibbles[:, 1::2] << 4)
        s = self.stream
        return unpack_words(words[:, :word_bytes(s.elems, s.dtype)], s.elems, s.dtype)


def stream_checks(model: ModelWrapper, nodes: list, taps: Path, x: np.ndarray, scope: str,
                  capture: np.ndarray | None = None) -> list[dict]:
    """One check per node of `nodes` (the ops the design has a stream after): its tapped output
    stream against its L3 output on x (channels-last) and the frames' capture flags, if any."""
    tapped, results = {}, {}
    for node in nodes:
        path = Path(taps) / f"{node.name}.hex"
        tapped[node.name] = Tap(path, getCustomOp(node).out_stream()) if path.exists() else None
    for frames in verify.batches(len(x), frames_per_batch(model), capture):
        context = verify.execute_batch(model, x[frames], full_context=True,
                                       capture=None if capture is None else capture[frames])
        for node in nodes:
            expected = context[node.output[0]].reshape(frames.stop - frames.start, -1)
            per_frame = expected.shape[1]
            tap = tapped[node.name]
            words = 0 if tap is None else len(tap) * tap.stream.elems
            if words != len(x) * per_frame:   # a stream that stopped short, or ran on
                results[node.name] = {"inputs": len(x), "shape_mismatch": [[len(x), per_frame], [words]],
                                      "max_difference": None, "mismatches": len(x), "equal": False}
                continue
            per_word = tap.stream.elems
            got = tap.values(frames.start * per_frame // per_word, frames.stop * per_frame // per_word)
            part = verify.compare(expected, got.reshape(expected.shape), exact=True)
            results[node.name] = _merge(results.get(node.name), part)
    return [verdict.level(node.name, results[node.name], scope=scope) for node in nodes]


def frames_per_batch(model: ModelWrapper) -> int:
    """Frames per L3 execution whose full context (every node's output) stays within CONTEXT_VALUES."""
    per_frame = sum(int(np.prod(model.get_tensor_shape(n.output[0])[1:])) for n in model.graph.node)
    return max(1, min(BATCH, CONTEXT_VALUES // max(1, per_frame)))


def merge_checks(parts: list[list[dict]]) -> list[dict]:
    """The stream checks of consecutive frame ranges (L4 shards) as one check per node."""
    merged, scopes = {}, {}
    for checks in parts:
        for c in checks:
            comparison = {k: v for k, v in c.items() if k not in ("name", "scope", "rule", "passed")}
            merged[c["name"]], scopes[c["name"]] = _merge(merged.get(c["name"]), comparison), c["scope"]
    return [verdict.level(name, comparison, scope=scopes[name]) for name, comparison in merged.items()]


def _merge(total: dict | None, part: dict) -> dict:
    if total is None or "shape_mismatch" in total:
        return total or part
    return {"inputs": total["inputs"] + part["inputs"],
            "max_difference": max(total["max_difference"], part["max_difference"]),
            "mismatches": total["mismatches"] + part["mismatches"],
            "inputs_with_mismatch": total["inputs_with_mismatch"] + part["inputs_with_mismatch"],
            "equal": total["equal"] and part["equal"]}

"""Many thresholds per channel as a binary search (hw/rtl/threshold_search.v), shared by MVAU
and Thresholding: the per-stage memory files, their read-back, and the resource estimate.

A channel's N thresholds, ascending and padded to 2^S - 1 (S = bit length of N) with a value no
input reaches, form a search tree: stage s holds, for each prefix p of s decisions, the element
at (2p + 1) 2^(S-1-s) - 1. The count of thresholds an input reaches does not depend on their
order, so sorting them changes no output. Below SEARCH_FROM thresholds the parallel compare
(threshold_unit.v: a comparator per threshold, a word of all of them per fold) stays: up to a
4-bit output it costs about as much, and builds with such outputs keep their hardware.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from flow.estimate import comparator_luts
from flow.ops.base import Memory, read_memh_fields, twos_complement, write_memh

SEARCH_FROM = 16
# stage memories at least this deep are block RAM, shallower ones LUT logic (as a ROM of a few
# hundred words costs fewer LUTs than a RAMB18 is worth)
BLOCK_DEPTH = 512


class ComparedInHLS:
    """For an op whose rtl_params(model, memdir, search) may choose the search: the HLS function
    compares all thresholds at once (hw/hls/threshold_unit.hpp), whose structure its synthesis
    chooses, so it gets the one-word-per-fold image."""

    def hls_params(self, model, memdir: Path) -> dict:
        return self.rtl_params(model, memdir, search=False)


def uses_search(n_thres: int) -> bool:
    return n_thres >= SEARCH_FROM


def stages(n_thres: int) -> int:
    """Compare stages: ceil(log2(n_thres + 1))."""
    return int(n_thres).bit_length()


def stage_file(stem: str, stage: int, lane: int) -> str:
    """threshold_search.v's name of the file of `stage` for `lane`."""
    return f"{stem}_s{stage:02d}_p{lane:03d}.mem"


def stage_memory_style(depth: int) -> str:
    return "block" if depth >= BLOCK_DEPTH else "distributed"


def search_trees(thresholds: np.ndarray, never: int) -> list[np.ndarray]:
    """(C, N) thresholds -> per stage s, (C, 2^s) tree elements; `never`: the padding, above
    every input."""
    t = np.asarray(thresholds, dtype=np.int64)
    s_count = stages(t.shape[1])
    padded = np.full((t.shape[0], (1 << s_count) - 1), never, dtype=np.int64)
    padded[:, : t.shape[1]] = np.sort(t, axis=1)
    return [padded[:, (2 * np.arange(1 << s) + 1) * (1 << (s_count - 1 - s)) - 1] for s in range(s_count)]


def write_stage_files(memdir: Path, stem: str, thresholds: np.ndarray, pe: int, never: int, bits: int) -> None:
    """The files of every stage and lane: lane l's stage-s memory holds, at fold f and prefix p
    (word f 2^s + p), the tree element p of channel f PE + l."""
    for s, tree in enumerate(search_trees(thresholds, never)):
        folds = tree.reshape(-1, pe, tree.shape[1])        # (NF, PE, 2^s)
        for lane in range(pe):
            write_memh(Path(memdir) / stage_file(stem, s, lane),
                       list(twos_complement(folds[:, lane].ravel(), bits)), bits)


def read_trees(memdir: Path, stem: str, channels: int, pe: int, n_thres: int, bits: int) -> list[np.ndarray]:
    """The stage files read back: per stage s, (C, 2^s) tree elements (write_stage_files' inverse)."""
    sign, trees = 1 << (bits - 1), []
    for s in range(stages(n_thres)):
        lanes = [read_memh_fields(Path(memdir) / stage_file(stem, s, lane), 1, bits)[:, 0]
                 for lane in range(pe)]
        codes = np.stack(lanes, axis=1).reshape(channels // pe, 1 << s, pe)   # (NF, 2^s, PE)
        trees.append(((codes ^ sign) - sign).transpose(0, 2, 1).reshape(channels, 1 << s))
    return trees


def read_effective_thresholds(memdir: Path, stem: str, channels: int, pe: int, n_thres: int,
                              bits: int) -> np.ndarray:
    """The thresholds the stage files act as, (C, 2^S - 1): the search counts monotonically in
    its input even when the files are out of order (a fault), so threshold k is the least stored
    value whose count exceeds k; a count never reached gets a value above the stored range."""
    trees = read_trees(memdir, stem, channels, pe, n_thres, bits)
    candidates = np.sort(np.concatenate(trees, axis=1), axis=1)               # (C, 2^S - 1)
    counts = search_counts(trees, candidates)
    levels = np.arange(1, 1 << stages(n_thres))
    reached = counts[:, :, None] >= levels[None, None, :]                     # (C, candidate, k)
    first = np.where(reached.any(axis=1), reached.argmax(axis=1), -1)
    effective = np.take_along_axis(candidates, np.maximum(first, 0), axis=1)
    return np.where(first >= 0, effective, 1 << (bits - 1))


def search_counts(trees: list[np.ndarray], x: np.ndarray) -> np.ndarray:
    """The search's count for inputs x (C, M), channel by channel: threshold_search.v's
    decisions in numpy."""
    prefix = np.zeros(x.shape, dtype=np.int64)
    for tree in trees:
        prefix = 2 * prefix + (x >= np.take_along_axis(tree, prefix, axis=1))
    return prefix


def search_resources(pe: int, folds: int, n_thres: int, in_bits: int, bits: int, out_bits: int,
                     stem: str = "thresholds") -> tuple[dict, list[Memory]]:
    """threshold_search.v's logic (LUT, FF) and its memories, one per stage and lane."""
    s_count = stages(n_thres)
    fold_bits = max(1, (folds - 1).bit_length())
    luts = pe * (s_count * comparator_luts(bits) + out_bits)
    ff = 3 * s_count + out_bits * pe
    for s in range(s_count):
        ff += 2 * pe * in_bits + (2 * fold_bits if s < s_count - 1 else 0)
        ff += pe * (bits + 2 * s + 1)   # the threshold read, the prefix in and out
    memories = [Memory(f"{stem}_s{s:02d}_p{lane:03d}", bits, folds << s,
                       stage_memory_style(folds << s), writable=False)
                for s in range(s_count) for lane in range(pe)]
    return {"LUT": luts, "FF": ff}, memories

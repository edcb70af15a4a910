"""What a notebook kernel may import on the board: a first cell that blocks the host's packages.

A PYNQ-Z2 image has pynq, numpy, OpenCV and matplotlib, and the deploy/ folder copied beside the
overlay; it has no flow/ or models/ of this repository and no wheel of torch or onnxruntime for
its 32-bit ARM. `blocking_cell()` is prepended to a board notebook before it executes here: an
import finder at the front of sys.meta_path turns every import of those packages (and of scipy
and scikit-image, which deploy/ must not need) into a ModuleNotFoundError, and the cell fails if
one of them was imported before it ran.
"""

from __future__ import annotations

import nbformat

HOST_ONLY = ("flow", "models", "torch", "onnxruntime", "scipy", "skimage")

_BLOCKER = '''import sys

class HostOnlyImports:
    """Imports of packages a PYNQ-Z2 does not have fail, as they would on the board."""
    blocked = {blocked!r}

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.blocked:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not on the board)", name=name)
        return None

already = sorted({{m.split(".")[0] for m in sys.modules}} & set(HostOnlyImports.blocked))
assert not already, f"imported before the blocker: {{already}}"
sys.meta_path.insert(0, HostOnlyImports())
'''


def blocking_cell() -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(_BLOCKER.format(blocked=HOST_ONLY))

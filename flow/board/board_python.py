"""python flow/board/board_python.py -m MODULE [ARGS] | -c CODE: run MODULE (or CODE) as a PYNQ-Z2 image would, with
the host's packages that no image ships made unimportable (the compiler, the models, the ML
runtimes). L6 runs the shipped driver through it, so every L6 run shows deploy/ needs none of them.

A script, not a module of flow/: it must run without importing flow (which it blocks).
"""

import importlib.abc
import runpy
import sys

# what the host has and a board does not (hw/boards/images/ lists what an image ships)
NOT_ON_THE_BOARD = ("flow", "models", "torch", "torchvision", "onnxruntime", "onnx", "qonnx",
                    "brevitas", "scipy", "skimage", "tests")


class NotOnTheBoard(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in NOT_ON_THE_BOARD:
            raise ImportError(f"{name} is not on a PYNQ-Z2 image: the code that runs on the board "
                              "(deploy/) must not import it", name=name)
        return None


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] not in ("-m", "-c"):
        sys.exit("usage: python flow/board/board_python.py -m MODULE [ARGS] | -c CODE")
    # the script's own folder (flow/board) is not on a board's path either
    sys.path[:] = [p for p in sys.path if not p.rstrip("/").endswith("flow/board")]
    sys.meta_path.insert(0, NotOnTheBoard())
    sys.argv = argv[1:]
    if argv[0] == "-c":
        sys.path.insert(0, "")
        exec(compile(argv[1], "<board -c>", "exec"), {"__name__": "__main__"})
    else:
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])

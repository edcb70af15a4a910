import pytest

from flow.api import build
from flow.build import main
from tests.flow.nets import compile_net
from tests.flow.qonnx_graphs import residual_graph
from tests.siamfc_tiny import build_tiny_siamfc


@pytest.fixture(scope="session")
def small_build(tmp_path_factory):
    """A complete build of a small INT4 network, board steps included (about 20 s): the board
    tests and the board notebook use it."""
    workdir = tmp_path_factory.mktemp("board")
    compile_net("int4_convnet", workdir, inputs=2)
    out = workdir / "build"
    args = ["--model", str(workdir / "int4_convnet.onnx"), "--out", str(out), "--inputs", "6",
            "--target-fps", "20000", "--no-op-sim"]
    assert main(args) == 0
    return out


@pytest.fixture(scope="session")
def siamfc_tiny_build(tmp_path_factory):
    """(build directory, report) of the reduced SiamFC (tests/siamfc_tiny.py): the tracker,
    its L6 on the emulated board and the tracker notebook use it."""
    out = tmp_path_factory.mktemp("siamfc_tiny")
    return out, build_tiny_siamfc(out)


@pytest.fixture(scope="session")
def board_build(tmp_path_factory):
    """board name -> a complete build of a small residual block for that board (2 inputs, board
    steps and L6 on its emulated board included), built once per session."""
    builds = {}

    def build_for(board: str):
        if board not in builds:
            workdir = tmp_path_factory.mktemp(board)
            residual_graph().save(str(workdir / "residual.onnx"))
            result = build(str(workdir / "residual.onnx"), out=workdir / "build", inputs=2, fps=20000,
                           board=board, verbose=False)
            assert result.passed, board
            builds[board] = workdir / "build"
        return builds[board]
    return build_for

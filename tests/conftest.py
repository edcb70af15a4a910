import pytest

from flow.build import main
from tests.flow.nets import compile_net


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

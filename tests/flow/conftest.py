import pytest

from tests.flow.nets import NETS, compile_net


@pytest.fixture(scope="session", params=sorted(NETS))
def compiled(request, tmp_path_factory):
    """Each small network, compiled once per test session."""
    return compile_net(request.param, tmp_path_factory.mktemp(request.param))

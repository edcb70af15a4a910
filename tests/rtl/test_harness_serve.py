"""The harness's --serve mode (flow.backends.rtl.verilator.SimulatorSession): batch after batch on one
design, and a batch that fails ends the session with the harness's reason."""

import numpy as np
import pytest

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import SimulationError, build


def test_batches_run_on_one_design_until_one_fails(tmp_path):
    sim = build("fifo", rtl_sources("fifo"), 16, 16, {"WIDTH": 16, "DEPTH": 4})
    rng = np.random.default_rng(0)
    session = sim.serve(tmp_path)
    try:
        for words in (5, 1, 12):
            x = rng.integers(0, 256, (words, 2), dtype=np.uint8)
            y, stats = session.run(x, words, 1, 1)
            assert np.array_equal(y, x) and stats["words_in"] == words
        with pytest.raises(SimulationError, match="stopped .*harness: timeout after 3 cycles"):
            session.run(x, len(x), 1, 1, max_cycles=3)
        with pytest.raises(SimulationError, match="stopped"):
            session.run(x, len(x), 1, 1)
    finally:
        session.close()

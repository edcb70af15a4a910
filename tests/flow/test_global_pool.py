"""GlobalAveragePool: the sum over the map in hardware (GlobalSum), the division by the pixel count
in the scale the next thresholds take; exact through streamlining and built through every level."""

import numpy as np

from flow import verify
from flow.lower import lower_to_hardware
from flow.reference import make_reference, run_reference, session
from flow.streamline import integerize
from tests.flow.qonnx_graphs import global_pool_graph
from tests.helpers import build_through_every_level


def test_global_average_pool_streamlines_exactly():
    model = global_pool_graph()
    x = np.random.default_rng(1).uniform(-1, 5, (32, 8, 4, 4)).astype(np.float32)
    integer = integerize(model)
    expected = verify.execute_batch(model, x)
    assert np.array_equal(expected, verify.execute_batch(integer, x))
    assert np.array_equal(expected, run_reference(session(make_reference(integer)), x)[model.graph.output[0].name])
    assert len(np.unique(expected)) > 4
    assert [n.op_type for n in lower_to_hardware(integer).graph.node] == ["GlobalSum", "MVAU"]


def test_a_global_pool_network_builds_through_every_level(tmp_path):
    report = build_through_every_level(global_pool_graph(), tmp_path, "--target-fps", "20000")
    pool = next(op for op in report["ops"] if op["name"].startswith("GlobalSum"))
    assert pool["measured_cycles"] == pool["analytic_cycles"]

"""DepthToSpace and nearest Resize (espcn's two ways up): exact through streamlining, refused
where a Resize does not repeat pixels, and built through every level as Upscale ops (a CRD
DepthToSpace by reordering the channels of the convolution before it)."""

import numpy as np
import pytest

from flow import verify
from flow.reference import make_reference, run_reference, session
from flow.streamline import UnsupportedGraph, integerize
from tests.flow.qonnx_graphs import nearest_resize_graph, subpixel_graph
from tests.helpers import build_through_every_level


def exact(model, seed=1):
    shape = model.get_tensor_shape(model.graph.input[0].name)
    x = np.random.default_rng(seed).uniform(-1, 3, (16, *shape[1:])).astype(np.float32)
    integer = integerize(model)
    expected = verify.execute_batch(model, x)
    assert np.array_equal(expected, verify.execute_batch(integer, x))
    reference = run_reference(session(make_reference(integer)), x)[model.graph.output[0].name]
    assert np.array_equal(expected, reference)
    assert len(np.unique(expected)) > 2, "test data gives a near-constant output"


@pytest.mark.parametrize("mode", ["CRD", "DCR"])
def test_depth_to_space_streamlines_exactly(mode):
    exact(subpixel_graph(mode))


@pytest.mark.parametrize(("transform", "nearest_mode"), [("asymmetric", "floor"),
                                                         ("half_pixel", "round_prefer_floor")])
def test_nearest_resize_streamlines_exactly(transform, nearest_mode):
    exact(nearest_resize_graph(transform, nearest_mode))


@pytest.mark.parametrize(("graph", "message"), [
    (lambda: nearest_resize_graph("asymmetric", "ceil"),
     "Resize node '.*': its coordinate mapping does not repeat each pixel 2 x 2 times"),
    (lambda: nearest_resize_graph(mode="linear"), "Resize node '.*': mode 'linear'"),
])
def test_a_resize_that_does_not_repeat_pixels_is_refused(graph, message):
    with pytest.raises(UnsupportedGraph, match=message):
        integerize(graph())


@pytest.mark.parametrize("graph", [lambda: subpixel_graph("CRD"), nearest_resize_graph], ids=["crd", "nearest"])
def test_upscaling_networks_build_through_every_level(tmp_path, graph):
    report = build_through_every_level(graph(), tmp_path, "--target-fps", "20000")
    upscale = next(op for op in report["ops"] if op["name"].startswith("Upscale"))
    assert upscale["measured_cycles"] == upscale["analytic_cycles"]


def test_a_resize_given_by_its_sizes_streamlines_exactly():
    """Sizes (for one image: the model's batch is 1) instead of scales: the same repetition."""
    from tests.flow.qonnx_graphs import GraphBuilder

    g = GraphBuilder((1, 3, 4, 5)).quant(0.25, bits=4, signed=False)
    g.op("Resize", "", "", g.const([1, 3, 8, 10], np.int64), mode="nearest",
         coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    model = g.quant(0.5, bits=4).model()
    integer = integerize(model)
    for x in np.random.default_rng(3).uniform(-1, 4, (4, 1, 3, 4, 5)).astype(np.float32):
        assert np.array_equal(verify.execute_batch(model, x), verify.execute_batch(integer, x))

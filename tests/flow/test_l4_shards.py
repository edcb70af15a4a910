"""L4 split by frames over Ray tasks (--l4-shards): the same outputs, every op's stream checked
over all frames, and the cycles per frame measured as without shards."""

import json

import numpy as np
import pytest

from flow.api import build
from tests.flow.nets import compile_net

OPTIONS = {"fps": 20000, "backend": "rtl", "op_sim": False, "verbose": False}


@pytest.mark.slow
def test_l4_in_shards_equals_l4_in_one_run(tmp_path):
    compile_net("int4_convnet", tmp_path, inputs=2)
    model = tmp_path / "int4_convnet.onnx"
    x = np.random.default_rng(3).uniform(-1, 1, (5, 3, 8, 8)).astype(np.float32)
    one = build(model, input_data=x, out=tmp_path / "one", **OPTIONS)
    three = build(model, input_data=x, out=tmp_path / "three", l4_shards=3, **OPTIONS)
    assert one.passed and three.passed, three.failures
    assert np.array_equal(np.load(one.directory / "sim" / "l4_outputs.npy"),
                          np.load(three.directory / "sim" / "l4_outputs.npy"))
    sims = [json.loads((b.directory / "sim" / "rtlsim.json").read_text()) for b in (one, three)]
    assert [s["l4_run"]["shards"] for s in sims] == [1, 3]
    assert sims[0]["throughput_run"]["cycles_per_frame"] == sims[1]["throughput_run"]["cycles_per_frame"]
    streams = [c for c in three.verification["checks"]["rtlsim"] if c["scope"] == "L4 stream"]
    assert streams and all(c["passed"] and c["inputs"] == 5 for c in streams)

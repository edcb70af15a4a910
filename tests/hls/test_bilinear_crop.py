"""hw/hls/bilinear_crop.hpp, C-simulated, makes BilinearCrop's crops (deploy/crop_stream.py's model),
and the model makes the Pillow kernel's (deploy/crop.py Cropper), over crops inside, across each
side and outside the frame, up- and downscaled, several in one run."""

import numpy as np
import pytest

from tests.crop_cases import crop_inputs
from tests.helpers import single_op_model
from tests.hls.test_ops import assert_csim_matches_model

N = 15


@pytest.mark.parametrize(("h", "w"), [(13, 17), (9, 40)], ids=str)
def test_bilinear_crop_csim_equals_model_and_pillow(tmp_path, h, w):
    x, pillow = crop_inputs(h, w, N)
    model = single_op_model("BilinearCrop", x.shape, out_size=N, frame_height=h, frame_width=w)
    expected = assert_csim_matches_model(model, model.graph.node[0], x, tmp_path)
    assert np.array_equal(expected.astype(np.int8).view(np.uint8), pillow)

"""SiamFC network: geometry, the unpadded top-left property, correlation, presets, memory."""

import pytest
import torch

from models.siamfc import (
    ARCHITECTURE,
    BINARY_CHECKPOINT,
    BINARY_KD_FP32VARIED_CHECKPOINT,
    BINARY_KD_VARIED_CHECKPOINT,
    EXEMPLAR_SIZE,
    RECEPTIVE_FIELD,
    SEARCH_SIZE,
    TOTAL_STRIDE,
    SiamFCBackbone,
    SiamFCNet,
    conv_parameter_memory,
    correlate,
    feature_size,
    layer_table,
    load_siamfc,
    macs_per_image,
    score_size,
)
from models.siamfc_presets import PRESETS, get_preset

torch.set_num_threads(1)


def randomise_batchnorm(module, seed=0):
    """Non-trivial BatchNorm statistics and affine parameters, so eval mode is not the identity."""
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=g) - 0.5)
            m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            m.bias.data.copy_(torch.rand(n, generator=g) - 0.5)
    return module


def pixels(shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randint(0, 256, shape, generator=g).float() - 128) / 128


def test_sizes_and_stride():
    assert feature_size(EXEMPLAR_SIZE) == 17
    assert feature_size(SEARCH_SIZE) == 49
    assert score_size() == 33
    # every strided layer divides its input exactly for both crop sizes: no pixel is dropped
    for size in (EXEMPLAR_SIZE, SEARCH_SIZE):
        for layer in ARCHITECTURE:
            assert (size - layer.kernel) % layer.stride == 0
            size = (size - layer.kernel) // layer.stride + 1
    # receptive field and stride from the layers: RF = 1 + sum (k - 1) * jump
    rf, jump = 1, 1
    for layer in ARCHITECTURE:
        rf, jump = rf + (layer.kernel - 1) * jump, jump * layer.stride
    assert (rf, jump) == (RECEPTIVE_FIELD, TOTAL_STRIDE) == (63, 4)


def test_forward_shapes_and_width():
    net = SiamFCNet("fp32", width=0.25).eval()
    scores = net(pixels((2, 3, 127, 127)), pixels((4, 3, 255, 255), 1))
    assert scores.shape == (4, 1, 33, 33)
    assert net.backbone.out_channels == 8
    assert SiamFCBackbone("binary", 1.0).out_channels == 32


def test_macs_match_the_layers():
    # width 1.0: conv1 5x5x3->16 at 126x126, conv2 5x5x16->32 at 59x59, conv3..6 3x3x32->32 at
    # 57, 55, 53, 51, conv7 3x3x32->32 at 49
    expected = (
        126**2 * 75 * 16
        + 59**2 * 25 * 16 * 32
        + sum(s * s for s in (57, 55, 53, 51, 49)) * 9 * 32 * 32
    )
    assert macs_per_image(1.0) == expected == 193_415_360
    assert [r["out_size"] for r in layer_table(1.0, 127)] == [62, 31, 27, 25, 23, 21, 19, 17]


@pytest.mark.parametrize("preset", ["fp32", "binary"])
def test_top_left_outputs_on_a_canvas_are_the_exemplar_features(preset):
    """The hardware embeds the exemplar with its 255x255 datapath: exemplar in the canvas'
    top-left corner, anything elsewhere; the top-left 17x17 outputs are the exemplar's features."""
    backbone = randomise_batchnorm(SiamFCBackbone(preset, width=0.25)).eval()
    exemplar = pixels((1, 3, 127, 127))
    canvas = pixels((1, 3, 255, 255), seed=7)
    canvas[:, :, :127, :127] = exemplar
    with torch.no_grad():
        own = backbone(exemplar)
        embedded = backbone(canvas)[:, :, :17, :17]
    assert own.shape == (1, backbone.out_channels, 17, 17)
    if preset == "binary":
        # quantised output: the same integers (a float-rounding tie could differ; count them)
        step = backbone.layers.out_quant.act_quant.scale().item()
        assert torch.count_nonzero(torch.round((own - embedded) / step)).item() == 0
    else:
        torch.testing.assert_close(own, embedded, rtol=0, atol=1e-5)


def test_receptive_field_is_63_pixels_with_stride_4():
    """Output (0, 0) depends on input rows/cols 0..62 only; output (0, 1) starts at column 4."""
    # Positive weights and inputs keep every pre-activation positive, so the ReLUs pass any
    # change, and a large bump wins its max-pool window: no path is cut by chance.
    torch.manual_seed(0)
    backbone = SiamFCBackbone("fp32", width=0.25).double().eval()
    with torch.no_grad():
        for m in backbone.modules():
            if isinstance(m, torch.nn.Conv2d):
                m.weight.abs_()
    x = pixels((1, 3, 127, 127)).double().abs()
    bump = 1000.0
    with torch.no_grad():
        base = backbone(x)
        for (row, col), changed in (((62, 62), True), ((63, 0), False), ((0, 63), False)):
            y = x.clone()
            y[:, :, row, col] += bump
            moved = (backbone(y) - base)[0, :, 0, 0].abs().max().item() > 1e-9
            assert moved == changed, (row, col)
        y = x.clone()
        y[:, :, 0, 3] += bump
        diff = (backbone(y) - base)[0].abs().amax(dim=0)
        assert diff[0, 0] > 1e-9 and diff[0, 1] < 1e-12


def test_correlate_matches_a_direct_sum():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(2, 3, 4, 4, generator=g, dtype=torch.float64)
    x = torch.randn(4, 3, 9, 8, generator=g, dtype=torch.float64)
    out = correlate(z, x)
    assert out.shape == (4, 1, 6, 5)
    for i in range(4):
        for r in range(6):
            for c in range(5):
                expected = (z[i % 2] * x[i, :, r : r + 4, c : c + 4]).sum()
                assert torch.isclose(out[i, 0, r, c], expected)
    with pytest.raises(ValueError, match="cannot correlate"):
        correlate(z, x[:3])


def test_presets_follow_table2():
    rows = {p.table2_row: p for p in PRESETS.values() if p.table2_row}
    assert sorted(rows) == [1, 2, 3, 4, 5]
    assert (rows[1].first_weight_bits, rows[1].act_bits) == (None, None)
    for row, hidden in ((2, 16), (3, 4), (4, 2), (5, 1)):
        p = rows[row]
        assert (p.first_weight_bits, p.hidden_weight_bits, p.act_bits) == (16, hidden, 32)
        assert p.last_weight_bits == (16 if row == 2 else 8)
    binary = get_preset("binary")
    assert (
        binary.input_bits,
        binary.first_weight_bits,
        binary.hidden_weight_bits,
        binary.last_weight_bits,
        binary.act_bits,
    ) == (8, 4, 1, 4, 1)
    int4 = get_preset("int4")
    assert (
        int4.first_weight_bits,
        int4.hidden_weight_bits,
        int4.last_weight_bits,
        int4.act_bits,
    ) == (4, 4, 4, 4)
    with pytest.raises(ValueError, match="unknown SiamFC preset"):
        get_preset("int3")


def test_conv_parameter_memory_counts_each_layers_bits():
    first, hidden, last = 5 * 5 * 3 * 16, 5 * 5 * 16 * 32 + 4 * 9 * 32 * 32, 9 * 32 * 32
    memory = {name: conv_parameter_memory(SiamFCBackbone(name, 1.0)) for name in PRESETS}
    assert memory["fp32"]["bits"] == 32 * (first + hidden + last)
    assert memory["binary"]["bits"] == 4 * first + 1 * hidden + 4 * last
    assert memory["int16_ternary_int8"]["bits"] == 16 * first + 2 * hidden + 8 * last
    assert memory["int4"]["kbytes"] == 4 * (first + hidden + last) / 8 / 1024
    assert [layer["bits_per_weight"] for layer in memory["int16_int4_int8"]["layers"]] == [16] + [
        4
    ] * 5 + [8]


@pytest.mark.parametrize("path,digest,teacher", [
    (BINARY_KD_VARIED_CHECKPOINT, "32a3128762b13ef1", "build/models/siamfc-fp32/best.pt"),
    (BINARY_KD_FP32VARIED_CHECKPOINT, "ef98bb5be048b527", "build/models/siamfc-fp32-varied/best.pt"),
])
def test_the_distilled_binary_checkpoints_are_the_same_network_and_leave_the_default_alone(path, digest, teacher):
    import hashlib

    # pinned: the held-out figures in models/README_siamfc.md are of these bytes
    assert hashlib.sha256(path.read_bytes()).hexdigest().startswith(digest)
    assert hashlib.sha256(BINARY_CHECKPOINT.read_bytes()).hexdigest().startswith("a3f0f7d30ca89373")
    net, default = load_siamfc(path), load_siamfc(BINARY_CHECKPOINT)
    assert net.preset == default.preset and net.backbone.width == default.backbone.width == 1.0
    config = torch.load(path, weights_only=False)["config"]
    assert config["scenes"] == "varied" and config["distill"] == {"teacher": teacher, "weight": 0.5, "temperature": 4.0}
    state, other = net.state_dict(), default.state_dict()
    assert state.keys() == other.keys()
    assert any(not torch.equal(state[k], other[k]) for k in state)


def test_shipped_binary_checkpoint_is_the_hardware_network():
    net = load_siamfc(BINARY_CHECKPOINT)
    assert net.preset.name == "binary" and BINARY_CHECKPOINT.stat().st_size < 5 * 2**20
    z = torch.rand(1, 3, EXEMPLAR_SIZE, EXEMPLAR_SIZE) * 2 - 1
    x = torch.rand(1, 3, SEARCH_SIZE, SEARCH_SIZE) * 2 - 1
    with torch.no_grad():
        scores = net(z, x)
    assert scores.shape == (1, 1, 33, 33) and torch.isfinite(scores).all()
    # the width the hardware builds: 32 feature channels
    assert net.backbone.convolutions()[-1][1].out_channels == 32

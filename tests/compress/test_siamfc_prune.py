"""SiamFC pruning (models/compress/siamfc_prune.py) on a tiny int4 network (width 0.25: 4/8
channels): the channel counts and the kept filters, reloading, fine-tuning through the recipe,
and the pruned network through the compiler up to its folding, bit-exact."""

import json

import numpy as np
import pytest
import torch
from qonnx.custom_op.registry import getCustomOp

from flow import verify
from flow.fold import apply_folding, auto_folding
from flow.frontend import export_brevitas
from flow.lower import lower_to_hardware
from flow.reference import CORE_IN, CORE_OUT, make_reference, run_reference, session
from flow.streamline import integerize
from flow.targets.siamfc import TARGETS
from flow.targets.siamfc.fit import main as fit_main
from flow.targets.siamfc.fit import tracker_fit
from flow.targets.siamfc.inputs import search_crops
from models.compress.__main__ import main as compress_main
from models.compress.criteria import evaluate
from models.compress.siamfc_prune import prune_backbone
from models.siamfc import load_siamfc
from models.train import main as train_main
from tests.models.test_siamfc_training import TINY

SEARCH = 143  # 21x21 features, 5x5 scores against a 17x17 exemplar
FPS = 500  # within reach of the tiny network's first layer at 143x143 (PE 4 x SIMD 3 at most)


@pytest.fixture(scope="module")
def pruned(tmp_path_factory):
    root = tmp_path_factory.mktemp("siamfc_prune")
    args = [a if a != "binary" else "int4" for a in TINY]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QNNFLOW_CACHE", str(root / "cache"))
        mp.setenv("TQDM_DISABLE", "1")
        train_main(args + ["--epochs", "1", "--out", str(root / "int4")])
        compress_main(["prune-siamfc", "--checkpoint", str(root / "int4" / "best.pt"),
                       "--layers", "conv2", "--fraction", "0.5", "--epochs", "1",
                       "--out", str(root / "pruned")])
    return root


def test_pruning_keeps_the_filters_the_criterion_ranks_highest(pruned):
    result = json.loads((pruned / "pruned" / "result.json").read_text())
    assert result["channels_before"] == [4, 8, 8, 8, 8, 8, 8]
    assert set(result["val_centre_error"]["pruned_by_criterion"]) == {"sd", "max", "mean", "range"}
    errors = result["val_centre_error"]["pruned_by_criterion"]
    assert result["criterion"] == min(errors, key=errors.get)
    assert result["channels"] == [4, 4, 8, 8, 8, 8, 8]
    # the four of conv2's eight filters that the criterion ranks highest remain
    conv2 = dict(load_siamfc(pruned / "int4" / "best.pt").backbone.convolutions())["conv2"]
    values = evaluate(result["criterion"], conv2.weight)
    assert result["keep"] == {"layers.conv2": sorted(values.argsort()[4:].tolist())}


def test_pruned_checkpoints_reload_with_identical_outputs(pruned):
    net = load_siamfc(pruned / "int4" / "best.pt")
    result = json.loads((pruned / "pruned" / "result.json").read_text())
    again, _ = prune_backbone(net, ["conv2"], 0.5, result["criterion"])
    reloaded = load_siamfc(pruned / "pruned" / "pruned.pt")
    assert list(reloaded.backbone.channels) == result["channels"]
    z, x = torch.rand(2, 3, 127, 127) - 0.5, torch.rand(2, 3, 159, 159) - 0.5
    with torch.no_grad():
        assert torch.equal(reloaded(z, x), again(z, x))
    tuned = load_siamfc(pruned / "pruned" / "best.pt")
    assert list(tuned.backbone.channels) == result["channels"]
    # what `python -m flow.build siamfc_int4 --checkpoint .../best.pt` builds
    built = TARGETS["siamfc_int4"].load_checkpoint(pruned / "pruned" / "best.pt")
    with torch.no_grad():
        assert torch.equal(built(x), tuned.backbone(x))
    state = torch.load(pruned / "pruned" / "best.pt", weights_only=False)
    assert state["config"]["init"] == str(pruned / "pruned" / "pruned.pt")
    assert len(result["val_centre_error"]["fine_tuned"]) == 1


def test_the_output_layer_is_never_pruned(pruned):
    net = load_siamfc(pruned / "int4" / "best.pt")
    with pytest.raises(ValueError, match=r"cannot prune \['layers.conv7'\].*output layer never"):
        prune_backbone(net, ["conv7"], 0.25, "sd")


def test_pruned_network_compiles_bit_exactly_and_folds(pruned, tmp_path):
    backbone = load_siamfc(pruned / "pruned" / "best.pt").backbone
    channels = list(backbone.channels)
    x = search_crops(2, 3, SEARCH)
    qonnx = export_brevitas(backbone, torch.from_numpy(x[:1]), tmp_path / "00_qonnx.onnx")
    integer = integerize(qonnx)
    with torch.no_grad():
        l0 = backbone(torch.from_numpy(x)).numpy()
    assert verify.compare(l0, verify.run_qonnx(qonnx, x), verify.output_step(integer))["equal"]
    ref = run_reference(session(make_reference(integer)), x)
    hw = lower_to_hardware(integer)
    mvaus = [n for n in hw.graph.node if n.op_type == "MVAU"]
    heights = [getCustomOp(n).attr("MH") for n in mvaus]
    assert heights == channels
    folded = apply_folding(hw, auto_folding(hw, FPS, 100.0))
    l3 = verify.run_hardware_graph(folded, verify.to_channels_last(ref[CORE_IN]))
    assert np.array_equal(verify.to_channels_first(l3), ref[CORE_OUT])
    fit = tracker_fit(lower_to_hardware(integer), target_fps=FPS)
    assert fit["backbone_fits_at_goal"] and fit["refolded_for_fps"] is None
    assert fit["search_images_per_second"] >= FPS


def test_fit_cli_estimates_the_checkpoint_and_candidate_channel_counts(pruned, capsys):
    fit_main(["--checkpoint", str(pruned / "pruned" / "best.pt"), "--channels", "conv1=2 conv3=6",
              "--target-fps", "20"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")][1:]
    assert [row.split(" | ")[:2] for row in rows] == [
        ["| as given", "[4, 4, 8, 8, 8, 8, 8]"], ["| conv1=2 conv3=6", "[2, 4, 6, 8, 8, 8, 8]"]]
    with pytest.raises(SystemExit, match="expected layer=count, got 'conv1'"):
        fit_main(["--checkpoint", str(pruned / "pruned" / "best.pt"), "--channels", "conv1"])

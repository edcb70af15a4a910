"""The BNN-PYNQ targets' weights and test data: tfc_w1a1's shipped trained checkpoint, the
seeded random variants, and labelled MNIST test digits."""

import hashlib

import numpy as np
import torch

from flow.targets.bnn_pynq import TARGETS, TFC_CHECKPOINT, TFC_CHECKPOINT_SHA256, mnist_test_set
from models.data.mnist import load_mnist


def first_weight(model):
    return next(p for n, p in model.named_parameters() if n.endswith("weight")).detach().clone()


def test_the_shipped_checkpoint_is_the_recorded_one_and_the_default():
    assert hashlib.sha256(TFC_CHECKPOINT.read_bytes()).hexdigest() == TFC_CHECKPOINT_SHA256
    trained = TARGETS["tfc_w1a1"].make_model()
    state = torch.load(TFC_CHECKPOINT, map_location="cpu", weights_only=False)["model"]
    assert torch.equal(first_weight(trained), next(v for k, v in state.items() if k.endswith("weight")))


def test_random_weights_follow_the_seed():
    random = TARGETS["tfc_w1a1"].random_model
    assert torch.equal(first_weight(random(3)), first_weight(random(3)))
    assert not torch.equal(first_weight(random(3)), first_weight(random(4)))
    assert not torch.equal(first_weight(random(0)), first_weight(TARGETS["tfc_w1a1"].make_model()))


def test_test_inputs_are_distinct_test_digits_with_their_labels():
    x, labels = mnist_test_set(50, 7)
    images, all_labels = load_mnist("test")
    index = [int(np.flatnonzero((images == np.round(im[0] * 255)).all(axis=(1, 2)))[0]) for im in x]
    assert len(set(index)) == 50 and np.array_equal(all_labels[index], labels)
    assert np.array_equal(TARGETS["tfc_w1a1"].make_labels(50, 7), labels)

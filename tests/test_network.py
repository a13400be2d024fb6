"""The network: shapes, parameter counts and names at the paper's input size; save/load in safe mode."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import REPO
from sertransfer.config import load_config
from sertransfer.network import WEIGHT_LAYERS, build_network, load_network


@pytest.fixture(scope="module")
def paper_model():
    """The `model:` block of config/paper.yaml (the paper's network, docs/design.md §6)."""
    return load_config(REPO / "config" / "paper.yaml")["model"]


def test_cnn_lstm_at_54000(paper_model):
    network = build_network({**paper_model, "execution": "layers"}, 54000, 6)
    assert network.input_shape == (None, 54000, 1) and network.output_shape == (None, 6)
    shapes = {name: network.get_layer(name).output.shape for name in WEIGHT_LAYERS}
    assert shapes["conv1"] == (None, 3372, 128) and shapes["conv2"] == (None, 414, 128)
    assert network.get_layer("conv2_pool").output.shape == (None, 2, 128)
    assert shapes["lstm"] == (None, 2, 500) and network.get_layer("flatten").output.shape == (None, 1000)
    assert shapes["fc1"] == shapes["fc2"] == (None, 1000)
    # conv1 8,320 + conv2 131,200 + lstm 1,258,000 + fc1/fc2 1,001,000 each + out 6,006
    assert network.count_params() == 3_405_526
    assert network.get_layer("fc1").activation.__name__ == "tanh"
    assert network.get_layer("conv1_dropout").rate == pytest.approx(0.3)


def test_fused_execution_has_the_same_weight_layers(paper_model):
    network = build_network(paper_model, 54000, 6)  # the default execution
    assert paper_model["execution"] == "fused"
    shapes = {name: network.get_layer(name).output.shape for name in WEIGHT_LAYERS}
    assert shapes["conv1"] == (None, 421, 128) and shapes["conv2"] == (None, 2, 128)  # pooled inside the block
    assert shapes["lstm"] == (None, 2, 500) and shapes["out"] == (None, 6)
    assert network.get_layer("conv1").rate == network.get_layer("conv2").rate == pytest.approx(0.3)
    weights = {name: [tuple(w.shape) for w in network.get_layer(name).weights] for name in ("conv1", "conv2")}
    assert weights == {"conv1": [(64, 1, 128), (128,)], "conv2": [(8, 128, 128), (128,)]}  # Conv1D's shapes
    assert network.count_params() == 3_405_526


def test_cnn_variant_has_no_lstm(paper_model):
    network = build_network(paper_model, 54000, 6, "cnn")
    names = {layer.name for layer in network.layers}
    assert "lstm" not in names and network.get_layer("flatten").output.shape == (None, 256)
    assert network.count_params() == 8_320 + 131_200 + 257_000 + 1_001_000 + 6_006


def test_too_short_input_is_a_clear_error(paper_model):
    with pytest.raises(ValueError, match="features.waveform.length"):
        build_network(paper_model, 100, 6)


def test_save_and_load_in_safe_mode(tmp_path, paper_model):
    small = {**paper_model, "lstm_units": 8, "dense_units": 8,
             "conv1": {**paper_model["conv1"], "filters": 4}, "conv2": {**paper_model["conv2"], "filters": 4}}
    network = build_network(small, 4000, 6)
    network.save(tmp_path / "m.keras")
    loaded = load_network(str(tmp_path / "m.keras"))
    x = np.random.default_rng(0).standard_normal((3, 4000, 1)).astype(np.float32)
    assert np.array_equal(loaded(x, training=False).numpy(), network(x, training=False).numpy())

"""The transfer approaches A1–A8 (paper §3.2): which layers are frozen and which re-initialised.

The table of differences lives in config (`transfer.approaches`); one mechanism applies any row.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras

from sertransfer.network import WEIGHT_LAYERS, compile_network


def check_approaches(approaches: Mapping[str, Mapping]) -> None:
    """Reject approach rows that name unknown layers or re-initialise a frozen layer."""
    for name, row in approaches.items():
        unknown = [layer for layer in (*row.get("freeze", ()), *row.get("reinit", ())) if layer not in WEIGHT_LAYERS]
        if unknown:
            raise ValueError(f"transfer.approaches.{name}: unknown layers {unknown} (known: {WEIGHT_LAYERS})")
        both = set(row.get("freeze", ())) & set(row.get("reinit", ()))
        if both:
            raise ValueError(f"transfer.approaches.{name}: layers {sorted(both)} both frozen and re-initialised")


def reinitialise(network: keras.Model, layer_names: list[str], seed: int) -> None:
    """Give the named layers fresh weights from their own initialisers (seeded)."""
    for offset, name in enumerate(layer_names):
        layer = network.get_layer(name)
        if not layer.weights:
            continue
        config = layer.get_config()
        fresh = layer.__class__.from_config({**config, "name": f"{name}_fresh"})
        keras.utils.set_random_seed(seed + offset)
        fresh.build(layer.input.shape)
        layer.set_weights(fresh.get_weights())


def prepare_finetuning(pretrained: keras.Model, approach: Mapping, model: Mapping, seed: int,
                       run_eagerly: bool = False) -> keras.Model:
    """A copy of the pretrained network with the approach's layers frozen / re-initialised, compiled."""
    network = keras.models.clone_model(pretrained)
    network.set_weights(pretrained.get_weights())
    reinitialise(network, [n for n in approach.get("reinit", ()) if n in _names(network)], seed)
    for layer in network.layers:
        layer.trainable = layer.name not in approach.get("freeze", ())
    return compile_network(network, model, run_eagerly)


def _names(network: keras.Model) -> set[str]:
    """Layer names of a network."""
    return {layer.name for layer in network.layers}

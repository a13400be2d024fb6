"""The transfer approaches A1–A8 (paper §3.2): which layers are frozen and which re-initialised.

The table of differences lives in config (`transfer.approaches`); one mechanism applies any row:
`start_approach` (used by the fine-tuning jobs and by the export) gives the network an approach trains,
and `apply_approach` is the one place a row's `reinit` and `freeze` act on a network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import keras
import numpy as np

from sertransfer.network import WEIGHT_LAYERS, compile_network
from sertransfer.seeds import derived_seed


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
        keras.utils.set_random_seed(seed + offset)  # before construction: initialisers draw their seeds then
        fresh = layer.__class__.from_config({**layer.get_config(), "name": f"{name}_fresh"})
        fresh.build(layer.input.shape)
        layer.set_weights(fresh.get_weights())


def apply_approach(network: keras.Model, approach: Mapping, seed: int) -> frozenset[str]:
    """Re-initialise the approach's `reinit` layers of `network` in place (seeded); the layers it freezes."""
    reinitialise(network, [n for n in approach.get("reinit", ()) if n in _names(network)], seed)
    return frozenset(approach.get("freeze", ())) & _names(network)


def trains(approach: Mapping) -> bool:
    """Whether the approach fine-tunes at all (A1, `finetune: false`, keeps the pretrained network)."""
    return bool(approach.get("finetune", True))


@dataclass(frozen=True)
class ApproachStart:
    """The network an approach fine-tunes, ready to fit, and the gradient mask `fit` takes (None: none)."""

    network: keras.Model
    gradient_mask: Sequence[float] | None = None


def start_approach(pretrained: keras.Model, approach: Mapping, model: Mapping, seed: int, run_eagerly: bool = False,
                   session: SharedFinetuning | None = None) -> ApproachStart | None:
    """The network to fine-tune for `approach` from `pretrained`, or None when the approach does not train.

    Without a `session`: a compiled copy whose frozen layers are not trainable; with one
    (`training.reuse_graph`): the session's working copy, reset, with a zero gradient mask on frozen layers.
    """
    if not trains(approach):
        return None
    if session is not None:
        return ApproachStart(session.network, session.start(approach, seed))
    return ApproachStart(prepare_finetuning(pretrained, approach, model, seed, run_eagerly))


def prepare_finetuning(pretrained: keras.Model, approach: Mapping, model: Mapping, seed: int,
                       run_eagerly: bool = False) -> keras.Model:
    """A copy of the pretrained network with the approach applied (frozen layers not trainable), compiled."""
    network = keras.models.clone_model(pretrained)
    network.set_weights(pretrained.get_weights())
    frozen = apply_approach(network, approach, seed)
    for layer in network.layers:
        layer.trainable = layer.name not in frozen
    return compile_network(network, model, run_eagerly)


def _names(network: keras.Model) -> set[str]:
    """Layer names of a network."""
    return {layer.name for layer in network.layers}


class SharedFinetuning:
    """Every approach of a fine-tuning job on one working copy of the pretrained network (`training.reuse_graph`).

    Instead of a new compiled copy per approach, the working copy is reset for each approach: the
    pretrained weights, the approach's re-initialised layers, fresh optimizer state and reseeded
    dropout; its frozen layers get a zero gradient mask, so that one traced training step serves every
    approach and every unit of the job (AdaDelta leaves a variable with zero gradient exactly as it is).
    Worth it for small networks, where tracing costs more than training; at full size, true freezing
    (`prepare_finetuning`) skips the frozen layers' gradients and is faster.
    """

    def __init__(self, pretrained: keras.Model, model: Mapping) -> None:
        self.pretrained_weights = pretrained.get_weights()
        self.network = compile_network(keras.models.clone_model(pretrained), model, run_eagerly=False)
        self.network.set_weights(self.pretrained_weights)
        self.owner = {id(w): layer.name for layer in self.network.layers for w in layer.trainable_weights}
        self.seed_generators = [layer.seed_generator for layer in self.network.layers
                                if isinstance(getattr(layer, "seed_generator", None), keras.random.SeedGenerator)]

    def start(self, approach: Mapping, seed: int) -> list[float]:
        """Reset the working copy for `approach` (seeded); its gradient mask (0: frozen, 1: trained)."""
        self.network.set_weights(self.pretrained_weights)
        frozen = apply_approach(self.network, approach, seed)
        optimizer = self.network.optimizer
        for variable in optimizer.variables:
            if variable is not getattr(optimizer, "_learning_rate", None):
                variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
        for index, generator in enumerate(self.seed_generators):
            generator.state.assign(np.array([derived_seed(seed, "dropout", index), 0], dtype=generator.state.dtype))
        return [0.0 if self.owner[id(v)] in frozen else 1.0 for v in self.network.trainable_variables]

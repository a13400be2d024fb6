"""Training the network: seeds, determinism, threads, early stopping on a validation split (SPEC §6)."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

log = logging.getLogger(__name__)


def configure_runtime(seed: int, threads: int) -> None:
    """Seed every generator, make TF ops deterministic and bound TF's thread pools to the job's threads."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(max(1, threads))
        tf.config.threading.set_inter_op_parallelism_threads(max(1, min(2, threads)))
    except RuntimeError:  # already initialised in this process (tests): keep the existing pools
        pass


def label_indices(labels: Sequence[str], emotions: Sequence[str]) -> np.ndarray:
    """Emotion names -> class indices of the six-way output layer."""
    index = {emotion: i for i, emotion in enumerate(emotions)}
    return np.array([index[label] for label in labels], dtype=np.int64)


@dataclass
class TrainingHistory:
    """Per-epoch losses and the epoch whose weights were kept."""

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    epochs_run: int = 0

    def as_dict(self) -> dict:
        """JSON-ready view."""
        return {"loss": self.loss, "val_loss": self.val_loss, "best_epoch": self.best_epoch,
                "epochs_run": self.epochs_run}


def fit(network: keras.Model, x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
        settings: Mapping, seed: int = 0) -> TrainingHistory:
    """Train with early stopping on validation loss, restoring the best weights; return the history.

    `settings` is a `training.<stage>` config block (batch_size, max_epochs, patience). The loop is
    Keras's `train_on_batch` over seeded shuffled mini-batches: the same steps as `model.fit`
    without its per-call set-up, which dominates the demo's many small trainings.
    """
    rng = np.random.default_rng(seed)
    batch, patience = settings["batch_size"], settings["patience"]
    history = TrainingHistory()
    best_loss, best_weights, waited = math.inf, network.get_weights(), 0
    for epoch in range(1, settings["max_epochs"] + 1):
        order = rng.permutation(len(x))
        total = 0.0
        for start in range(0, len(x), batch):
            index = order[start:start + batch]
            loss = network.train_on_batch(x[index][..., None], y[index])
            total += float(loss[0] if isinstance(loss, (list, tuple)) else loss) * len(index)
        history.loss.append(total / max(1, len(x)))
        val_loss = cross_entropy(predict(network, x_val), y_val) if len(x_val) else history.loss[-1]
        history.val_loss.append(val_loss)
        history.epochs_run = epoch
        if val_loss < best_loss:
            best_loss, best_weights, waited, history.best_epoch = val_loss, network.get_weights(), 0, epoch
        else:
            waited += 1
            if waited > patience:
                break
    network.set_weights(best_weights)
    log.info("trained %d epochs (best %d, val_loss %.4f)", history.epochs_run, history.best_epoch, best_loss)
    return history


def cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean categorical cross-entropy of predicted probabilities against class indices."""
    picked = probabilities[np.arange(len(labels)), labels].astype(np.float64)
    return float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))


def predict(network: keras.Model, x: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Class probabilities (n, classes) in inference mode (direct calls in batches)."""
    if len(x) == 0:
        return np.zeros((0, network.output_shape[-1]), dtype=np.float32)
    parts = [np.asarray(network(x[start:start + batch_size, :, None], training=False), dtype=np.float32)
             for start in range(0, len(x), batch_size)]
    return np.concatenate(parts)

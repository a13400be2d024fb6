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
        settings: Mapping) -> TrainingHistory:
    """Train with early stopping on validation loss, restoring the best weights; return the history.

    `settings` is a `training.<stage>` config block: batch_size, max_epochs, patience.
    """
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=settings["patience"],
                                            restore_best_weights=True, start_from_epoch=0)
    result = network.fit(x[..., None], y, validation_data=(x_val[..., None], y_val),
                         batch_size=settings["batch_size"], epochs=settings["max_epochs"], shuffle=True,
                         callbacks=[stopper], verbose=0)
    history = TrainingHistory(loss=[float(v) for v in result.history["loss"]],
                              val_loss=[float(v) for v in result.history["val_loss"]])
    history.epochs_run = len(history.loss)
    finite = [v if math.isfinite(v) else math.inf for v in history.val_loss]
    history.best_epoch = int(np.argmin(finite)) + 1 if finite else 0
    log.info("trained %d epochs (best %d, val_loss %.4f)", history.epochs_run, history.best_epoch,
             min(finite) if finite else float("nan"))
    return history


def predict(network: keras.Model, x: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Class probabilities (n, classes) in inference mode."""
    if len(x) == 0:
        return np.zeros((0, network.output_shape[-1]), dtype=np.float32)
    return np.asarray(network.predict(x[..., None], batch_size=batch_size, verbose=0), dtype=np.float32)

"""The training loop's early-stopping rule is Keras's EarlyStopping, epoch for epoch."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from conftest import REPO
from sertransfer.training import patience_exhausted


def epochs_run_by_keras(val_losses: list[float], patience: int) -> int:
    """Epochs Keras's EarlyStopping(monitor=val_loss, patience) lets run on this sequence of losses."""
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    for epoch, loss in enumerate(val_losses):
        callback.on_epoch_end(epoch, {"val_loss": loss})
        if model.stop_training:
            return epoch + 1
    return len(val_losses)


def epochs_run_by_pipeline(val_losses: list[float], patience: int) -> int:
    """Epochs the pipeline's rule lets run on the same sequence (the loop of `sertransfer.training.fit`)."""
    best, waited = np.inf, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, waited = loss, 0
        else:
            waited += 1
            if patience_exhausted(waited, patience):
                return epoch
    return len(val_losses)


@pytest.mark.parametrize("patience", [0, 1, 2, 5])
@pytest.mark.parametrize("losses", [
    [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0, 1.1, 1.2],     # improves twice, then never
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],                   # equal is not an improvement
    [1.0, 1.1, 0.8, 0.9, 0.95, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95],  # late improvements reset the count
])
def test_stops_on_the_same_epoch_as_keras(losses, patience):
    assert epochs_run_by_pipeline(losses, patience) == epochs_run_by_keras(losses, patience)


def test_patience_five_waits_five_epochs():
    losses = [1.0, 0.5] + [0.6] * 10
    assert epochs_run_by_pipeline(losses, 5) == 2 + 5


def test_validation_score_is_minus_loss_or_uar_over_present_classes():
    from sertransfer.training import cross_entropy, validation_score

    probabilities = np.array([[0.6, 0.3, 0.1, 0, 0, 0], [0.2, 0.7, 0.1, 0, 0, 0], [0.1, 0.5, 0.4, 0, 0, 0],
                              [0.3, 0.1, 0.05, 0.55, 0, 0]], dtype=np.float32)
    labels = np.array([0, 1, 2, 2])
    assert validation_score(probabilities, labels, "val_loss") == pytest.approx(-cross_entropy(probabilities, labels))
    # classes 0, 1, 2 present; the 4th row's argmax over them is class 0: recalls 1, 1, 0 -> UAR 2/3
    assert validation_score(probabilities, labels, "val_uar") == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="monitor"):
        validation_score(probabilities, labels, "accuracy")


def test_jobs_run_tensorflow_with_the_configured_threads_whatever_snakemake_grants(caplog):
    """The bits depend on TensorFlow's thread count (benchmarks/results/determinism.csv: one thread instead of two
    changed EMOVO fold 1's TT UAR from .449 to .406), so a job granted fewer cores keeps training.threads."""
    from sertransfer.config import load_config
    from sertransfer.settings import TrainingSettings, training_threads

    config = load_config(REPO / "config" / "paper.yaml")
    settings = TrainingSettings.from_config(config, "target_only")
    assert settings.threads == config["training"]["threads"] == 2
    assert training_threads(2, settings) == 2 and not caplog.records
    assert training_threads(1, settings) == 2
    assert "granted 1 thread(s); running TensorFlow with training.threads = 2" in caplog.text

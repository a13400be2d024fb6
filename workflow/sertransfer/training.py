"""Training the network: seeds, determinism, threads, early stopping on a validation split (docs/design.md §7)."""

from __future__ import annotations

import logging
import math
import os
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from sertransfer.settings import StageSettings  # noqa: E402

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


def machine_fingerprint(threads: int) -> dict:
    """What a job's bits depend on besides code, config and data (README, "Determinism"): CPU, ISA, TF, threads."""
    import platform

    flags: set[str] = set()
    model = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name") and model in ("", platform.machine()):
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    isa = [flag for flag in ("avx512f", "avx512_bf16", "avx512_vnni", "amx_tile", "avx2", "fma", "neon", "asimd")
           if flag in flags]
    return {"cpu": model, "isa": isa, "tensorflow": tf.__version__, "threads": threads,
            **{key: os.environ[key] for key in ("TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA") if key in os.environ}}


def label_indices(labels: Sequence[str], emotions: Sequence[str]) -> np.ndarray:
    """Emotion names -> class indices of the six-way output layer."""
    index = {emotion: i for i, emotion in enumerate(emotions)}
    return np.array([index[label] for label in labels], dtype=np.int64)


@dataclass
class TrainingHistory:
    """Per-epoch losses, the monitored validation score and the epoch whose weights were kept."""

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_score: list[float] = field(default_factory=list)  # what early stopping monitored (higher is better)
    best_epoch: int = 0
    epochs_run: int = 0

    def as_dict(self) -> dict:
        """JSON-ready view."""
        return {"loss": self.loss, "val_loss": self.val_loss, "val_score": self.val_score,
                "best_epoch": self.best_epoch, "epochs_run": self.epochs_run}


#: The compiled chunk trainers of each network, masked and not (traced once, reused by later `fit` calls on it).
_TRAINERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _chunk_trainer(network: keras.Model, masked: bool) -> Callable[[tf.Tensor, tf.Tensor, np.ndarray, int, np.ndarray],
                                                                   tf.Tensor]:
    """A compiled function that runs consecutive mini-batches of one chunk and returns their summed loss.

    Its arguments are all training rows x (n, length) and labels y as tensors, the chunk's row
    indices in visiting order, the batch size and a gradient mask. Each mini-batch is gathered from
    x inside the function and is one step of `train_on_batch` (forward with dropout, the compiled
    loss, the gradients of the trainable weights, one optimizer update); running several per call
    saves the per-call work of Keras and of the Python loop. The mask scales each trainable
    variable's gradient: 1 trains it, 0 keeps it exactly as it is (AdaDelta's update of a zero
    gradient is zero), which lets one traced function serve every freezing approach of a fine-tuning job;
    unmasked (`masked` False), the function ignores it and skips the multiplication.
    """
    loss_function = keras.losses.SparseCategoricalCrossentropy()
    variables = network.trainable_variables
    network.optimizer.build(variables)
    length = network.input_shape[1]

    @tf.function(input_signature=[tf.TensorSpec((None, length), tf.float32), tf.TensorSpec((None,), tf.int64),
                                  tf.TensorSpec((None,), tf.int64), tf.TensorSpec((), tf.int32),
                                  tf.TensorSpec((len(variables),), tf.float32)])
    def train_chunk(x: tf.Tensor, y: tf.Tensor, rows: tf.Tensor, batch: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
        total = tf.constant(0.0)
        for start in tf.range(0, tf.shape(rows)[0], batch):
            batch_rows = rows[start:start + batch]
            x_batch, y_batch = tf.gather(x, batch_rows)[:, :, None], tf.gather(y, batch_rows)
            with tf.GradientTape() as tape:
                loss = loss_function(y_batch, network(x_batch, training=True))
            gradients = tape.gradient(loss, variables)
            if masked:
                gradients = [g * mask[i] for i, g in enumerate(gradients)]
            # last layers first: their updates can run while the convolutions' gradients are still computed
            network.optimizer.apply(gradients[::-1], variables[::-1])
            total += loss * tf.cast(tf.shape(y_batch)[0], tf.float32)
        return total

    return train_chunk


#: Called with no argument after each weight update step of `fit` (one eager mini-batch, or one compiled
#: chunk of mini-batches): a seam for observers such as the reliability tests' fault injector, which
#: kills the process mid-epoch. Empty in the workflow.
UPDATE_OBSERVERS: list[Callable[[], None]] = []


def _updated() -> None:
    """Tell the observers that a weight update step finished."""
    for observer in UPDATE_OBSERVERS:
        observer()


def _epoch_loss(network: keras.Model, trainer: Callable | None, x: np.ndarray | tf.Tensor, y: np.ndarray | tf.Tensor,
                order: np.ndarray, batch: int, steps_per_call: int, mask: np.ndarray) -> float:
    """Train one epoch over `order` in mini-batches; the mean training loss.

    Compiled networks take x and y as tensors (converted once per `fit`) and gather each mini-batch
    in the graph; eager networks take numpy rows.
    """
    total = 0.0
    if trainer is None:  # eager networks (run_eagerly): one train_on_batch per mini-batch
        for start in range(0, len(x), batch):
            index = order[start:start + batch]
            loss = network.train_on_batch(x[index][..., None], y[index])
            total += float(loss[0] if isinstance(loss, (list, tuple)) else loss) * len(index)
            _updated()
    else:
        chunk = batch * steps_per_call
        for start in range(0, len(order), chunk):
            total += float(trainer(x, y, order[start:start + chunk], np.int32(batch), mask))
            _updated()
    return total / max(1, len(order))


def validation_score(probabilities: np.ndarray, labels: np.ndarray, monitor: str) -> float:
    """Early stopping's score of the validation rows (higher is better): -cross-entropy, or UAR.

    UAR is over the classes present in `labels`, the argmax restricted to them (as evaluation does).
    """
    if monitor == "val_loss":
        return -cross_entropy(probabilities, labels)
    if monitor != "val_uar":
        raise ValueError(f"training.<stage>.monitor must be val_loss or val_uar, not {monitor!r}")
    classes = np.unique(labels)
    predicted = classes[probabilities[:, classes].argmax(axis=1)]
    return float(np.mean([np.mean(predicted[labels == c] == c) for c in classes]))


def fit(network: keras.Model, x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
        settings: StageSettings, seed: int = 0, steps_per_call: int = 8,
        gradient_mask: Sequence[float] | None = None) -> TrainingHistory:
    """Train with early stopping on the validation rows, restoring the best weights; return the history.

    `settings` is one `training.<stage>` block (batch_size, max_epochs, patience, monitor).
    Every epoch visits the training rows in a seeded random order, in mini-batches of `batch_size`,
    then scores the validation rows (`monitor`: their loss, or their UAR). Training stops, as
    Keras's EarlyStopping does, once `patience` epochs in a row have not improved on the best score
    (patience 0: at the first epoch without improvement), and the weights of the best epoch are
    restored. Without validation rows the training loss is monitored. `gradient_mask` (one 0/1 per
    trainable variable) freezes variables inside one compiled step (graph execution only).
    """
    rng = np.random.default_rng(seed)
    batch, patience, monitor = settings.batch_size, settings.patience, settings.monitor
    trainer = None
    if not network.run_eagerly:
        trainers = _TRAINERS.setdefault(network, {})
        masked = gradient_mask is not None
        trainer = trainers[masked] = trainers.get(masked) or _chunk_trainer(network, masked)
    if gradient_mask is not None and trainer is None:
        raise ValueError("a gradient mask needs graph execution (training.run_eagerly: false)")
    mask = np.ones(len(network.trainable_variables), np.float32) if gradient_mask is None else \
        np.asarray(gradient_mask, dtype=np.float32)
    train_x, train_y = (x, y) if trainer is None else (tf.convert_to_tensor(x, tf.float32),
                                                       tf.convert_to_tensor(y, tf.int64))
    history = TrainingHistory()
    best_score, best_weights, waited = -math.inf, network.get_weights(), 0
    for epoch in range(1, settings.max_epochs + 1):
        history.loss.append(_epoch_loss(network, trainer, train_x, train_y, rng.permutation(len(x)), batch,
                                        steps_per_call, mask))
        if len(x_val):
            probabilities = predict(network, x_val)
            history.val_loss.append(cross_entropy(probabilities, y_val))
            score = validation_score(probabilities, y_val, monitor)
        else:
            history.val_loss.append(history.loss[-1])
            score = -history.loss[-1]
        history.val_score.append(score)
        history.epochs_run = epoch
        if score > best_score:
            best_score, best_weights, waited, history.best_epoch = score, network.get_weights(), 0, epoch
        else:
            waited += 1
        log.info("epoch %d of at most %d: loss %.4f, %s %.4f; best %.4f at epoch %d", epoch, settings.max_epochs,
                 history.loss[-1], monitor, score, best_score, history.best_epoch)
        if waited and patience_exhausted(waited, patience):
            break
    network.set_weights(best_weights)
    log.info("trained %d epochs (best %d, %s %.4f)", history.epochs_run, history.best_epoch, monitor, best_score)
    return history


def patience_exhausted(epochs_without_improvement: int, patience: int) -> bool:
    """Keras's EarlyStopping rule: stop once `patience` epochs in a row did not improve (at least one)."""
    return epochs_without_improvement >= max(1, patience)


def cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean categorical cross-entropy of predicted probabilities against class indices."""
    picked = probabilities[np.arange(len(labels)), labels].astype(np.float64)
    return float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0))))


#: The compiled inference function of each network (traced once, reused by later `predict` calls on it).
_PREDICTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _predictor(network: keras.Model) -> Callable[[np.ndarray], tf.Tensor]:
    """A compiled inference call of `network` (a Keras call in eager mode costs tens of ms for a small network)."""
    length = network.input_shape[1]

    @tf.function(input_signature=[tf.TensorSpec((None, length), tf.float32)])
    def infer(x: tf.Tensor) -> tf.Tensor:
        return network(x[:, :, None], training=False)

    return infer


def predict(network: keras.Model, x: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Class probabilities (n, classes) in inference mode, in batches (compiled unless the network runs eagerly)."""
    if len(x) == 0:
        return np.zeros((0, network.output_shape[-1]), dtype=np.float32)
    if network.run_eagerly:
        call = lambda batch: network(batch[:, :, None], training=False)  # noqa: E731
    else:
        call = _PREDICTORS.get(network) or _PREDICTORS.setdefault(network, _predictor(network))
    parts = [np.asarray(call(np.ascontiguousarray(x[start:start + batch_size], dtype=np.float32)), dtype=np.float32)
             for start in range(0, len(x), batch_size)]
    return np.concatenate(parts)

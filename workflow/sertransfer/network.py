"""The network of the paper (§3.1): CNN+LSTM on raw audio, and the CNN variant of Table 2 (SPEC §6).

Layers the transfer approaches address carry stable names: `conv1`, `conv2`, `lstm`, `fc1`,
`fc2`, `out` (dropout and pooling layers around them are named `<name>_dropout`, `<name>_pool`).
Every architectural number comes from the `model:` config block.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from keras import layers  # noqa: E402

#: Layers with weights, in order; the approaches freeze and re-initialise these by name.
WEIGHT_LAYERS = ("conv1", "conv2", "lstm", "fc1", "fc2", "out")
ARCHITECTURES = ("cnn_lstm", "cnn")


def conv_steps(length: int, kernel: int, stride: int) -> int:
    """Output steps of a 'valid' Conv1D."""
    return (length - kernel) // stride + 1


def conv2_steps(model: Mapping, input_length: int) -> int:
    """Time steps out of conv2 for an input length; a clear error when the input is too short."""
    conv1, conv2 = model["conv1"], model["conv2"]
    steps = conv_steps(input_length, conv1["kernel"], conv1["stride"]) // conv1["pool"]
    steps = conv_steps(steps, conv2["kernel"], conv2["stride"]) if steps >= conv2["kernel"] else 0
    if steps < conv2["steps"]:
        raise ValueError(f"input length {input_length} leaves {max(steps, 0)} conv2 steps, fewer than "
                         f"model.conv2.steps={conv2['steps']}; use a longer features.waveform.length or "
                         f"smaller model strides/pools")
    return steps


def build_network(model: Mapping, input_length: int, n_classes: int, architecture: str = "cnn_lstm") -> keras.Model:
    """Build (uncompiled) the CNN+LSTM or the CNN of Table 2 from the `model:` config block."""
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, not {architecture!r}")
    conv1, conv2, dropout = model["conv1"], model["conv2"], model["dropout"]
    steps = conv2_steps(model, input_length)
    inputs = keras.Input(shape=(input_length, 1), name="waveform")
    x = layers.Conv1D(conv1["filters"], conv1["kernel"], strides=conv1["stride"], activation="relu", name="conv1")(inputs)
    x = layers.Dropout(dropout, name="conv1_dropout")(x)
    x = layers.MaxPooling1D(conv1["pool"], name="conv1_pool")(x)
    x = layers.Conv1D(conv2["filters"], conv2["kernel"], strides=conv2["stride"], activation="relu", name="conv2")(x)
    x = layers.Dropout(dropout, name="conv2_dropout")(x)
    pool = steps // conv2["steps"]
    x = layers.MaxPooling1D(pool, strides=pool, name="conv2_pool")(x)  # exactly `steps` time steps
    x = layers.Cropping1D((0, x.shape[1] - conv2["steps"]), name="conv2_crop")(x) if x.shape[1] > conv2["steps"] else x
    if architecture == "cnn_lstm":
        x = layers.LSTM(model["lstm_units"], return_sequences=True, name="lstm")(x)
    x = layers.Flatten(name="flatten")(x)
    for name in ("fc1", "fc2"):
        x = layers.Dense(model["dense_units"], activation="tanh", name=name)(x)
        x = layers.Dropout(dropout, name=f"{name}_dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="out")(x)
    return keras.Model(inputs, outputs, name=architecture)


def adadelta(optimizer: Mapping) -> keras.optimizers.Optimizer:
    """AdaDelta with the paper's Keras-1 defaults (learning rate 1.0, rho 0.95) from `model.optimizer`."""
    return keras.optimizers.Adadelta(learning_rate=optimizer["learning_rate"], rho=optimizer["rho"],
                                     epsilon=optimizer["epsilon"])


def compile_network(network: keras.Model, optimizer: Mapping, run_eagerly: bool = False) -> keras.Model:
    """Compile with AdaDelta and categorical cross-entropy (labels as integer class indices).

    `run_eagerly` skips graph tracing: slower per step, faster for the demo's tiny networks.
    """
    network.compile(optimizer=adadelta(optimizer), loss="sparse_categorical_crossentropy", run_eagerly=run_eagerly)
    return network


def load_network(path: str) -> keras.Model:
    """Load a saved `.keras` model with Keras safe mode (no code deserialised from the file)."""
    return keras.saving.load_model(path, compile=False, safe_mode=True)

"""The network of the paper (§3.1): CNN+LSTM on raw audio, and the CNN variant of Table 2.

Layers the transfer approaches address carry stable names: `conv1`, `conv2`, `lstm`, `fc1`,
`fc2`, `out`. Every architectural number comes from the `model:` config block.

Two executions of the same function (`model.execution`):

- `fused` (default): each convolutional stage (Conv1D -> ReLU -> Dropout -> MaxPool) is one layer,
  `ConvPoolBlock`, that computes the same values in an order that touches the large convolution
  output fewer times (`sertransfer.fused`, the compiled kernels behind it); the LSTM is unrolled over
  its few steps; AdaDelta runs as one fused kernel per variable. docs/design.md §6 ("Two executions of
  one function") shows why each step leaves the mathematics unchanged; tests/test_network_execution.py
  checks outputs and gradients.
- `layers`: the textbook stack of Keras layers (`conv1`, `conv1_dropout`, `conv1_pool`, ...), kept as
  the reference the fused execution is tested against and measured against.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

from sertransfer.fused import ConvPoolBlock, FusedAdadelta, conv_steps  # noqa: E402
from sertransfer.vocabulary import CNN, CNN_LSTM  # noqa: E402

#: Layers with weights, in order; the approaches freeze and re-initialise these by name.
WEIGHT_LAYERS = ("conv1", "conv2", "lstm", "fc1", "fc2", "out")
ARCHITECTURES = (CNN_LSTM, CNN)
#: The optional first layer that standardizes each input position (features.waveform.standardize: dimension).
STANDARDIZE_LAYER = "standardize"
EXECUTIONS = ("fused", "layers")
#: Sequences up to this many steps run the LSTM unrolled (same arithmetic, no loop overhead).
MAX_UNROLLED_STEPS = 16


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


@keras.saving.register_keras_serializable(package="sertransfer")
class InputStandardization(layers.Layer):
    """(x - mean) / scale per input position, with statistics set from a job's training rows (never trained)."""

    def build(self, input_shape: tuple) -> None:
        """Per-position `mean` (zeros) and `scale` (ones) until `set_input_statistics` fills them."""
        self.mean = self.add_weight(name="mean", shape=input_shape[1:], initializer="zeros", trainable=False)
        self.scale = self.add_weight(name="scale", shape=input_shape[1:], initializer="ones", trainable=False)

    def call(self, x: tf.Tensor) -> tf.Tensor:
        """Standardize each input position with the fit rows' statistics."""
        return (x - self.mean) / self.scale


def set_input_statistics(network: keras.Model, x: np.ndarray) -> None:
    """Fit the network's `standardize` layer to training rows x (n, length): per-position mean and std."""
    mean = x.mean(axis=0, dtype=np.float64)
    std = x.std(axis=0, dtype=np.float64)
    scale = np.where(std > 1e-8, std, 1.0)  # positions that never vary (padding in every row) pass unscaled
    network.get_layer(STANDARDIZE_LAYER).set_weights([mean[:, None].astype(np.float32),
                                                      scale[:, None].astype(np.float32)])


def _conv_stages_layers(x: keras.KerasTensor, model: Mapping, steps: int) -> keras.KerasTensor:
    """conv1 and conv2 stages as separate Keras layers (the reference execution)."""
    conv1, conv2, dropout = model["conv1"], model["conv2"], model["dropout"]
    x = layers.Conv1D(conv1["filters"], conv1["kernel"], strides=conv1["stride"], activation="relu", name="conv1")(x)
    x = layers.Dropout(dropout, name="conv1_dropout")(x)
    x = layers.MaxPooling1D(conv1["pool"], name="conv1_pool")(x)
    x = layers.Conv1D(conv2["filters"], conv2["kernel"], strides=conv2["stride"], activation="relu", name="conv2")(x)
    x = layers.Dropout(dropout, name="conv2_dropout")(x)
    pool = steps // conv2["steps"]
    x = layers.MaxPooling1D(pool, strides=pool, name="conv2_pool")(x)  # exactly `steps` time steps
    return layers.Cropping1D((0, x.shape[1] - conv2["steps"]), name="conv2_crop")(x) if x.shape[1] > conv2["steps"] \
        else x


def _conv_stages_fused(x: keras.KerasTensor, model: Mapping, steps: int) -> keras.KerasTensor:
    """conv1 and conv2 stages as two ConvPoolBlock layers named conv1 and conv2."""
    conv1, conv2, dropout = model["conv1"], model["conv2"], model["dropout"]
    x = ConvPoolBlock(conv1["filters"], conv1["kernel"], conv1["stride"], conv1["pool"], dropout, name="conv1")(x)
    return ConvPoolBlock(conv2["filters"], conv2["kernel"], conv2["stride"], steps // conv2["steps"], dropout,
                         steps=conv2["steps"], name="conv2")(x)


def build_network(model: Mapping, input_length: int, n_classes: int, architecture: str = CNN_LSTM,
                  standardize_inputs: bool = False) -> keras.Model:
    """Build (uncompiled) the CNN+LSTM or the CNN of Table 2 from the `model:` config block.

    With `standardize_inputs` the first layer standardizes each input position (the `dimension`
    reading of the paper's standardization; `set_input_statistics` fits it on training rows).
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, not {architecture!r}")
    execution = model.get("execution", "fused")
    if execution not in EXECUTIONS:
        raise ValueError(f"model.execution must be one of {EXECUTIONS}, not {execution!r}")
    steps = conv2_steps(model, input_length)
    inputs = keras.Input(shape=(input_length, 1), name="waveform")
    x = InputStandardization(name=STANDARDIZE_LAYER)(inputs) if standardize_inputs else inputs
    stages = _conv_stages_fused if execution == "fused" else _conv_stages_layers
    x = stages(x, model, steps)
    if architecture == CNN_LSTM:
        unroll = execution == "fused" and model["conv2"]["steps"] <= MAX_UNROLLED_STEPS
        x = layers.LSTM(model["lstm_units"], return_sequences=True, unroll=unroll, name="lstm")(x)
    x = layers.Flatten(name="flatten")(x)
    for name in ("fc1", "fc2"):
        x = layers.Dense(model["dense_units"], activation="tanh", name=name)(x)
        x = layers.Dropout(model["dropout"], name=f"{name}_dropout")(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="out")(x)
    return keras.Model(inputs, outputs, name=architecture)


def adadelta(model: Mapping) -> keras.optimizers.Optimizer:
    """AdaDelta from `model.optimizer` (fused kernel unless `model.execution` is `layers`)."""
    optimizer = model["optimizer"]
    kind = FusedAdadelta if model.get("execution", "fused") == "fused" else keras.optimizers.Adadelta
    return kind(learning_rate=optimizer["learning_rate"], rho=optimizer["rho"], epsilon=optimizer["epsilon"])


def compile_network(network: keras.Model, model: Mapping, run_eagerly: bool = False) -> keras.Model:
    """Compile with AdaDelta and categorical cross-entropy (labels as integer class indices).

    `run_eagerly` skips graph tracing: slower per step, faster for the demo's tiny networks.
    """
    network.compile(optimizer=adadelta(model), loss="sparse_categorical_crossentropy", run_eagerly=run_eagerly)
    return network


def load_network(path: str) -> keras.Model:
    """Load a saved `.keras` model with Keras safe mode (no code deserialised from the file)."""
    return keras.saving.load_model(path, compile=False, safe_mode=True)


def plain_copy(network: keras.Model, model: Mapping) -> keras.Model:
    """The same function with the same weights as plain Keras layers only (loadable without this package).

    Built with the `layers` execution from the `model:` block the network was built from; its `standardize`
    layer, if any, becomes the same per-position map, x / scale - mean / scale, as a DepthwiseConv1D.
    Inference only: dropout is inactive outside training in both.
    """
    architecture, input_length = network.name, int(network.input_shape[1])
    n_classes = int(network.get_layer("out").units)
    plain = build_network({**model, "execution": "layers"}, input_length, n_classes, architecture)
    for name in WEIGHT_LAYERS:
        if name in {layer.name for layer in network.layers}:
            plain.get_layer(name).set_weights(network.get_layer(name).get_weights())
    if STANDARDIZE_LAYER not in {layer.name for layer in network.layers}:
        return plain
    mean, scale = network.get_layer(STANDARDIZE_LAYER).get_weights()   # (length, 1) each
    inputs = keras.Input(shape=(input_length, 1), name="waveform")
    # (x - mean) / scale per position: an affine map per channel once positions are channels (exports to ONNX)
    positions = layers.Reshape((1, input_length), name="positions_as_channels")(inputs)
    affine = layers.DepthwiseConv1D(1, name=STANDARDIZE_LAYER)
    standardized = layers.Reshape((input_length, 1), name="channels_as_positions")(affine(positions))
    affine.set_weights([(1.0 / scale).reshape(1, input_length, 1), (-mean / scale).reshape(input_length)])
    return keras.Model(inputs, plain(standardized), name=architecture)

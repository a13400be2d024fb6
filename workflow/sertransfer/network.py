"""The network of the paper (§3.1): CNN+LSTM on raw audio, and the CNN variant of Table 2.

Layers the transfer approaches address carry stable names: `conv1`, `conv2`, `lstm`, `fc1`,
`fc2`, `out`. Every architectural number comes from the `model:` config block.

Two executions of the same function (`model.execution`):

- `fused` (default): each convolutional stage (Conv1D -> ReLU -> Dropout -> MaxPool) is one layer,
  `ConvPoolBlock`, that computes the same values in an order that touches the large convolution
  output fewer times (see its docstring); the LSTM is unrolled over its few steps; AdaDelta runs as
  one fused kernel per variable. docs/design.md ("Training at the hardware's pace") shows why each
  step leaves the mathematics unchanged; tests/test_network_execution.py checks outputs and gradients.
- `layers`: the textbook stack of Keras layers (`conv1`, `conv1_dropout`, `conv1_pool`, ...), kept as
  the reference the fused execution is tested against and measured against.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

from sertransfer.dropout_pool import (  # noqa: E402
    convolve_dropout_max_pool,
    dropout_max_pool,
    keep_patterns,
    pattern_groups,
    plain_dropout_max_pool,
    plain_keep_mask,
    takes_compiled_kernels,
    takes_sparse_kernel_gradient,
)
from sertransfer.vocabulary import CNN, CNN_LSTM  # noqa: E402

#: Layers with weights, in order; the approaches freeze and re-initialise these by name.
WEIGHT_LAYERS = ("conv1", "conv2", "lstm", "fc1", "fc2", "out")
ARCHITECTURES = (CNN_LSTM, CNN)
#: The optional first layer that standardizes each input position (features.waveform.standardize: dimension).
STANDARDIZE_LAYER = "standardize"
EXECUTIONS = ("fused", "layers")
#: Sequences up to this many steps run the LSTM unrolled (same arithmetic, no loop overhead).
MAX_UNROLLED_STEPS = 16


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


def _framed_convolution(x: tf.Tensor, kernel: tf.Tensor, stride: int) -> tf.Tensor:
    """Valid convolution of one-channel signals x (batch, length) with a stride that divides the kernel.

    Forward: a stride-1 convolution of kernel // stride taps over frames of `stride` samples.
    Kernel gradient: one matrix product per signal of its sliding windows (steps, kernel) with the
    output gradient (steps, filters), summed over the batch. The input gradient is the transposed
    convolution (graph execution skips it when nothing needs it: the input is data).
    """
    size, filters = kernel.shape[0], kernel.shape[-1]

    @tf.custom_gradient
    def convolve(x: tf.Tensor, kernel: tf.Tensor) -> tuple[tf.Tensor, Callable]:
        framed = tf.reshape(x, (tf.shape(x)[0], x.shape[1] // stride, stride))
        z = tf.nn.conv1d(framed, tf.reshape(kernel, (size // stride, stride, filters)), 1, "VALID")

        def gradient(upstream: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            windows = tf.signal.frame(x, size, stride)
            kernel_gradient = tf.reduce_sum(tf.matmul(windows, upstream, transpose_a=True), axis=0)
            input_gradient = tf.nn.conv1d_transpose(upstream, kernel, tf.stack([tf.shape(x)[0], x.shape[1], 1]),
                                                    stride, "VALID")
            return input_gradient[:, :, 0], tf.reshape(kernel_gradient, kernel.shape)

        return z, gradient

    return convolve(x, kernel)


@keras.saving.register_keras_serializable(package="sertransfer")
class ConvPoolBlock(layers.Layer):
    """Conv1D -> ReLU -> Dropout -> MaxPool (-> first `steps` pooled steps) as one layer.

    Computes `maxpool(relu(conv(x) + b) * mask / (1 - rate))` as
    `relu(maxpool(where(mask, conv(x), DROPPED)) + b) / (1 - rate)`: ReLU, a positive scale and a
    per-channel bias all commute with max pooling, and a dropped element (0 after ReLU) can only be
    the maximum of a window whose pooled value the ReLU sets to 0 anyway. So the bias, the ReLU and
    the scale touch the pooled tensor instead of the convolution output, and the backward pass needs
    only each window's winning step. Training with dropout on large convolution outputs (the paper's)
    runs the compiled kernels of `sertransfer.dropout_pool` over the steps of whole output windows;
    small outputs (the demo's) run the same function as plain ops; inference is plain max pooling. A
    convolution whose stride divides its kernel on a one-channel input runs as a stride-1 convolution
    over frames of `stride` samples (the same products and sums, a better-shaped matrix product).
    Weights `kernel` (kernel, channels, filters) and `bias` (filters,) are those of a Keras Conv1D.
    """

    def __init__(self, filters: int, kernel_size: int, strides: int, pool: int, rate: float,
                 steps: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.strides = int(filters), int(kernel_size), int(strides)
        self.pool, self.rate, self.steps = int(pool), float(rate), None if steps is None else int(steps)
        self.seed_generator = keras.random.SeedGenerator()

    def build(self, input_shape: tuple) -> None:
        """Create `kernel` and `bias` with Conv1D's shapes and initialisers."""
        self.kernel = self.add_weight(name="kernel", shape=(self.kernel_size, input_shape[-1], self.filters),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def windows(self, length: int) -> int:
        """Pooling windows the block outputs for an input of `length` steps."""
        windows = conv_steps(length, self.kernel_size, self.strides) // self.pool
        return windows if self.steps is None else min(windows, self.steps)

    def convolve(self, x: tf.Tensor, compiled: bool = False) -> tf.Tensor:
        """The valid convolution without bias.

        `compiled` (large outputs): only the steps of whole output windows (pooling drops the rest), and a
        framed convolution's kernel gradient as matrix products of sliding windows (`_framed_convolution`);
        otherwise every valid step, plain ops. Framed when the stride divides the kernel on a one-channel input.
        """
        x = self.cropped(x, compiled)
        if not self.framed(x):
            return tf.nn.conv1d(x, self.kernel, self.strides, "VALID")
        if compiled:
            return _framed_convolution(x[:, :, 0], tf.convert_to_tensor(self.kernel), self.strides)
        framed = tf.reshape(x[:, :, 0], (-1, x.shape[1] // self.strides, self.strides))
        taps = tf.reshape(self.kernel, (self.kernel_size // self.strides, self.strides, self.filters))
        return tf.nn.conv1d(framed, taps, 1, "VALID")

    def cropped(self, x: tf.Tensor, whole_windows: bool) -> tf.Tensor:
        """x without the input steps no convolution step reads (`whole_windows`: no step past the last window)."""
        steps = conv_steps(x.shape[1], self.kernel_size, self.strides)
        steps = self.windows(x.shape[1]) * self.pool if whole_windows else steps
        length = (steps - 1) * self.strides + self.kernel_size
        return x if x.shape[1] == length else x[:, :length]

    def framed(self, x: tf.Tensor) -> bool:
        """Whether the convolution runs over frames of `stride` samples (one channel, stride divides kernel)."""
        return self.strides > 1 and self.kernel_size % self.strides == 0 and x.shape[-1] == 1

    def compiled(self, length: int) -> bool:
        """Whether training on inputs of `length` steps takes the compiled kernels (large convolution outputs)."""
        return takes_compiled_kernels(self.windows(length) * self.pool * self.filters)

    def keep_patterns(self, batch: tf.Tensor, windows: int) -> tf.Tensor:
        """Keep patterns for `windows` output windows (`dropout_pool`), from seeded stateless Philox words."""
        shape = (batch, windows, pattern_groups(self.pool, self.rate), self.filters)
        words = tf.random.stateless_uniform(shape, self.seed(), dtype=tf.uint32, minval=None, maxval=None)
        return keep_patterns(words, self.rate)

    def seed(self) -> tf.Tensor:
        """The next stateless seed of the layer's seed generator (Keras's seeding)."""
        return tf.cast(self.seed_generator.next(), tf.int32)

    def pooled(self, z: tf.Tensor, windows: int) -> tf.Tensor:
        """The block's output without dropout from the convolution `z`."""
        pooled = tf.nn.max_pool1d(z, self.pool, self.pool, "VALID")
        return tf.nn.relu(tf.nn.bias_add(pooled if pooled.shape[1] == windows else pooled[:, :windows], self.bias))

    def dropped(self, x: tf.Tensor, patterns: tf.Tensor) -> tf.Tensor:
        """The block's training output for input x with dropout by the given keep patterns (compiled kernels)."""
        kernel, bias = tf.convert_to_tensor(self.kernel), tf.convert_to_tensor(self.bias)
        if takes_sparse_kernel_gradient(self.pool, self.framed(x)):
            return convolve_dropout_max_pool(self.cropped(x, whole_windows=True), kernel, bias, self.strides, self.pool,
                                             self.rate, patterns)
        return dropout_max_pool(self.convolve(x, compiled=True), bias, self.pool, self.rate, patterns)

    def call(self, x: tf.Tensor, training: bool = False) -> tf.Tensor:
        windows, compiled = self.windows(x.shape[1]), self.compiled(x.shape[1])
        if not (training and self.rate > 0):
            return self.pooled(self.convolve(x, compiled), windows)
        if compiled:
            return self.dropped(x, self.keep_patterns(tf.shape(x)[0], windows))
        z = self.convolve(x)
        return plain_dropout_max_pool(z, plain_keep_mask(tf.shape(z), self.seed(), self.rate), self.bias, self.pool,
                                      windows, self.rate)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], self.windows(input_shape[1]), self.filters)

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "pool": self.pool, "rate": self.rate, "steps": self.steps}


@keras.saving.register_keras_serializable(package="sertransfer")
class FusedAdadelta(keras.optimizers.Adadelta):
    """Keras AdaDelta whose update runs as TensorFlow's one-kernel ApplyAdadelta (same update rule)."""

    def update_step(self, gradient: tf.Tensor, variable: keras.Variable, learning_rate: float) -> None:
        index = self._get_variable_index(variable)
        dtype = variable.dtype
        tf.raw_ops.ResourceApplyAdadelta(
            var=variable.handle, accum=self._accumulated_grads[index].handle,
            accum_update=self._accumulated_delta_vars[index].handle, lr=tf.cast(learning_rate, dtype),
            rho=tf.cast(self.rho, dtype), epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype),
            use_locking=False)


@keras.saving.register_keras_serializable(package="sertransfer")
class InputStandardization(layers.Layer):
    """(x - mean) / scale per input position, with statistics set from a job's training rows (never trained)."""

    def build(self, input_shape: tuple) -> None:
        """Per-position `mean` (zeros) and `scale` (ones) until `set_input_statistics` fills them."""
        self.mean = self.add_weight(name="mean", shape=input_shape[1:], initializer="zeros", trainable=False)
        self.scale = self.add_weight(name="scale", shape=input_shape[1:], initializer="ones", trainable=False)

    def call(self, x: tf.Tensor) -> tf.Tensor:
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
    layer, if any, becomes a Keras `Normalization` with the same per-position mean and variance (scale**2).
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
    mean, scale = network.get_layer(STANDARDIZE_LAYER).get_weights()
    inputs = keras.Input(shape=(input_length, 1), name="waveform")
    standardized = layers.Normalization(axis=(1, 2), mean=mean, variance=np.square(scale), name=STANDARDIZE_LAYER)
    return keras.Model(inputs, plain(standardized(inputs)), name=architecture)


def training_flops(model: Mapping, input_length: int, n_classes: int, architecture: str = CNN_LSTM) -> dict:
    """Floating-point operations of one training sample, counted layer by layer (2 per multiply-add).

    Forward multiply-adds of the convolutions, LSTM and dense layers; a training step costs the
    forward pass, the weight gradients (same count) and the input gradients (same count) of every
    layer but the first, whose input is data. Element-wise work (activations, pooling, dropout,
    optimizer) is not counted: the figure is the matrix-product work the hardware rate applies to.
    `executed_fused` is what the fused execution multiplies: conv2's kernel gradient sums one input
    patch per pooling window and filter instead of correlating over every step (the other terms are 0).
    """
    conv1, conv2 = model["conv1"], model["conv2"]
    steps1 = conv_steps(input_length, conv1["kernel"], conv1["stride"])
    macs = {"conv1": steps1 * conv1["kernel"] * conv1["filters"]}
    steps2 = conv_steps(steps1 // conv1["pool"], conv2["kernel"], conv2["stride"])
    macs["conv2"] = steps2 * conv2["kernel"] * conv1["filters"] * conv2["filters"]
    width = conv2["steps"] * conv2["filters"]
    if architecture == CNN_LSTM:
        units = model["lstm_units"]
        macs["lstm"] = conv2["steps"] * 4 * units * (conv2["filters"] + units)
        width = conv2["steps"] * units
    dense = model["dense_units"]
    macs["fc1"], macs["fc2"], macs["out"] = width * dense, dense * dense, dense * n_classes
    forward = 2 * sum(macs.values())
    training = 3 * forward - 2 * macs["conv1"]
    # executed by the fused execution: conv2 on the compiled kernels with long windows takes the sparse kernel
    # gradient (one input patch per window and filter) instead of the full correlation (dropout_pool)
    windows2, pool2 = conv2["steps"], steps2 // conv2["steps"]
    executed = training
    if takes_compiled_kernels(windows2 * pool2 * conv2["filters"]) and takes_sparse_kernel_gradient(pool2, False):
        executed += 2 * windows2 * conv2["filters"] * conv2["kernel"] * conv1["filters"] - 2 * macs["conv2"]
    return {"forward": forward, "training": training, "executed_fused": executed,
            **{f"macs_{name}": value for name, value in macs.items()}}


"""The fused execution, one room: the layer and the optimizer that make training fast on a CPU.

`network.py` builds the network and knows only `ConvPoolBlock` (one convolutional stage as one layer)
and `FusedAdadelta`; what is behind them lives here and in `sertransfer.dropout_pool` (the compiled
dropout / max-pooling kernels), which nothing else in the package imports:

- `ConvPoolBlock.call` chooses the path: inference is plain max pooling; training with dropout takes
  the compiled kernels when the convolution output has at least `dropout_pool.COMPILED_MIN_VALUES`
  values per sample (the paper's size), the plain-op version below it (the demo's), and among the
  compiled ones the sparse kernel gradient for long pooling windows (`takes_sparse_kernel_gradient`);
- a convolution whose stride divides its kernel on a one-channel input runs over frames of `stride`
  samples (`_framed_convolution`), with its kernel gradient as matrix products of sliding windows;
- `FusedAdadelta` is Keras's AdaDelta with TensorFlow's one-kernel update; it is the only code that
  reads Keras internals (Adadelta's slot variables, `_slots`), valid for the Keras range pyproject.toml pins.

docs/design.md §6 ("Two executions of one function") shows why each step leaves the mathematics
unchanged; tests/test_network_execution.py checks outputs, gradients and the update against plain Keras.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf
from keras import layers

from sertransfer.dropout_pool import (
    convolve_dropout_max_pool,
    dropout_max_pool,
    keep_patterns,
    pattern_groups,
    plain_dropout_max_pool,
    plain_keep_mask,
    takes_compiled_kernels,
    takes_sparse_kernel_gradient,
)


def conv_steps(length: int, kernel: int, stride: int) -> int:
    """Output steps of a 'valid' Conv1D."""
    return (length - kernel) // stride + 1


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
                 steps: int | None = None, **kwargs: object) -> None:
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
        """Convolve, then dropout (training only) and max-pool the windows in one kernel."""
        windows, compiled = self.windows(x.shape[1]), self.compiled(x.shape[1])
        if not (training and self.rate > 0):
            return self.pooled(self.convolve(x, compiled), windows)
        if compiled:
            return self.dropped(x, self.keep_patterns(tf.shape(x)[0], windows))
        z = self.convolve(x)
        return plain_dropout_max_pool(z, plain_keep_mask(tf.shape(z), self.seed(), self.rate), self.bias, self.pool,
                                      windows, self.rate)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """(batch, pooled windows, filters)."""
        return (input_shape[0], self.windows(input_shape[1]), self.filters)

    def get_config(self) -> dict:
        """The layer's settings, for saving and loading."""
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "pool": self.pool, "rate": self.rate, "steps": self.steps}


@keras.saving.register_keras_serializable(package="sertransfer")
class FusedAdadelta(keras.optimizers.Adadelta):
    """Keras AdaDelta whose update runs as TensorFlow's one-kernel ApplyAdadelta (same update rule)."""

    def _slots(self, variable: keras.Variable) -> tuple[keras.Variable, keras.Variable]:
        """The variable's two AdaDelta accumulators: Keras internals (names as of Keras 3.15), read only here."""
        index = self._get_variable_index(variable)
        return self._accumulated_grads[index], self._accumulated_delta_vars[index]

    def update_step(self, gradient: tf.Tensor, variable: keras.Variable, learning_rate: float) -> None:
        """One Adadelta update of `variable` in TensorFlow's fused kernel."""
        accumulated_gradient, accumulated_delta = self._slots(variable)
        dtype = variable.dtype
        tf.raw_ops.ResourceApplyAdadelta(
            var=variable.handle, accum=accumulated_gradient.handle,
            accum_update=accumulated_delta.handle, lr=tf.cast(learning_rate, dtype),
            rho=tf.cast(self.rho, dtype), epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype),
            use_locking=False)

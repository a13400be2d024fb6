"""Dropout -> max pooling -> bias, ReLU, scale of a convolution output, as compiled (XLA) kernels.

The fused execution's training path through a `ConvPoolBlock` (docs/design.md §6). From the
convolution output `z` (batch, windows x pool, channels) one kernel computes

    out = relu(maxpool(where(keep, z, DROPPED)) + bias) / (1 - rate)

reading `z` once and writing the pooled output and, per pooled element, the step that won its window
(the first maximum, as max pooling's gradient routes it). The backward kernels give the bias gradient
and scatter each pooled gradient to its winning step. For long windows (conv2: 207 steps), the
convolution kernel's gradient skips the zero terms: a sum of one input patch per window and filter.
Every kernel is element-wise or reduces in a fixed order, so a rerun gives the same bits.

Keep decisions come 8 to a 32-bit Philox word: the word picks one pattern of k keep bits by inverse-CDF
sampling over the 2^k patterns (probability (1-rate)^kept * rate^dropped each), which makes the k bits
independent Bernoulli(1 - rate) draws; each pattern's probability is exact to 2^-32. The lookup is two
tables indexed by the word's high 16 bits (`keep_pattern_tables`); k is the largest (up to 8) for
which each table cell holds at most one pattern boundary (8 at the paper's rate .3). The bits of one
pattern decide consecutive steps of one window and channel (any arrangement of independent draws is).

Small convolution outputs (below COMPILED_MIN_VALUES per sample) take `plain_dropout_max_pool`: the
same function in plain TensorFlow ops with one 16-bit draw per value, where compiling would cost more
than it saves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import tensorflow as tf

#: Stands in for a dropped element before max pooling: below any activation, and finite.
DROPPED = -3.0e38
#: At most this many keep decisions per 32-bit draw.
MAX_KEEPS_PER_WORD = 8
#: Windows up to this many steps: an unrolled compare chain; longer: a reduction and the sparse kernel gradient.
LONG_WINDOW = 16
#: Convolution outputs of at least this many values per sample take the compiled kernels; smaller ones
#: plain TensorFlow ops (`plain_dropout_max_pool`: there, XLA's compile and launch costs exceed its savings).
COMPILED_MIN_VALUES = 32768
#: Plain-ops dropout draws one 16-bit word per value: the drop probability is rate rounded to 1/65536.
PLAIN_RESOLUTION = 65536
_CELL_BITS = 16
_WORD = 2 ** 32


def takes_compiled_kernels(values: int) -> bool:
    """Whether a convolution output of `values` per sample trains on the compiled kernels."""
    return values >= COMPILED_MIN_VALUES


def takes_sparse_kernel_gradient(pool: int, framed: bool) -> bool:
    """Whether a compiled block's kernel gradient sums input patches (long windows, unframed convolution)."""
    return pool > LONG_WINDOW and not framed


@functools.cache
def keep_pattern_tables(rate: float) -> tuple[int, np.ndarray, np.ndarray]:
    """(k, base, cut) for a dropout rate: pattern(word) = base[word >> 16] + (word & 0xffff >= cut[word >> 16])."""
    if not 0.0 < rate < 1.0:
        raise ValueError(f"dropout rate must be in (0, 1), not {rate}")
    for keeps in range(MAX_KEEPS_PER_WORD, 0, -1):
        kept = np.array([bin(pattern).count("1") for pattern in range(2 ** keeps)])
        probabilities = (1.0 - rate) ** kept * rate ** (keeps - kept)
        # pattern p for edges[p - 1] <= word < edges[p]
        edges = np.round(np.cumsum(probabilities)[:-1] * _WORD).astype(np.int64)
        cells = edges >> _CELL_BITS
        if len(np.unique(cells)) == len(cells):  # at most one boundary per cell (always true for k = 1)
            break
    base = np.searchsorted(edges, np.arange(2 ** _CELL_BITS, dtype=np.int64) << _CELL_BITS, side="right")
    cut = np.full(2 ** _CELL_BITS, 2 ** _CELL_BITS, np.int32)  # never reached: no boundary inside the cell
    inside = (edges & (2 ** _CELL_BITS - 1)) > 0                   # a boundary on a cell start is in `base` already
    cut[cells[inside]] = (edges & (2 ** _CELL_BITS - 1))[inside]
    return keeps, base.astype(np.int32), cut


def pattern_groups(pool: int, rate: float) -> int:
    """Keep patterns per window and channel: each decides up to `k` of the window's steps."""
    return -(-pool // keep_pattern_tables(rate)[0])


@tf.function(jit_compile=True)
def keep_patterns(words: tf.Tensor, rate: float) -> tf.Tensor:
    """uint32 Philox words -> keep patterns (int32, same shape): bit j set = keep that step."""
    _, base, cut = keep_pattern_tables(rate)
    high = tf.cast(tf.bitwise.right_shift(words, _CELL_BITS), tf.int32)
    low = tf.cast(tf.bitwise.bitwise_and(words, 2 ** _CELL_BITS - 1), tf.int32)
    return tf.gather(tf.constant(base), high) + tf.cast(low >= tf.gather(tf.constant(cut), high), tf.int32)


def _kept(patterns: tf.Tensor, step: int, keeps: int) -> tf.Tensor:
    """Keep decisions of one window step (batch, windows, channels) from patterns (batch, windows, groups, channels)."""
    return tf.bitwise.bitwise_and(tf.bitwise.right_shift(patterns[:, :, step // keeps], step % keeps), 1) > 0


def keep_mask(patterns: tf.Tensor, pool: int, rate: float) -> tf.Tensor:
    """The boolean keep mask (batch, windows * pool, channels) that keep patterns stand for."""
    keeps, (batch, windows, groups, channels) = keep_pattern_tables(rate)[0], tf.unstack(tf.shape(patterns))
    bits = tf.bitwise.bitwise_and(tf.bitwise.right_shift(patterns[:, :, :, None, :], tf.range(keeps)[:, None]), 1) > 0
    steps = tf.reshape(bits, (batch, windows, groups * keeps, channels))[:, :, :pool]
    return tf.reshape(steps, (batch, -1, channels))


@tf.function(jit_compile=True)
def _forward(z: tf.Tensor, patterns: tf.Tensor, bias: tf.Tensor, pool: int,
             rate: float) -> tuple[tf.Tensor, tf.Tensor]:
    """Masked max pooling of whole windows, bias, ReLU, scale; and the winning step of each window.

    Windows up to LONG_WINDOW steps: a compare chain over the steps in order (strictly greater
    wins, so the first maximum is kept), reading each step's keep bits from its pattern; longer
    windows: the mask, then a max and an argmax reduction (argmax also returns the first maximum).
    """
    shape = (tf.shape(z)[0], z.shape[1] // pool, pool, z.shape[2])
    windows, dropped = tf.reshape(z, shape), tf.cast(DROPPED, z.dtype)
    if pool > LONG_WINDOW:
        marked = tf.where(tf.reshape(keep_mask(patterns, pool, rate), shape), windows, dropped)
        best, index = tf.reduce_max(marked, axis=2), tf.argmax(marked, axis=2, output_type=tf.int32)
    else:
        keeps = keep_pattern_tables(rate)[0]
        best, index = tf.fill(tf.shape(windows[:, :, 0]), dropped), tf.zeros(tf.shape(windows[:, :, 0]), tf.int32)
        for step in range(pool):
            later = tf.where(_kept(patterns, step, keeps), windows[:, :, step], dropped) > best
            best, index = tf.where(later, windows[:, :, step], best), tf.where(later, step, index)
    return tf.nn.relu(best + bias) * tf.cast(1.0 / (1.0 - rate), z.dtype), index


@tf.function(jit_compile=True)
def _pooled_gradient(upstream: tf.Tensor, out: tf.Tensor, rate: float) -> tuple[tf.Tensor, tf.Tensor]:
    """Gradient at the pooled maxima (through scale and ReLU) and the bias gradient."""
    pooled = upstream * tf.cast(1.0 / (1.0 - rate), upstream.dtype) * tf.cast(out > 0, upstream.dtype)
    return pooled, tf.reduce_sum(pooled, axis=(0, 1))


@tf.function(jit_compile=True)
def _unpool(pooled: tf.Tensor, index: tf.Tensor, pool: int) -> tf.Tensor:
    """Each window's gradient to its winning step, zero elsewhere: (batch, windows * pool, channels)."""
    chosen = index[:, :, None, :] == tf.range(pool)[None, None, :, None]
    windows = tf.where(chosen, pooled[:, :, None, :], tf.zeros((), pooled.dtype))
    return tf.reshape(windows, (tf.shape(pooled)[0], -1, pooled.shape[-1]))


@tf.function(jit_compile=True)
def _sparse_kernel_gradient(x: tf.Tensor, pooled: tf.Tensor, index: tf.Tensor, size: int, stride: int,
                            pool: int) -> tf.Tensor:
    """The convolution kernel's gradient (size, in, out) when each output channel's gradient sits at one
    step per window: the sum over batch and windows of that gradient times the input patch under it."""
    batch, windows, filters = tf.shape(x)[0], pooled.shape[1], pooled.shape[2]
    first = (index + tf.range(windows)[None, :, None] * pool) * stride            # (batch, windows, out)
    rows = tf.reshape(first[..., None] + tf.range(size), (batch, -1))            # (batch, windows * out * size)
    patches = tf.reshape(tf.gather(x, rows, batch_dims=1), (-1, filters, size * x.shape[-1]))
    summed = tf.reduce_sum(tf.reshape(pooled, (-1, filters, 1)) * patches, axis=0)  # (out, size * in)
    return tf.transpose(tf.reshape(summed, (filters, size, x.shape[-1])), (1, 2, 0))


def plain_keep_mask(shape: tf.Tensor, seed: tf.Tensor, rate: float) -> tf.Tensor:
    """Bernoulli(1 - rate) keep decisions (bool, `shape`), one 16-bit Philox draw each (plain ops).

    The drop probability is `rate` rounded to 1/PLAIN_RESOLUTION.
    """
    count = tf.reduce_prod(shape)
    words = tf.random.stateless_uniform(((count + 1) // 2,), seed, dtype=tf.uint32, minval=None, maxval=None)
    halves = tf.reshape(tf.bitcast(words, tf.uint16), (-1,))[:count]
    return tf.reshape(halves >= tf.constant(round(rate * PLAIN_RESOLUTION), tf.uint16), shape)


@tf.custom_gradient
def _mark_dropped(z: tf.Tensor, keep: tf.Tensor) -> tuple[tf.Tensor, Callable]:
    """Dropped elements -> DROPPED; the gradient passes unchanged (max pooling never routes to them)."""

    def gradient(upstream: tf.Tensor) -> tuple[tf.Tensor, None]:
        return upstream, None

    return tf.where(keep, z, tf.cast(DROPPED, z.dtype)), gradient


def plain_dropout_max_pool(z: tf.Tensor, keep: tf.Tensor, bias: tf.Tensor, pool: int, windows: int,
                           rate: float) -> tf.Tensor:
    """The same function in plain TensorFlow ops, differentiated by TensorFlow (small convolution outputs).

    `z` (batch, steps, channels) may run past the last of the `windows` windows; `keep` is its mask.
    """
    pooled = tf.nn.max_pool1d(_mark_dropped(z, keep), pool, pool, "VALID")
    pooled = pooled if pooled.shape[1] == windows else pooled[:, :windows]
    return tf.nn.relu(tf.nn.bias_add(pooled, bias)) * tf.cast(1.0 / (1.0 - rate), z.dtype)


def dropout_max_pool(z: tf.Tensor, bias: tf.Tensor, pool: int, rate: float, patterns: tf.Tensor) -> tf.Tensor:
    """relu(maxpool(dropout(z)) + bias) / (1 - rate) over windows of `pool` steps.

    `z` (batch, windows * pool, channels) holds whole windows only; `patterns` (batch, windows,
    `pattern_groups`, channels) are its keep patterns (`keep_patterns`; `keep_mask` spells them out).
    Differentiable in `z` and `bias`.
    """
    if z.shape[1] % pool:
        raise ValueError(f"{z.shape[1]} steps are not whole windows of {pool}")

    @tf.custom_gradient
    def run(z: tf.Tensor, bias: tf.Tensor) -> tuple[tf.Tensor, Callable]:
        out, index = _forward(z, patterns, bias, pool, rate)

        def gradient(upstream: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            pooled, bias_gradient = _pooled_gradient(upstream, out, rate)
            return _unpool(pooled, index, pool), bias_gradient

        return out, gradient

    return run(z, bias)


def convolve_dropout_max_pool(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor, stride: int, pool: int, rate: float,
                              patterns: tf.Tensor) -> tf.Tensor:
    """A valid convolution of x (batch, length, in) by kernel (size, in, out), then `dropout_max_pool`.

    For long windows: max pooling leaves each output channel one gradient per window, so the
    kernel's gradient is a sum of `windows x channels` input patches (`_sparse_kernel_gradient`)
    instead of the full correlation of input and output gradient; the same terms, the zero ones
    skipped. `x` must give whole windows: (windows * pool - 1) * stride + size steps.
    """
    size = kernel.shape[0]

    @tf.custom_gradient
    def run(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor) -> tuple[tf.Tensor, Callable]:
        z = tf.nn.conv1d(x, kernel, stride, "VALID")
        if z.shape[1] % pool:
            raise ValueError(f"{z.shape[1]} steps are not whole windows of {pool}")
        out, index = _forward(z, patterns, bias, pool, rate)

        def gradient(upstream: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
            pooled, bias_gradient = _pooled_gradient(upstream, out, rate)
            input_gradient = tf.nn.conv1d_transpose(_unpool(pooled, index, pool), kernel, tf.shape(x), stride, "VALID")
            return input_gradient, _sparse_kernel_gradient(x, pooled, index, size, stride, pool), bias_gradient

        return out, gradient

    return run(x, kernel, bias)

"""The fused execution computes the reference network's function: outputs, gradients, dropout, optimizer.

The reference is `model.execution: layers` (the plain Keras layer stack); the fused execution must
give the same outputs and weight gradients on the same weights, the same block output for the same
dropout mask, the same AdaDelta update, and the FLOP count the benchmarks divide by.
"""

from __future__ import annotations

import sys
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from flops import training_flops  # noqa: E402  (the benchmarks' FLOP count)
from sertransfer.config import load_config
from sertransfer.dropout_pool import (
    LONG_WINDOW,
    PLAIN_RESOLUTION,
    keep_mask,
    keep_pattern_tables,
    keep_patterns,
    pattern_groups,
    plain_dropout_max_pool,
    plain_keep_mask,
)
from sertransfer.fused import ConvPoolBlock, FusedAdadelta, conv_steps
from sertransfer.network import WEIGHT_LAYERS, build_network, load_network


@pytest.fixture(scope="module")
def paper_model():
    """The `model:` block of config/paper.yaml."""
    return load_config(REPO / "config" / "paper.yaml")["model"]


def small(model: dict, execution: str, **changes) -> dict:
    """A narrow network with the paper's kernels, strides and pools."""
    return {**model, "execution": execution, "lstm_units": 12, "dense_units": 16,
            "conv1": {**model["conv1"], "filters": 8}, "conv2": {**model["conv2"], "filters": 6}, **changes}


def twin_networks(model: dict, length: int, architecture: str = "cnn_lstm", **changes):
    """A reference (layers) network with trained-looking weights and a fused one holding the same weights."""
    reference = build_network(small(model, "layers", **changes), length, 6, architecture)
    rng = np.random.default_rng(1)
    weights = [w + rng.normal(0, 0.05, w.shape).astype(np.float32) for w in reference.get_weights()]
    reference.set_weights(weights)  # non-zero biases, so that moving the bias past the pooling is tested
    fused = build_network(small(model, "fused", **changes), length, 6, architecture)
    fused.set_weights(weights)
    return reference, fused


def gradients(network: keras.Model, x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Weight gradients of the mean cross-entropy, dropout off."""
    with tf.GradientTape() as tape:
        loss = keras.losses.sparse_categorical_crossentropy(y, network(x, training=False))
        loss = tf.reduce_mean(loss)
    return [g.numpy() for g in tape.gradient(loss, network.trainable_variables)]


@pytest.mark.parametrize("architecture", ["cnn_lstm", "cnn"])
def test_fused_execution_gives_the_reference_outputs_and_gradients(paper_model, architecture):
    reference, fused = twin_networks(paper_model, 8000, architecture)
    assert [w.shape for w in reference.trainable_weights] == [w.shape for w in fused.trainable_weights]
    assert {layer.name for layer in fused.layers} >= set(WEIGHT_LAYERS) - ({"lstm"} if architecture == "cnn" else set())
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 8000, 1)).astype(np.float32)
    y = rng.integers(0, 6, 5)
    expected, got = reference(x, training=False).numpy(), fused(x, training=False).numpy()
    assert np.allclose(got, expected, rtol=1e-4, atol=1e-6)
    assert not np.allclose(expected, expected.mean(axis=0))  # the outputs depend on the input
    for want, have, variable in zip(gradients(reference, x, y), gradients(fused, x, y), fused.trainable_variables,
                                    strict=True):
        scale = np.abs(want).max()
        assert scale > 0, f"{variable.path}: zero gradient cannot show equivalence"
        assert np.allclose(have, want, rtol=1e-3, atol=1e-5 * scale), variable.path


def test_paper_size_outputs_match(paper_model):
    reference = build_network({**paper_model, "execution": "layers"}, 54000, 6)
    fused = build_network({**paper_model, "execution": "fused"}, 54000, 6)
    assert reference.count_params() == fused.count_params() == 3_405_526
    fused.set_weights(reference.get_weights())
    x = np.random.default_rng(3).standard_normal((2, 54000, 1)).astype(np.float32)
    assert np.allclose(fused(x, training=False).numpy(), reference(x, training=False).numpy(), rtol=1e-4,
                       atol=1e-6)


def reference_block(block: ConvPoolBlock, x: tf.Tensor, keep: tf.Tensor | None) -> tf.Tensor:
    """Conv1D + bias -> ReLU -> dropout with the given mask -> max pool, in the textbook order.

    `keep` covers the convolution steps of whole output windows; later steps (which pooling drops) are kept.
    """
    z = tf.nn.relu(tf.nn.conv1d(x, block.kernel, block.strides, "VALID") + block.bias)
    if keep is not None:
        keep = tf.concat([keep, tf.ones((z.shape[0], z.shape[1] - keep.shape[1], z.shape[2]), tf.bool)], axis=1)
        z = tf.where(keep, z / (1.0 - block.rate), 0.0)
    pooled = tf.nn.max_pool1d(z, block.pool, block.pool, "VALID")
    return pooled if block.steps is None else pooled[:, :block.steps]


@pytest.mark.parametrize("channels, stride, pool, steps",
                         [(1, 16, 8, None), (5, 1, 8, 2), (5, 1, 40, 2), (4, 2, 24, 3)])
def test_block_with_dropout_patterns_equals_the_textbook_order(channels, stride, pool, steps):
    """Framed conv1-like, short and long windows (long ones take the sparse kernel gradient), stride > 1."""
    block = ConvPoolBlock(filters=6, kernel_size=64 if stride == 16 else 8, strides=stride, pool=pool, rate=0.3,
                          steps=steps)
    rng = np.random.default_rng(4)
    x = tf.constant(rng.standard_normal((3, 2000 if channels == 1 else 300, channels)).astype(np.float32))
    x = tf.concat([x, tf.zeros((3, 64, channels))], axis=1)  # a padded tail: equal activations, ties in windows
    block.build(x.shape)
    block.bias.assign(rng.normal(0, 0.3, 6).astype(np.float32))
    windows = block.windows(x.shape[1])
    patterns = tf.constant(rng.integers(0, 2 ** keep_pattern_tables(0.3)[0],
                                        (3, windows, pattern_groups(pool, 0.3), 6)).astype(np.int32))
    keep = keep_mask(patterns, pool, 0.3)
    assert keep.shape == (3, windows * pool, 6) and 0.3 < keep.numpy().mean() < 0.7
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        got = block.dropped(x, patterns)
        want = reference_block(block, x, keep)
        got_loss, want_loss = tf.reduce_sum(got * got), tf.reduce_sum(want * want)
    assert got.shape == want.shape
    assert np.allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-5)
    for source in (block.kernel, block.bias, x):
        expected = tape.gradient(want_loss, source).numpy()
        assert np.abs(expected).max() > 0
        assert np.allclose(tape.gradient(got_loss, source).numpy(), expected, rtol=1e-4,
                           atol=1e-5 * np.abs(expected).max())


@pytest.mark.parametrize("stride, pool, steps", [(16, 8, None), (1, 27, 2)])
def test_plain_path_equals_the_textbook_order(stride, pool, steps):
    """Small outputs: plain ops on a per-value mask, every valid step convolved (the tail past the windows too)."""
    block = ConvPoolBlock(filters=6, kernel_size=64 if stride == 16 else 8, strides=stride, pool=pool, rate=0.3,
                          steps=steps)
    rng = np.random.default_rng(8)
    x = tf.constant(rng.standard_normal((3, 2003 if stride == 16 else 70, 1 if stride == 16 else 5)).astype(np.float32))
    block.build(x.shape)
    block.bias.assign(rng.normal(0, 0.3, 6).astype(np.float32))
    assert not block.compiled(x.shape[1])
    z = block.convolve(x)
    assert z.shape[1] == conv_steps(x.shape[1], block.kernel_size, stride)
    keep = tf.constant(rng.random(z.shape) >= 0.3)
    with tf.GradientTape(persistent=True) as tape:
        got = plain_dropout_max_pool(block.convolve(x), keep, block.bias, pool, block.windows(x.shape[1]), 0.3)
        want = reference_block(block, x, keep)
        got_loss, want_loss = tf.reduce_sum(got * got), tf.reduce_sum(want * want)
    assert np.allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-5)
    for variable in (block.kernel, block.bias):
        expected = tape.gradient(want_loss, variable).numpy()
        assert np.allclose(tape.gradient(got_loss, variable).numpy(), expected, rtol=1e-4,
                           atol=1e-5 * np.abs(expected).max())


def test_paper_network_takes_the_compiled_kernels_and_the_demo_the_plain_ops(paper_model):
    demo = load_config(REPO / "config" / "config.yaml")
    for config, length, compiled in ((paper_model, 54000, True), (demo["model"], demo["features"]["waveform"]["length"],
                                                                  False)):
        network = build_network({**config, "execution": "fused"}, length, 6)
        conv1, conv2 = network.get_layer("conv1"), network.get_layer("conv2")
        assert conv1.compiled(length) is compiled
        assert conv2.compiled(conv1.compute_output_shape((None, length, 1))[1]) is compiled


def test_plain_keep_mask_has_the_configured_rate_and_is_seeded():
    first = plain_keep_mask(tf.constant([50, 400, 63]), tf.constant([11, 12]), 0.3).numpy()
    again = plain_keep_mask(tf.constant([50, 400, 63]), tf.constant([11, 12]), 0.3).numpy()
    assert first.shape == (50, 400, 63) and np.array_equal(first, again)
    drop = round(0.3 * PLAIN_RESOLUTION) / PLAIN_RESOLUTION
    # 1.26 M Bernoulli draws: the drop fraction is within 5 standard errors of the configured rate
    assert abs((1 - first.mean()) - drop) < 5 * np.sqrt(drop * (1 - drop) / first.size)
    assert abs(drop - 0.3) < 1e-5


def test_keep_patterns_are_independent_draws_at_the_configured_rate():
    keeps, _, _ = keep_pattern_tables(0.3)
    assert keeps == 8
    words = tf.random.stateless_uniform((400_000,), (3, 4), dtype=tf.uint32, minval=None, maxval=None)
    patterns = keep_patterns(words, 0.3).numpy()
    assert patterns.min() >= 0 and patterns.max() < 2 ** keeps
    bits = (patterns[:, None] >> np.arange(keeps)) & 1          # 3.2 M keep decisions
    # each bit is kept with probability .7, within 5 standard errors
    assert np.all(np.abs(bits.mean(axis=0) - 0.7) < 5 * np.sqrt(0.21 / len(patterns)))
    # pairs of bits of one word are independent: P(both kept) = .49
    both = (bits[:, 0] & bits[:, 7]).mean()
    assert abs(both - 0.49) < 5 * np.sqrt(0.49 * 0.51 / len(patterns))
    # the number kept per word is Binomial(8, .7)
    counts = np.bincount(bits.sum(axis=1), minlength=keeps + 1) / len(patterns)
    from scipy.stats import binom
    assert np.allclose(counts, binom.pmf(np.arange(keeps + 1), keeps, 0.7), atol=0.004)
    # the word -> pattern lookup is the inverse CDF: a word just below a boundary and one on it differ
    _, base, cut = keep_pattern_tables(0.3)
    boundary = int(np.flatnonzero(cut < 2 ** 16)[0]) * 2 ** 16 + int(cut[cut < 2 ** 16][0])
    below, on = keep_patterns(tf.constant([boundary - 1, boundary], tf.uint32), 0.3).numpy()
    assert on == below + 1


@pytest.mark.parametrize("rate", [0.01, 0.1, 0.5, 0.9])
def test_keep_pattern_tables_hold_one_boundary_per_cell_at_any_rate(rate):
    keeps, base, cut = keep_pattern_tables(rate)
    assert 1 <= keeps <= 8
    assert np.all(np.diff(base) >= 0) and base[-1] <= 2 ** keeps - 1
    words = np.random.default_rng(0).integers(0, 2 ** 32, 200_000, dtype=np.uint64).astype(np.uint32)
    bits = (keep_patterns(tf.constant(words), rate).numpy()[:, None] >> np.arange(keeps)) & 1
    assert abs(bits.mean() - (1 - rate)) < 5 * np.sqrt(rate * (1 - rate) / bits.size)


def test_dropout_draws_are_seeded():
    keras.utils.set_random_seed(11)
    block = ConvPoolBlock(filters=64, kernel_size=8, strides=1, pool=2, rate=0.3)
    first = block.keep_patterns(50, 200).numpy()
    keras.utils.set_random_seed(11)
    again = ConvPoolBlock(filters=64, kernel_size=8, strides=1, pool=2, rate=0.3).keep_patterns(50, 200).numpy()
    assert np.array_equal(first, again)
    assert not np.array_equal(first, block.keep_patterns(50, 200).numpy())


def test_fused_adadelta_makes_the_keras_update():
    rng = np.random.default_rng(5)
    start = rng.standard_normal((40, 30)).astype(np.float32)
    steps = [rng.standard_normal((40, 30)).astype(np.float32) for _ in range(3)]
    results = []
    for kind in (keras.optimizers.Adadelta, FusedAdadelta):
        variable = keras.Variable(start)
        optimizer = kind(learning_rate=1.0, rho=0.95, epsilon=1e-8)
        for gradient in steps:
            optimizer.apply([tf.constant(gradient)], [variable])
        results.append(variable.numpy())
    assert not np.allclose(results[0], start)
    assert np.allclose(results[1], results[0], rtol=1e-5, atol=1e-7)


def test_a_training_step_without_dropout_matches(paper_model):
    reference, fused = twin_networks(paper_model, 8000, dropout=0.0)
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((8, 8000, 1)).astype(np.float32), rng.integers(0, 6, 8)
    for network, execution in ((reference, "layers"), (fused, "fused")):
        from sertransfer.network import compile_network
        compile_network(network, {**paper_model, "execution": execution})
        for _ in range(2):
            network.train_on_batch(x, y)
    for want, have in zip(reference.get_weights(), fused.get_weights(), strict=True):
        assert np.allclose(have, want, rtol=1e-3, atol=1e-5)


def test_fused_network_saves_and_loads_in_safe_mode(paper_model, tmp_path):
    _, fused = twin_networks(paper_model, 4000)
    fused.save(tmp_path / "m.keras")
    loaded = load_network(str(tmp_path / "m.keras"))
    x = np.random.default_rng(7).standard_normal((2, 4000, 1)).astype(np.float32)
    assert np.array_equal(loaded(x, training=False).numpy(), fused(x, training=False).numpy())


def multiply_adds_of(network: keras.Model) -> dict[str, int]:
    """Forward multiply-adds per layer read off a built network: output steps x kernel size."""
    macs = {}
    for layer in network.layers:
        if layer.name not in WEIGHT_LAYERS:
            continue
        kernels = [w for w in layer.weights if "kernel" in w.path]
        steps = layer.output.shape[1] if layer.name == "lstm" else 1
        if isinstance(layer, keras.layers.Conv1D):
            steps = layer.output.shape[1]
        macs[layer.name] = steps * sum(int(np.prod(w.shape)) for w in kernels)
    return macs


def test_flop_count_matches_the_built_network(paper_model):
    network = build_network({**paper_model, "execution": "layers"}, 54000, 6)
    counted = training_flops(paper_model, 54000, 6)
    assert counted["macs_conv1"] == 3372 * 64 * 128 and counted["macs_conv2"] == 414 * 8 * 128 * 128
    assert {name: counted[f"macs_{name}"] for name in WEIGHT_LAYERS} == multiply_adds_of(network)
    assert counted["forward"] == 2 * sum(multiply_adds_of(network).values())
    assert counted["training"] == 3 * counted["forward"] - 2 * counted["macs_conv1"]
    assert 0.45e9 < counted["training"] < 0.47e9  # about 0.46 GFLOP per training sample at the paper's size


def test_input_standardization_layer_uses_training_row_statistics(paper_model, tmp_path):
    from sertransfer.network import STANDARDIZE_LAYER, set_input_statistics

    model = small(paper_model, "fused")
    network = build_network(model, 4000, 6, standardize_inputs=True)
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((20, 4000)) * np.linspace(0.1, 3.0, 4000) + 0.5).astype(np.float32)
    x[:, -100:] = 0.0  # padding in every row: never varies
    set_input_statistics(network, x)
    layer = network.get_layer(STANDARDIZE_LAYER)
    assert not layer.trainable_weights and len(layer.non_trainable_weights) == 2
    out = layer(x[..., None]).numpy()[..., 0]
    assert np.allclose(out[:, :-100].mean(axis=0), 0, atol=1e-4)
    assert np.allclose(out[:, :-100].std(axis=0), 1, atol=1e-3)
    assert np.array_equal(out[:, -100:], x[:, -100:])
    network.save(tmp_path / "m.keras")
    loaded = load_network(str(tmp_path / "m.keras")).get_layer(STANDARDIZE_LAYER)
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), layer.get_weights(), strict=True))


def test_training_on_the_compiled_kernels_is_deterministic(paper_model):
    """Two fits from the same weights and seed give the same bits; a different seed draws other dropout."""
    from sertransfer.network import compile_network
    from sertransfer.settings import StageSettings
    from sertransfer.training import fit

    model = small(paper_model, "fused", conv1={**paper_model["conv1"], "filters": 16},
                  conv2={**paper_model["conv2"], "filters": 128})
    length = 34000
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal((12, length)).astype(np.float32), rng.integers(0, 6, 12)
    start = build_network(model, length, 6).get_weights()
    probe = build_network(model, length, 6)
    conv1, conv2 = probe.get_layer("conv1"), probe.get_layer("conv2")
    assert conv1.compiled(length) and conv2.compiled(conv1.compute_output_shape((None, length, 1))[1])
    assert conv2.pool > LONG_WINDOW  # conv2 takes the sparse kernel gradient
    results = []
    for seed in (1, 1, 2):
        keras.utils.set_random_seed(seed)
        network = compile_network(build_network(model, length, 6), model)
        network.set_weights(start)
        fit(network, x, y, x[:0], y[:0], StageSettings(4, 2, 2), seed)
        results.append(network.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(results[0], results[1], strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(results[0], results[2], strict=True))


@pytest.mark.parametrize("standardize", [False, True])
def test_plain_copy_is_the_same_function_in_keras_layers_only(paper_model, tmp_path, standardize):
    from sertransfer.network import plain_copy, set_input_statistics

    _, fused = twin_networks(paper_model, 4000)
    model = small(paper_model, "fused")
    if standardize:
        network = build_network(model, 4000, 6, standardize_inputs=True)
        network.set_weights([*network.get_weights()[:2], *fused.get_weights()])
        rows = np.random.default_rng(3).standard_normal((30, 4000)).astype(np.float32) * 2 + 0.3
        set_input_statistics(network, rows)
        fused = network
    plain = plain_copy(fused, model)
    plain.save(tmp_path / "plain.keras")
    fused.save(tmp_path / "fused.keras")

    def saved_config(name: str) -> str:
        with zipfile.ZipFile(tmp_path / name) as archive:
            return archive.read("config.json").decode()

    assert "sertransfer" in saved_config("fused.keras")       # ConvPoolBlock, InputStandardization
    assert "sertransfer" not in saved_config("plain.keras")   # no layer or object of this package
    loaded = keras.saving.load_model(tmp_path / "plain.keras", safe_mode=True)   # no custom_objects either
    x = np.random.default_rng(9).standard_normal((3, 4000, 1)).astype(np.float32)
    expected = fused(x, training=False).numpy()
    assert np.allclose(loaded(x, training=False).numpy(), expected, atol=1e-5)
    assert not np.allclose(expected[0], expected[1], atol=1e-3)
    if standardize:   # the export's two files from the fused network: the plain one, and ONNX for ONNX Runtime
        import onnxruntime

        from sertransfer.export import write_export

        write_export(fused, model, {"target": "t"}, tmp_path / "export")
        session = onnxruntime.InferenceSession(str(tmp_path / "export" / "model.onnx"))
        assert np.allclose(session.run(None, {session.get_inputs()[0].name: x})[0], expected, atol=1e-5)
        exported = keras.saving.load_model(tmp_path / "export" / "model.keras", safe_mode=True)
        assert np.allclose(exported(x, training=False).numpy(), expected, atol=1e-5)

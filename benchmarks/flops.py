"""Floating-point operations of one training sample of the network: what the training benchmarks divide by.

A count from the `model:` block alone (no TensorFlow), layer by layer; tests/test_network_execution.py
checks it against a built network.
"""

from __future__ import annotations

from collections.abc import Mapping

CNN_LSTM = "cnn_lstm"   # the architecture name of sertransfer.vocabulary (no package import here: the
                        # paired benchmark imports this before it puts the package version it measures on the path)


def conv_steps(length: int, kernel: int, stride: int) -> int:
    """Output steps of a 'valid' Conv1D (as sertransfer.fused.conv_steps)."""
    return (length - kernel) // stride + 1


def training_flops(model: Mapping, input_length: int, n_classes: int, architecture: str = CNN_LSTM) -> dict:
    """Floating-point operations of one training sample, counted layer by layer (2 per multiply-add).

    Forward multiply-adds of the convolutions, LSTM and dense layers; a training step costs the
    forward pass, the weight gradients (same count) and the input gradients (same count) of every
    layer but the first, whose input is data. Element-wise work (activations, pooling, dropout,
    optimizer) is not counted: the figure is the matrix-product work the hardware rate applies to.
    `executed_fused` is what the fused execution multiplies: conv2's kernel gradient sums one input
    patch per pooling window and filter instead of correlating over every step (the other terms are 0).
    """
    from sertransfer.dropout_pool import takes_compiled_kernels, takes_sparse_kernel_gradient

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

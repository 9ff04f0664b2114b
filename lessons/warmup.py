"""Compile every Numba kernel once, in float64 and float32, so chapters start warm.

Run as `python -m lessons.warmup` (the README's lab and test commands and Binder's postBuild
do). Prints where the cache lives and how long compiling took.
"""
import time

import numpy as np

from lessons._numba_cache import numba_cache_dir

DTYPES = (np.float64, np.float32)  # the book-exact chapters, MNIST-scale training


def kernel_calls(dtype):
    """{name: a call of that public kernel on tiny valid input of `dtype`}, one per kernel."""
    from lessons import kernels

    X = np.array([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0]], dtype=dtype)
    y = np.array([1.0, -1.0], dtype=dtype)
    order = np.array([0, 1])
    W1, W2 = np.zeros((2, 3), dtype), np.zeros((2, 3), dtype)  # a 2-2-2 network
    T = np.eye(2, dtype=dtype)
    return {
        "perceptron_predict": lambda: kernels.perceptron_predict(np.zeros(3, dtype), X),
        "perceptron_epoch": lambda: kernels.perceptron_epoch(np.zeros(3, dtype), X, y, order, 0.1),
        "perceptron_train": lambda: kernels.perceptron_train(np.zeros(3, dtype), X, y, order[None], 0.1),
        "linear_mse_epoch": lambda: kernels.linear_mse_epoch(np.zeros(3, dtype), X, y, order, 1, 0.1),
        "sigmoid": lambda: kernels.sigmoid(X),
        "sigmoid_backward": lambda: kernels.sigmoid_backward(X, X),
        "tanh": lambda: kernels.tanh(X),
        "tanh_backward": lambda: kernels.tanh_backward(X, X),
        "relu": lambda: kernels.relu(X),
        "relu_backward": lambda: kernels.relu_backward(X, X),
        "dense_forward": lambda: kernels.dense_forward(X, X.T.copy(), y),
        "dense_backward": lambda: kernels.dense_backward(X, X.T.copy(), X @ X.T),
        "sgd_step": lambda: kernels.sgd_step(X.copy(), X, 0.1),
        "half_sse": lambda: kernels.half_sse(X, X),
        "binary_cross_entropy": lambda: kernels.binary_cross_entropy(X * X, X * X),
        "softmax": lambda: kernels.softmax(X),
        "softmax_cross_entropy": lambda: kernels.softmax_cross_entropy(X, order),
        "mlp_sgd_epoch": lambda: kernels.mlp_sgd_epoch(W1, W2, X[:, 1:], T, order, 0.1),
        "mlp_minibatch_epoch": lambda: kernels.mlp_minibatch_epoch(
            W1, W2, X[:, 1:], T, order, 2, 0.1),
        "mlp_forward": lambda: kernels.mlp_forward(W1, W2, X[:, 1:]),
        "mlp_predict": lambda: kernels.mlp_predict(W1, W2, X[:, 1:]),
        "conv_output_size": lambda: kernels.conv_output_size(4, 3, 1, 0),
        "conv1d_forward": lambda: kernels.conv1d_forward(X[None], X[None], y[:1], 1, 1),
        "conv1d_backward": lambda: kernels.conv1d_backward(X[None], X[None], X[None, :1], 1, 1),
        "conv2d_forward": lambda: kernels.conv2d_forward(X[None, None], X[None, None], y[:1], 1, 1),
        "conv2d_backward": lambda: kernels.conv2d_backward(
            X[None, None], X[None, None], X[None, None, :1, :1], 1, 0),
        "maxpool2d_forward": lambda: kernels.maxpool2d_forward(X[None, None], 2, 1),
        "maxpool2d_backward": lambda: kernels.maxpool2d_backward(
            X[None, None, :1, :2], np.zeros((1, 1, 1, 2), np.int64), (1, 1, 2, 3)),
        "avgpool2d_forward": lambda: kernels.avgpool2d_forward(X[None, None], 2, 1),
        "avgpool2d_backward": lambda: kernels.avgpool2d_backward(
            X[None, None, :1, :2], (1, 1, 2, 3), 2, 1),
        "inverted_dropout": lambda: kernels.inverted_dropout(
            X, np.zeros(X.shape, np.uint32), 0.8),
    }


def warm_all():
    """Call each public kernel on tiny valid input; returns {name: seconds}."""
    times = {}
    for dtype in DTYPES:
        for name, call in kernel_calls(dtype).items():
            start = time.perf_counter()
            call()
            times[name] = times.get(name, 0.0) + time.perf_counter() - start
    return times


def main():
    times = warm_all()
    where = numba_cache_dir() or "none, the kernels run uncached (see the warning above)"
    print(f"dl-lessons: {len(times)} kernels compiled or loaded in {sum(times.values()):.1f} s; "
          f"Numba cache: {where}")


if __name__ == "__main__":
    main()

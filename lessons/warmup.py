"""Compile every Numba kernel once, in float64 and float32, so chapters start warm.

Run as `python -m lessons.warmup` (the README's lab and test commands and Binder's postBuild
do). Shows a progress bar, one step per kernel, and prints where the cache lives and how long
compiling took. `--jobs N` compiles in N processes (default: up to 2, one per core); a serial
pass afterwards loads every kernel back from the cache and compiles whatever a concurrent
write may have lost, so the cache ends complete either way.
"""
import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np
from tqdm.auto import tqdm

from lessons._numba_cache import numba_cache_dir

DTYPES = (np.float64, np.float32)  # the book-exact chapters, MNIST-scale training


def frozen(a):
    """A read-only copy of `a`. Numba compiles a read-only array as a type of its own, and the
    chapters pass some (the data sets, a widget's images): each such call is warmed too."""
    a = np.array(a)
    a.flags.writeable = False
    return a


def both(*calls):
    """One warm-up step that makes several calls (a kernel's writable and read-only inputs)."""
    return lambda: [call() for call in calls]


def kernel_calls(dtype):
    """{name: a call of that public kernel on tiny valid input of `dtype`}, one per kernel,
    covering every argument type a chapter passes it (the no-new-cache-file check run by
    `course.py test` fails, naming the kernel, when a chapter compiles anything else)."""
    return {**_chapters_01_to_04_calls(dtype), **_chapter05_calls(dtype),
            **_chapter06_calls(dtype), **_chapters_07_08_calls(dtype),
            **_chapter09_calls(dtype), **_recurrent_calls(dtype), **_chapter12_calls(dtype),
            **_chapter13_calls(dtype), **_chapter14_calls(dtype)}


def _chapters_01_to_04_calls(dtype):
    """Chapters 01-04: the perceptron, activations, dense layers, losses, the fused MLP."""
    from lessons import kernels

    X = np.array([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0]], dtype=dtype)
    y = np.array([1.0, -1.0], dtype=dtype)
    order = np.array([0, 1])
    W1, W2 = np.zeros((2, 3), dtype), np.zeros((2, 3), dtype)  # a 2-2-2 network
    T = np.eye(2, dtype=dtype)
    return {
        "perceptron_predict": lambda: kernels.perceptron_predict(np.zeros(3, dtype), X),
        "perceptron_epoch": lambda: kernels.perceptron_epoch(np.zeros(3, dtype), X, y, order, 0.1),
        "perceptron_train": lambda: kernels.perceptron_train(
            np.zeros(3, dtype), X, y, order[None], 0.1),
        "linear_mse_epoch": lambda: kernels.linear_mse_epoch(
            np.zeros(3, dtype), X, y, order, 1, 0.1),
        "sigmoid": lambda: kernels.sigmoid(X),
        "sigmoid_backward": lambda: kernels.sigmoid_backward(X, X),
        "tanh": lambda: kernels.tanh(X),
        "tanh_backward": lambda: kernels.tanh_backward(X, X),
        "relu": lambda: kernels.relu(X),
        "relu_backward": lambda: kernels.relu_backward(X, X),
        "dense_forward": both(lambda: kernels.dense_forward(X, X.T.copy(), y),
                              lambda: kernels.dense_forward(frozen(X), X.T.copy(), y)),
        "dense_backward": both(lambda: kernels.dense_backward(X, X.T.copy(), X @ X.T),
                               lambda: kernels.dense_backward(frozen(X), X.T.copy(), X @ X.T)),
        "sgd_step": lambda: kernels.sgd_step(X.copy(), X, 0.1),
        "half_sse": both(lambda: kernels.half_sse(X, X), lambda: kernels.half_sse(y, frozen(y))),
        "binary_cross_entropy": lambda: kernels.binary_cross_entropy(X * X, X * X),
        "softmax": lambda: kernels.softmax(X),
        "softmax_cross_entropy": both(lambda: kernels.softmax_cross_entropy(X, order),
                                      lambda: kernels.softmax_cross_entropy(X, frozen(order))),
        "mlp_sgd_epoch": lambda: kernels.mlp_sgd_epoch(W1, W2, X[:, 1:], T, order, 0.1),
        "mlp_minibatch_epoch": lambda: kernels.mlp_minibatch_epoch(
            W1, W2, X[:, 1:], T, order, 2, 0.1),
        "mlp_forward": lambda: kernels.mlp_forward(W1, W2, X[:, 1:]),
        "mlp_predict": lambda: kernels.mlp_predict(W1, W2, X[:, 1:]),
    }


def _chapters_07_08_calls(dtype):
    """Chapters 07 and 08: convolution, pooling and dropout."""
    from lessons import kernels

    X = np.array([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0]], dtype=dtype)
    y = np.array([1.0, -1.0], dtype=dtype)
    return {
        "conv_output_size": lambda: kernels.conv_output_size(4, 3, 1, 0),
        "conv1d_forward": lambda: kernels.conv1d_forward(X[None], X[None], y[:1], 1, 1),
        "conv1d_backward": lambda: kernels.conv1d_backward(X[None], X[None], X[None, :1], 1, 1),
        "conv2d_forward": both(
            lambda: kernels.conv2d_forward(X[None, None], X[None, None], y[:1], 1, 1),
            lambda: kernels.conv2d_forward(frozen(X[None, None]), X[None, None], y[:1], 1, 1)),
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


def _chapter06_calls(dtype):
    """Chapter 06's regression kernels (float64 whatever the dtype: they train in float64) and
    its text classifier's multi-hot layer."""
    from lessons import kernels

    X = np.array([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0]], dtype=dtype)
    y, order = np.array([1.0, -1.0], dtype=dtype), np.array([0, 1])
    return {
        "regression_loss_grad": lambda: kernels.regression_loss_grad(
            np.zeros(6), (3, 1, 1), X, y, keep=np.ones((2, 1))),
        "regression_adam_epoch": lambda: kernels.regression_adam_epoch(
            np.zeros(6), (3, 1, 1), np.zeros(6), np.zeros(6), np.ones(2), X, y, order, 1,
            keep=np.ones((2, 1))),
        "regression_predict": lambda: kernels.regression_predict(np.zeros(6), (3, 1, 1), X),
        # the text classifier's multi-hot first layer (Chollet 3.4-3.5), in the given dtype
        "multi_hot_forward": lambda: kernels.multi_hot_forward(
            np.array([[0, 1], [2, -1]]), np.zeros((3, 2), dtype), np.zeros(2, dtype)),
        "multi_hot_backward": lambda: kernels.multi_hot_backward(
            np.array([[0, 1], [2, -1]]), np.zeros((2, 2), dtype), 3),
    }


def _chapter09_calls(dtype):
    """Chapter 09, Deeper CNNs: residual, pooling, depthwise and augmentation kernels."""
    from lessons import kernels

    X = np.array([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0]], dtype=dtype)
    X4 = np.ones((1, 2, 2, 2), dtype)  # one image of 2 channels, 2 x 2
    return {
        "residual_add_forward": lambda: kernels.residual_add_forward(X4, X4, 1),
        "residual_add_backward": lambda: kernels.residual_add_backward(X4, X4.shape, 1),
        "global_avgpool2d_forward": lambda: kernels.global_avgpool2d_forward(X4),
        "global_avgpool2d_backward": lambda: kernels.global_avgpool2d_backward(
            X4[:, :, 0, 0], X4.shape),
        "depthwise_conv2d_forward": lambda: kernels.depthwise_conv2d_forward(
            X4, X4[0], X4[0, :, 0, 0], 1, 1),
        "depthwise_conv2d_backward": lambda: kernels.depthwise_conv2d_backward(
            X4, X4[0], X4[:, :, :1, :1], 1, 0),
        "pointwise_conv2d_forward": lambda: kernels.pointwise_conv2d_forward(
            X4, X4[0, :, :, 0], X4[0, :, 0, 0]),
        "pointwise_conv2d_backward": lambda: kernels.pointwise_conv2d_backward(
            X4, X4[0, :, :, 0], X4),
        "augment_images": both(
            lambda: kernels.augment_images(X[None], [0.0], [[0.0, 1.0]], [False]),
            lambda: kernels.augment_images(frozen(X[None]), [0.0], [[0.0, 1.0]], [False])),
    }


def _chapter05_calls(dtype):
    """Chapter 05's kernels (Toward Deep Learning), as kernel_calls."""
    from lessons import kernels

    X = np.array([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0]], dtype=dtype)
    X4, ones, order = X.reshape(2, 1, 1, 3), np.ones(3, dtype), np.array([0, 1])
    W1, W2, T = np.zeros((2, 3), dtype), np.zeros((2, 3), dtype), np.eye(2, dtype=dtype)

    def adam(hidden, output, batch_size):
        moments = [np.zeros_like(W) for W in (W1, W1, W2, W2)]
        return lambda: kernels.mlp_adam_epoch(W1, W2, *moments, X[:, 1:], T, order, 0,
                                              batch_size=batch_size, hidden=hidden,
                                              output=output)

    return {
        "leaky_relu": lambda: kernels.leaky_relu(X),
        "leaky_relu_backward": lambda: kernels.leaky_relu_backward(X, X),
        "elu": lambda: kernels.elu(X),
        "elu_backward": lambda: kernels.elu_backward(X, X),
        "batchnorm_forward": lambda: kernels.batchnorm_forward(X, ones, ones),
        "batchnorm_backward": lambda: kernels.batchnorm_backward(X, X, ones, ones),
        "batchnorm2d_forward": lambda: kernels.batchnorm2d_forward(X4, ones[:1], ones[:1]),
        "batchnorm2d_backward": lambda: kernels.batchnorm2d_backward(X4, X4, ones[:1], ones[:1]),
        "momentum_step": lambda: kernels.momentum_step(X.copy(), X, X.copy(), 0.1),
        "rmsprop_step": lambda: kernels.rmsprop_step(X.copy(), X, X * X, 0.1),
        "adam_step": lambda: kernels.adam_step(X.copy(), X, X.copy(), X * X, 1, 0.1),
        "nesterov_step": lambda: kernels.nesterov_step(X.copy(), X, X.copy(), 0.1),
        "adagrad_step": lambda: kernels.adagrad_step(X.copy(), X, X * X, 0.1),
        "clip_by_global_norm": lambda: kernels.clip_by_global_norm([X.copy()], 1.0),
        "global_norm": lambda: kernels.global_norm([X]),
        "mlp_adam_epoch": both(adam("tanh", "sigmoid_mse", 1), adam("relu", "softmax_ce", 2),
                               lambda: kernels.mlp_adam_epoch(
                                   W1, W2, *[np.zeros_like(W) for W in (W1, W1, W2, W2)],
                                   frozen(X[:, 1:]), frozen(T), order, 0)),
        "mlp_logits": both(lambda: kernels.mlp_logits(W1, W2, X[:, 1:]),
                           lambda: kernels.mlp_logits(W1, W2, frozen(X[:, 1:]))),
    }


def _recurrent_calls(dtype):
    """Chapters 10 and 11: the recurrent kernels, sampling and clipping."""
    from lessons import kernels

    X, h0 = np.ones((2, 1, 2), dtype), np.zeros((1, 2), dtype)
    W1, W3, W4 = (np.full((k, g * 2), 0.1, dtype) for k, g in ((2, 1), (2, 3), (2, 4)))
    H = kernels.rnn_forward(X, h0, W1, W1, W1[0])
    lstm = kernels.lstm_forward(X, h0, h0, W4, W4, W4[0])
    gru = kernels.gru_forward(X, h0, W3, W3, W3[0])
    ids = np.array([[0], [1]])  # [T, B] symbols, as the character model reads them
    return {
        "rnn_forward": lambda: kernels.rnn_forward(X, h0, W1, W1, W1[0]),
        "rnn_backward": lambda: kernels.rnn_backward(X, h0, W1, W1, H, H),
        "lstm_forward": lambda: kernels.lstm_forward(X, h0, h0, W4, W4, W4[0]),
        "lstm_backward": lambda: kernels.lstm_backward(X, h0, h0, W4, W4, *lstm, H),
        "gru_forward": lambda: kernels.gru_forward(X, h0, W3, W3, W3[0]),
        "gru_backward": lambda: kernels.gru_backward(X, h0, W3, W3, *gru, H),
        "time_dense_forward": lambda: kernels.time_dense_forward(H, W1, W1[0]),
        "time_dense_backward": lambda: kernels.time_dense_backward(H, W1, H),
        "sample_with_temperature": lambda: kernels.sample_with_temperature(
            X[0], 0.5, np.zeros(1)),
        "embedding_forward": both(lambda: kernels.embedding_forward(ids, W4),
                                  lambda: kernels.embedding_forward(frozen(ids), W4)),
        "embedding_backward": both(lambda: kernels.embedding_backward(ids, H, 2),
                                   lambda: kernels.embedding_backward(frozen(ids), H, 2)),
    }


def _chapter12_calls(dtype):
    """Chapter 12, Language Models and Embeddings: SGNS and cosine top-k."""
    from lessons import kernels

    W = np.full((3, 2), 0.1, dtype)
    ids, negatives = np.array([0, 1]), np.array([[2], [0]])
    return {
        "sgns_loss_grad": lambda: kernels.sgns_loss_grad(W, W, ids, ids, negatives),
        "sgns_epoch": lambda: kernels.sgns_epoch(W.copy(), W.copy(), ids, ids, negatives, 0.1),
        "cosine_top_k": both(lambda: kernels.cosine_top_k(W, W[0], 2),
                             lambda: kernels.cosine_top_k(W, W[0], 2, exclude=[1])),
    }


def _chapter14_calls(dtype):
    """Chapter 14: attention (causal or not, scaled or not), the head split, layer norm, GELU
    and the positional encoding."""
    from lessons import kernels

    Q = np.ones((1, 2, 3, 2), dtype)
    X = np.ones((1, 3, 4), dtype)
    g = np.ones(4, dtype)
    O, A = kernels.attention_forward(Q, Q, Q)
    return {
        "attention_forward": both(lambda: kernels.attention_forward(Q, Q, Q, causal=True),
                                  lambda: kernels.attention_forward(
                                      Q, Q, Q, key_mask=np.ones((1, 3), bool), scale=1.0)),
        "attention_backward": lambda: kernels.attention_backward(Q, Q, Q, A, O),
        "split_heads": lambda: kernels.split_heads(X, 2),
        "merge_heads": lambda: kernels.merge_heads(Q),
        "layer_norm_forward": lambda: kernels.layer_norm_forward(X, g, g),
        "layer_norm_backward": lambda: kernels.layer_norm_backward(X, g, X),
        "gelu": lambda: kernels.gelu(X),
        "gelu_backward": lambda: kernels.gelu_backward(X, X),
        "positional_encoding": lambda: kernels.positional_encoding(3, 4),
    }


def _chapter13_calls(dtype):
    """Chapter 13: the decoder's attention over the encoder's states (dot and additive)."""
    from lessons import kernels

    Q, S = np.full((2, 1, 2), 0.1, dtype), np.full((3, 1, 2), 0.2, dtype)
    W, v = np.full((2, 2), 0.1, dtype), np.full(2, 0.1, dtype)
    A, C = kernels.dot_attention_forward(Q, S)
    return {
        "dot_attention_forward": lambda: kernels.dot_attention_forward(Q, S),
        "dot_attention_backward": lambda: kernels.dot_attention_backward(Q, S, A, C),
        "additive_attention_forward": lambda: kernels.additive_attention_forward(Q, S, W, W, v),
        "additive_attention_backward": lambda: kernels.additive_attention_backward(
            Q, S, W, W, v, A, C),
    }


def warm_kernel(name):
    """Compile (or load) one kernel in every dtype; returns (name, seconds)."""
    start = time.perf_counter()
    for dtype in DTYPES:
        kernel_calls(dtype)[name]()
    return name, time.perf_counter() - start


def warm_all(jobs=1, progress=True):
    """Warm every public kernel, in `jobs` processes; returns {name: seconds} (the compile
    time of each kernel, summed over dtypes; with jobs > 1, as measured in its worker)."""
    names = list(kernel_calls(DTYPES[0]))
    # shown in a terminal and in logs alike (set-up you can watch); TQDM_DISABLE=1 hides it
    bar = tqdm(total=len(names), unit="kernel", desc="compiling",
               **({} if progress else {"disable": True}))
    times = {}
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            for done in as_completed([pool.submit(warm_kernel, name) for name in names]):
                name, seconds = done.result()
                times[name] = seconds
                bar.set_postfix_str(name)
                bar.update()
        for name in names:  # load each back; recompiles an entry a concurrent write lost
            warm_kernel(name)
    else:
        for name in names:
            bar.set_postfix_str(name)
            times[name] = warm_kernel(name)[1]
            bar.update()
    bar.close()
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m lessons.warmup", description=__doc__)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes compiling at once (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    start = time.perf_counter()
    times = warm_all(args.jobs)
    where = numba_cache_dir() or "none, the kernels run uncached (see the warning above)"
    print(f"dl-lessons: {len(times)} kernels compiled or loaded in "
          f"{time.perf_counter() - start:.1f} s ({args.jobs} process"
          f"{'es' if args.jobs > 1 else ''}); Numba cache: {where}")


if __name__ == "__main__":
    main()

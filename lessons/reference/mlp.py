"""NumPy twins: Chapter 04, Multiclass Classification: the
784-25-10 net.

W1[n_hidden, n_in + 1] and W2[n_out, n_hidden + 1] hold the bias weights in column 0; the
rows of X carry no bias input: it is prepended here, one example at a time, as in the book."""
import numpy as np

from lessons.reference.activations import sigmoid


def _mlp_example(W1, W2, x):
    """Chapter 04. The forward pass of one example: ([1; x], [1; h], o)."""
    x1 = np.concatenate(([1], x)).astype(W1.dtype)
    h1 = np.concatenate(([1], np.tanh(W1 @ x1))).astype(W1.dtype)
    return x1, h1, sigmoid(W2 @ h1)


def _mlp_deltas(W2, h1, o, t):
    """Chapter 04. Error terms (dh, do), dh from W2 as it was before this example's update."""
    do = -(t - o) * o * (1 - o)
    dh = (1 - h1[1:] ** 2) * (W2[:, 1:].T @ do)
    return dh, do


def mlp_sgd_epoch(W1, W2, X, T, order, lr):
    """Chapter 04. Per-example gradient descent, updates W1, W2 in place; returns n_correct."""
    n_correct = 0
    for i in order:
        x1, h1, o = _mlp_example(W1, W2, X[i])
        n_correct += int(np.argmax(o) == np.argmax(T[i]))
        dh, do = _mlp_deltas(W2, h1, o, T[i])
        W1 -= lr * np.outer(dh, x1)
        W2 -= lr * np.outer(do, h1)
    return n_correct


def mlp_minibatch_epoch(W1, W2, X, T, order, batch_size, lr, average_both=True):
    """Chapter 04 (Appendix F). Minibatch steps along the mean gradient; a short last batch
    is skipped. average_both=False divides only W2's summed gradient, as Snippet F-3 does."""
    n_correct = 0
    for start in range(0, len(order) - batch_size + 1, batch_size):
        G1, G2 = np.zeros_like(W1), np.zeros_like(W2)
        for i in order[start:start + batch_size]:
            x1, h1, o = _mlp_example(W1, W2, X[i])
            n_correct += int(np.argmax(o) == np.argmax(T[i]))
            dh, do = _mlp_deltas(W2, h1, o, T[i])
            G1 += np.outer(dh, x1)
            G2 += np.outer(do, h1)
        W1 -= lr * (G1 / (batch_size if average_both else 1))
        W2 -= lr * (G2 / batch_size)
    return n_correct


def mlp_forward(W1, W2, X):
    """Chapter 04. O[n, n_out] for a batch: the matrix form of the forward pass (Appendix F)."""
    H = np.tanh(X @ W1[:, 1:].T + W1[:, 0])
    return sigmoid(H @ W2[:, 1:].T + W2[:, 0])


def mlp_predict(W1, W2, X):
    """Chapter 04. The predicted class of each row of X: argmax of the outputs."""
    return np.argmax(mlp_forward(W1, W2, X), axis=1)


# The per-example steps under public names, for chapter 04's listing of the twin.
mlp_example, mlp_deltas = _mlp_example, _mlp_deltas

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


# Chapter 05, Toward Deep Learning: Table 5-1's Adam epoch, one batch at a time


def _with_bias(A):
    return np.hstack([np.ones((A.shape[0], 1), A.dtype), A])


def mlp_logits(W1, W2, X, *, hidden="relu"):
    """Chapter 05. Z = W2 [1; act(W1 [1; x])] for every row x of X."""
    Z1 = _with_bias(X) @ W1.T
    H = np.tanh(Z1) if hidden == "tanh" else np.maximum(Z1, 0)
    return _with_bias(H) @ W2.T


def mlp_adam_epoch(W1, W2, M1, V1, M2, V2, X, T, order, t, *, batch_size=1, lr=1e-3,
                   beta1=0.9, beta2=0.999, eps=1e-7, hidden="relu", output="softmax_ce"):
    """Chapter 05. Per batch: forward, the batch-mean gradient, then Adam on W1 and W2."""
    n_correct = 0
    for start in range(0, len(order) - batch_size + 1, batch_size):
        rows = order[start:start + batch_size]
        Xb, Tb = X[rows], T[rows]
        Xb1 = _with_bias(Xb)
        Z1 = Xb1 @ W1.T
        H = np.tanh(Z1) if hidden == "tanh" else np.maximum(Z1, 0)
        H1 = _with_bias(H)
        Z2 = H1 @ W2.T
        if output == "sigmoid_mse":
            O = 1 / (1 + np.exp(-Z2))
            dZ2 = 2 / T.shape[1] * (O - Tb) * O * (1 - O)
        else:
            E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
            O = E / E.sum(axis=1, keepdims=True)
            dZ2 = O - Tb
        n_correct += int(np.sum(np.argmax(O, 1) == np.argmax(Tb, 1)))
        dH = dZ2 @ W2[:, 1:]
        dZ1 = dH * (1 - H * H) if hidden == "tanh" else np.where(Z1 >= 0, dH, 0)
        t += 1
        for W, M, V, G in ((W1, M1, V1, dZ1.T @ Xb1 / batch_size),
                           (W2, M2, V2, dZ2.T @ H1 / batch_size)):
            M[...] = beta1 * M + (1 - beta1) * G
            V[...] = beta2 * V + (1 - beta2) * G * G
            W -= lr * (M / (1 - beta1 ** t)) / (np.sqrt(V / (1 - beta2 ** t)) + eps)
    return n_correct, t

"""Plain-NumPy twins of every kernel: the readable specification and the tests' oracle.

Each function here computes what the kernel of the same name computes, written the way one
would write it in NumPy without thinking about speed. Tests compare the two on random input.
No input checks here: the twins are called by tests and benchmarks with valid arrays.
"""
import numpy as np


def perceptron_predict(w, X):
    """Chapter 01. y = sign(X w) with z >= 0 -> +1 (np.sign would give 0 at z = 0)."""
    return np.where(X @ w >= 0.0, 1.0, -1.0)


def perceptron_epoch(w, X, y, order, lr):
    """Chapter 01. The perceptron rule, one example at a time; updates w in place."""
    n_updates = 0
    for i in order:
        if (1.0 if X[i] @ w >= 0.0 else -1.0) != y[i]:
            w += y[i] * lr * X[i]
            n_updates += 1
    return n_updates


def perceptron_train(w, X, y, orders, lr):
    """Chapter 01. Epochs until an error-free one; returns (n_epochs, converged, history)."""
    history = [w.copy()]
    for epoch, order in enumerate(orders):
        errors = 0
        for i in order:
            if (1.0 if X[i] @ w >= 0.0 else -1.0) != y[i]:
                w += y[i] * lr * X[i]
                history.append(w.copy())
                errors += 1
        if errors == 0:
            return epoch + 1, True, np.array(history)
    return len(orders), False, np.array(history)


def linear_mse_epoch(w, X, y, order, batch_size, lr):
    """Chapter 02. Minibatch gradient descent on mean squared error; updates w in place."""
    losses = []
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        residual = X[batch] @ w - y[batch]
        losses.append(residual @ residual)
        w -= lr * (2.0 / len(batch)) * (X[batch].T @ residual)
    return sum(losses) / len(order)


# Chapter 03, Sigmoid Neurons and Backpropagation: activations, the dense layer, losses.

def sigmoid(Z):
    """Chapter 03. Logistic 1 / (1 + e^-z), from e^-|z| so that no exponent overflows."""
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(Z.dtype)


def sigmoid_backward(Y, dY):
    """Chapter 03. dZ = dY * y (1 - y), the derivative read from the output."""
    return dY * Y * (1 - Y)


def tanh(Z):
    """Chapter 03. tanh, elementwise."""
    return np.tanh(Z)


def tanh_backward(Y, dY):
    """Chapter 03. dZ = dY * (1 - y^2), the derivative read from the output."""
    return dY * (1 - Y * Y)


def relu(Z):
    """Chapter 03. max(z, 0)."""
    return np.maximum(Z, 0)


def relu_backward(Z, dY):
    """Chapter 03. dY where z >= 0 (relu'(0) = 1, as Ekman defines it), else 0."""
    return np.where(Z >= 0, dY, 0).astype(dY.dtype)


def dense_forward(X, W, b):
    """Chapter 03. Z = X W + b for X[B, n_in], W[n_in, n_out], b[n_out]."""
    return X @ W + b


def dense_backward(X, W, dZ):
    """Chapter 03. (dX, dW, db) = (dZ W^T, X^T dZ, column sums of dZ)."""
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


def sgd_step(param, grad, lr):
    """Chapter 03. param -= lr * grad, in place."""
    param -= lr * grad


def half_sse(Y, T):
    """Chapter 03. (sum (t - y)^2 / 2, y - t)."""
    r = Y - T
    return float(np.sum(r * r) / 2), r


def binary_cross_entropy(P, T, eps=1e-7):
    """Chapter 03. Mean of -[t log p + (1 - t) log(1 - p)] with p clipped to [eps, 1 - eps]."""
    Q = np.clip(P, eps, 1 - eps)
    loss = -np.mean(T * np.log(Q) + (1 - T) * np.log(1 - Q))
    return float(loss), ((Q - T) / (Q * (1 - Q) * P.size)).astype(P.dtype)


def softmax(Z):
    """Chapter 03. Row-wise e^z / sum e^z, shifted by the row maximum."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def softmax_cross_entropy(Z, labels):
    """Chapter 03. Mean of -log softmax(z)[label] via log-sum-exp; dZ = (p - onehot) / B."""
    B = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1))
    loss = np.mean(log_sum - shifted[np.arange(B), labels])
    dZ = softmax(Z)
    dZ[np.arange(B), labels] -= 1
    return float(loss), dZ / B


# Chapter 04, Fully Connected Networks Applied to Multiclass Classification: the 784-25-10 net.
# W1[n_hidden, n_in + 1] and W2[n_out, n_hidden + 1] hold the bias weights in column 0; the
# rows of X carry no bias input: it is prepended here, one example at a time, as in the book.

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


# Chapter 07, Convolutional Neural Networks: convolution and pooling, one output position at a
# time. X[N, C, H, W], K[F, C, kh, kw], b[F]; Xp is X with `pad` zeros on every side. Each
# output position (i, j) reads the window Xp[:, :, i*s:i*s+kh, j*s:j*s+kw]; the backward
# sends dY[:, :, i, j] back through that same window.

def _pad_spatial(X, pad):
    return np.pad(X, [(0, 0), (0, 0)] + [(pad, pad)] * (X.ndim - 2))


def conv2d_forward(X, K, b, stride=1, pad=0):
    """Chapter 07. Y[n, f, i, j] = b[f] + sum of K[f] * (the window of output (i, j) in Xp[n])."""
    Xp = _pad_spatial(X, pad)
    F, _, kh, kw = K.shape
    OH, OW = (Xp.shape[2] - kh) // stride + 1, (Xp.shape[3] - kw) // stride + 1
    Y = np.empty((X.shape[0], F, OH, OW), dtype=np.result_type(X, K, b))
    for i in range(OH):
        for j in range(OW):
            window = Xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            Y[:, :, i, j] = np.tensordot(window, K, axes=([1, 2, 3], [1, 2, 3])) + b
    return Y


def conv2d_backward(X, K, dY, stride=1, pad=0):
    """Chapter 07. (dX, dK, db): every window gets dY[:, :, i, j] @ K back, every kernel
    weight the sum over images and positions of dY times the input it multiplied."""
    Xp = _pad_spatial(X, pad)
    kh, kw = K.shape[2:]
    dXp, dK = np.zeros_like(Xp), np.zeros_like(K)
    for i in range(dY.shape[2]):
        for j in range(dY.shape[3]):
            rows, cols = slice(i * stride, i * stride + kh), slice(j * stride, j * stride + kw)
            g = dY[:, :, i, j]  # [N, F]
            dK += np.tensordot(g, Xp[:, :, rows, cols], axes=([0], [0]))
            dXp[:, :, rows, cols] += np.tensordot(g, K, axes=([1], [0]))
    H, W = X.shape[2:]
    return dXp[:, :, pad:pad + H, pad:pad + W], dK, dY.sum(axis=(0, 2, 3))


def conv1d_forward(X, K, b, stride=1, pad=0):
    """Chapter 07. Y[n, f, i] = b[f] + sum of K[f] * Xp[n, :, i*s:i*s+k]: Weidman's 1D loop."""
    Xp = _pad_spatial(X, pad)
    F, _, k = K.shape
    L_out = (Xp.shape[2] - k) // stride + 1
    Y = np.empty((X.shape[0], F, L_out), dtype=np.result_type(X, K, b))
    for i in range(L_out):
        Y[:, :, i] = np.tensordot(Xp[:, :, i * stride:i * stride + k], K,
                                  axes=([1, 2], [1, 2])) + b
    return Y


def conv1d_backward(X, K, dY, stride=1, pad=0):
    """Chapter 07. (dX, dK, db) of the 1D convolution, one output position at a time."""
    Xp = _pad_spatial(X, pad)
    k = K.shape[2]
    dXp, dK = np.zeros_like(Xp), np.zeros_like(K)
    for i in range(dY.shape[2]):
        span = slice(i * stride, i * stride + k)
        dK += np.tensordot(dY[:, :, i], Xp[:, :, span], axes=([0], [0]))
        dXp[:, :, span] += np.tensordot(dY[:, :, i], K, axes=([1], [0]))
    return dXp[:, :, pad:pad + X.shape[2]], dK, dY.sum(axis=(0, 2))


def _windows(shape, size, stride):
    """Chapter 07. (i, j, rows, cols) of every pooling window over planes of `shape` [.., H, W]."""
    H, W = shape[-2:]
    for i in range((H - size) // stride + 1):
        for j in range((W - size) // stride + 1):
            yield i, j, slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)


def maxpool2d_forward(X, size=2, stride=None):
    """Chapter 07. (Y, argmax): each window's maximum and its flat index row * W + col."""
    stride = stride or size
    N, C, H, W = X.shape
    OH, OW = (H - size) // stride + 1, (W - size) // stride + 1
    Y = np.empty((N, C, OH, OW), dtype=X.dtype)
    argmax = np.empty((N, C, OH, OW), dtype=np.int64)
    for i, j, rows, cols in _windows(X.shape, size, stride):
        window = X[:, :, rows, cols].reshape(N, C, size * size)
        k = window.argmax(axis=2)  # the first maximum in row-major order
        Y[:, :, i, j] = np.take_along_axis(window, k[..., None], axis=2)[..., 0]
        argmax[:, :, i, j] = (rows.start + k // size) * W + cols.start + k % size
    return Y, argmax


def maxpool2d_backward(dY, argmax, x_shape):
    """Chapter 07. dX: dY added at each window's argmax (np.add.at accumulates repeats)."""
    N, C, H, W = x_shape
    dX = np.zeros((N, C, H * W), dtype=dY.dtype)
    n, c = np.indices(dY.shape)[:2]
    np.add.at(dX, (n.ravel(), c.ravel(), argmax.ravel()), dY.ravel())
    return dX.reshape(x_shape)


def avgpool2d_forward(X, size=2, stride=None):
    """Chapter 07. Y: the mean of each window."""
    stride = stride or size
    N, C, H, W = X.shape
    Y = np.empty((N, C, (H - size) // stride + 1, (W - size) // stride + 1), dtype=X.dtype)
    for i, j, rows, cols in _windows(X.shape, size, stride):
        Y[:, :, i, j] = X[:, :, rows, cols].mean(axis=(2, 3))
    return Y


def avgpool2d_backward(dY, x_shape, size=2, stride=None):
    """Chapter 07. dX: each window's gradient shared equally by its size^2 inputs."""
    stride = stride or size
    dX = np.zeros(x_shape, dtype=dY.dtype)
    for i, j, rows, cols in _windows(x_shape, size, stride):
        dX[:, :, rows, cols] += dY[:, :, i, j][:, :, None, None] / (size * size)
    return dX


def inverted_dropout(X, bits, keep_prob):
    """Chapter 08. Units whose 32-bit draw is under round(keep_prob 2^32) are kept and scaled."""
    keep = bits < min(round(keep_prob * 2 ** 32), 2 ** 32)
    return X * keep / keep_prob

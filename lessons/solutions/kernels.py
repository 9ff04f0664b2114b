"""Worked solutions to `check_kernel`: the swappable kernels written the way a learner would,
plain loops that run as Python and under @njit alike (numba.njit(fn) compiles each one).
Hints first!"""
import numpy as np


def perceptron_epoch(w, X, y, order, lr):
    """For each i in order, if sign(w . X[i]) (z >= 0 -> +1) is not y[i], w += y[i] lr X[i]."""
    n_updates = 0
    for i in order:
        z = 0.0
        for j in range(X.shape[1]):
            z += w[j] * X[i, j]
        output = 1.0 if z >= 0.0 else -1.0
        if output != y[i]:
            for j in range(X.shape[1]):
                w[j] += y[i] * lr * X[i, j]  # in place: the caller's w changes
            n_updates += 1
    return n_updates


def dense_backward(X, W, dZ):
    """dX = dZ W^T, dW = X^T dZ, db = dZ summed over the batch."""
    db = np.zeros(dZ.shape[1], dtype=dZ.dtype)
    for i in range(dZ.shape[0]):
        db += dZ[i]
    return dZ @ W.T, X.T @ dZ, db


def sigmoid_backward(Y, dY):
    """dZ = dY * Y (1 - Y), elementwise on any shape. (Y - Y * Y, not 1.0 - Y: under @njit a
    Python float turns a float32 array into float64.)"""
    return dY * (Y - Y * Y)


def softmax_cross_entropy(Z, labels):
    """Mean of -log softmax(z)[label], from the row maximum; dZ = (p - onehot) / B."""
    B, K = Z.shape
    dZ = np.zeros_like(Z)
    loss = 0.0
    for i in range(B):
        m = Z[i].max()
        s = 0.0
        for k in range(K):
            dZ[i, k] = np.exp(Z[i, k] - m)
            s += dZ[i, k]
        loss += np.log(s) - (Z[i, labels[i]] - m)
        for k in range(K):
            dZ[i, k] /= s * B
        dZ[i, labels[i]] -= 1.0 / B
    return loss / B, dZ


def conv2d_forward(X, K, b, stride, pad):
    """Y[n, f, i, j] = b[f] + sum over c, u, v of K[f, c, u, v] Xp[n, c, i s + u, j s + v]."""
    N, C, H, W = X.shape
    F, _, kh, kw = K.shape
    Xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=X.dtype)  # pad zeros on every side
    Xp[:, :, pad:pad + H, pad:pad + W] = X
    OH, OW = (H + 2 * pad - kh) // stride + 1, (W + 2 * pad - kw) // stride + 1
    Y = np.zeros((N, F, OH, OW), dtype=X.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    total = b[f]
                    for c in range(C):
                        for u in range(kh):
                            for v in range(kw):
                                total += K[f, c, u, v] * Xp[n, c, i * stride + u, j * stride + v]
                    Y[n, f, i, j] = total
    return Y


def conv2d_backward(X, K, dY, stride, pad):
    """The forward's loops again, each product's gradient sent back to both its factors."""
    N, C, H, W = X.shape
    F, _, kh, kw = K.shape
    Xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=X.dtype)
    Xp[:, :, pad:pad + H, pad:pad + W] = X
    dXp, dK = np.zeros_like(Xp), np.zeros_like(K)
    db = np.zeros(F, dtype=dY.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(dY.shape[2]):
                for j in range(dY.shape[3]):
                    g = dY[n, f, i, j]
                    db[f] += g
                    for c in range(C):
                        for u in range(kh):
                            for v in range(kw):
                                r, q = i * stride + u, j * stride + v
                                dK[f, c, u, v] += g * Xp[n, c, r, q]
                                dXp[n, c, r, q] += g * K[f, c, u, v]
    return dXp[:, :, pad:pad + H, pad:pad + W].copy(), dK, db


def maxpool2d_backward(dY, argmax, x_shape):
    """Each dY[n, c, i, j] added to the input that won window (i, j)."""
    N, C, H, W = x_shape
    dX = np.zeros((N, C, H, W), dtype=dY.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(dY.shape[2]):
                for j in range(dY.shape[3]):
                    k = argmax[n, c, i, j]
                    dX[n, c, k // W, k % W] += dY[n, c, i, j]
    return dX


def residual_add_backward(dY, x_shape, stride):
    """dFX is dY (an addition copies its gradient); the first C channels of dY go back to the
    pixels the shortcut read, X[n, c, stride * i, stride * j]; every other pixel gets 0."""
    N, C, H, W = x_shape
    dX = np.zeros((N, C, H, W), dtype=dY.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(dY.shape[2]):
                for j in range(dY.shape[3]):
                    dX[n, c, stride * i, stride * j] = dY[n, c, i, j]
    return dX, dY.copy()


def rnn_backward(X, h0, U, W, H, dH):
    """BPTT for h_t = tanh(x_t U + h_{t-1} W + b): one step back at a time, summing the
    shared weights' gradients (Chapter 10)."""
    dX, dU, dW = np.zeros_like(X), np.zeros_like(U), np.zeros_like(W)
    db, dh = np.zeros(W.shape[0], dtype=W.dtype), np.zeros_like(h0)
    for t in range(len(X) - 1, -1, -1):
        h_prev = H[t - 1] if t > 0 else h0
        dZ = (dH[t] + dh) * (1 - H[t] * H[t])
        dU += X[t].T @ dZ
        dW += h_prev.T @ dZ
        db += dZ.sum(axis=0)
        dX[t] = dZ @ U.T
        dh = dZ @ W.T
    return dX, dh, dU, dW, db


def attention_backward(Q, K, V, A, dO, scale):
    """Scaled dot-product attention backward (Chapter 14), one batch entry and head at a time:
    O = A V, A = softmax(S) by rows, S = scale Q K^T, taken back in that order."""
    dQ, dK, dV = np.zeros_like(Q), np.zeros_like(K), np.zeros_like(V)
    for b in range(Q.shape[0]):
        for h in range(Q.shape[1]):
            a = A[b, h]
            dV[b, h] = a.T @ dO[b, h]
            dA = dO[b, h] @ V[b, h].T
            dS = a * (dA - np.sum(a * dA, axis=1, keepdims=True))  # the softmax, row by row
            dQ[b, h] = scale * dS @ K[b, h]
            dK[b, h] = scale * dS.T @ Q[b, h]
    return dQ, dK, dV


def dot_attention_backward(Q, S, A, dC):
    """Back through the context C = sum_i A s_i, the softmax and the scores q_t . s_i
    (Chapter 13); S is both the values and the keys, so dS has two shares."""
    dA = np.einsum("tbj,ibj->tbi", dC, S)
    de = A * (dA - np.sum(A * dA, axis=-1, keepdims=True))
    dQ = np.einsum("tbi,ibj->tbj", de, S)
    dS = np.einsum("tbi,tbj->ibj", A, dC) + np.einsum("tbi,tbj->ibj", de, Q)
    return dQ, dS

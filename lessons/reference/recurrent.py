"""NumPy twins: Chapters 10 and 11, recurrent layers (simple RNN, LSTM, GRU) and BPTT.

One time step per loop iteration, written with NumPy's `@`: the readable version of
lessons/kernels/recurrent.py (same shapes, same gate order)."""
import numpy as np


def _sigma(Z):
    return 0.5 * (1.0 + np.tanh(0.5 * Z))  # = 1 / (1 + e^-z), without overflow


def rnn_forward(X, h0, U, W, b):
    """Chapter 10. h_t = tanh(x_t U + h_{t-1} W + b); returns H[T, B, n]."""
    H, h = [], h0
    for x in X:
        h = np.tanh(x @ U + h @ W + b)
        H.append(h)
    return np.array(H)


def rnn_backward(X, h0, U, W, H, dH):
    """Chapter 10. BPTT: (dX, dh0, dU, dW, db)."""
    dX, dU, dW = np.zeros_like(X), np.zeros_like(U), np.zeros_like(W)
    db = np.zeros(W.shape[0], dtype=W.dtype)
    dh = np.zeros_like(h0)
    for t in reversed(range(len(X))):
        h_prev = H[t - 1] if t > 0 else h0
        dZ = (dH[t] + dh) * (1 - H[t] ** 2)
        dU += X[t].T @ dZ
        dW += h_prev.T @ dZ
        db += dZ.sum(axis=0)
        dX[t] = dZ @ U.T
        dh = dZ @ W.T
    return dX, dh, dU, dW, db


def lstm_forward(X, h0, c0, Wx, Wh, b):
    """Chapter 11. Ekman's Eq. 10-2 with the gates side by side [i, f, g, o]: (H, C, G)."""
    n = Wh.shape[0]
    H, C, G, h, c = [], [], [], h0, c0
    for x in X:
        Z = x @ Wx + h @ Wh + b
        i, f, o = _sigma(Z[:, :n]), _sigma(Z[:, n:2 * n]), _sigma(Z[:, 3 * n:])
        g = np.tanh(Z[:, 2 * n:3 * n])
        c = f * c + i * g
        h = o * np.tanh(c)
        H.append(h), C.append(c), G.append(np.concatenate([i, f, g, o], axis=1))
    return np.array(H), np.array(C), np.array(G)


def lstm_backward(X, h0, c0, Wx, Wh, H, C, G, dH):
    """Chapter 11. BPTT through h and c: (dX, dh0, dc0, dWx, dWh, db)."""
    n = Wh.shape[0]
    dX, dWx, dWh, db = np.zeros_like(X), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(4 * n)
    dh, dc = np.zeros_like(h0), np.zeros_like(c0)
    for t in reversed(range(len(X))):
        h_prev = H[t - 1] if t > 0 else h0
        c_prev = C[t - 1] if t > 0 else c0
        i, f, g, o = (G[t][:, k * n:(k + 1) * n] for k in range(4))
        tc = np.tanh(C[t])
        dht = dH[t] + dh
        dct = dc + dht * o * (1 - tc ** 2)
        dZ = np.concatenate([dct * g * i * (1 - i), dct * c_prev * f * (1 - f),
                             dct * i * (1 - g ** 2), dht * tc * o * (1 - o)], axis=1)
        dWx += X[t].T @ dZ
        dWh += h_prev.T @ dZ
        db += dZ.sum(axis=0)
        dX[t] = dZ @ Wx.T
        dh, dc = dZ @ Wh.T, dct * f
    return dX, dh, dc, dWx, dWh, db


def gru_forward(X, h0, Wx, Wh, b):
    """Chapter 11. Ekman's Eq. H-1, reset-before: (H, G) with G = [z, r, g]."""
    n = Wh.shape[0]
    H, G, h = [], [], h0
    for x in X:
        Zx = x @ Wx + b
        z = _sigma(Zx[:, :n] + h @ Wh[:, :n])
        r = _sigma(Zx[:, n:2 * n] + h @ Wh[:, n:2 * n])
        g = np.tanh(Zx[:, 2 * n:] + (r * h) @ Wh[:, 2 * n:])
        h = (1 - z) * h + z * g
        H.append(h), G.append(np.concatenate([z, r, g], axis=1))
    return np.array(H), np.array(G)


def gru_backward(X, h0, Wx, Wh, H, G, dH):
    """Chapter 11. BPTT for the GRU: (dX, dh0, dWx, dWh, db)."""
    n = Wh.shape[0]
    dX, dWx, dWh, db = np.zeros_like(X), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(3 * n)
    dh = np.zeros_like(h0)
    for t in reversed(range(len(X))):
        h_prev = H[t - 1] if t > 0 else h0
        z, r, g = (G[t][:, k * n:(k + 1) * n] for k in range(3))
        dht = dH[t] + dh
        dZz = dht * (g - h_prev) * z * (1 - z)
        dZg = dht * z * (1 - g ** 2)
        drh = dZg @ Wh[:, 2 * n:].T
        dZr = drh * h_prev * r * (1 - r)
        dZ = np.concatenate([dZz, dZr, dZg], axis=1)
        dWx += X[t].T @ dZ
        db += dZ.sum(axis=0)
        dX[t] = dZ @ Wx.T
        dWh[:, :2 * n] += h_prev.T @ dZ[:, :2 * n]
        dWh[:, 2 * n:] += (r * h_prev).T @ dZg
        dh = dht * (1 - z) + drh * r + dZ[:, :2 * n] @ Wh[:, :2 * n].T
    return dX, dh, dWx, dWh, db


def time_dense_forward(H, V, c):
    """Chapter 10. Y[t] = H[t] V + c at every step."""
    return H @ V + c


def time_dense_backward(H, V, dY):
    """Chapter 10. (dH, dV, dc) of the per-step dense layer."""
    return dY @ V.T, np.einsum("tbn,tbk->nk", H, dY), dY.sum(axis=(0, 1))

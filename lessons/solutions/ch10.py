"""Chapter 10, RNNs: worked solutions to `lessons.exercises.ch10`. Hints first!"""
import numpy as np


def rnn_parameters(n, m):
    """Each unit: m input weights, n recurrent weights, one bias."""
    return n * (n + m + 1)


VANISHING_FACTOR = 0.9 ** 50  # the same weight on every step back: w_r^n


def rnn_backward(X, h0, U, W, H, dH):
    """BPTT for h_t = tanh(x_t U + h_{t-1} W + b): one step back at a time, summing the
    shared weights' gradients."""
    dX, dU, dW = np.zeros_like(X), np.zeros_like(U), np.zeros_like(W)
    db, dh = np.zeros(W.shape[0]), np.zeros_like(h0)
    for t in reversed(range(len(X))):
        h_prev = H[t - 1] if t > 0 else h0
        dZ = (dH[t] + dh) * (1 - H[t] ** 2)
        dU += X[t].T @ dZ
        dW += h_prev.T @ dZ
        db += dZ.sum(axis=0)
        dX[t] = dZ @ U.T
        dh = dZ @ W.T
    return dX, dh, dU, dW, db

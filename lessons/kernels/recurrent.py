"""Chapters 10 and 11, Recurrent Networks and LSTM/GRU: recurrent layers over whole sequences.

Layout: X[T, B, m] (time first: step t of every sequence in the batch is one slice X[t]),
hidden states H[T, B, n]; weights as in the dense layer, W[n_in, n_out], so a step is
`x_t @ U + h_{t-1} @ W + b`. Ekman's names: W is the recurrent matrix, U the input matrix.

    simple RNN (Ekman 9):   h_t = tanh(x_t U + h_{t-1} W + b)
    LSTM (Ekman Eq. 10-2):  [i, f, g, o] = [sigma, sigma, tanh, sigma](x_t Wx + h_{t-1} Wh + b)
                            c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
    GRU (Ekman Eq. H-1, the reset-before form, r on the recurrent term only):
                            z = sigma(x Wx_z + h Wh_z + b_z),  r = sigma(x Wx_r + h Wh_r + b_r)
                            g = tanh(x Wx_g + (r * h) Wh_g + b_g)
                            h_t = (1 - z) * h_{t-1} + z * g     (z weights the *candidate*)

Backward: backpropagation through time (BPTT). The unrolled network is a deep feed-forward
network whose layers share U, W and b, so their gradients are the *sums* of one contribution
per time step, and the error reaching h_{t-1} is the error at h_t times W^T (through the
activation's derivative): after k steps, k such factors, Ekman's w_r^n.

A backward kernel takes the forward's inputs, what the forward returned (the states it kept,
as maxpool2d_backward takes its argmax) and dH[T, B, n] = dL/dh_t for every step (zeros where
the loss does not look: a many-to-one model sets only dH[-1]); it returns the gradients in the
order of the forward's inputs.

Why explicit loops and not `@`: BLAS adds in an order that depends on the CPU, with fused
multiply-adds where the CPU has them. These loops add in the order the code gives (the
innermost loop runs over output units, so it vectorizes without reordering any sum), and a
chapter's training prints the same digits on every CPU. The price, measured at hidden 128,
batch 32, T 50 in float32 (benchmarks/bench_recurrent.py): 1.2-1.35x as fast as the NumPy twin
on one BLAS thread, PyTorch 1.1-1.2x as fast; at the chapters' sizes (B = 1 to 32, n up to 64)
the loops are further ahead, because BLAS's call overhead and threads cost more than they save
there.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks, registry
from lessons.kernels.fixed_order import (add_outer, add_product, add_rows, sigma_columns,
                                         tanh_columns)


# --- simple RNN ------------------------------------------------------------------------------

@njit(cache=True)
def _rnn_forward_kernel(X, h0, U, W, b):
    T, B = X.shape[0], X.shape[1]
    n = W.shape[0]
    H = np.empty((T, B, n), dtype=W.dtype)
    h = h0
    for t in range(T):
        Z = np.empty((B, n), dtype=W.dtype)
        for i in range(B):
            Z[i] = b
        add_product(X[t], U, Z)
        add_product(h, W, Z)
        tanh_columns(Z, 0, n)
        H[t] = Z
        h = H[t]
    return H


@njit(cache=True)
def _rnn_backward_kernel(X, h0, U, W, H, dH):
    T, B, m = X.shape
    n = W.shape[0]
    dX = np.zeros(X.shape, dtype=W.dtype)
    dU, dW = np.zeros_like(U), np.zeros_like(W)
    db = np.zeros(n, dtype=W.dtype)
    UT, WT = np.ascontiguousarray(U.T), np.ascontiguousarray(W.T)
    dh = np.zeros((B, n), dtype=W.dtype)  # dL/dh_t arriving from step t + 1
    for t in range(T - 1, -1, -1):
        h_prev = H[t - 1] if t > 0 else h0
        dZ = (dH[t] + dh) * (1.0 - H[t] * H[t])  # through tanh: 1 - tanh^2
        add_outer(X[t], dZ, dU)
        add_outer(h_prev, dZ, dW)
        add_rows(dZ, db)
        add_product(dZ, UT, dX[t])
        dh = np.zeros((B, n), dtype=W.dtype)
        add_product(dZ, WT, dh)  # one more factor W^T (Ekman's w_r) per step back
    return dX, dh, dU, dW, db


# --- LSTM --------------------------------------------------------------------------------------

@njit(cache=True)
def _lstm_forward_kernel(X, h0, c0, Wx, Wh, b):
    T, B, m = X.shape
    n = Wh.shape[0]
    H = np.empty((T, B, n), dtype=Wh.dtype)
    C = np.empty((T, B, n), dtype=Wh.dtype)
    G = np.empty((T, B, 4 * n), dtype=Wh.dtype)  # the gates' sums, then their activations
    for t in range(T):
        for s in range(B):
            G[t, s] = b
    # the input's share of every step in one product over all T * B rows: x_t does not
    # depend on h, so only h_{t-1} Wh is left inside the loop over time
    add_product(np.ascontiguousarray(X).reshape(T * B, m), Wx, G.reshape(T * B, 4 * n))
    h, c = h0, c0
    for t in range(T):
        Z = G[t]
        add_product(h, Wh, Z)
        sigma_columns(Z, 0, 2 * n)
        tanh_columns(Z, 2 * n, 3 * n)
        sigma_columns(Z, 3 * n, 4 * n)
        for s in range(B):
            for j in range(n):
                # the constant error carousel: c + ...
                C[t, s, j] = Z[s, n + j] * c[s, j] + Z[s, j] * Z[s, 2 * n + j]
        H[t] = C[t]
        tanh_columns(H[t], 0, n)
        for s in range(B):
            for j in range(n):
                H[t, s, j] *= Z[s, 3 * n + j]
        h, c = H[t], C[t]
    return H, C, G


@njit(cache=True)
def _lstm_backward_kernel(X, h0, c0, Wx, Wh, H, C, G, dH):
    T, B, m = X.shape
    n = Wh.shape[0]
    WhT = np.ascontiguousarray(Wh.T)
    # the gates' errors of every step, stored last step first (the order BPTT visits them):
    # the weight gradients are then three products after the loop, each summing over the
    # steps in that order
    dZ = np.empty((T, B, 4 * n), dtype=Wh.dtype)
    dh = np.zeros((B, n), dtype=Wh.dtype)
    dc = np.zeros((B, n), dtype=Wh.dtype)
    for u in range(T):
        t = T - 1 - u
        c_prev = C[t - 1] if t > 0 else c0
        D = dZ[u]
        Tc = C[t].copy()
        tanh_columns(Tc, 0, n)
        for s in range(B):
            for j in range(n):
                gi, gf, gg, go = G[t, s, j], G[t, s, n + j], G[t, s, 2 * n + j], G[t, s, 3 * n + j]
                tc = Tc[s, j]
                dht = dH[t, s, j] + dh[s, j]
                dct = dc[s, j] + dht * go * (1.0 - tc * tc)
                D[s, j] = dct * gg * gi * (1.0 - gi)
                D[s, n + j] = dct * c_prev[s, j] * gf * (1.0 - gf)
                D[s, 2 * n + j] = dct * gi * (1.0 - gg * gg)
                D[s, 3 * n + j] = dht * tc * go * (1.0 - go)
                dc[s, j] = dct * gf  # the carousel: only the forget gate scales it
        dh = np.zeros((B, n), dtype=Wh.dtype)
        add_product(D, WhT, dh)  # the only product BPTT must do step by step
    R = T * B
    Xr = np.empty((T, B, m), dtype=Wh.dtype)  # inputs and previous states, last step first
    Hr = np.empty((T, B, n), dtype=Wh.dtype)
    for u in range(T):
        t = T - 1 - u
        Xr[u] = X[t]
        Hr[u] = H[t - 1] if t > 0 else h0
    dZr = dZ.reshape(R, 4 * n)
    dWx, dWh = np.zeros_like(Wx), np.zeros_like(Wh)
    db = np.zeros(4 * n, dtype=Wh.dtype)
    add_outer(Xr.reshape(R, m), dZr, dWx)
    add_outer(Hr.reshape(R, n), dZr, dWh)
    add_rows(dZr, db)
    dXr = np.zeros((T, B, m), dtype=Wh.dtype)
    add_product(dZr, np.ascontiguousarray(Wx.T), dXr.reshape(R, m))
    return dXr[::-1].copy(), dh, dc, dWx, dWh, db


# --- GRU ---------------------------------------------------------------------------------------

@njit(cache=True)
def _gru_forward_kernel(X, h0, Wx, Wh, b):
    T, B = X.shape[0], X.shape[1]
    n = Wh.shape[0]
    H = np.empty((T, B, n), dtype=Wh.dtype)
    G = np.empty((T, B, 3 * n), dtype=Wh.dtype)  # z, r, the candidate g
    Wh_zr = np.ascontiguousarray(Wh[:, :2 * n])
    Wh_g = np.ascontiguousarray(Wh[:, 2 * n:])
    h = h0
    for t in range(T):
        Z = np.empty((B, 3 * n), dtype=Wh.dtype)
        for i in range(B):
            Z[i] = b
        add_product(X[t], Wx, Z)
        Zh = np.zeros((B, 2 * n), dtype=Wh.dtype)
        add_product(h, Wh_zr, Zh)
        Gt = G[t]
        for s in range(B):
            for j in range(2 * n):
                Gt[s, j] = Z[s, j] + Zh[s, j]
        sigma_columns(Gt, 0, 2 * n)  # z and r: a loop of their own, which vectorizes
        rh = np.empty((B, n), dtype=Wh.dtype)
        for s in range(B):
            for j in range(n):
                rh[s, j] = Gt[s, n + j] * h[s, j]  # reset before the product
        Zg = np.zeros((B, n), dtype=Wh.dtype)
        add_product(rh, Wh_g, Zg)
        for s in range(B):
            for j in range(n):
                Gt[s, 2 * n + j] = Z[s, 2 * n + j] + Zg[s, j]
        tanh_columns(Gt, 2 * n, 3 * n)
        for s in range(B):
            for j in range(n):
                z = Gt[s, j]
                H[t, s, j] = (1.0 - z) * h[s, j] + z * Gt[s, 2 * n + j]
        h = H[t]
    return H, G


@njit(cache=True)
def _gru_backward_kernel(X, h0, Wx, Wh, H, G, dH):
    T, B, m = X.shape
    n = Wh.shape[0]
    dX = np.zeros(X.shape, dtype=Wh.dtype)
    dWx, dWh = np.zeros_like(Wx), np.zeros_like(Wh)
    db = np.zeros(3 * n, dtype=Wh.dtype)
    WxT = np.ascontiguousarray(Wx.T)
    Wh_zrT = np.ascontiguousarray(Wh[:, :2 * n].T)
    Wh_gT = np.ascontiguousarray(Wh[:, 2 * n:].T)
    dh = np.zeros((B, n), dtype=Wh.dtype)
    dZ = np.empty((B, 3 * n), dtype=Wh.dtype)
    dZg = np.empty((B, n), dtype=Wh.dtype)
    rh = np.empty((B, n), dtype=Wh.dtype)
    for t in range(T - 1, -1, -1):
        h_prev = H[t - 1] if t > 0 else h0
        dh_prev = np.zeros((B, n), dtype=Wh.dtype)
        for s in range(B):
            for j in range(n):
                z, r, g = G[t, s, j], G[t, s, n + j], G[t, s, 2 * n + j]
                dht = dH[t, s, j] + dh[s, j]
                dh_prev[s, j] = dht * (1.0 - z)
                dZ[s, j] = dht * (g - h_prev[s, j]) * z * (1.0 - z)
                dZg[s, j] = dht * z * (1.0 - g * g)
                dZ[s, 2 * n + j] = dZg[s, j]
                rh[s, j] = r * h_prev[s, j]
        drh = np.zeros((B, n), dtype=Wh.dtype)
        add_product(dZg, Wh_gT, drh)  # dL/d(r * h_prev)
        for s in range(B):
            for j in range(n):
                r = G[t, s, n + j]
                dZ[s, n + j] = drh[s, j] * h_prev[s, j] * r * (1.0 - r)
                dh_prev[s, j] += drh[s, j] * r
        add_outer(X[t], dZ, dWx)
        add_rows(dZ, db)
        add_product(dZ, WxT, dX[t])
        dWh_zr = np.zeros((n, 2 * n), dtype=Wh.dtype)
        add_outer(h_prev, dZ[:, :2 * n], dWh_zr)
        dWh[:, :2 * n] += dWh_zr
        dWh_g = np.zeros((n, n), dtype=Wh.dtype)
        add_outer(rh, dZg, dWh_g)
        dWh[:, 2 * n:] += dWh_g
        add_product(np.ascontiguousarray(dZ[:, :2 * n]), Wh_zrT, dh_prev)
        dh = dh_prev
    return dX, dh, dWx, dWh, db


# --- checked entry points ----------------------------------------------------------------------

def _sequence(func, X):
    return checks.array(func, "X", X, ndim=3, shape="[T, B, m] (time, batch, features)")


def _weights(func, X, h0, Wx, Wh, b, gates, names):
    """Check h0[B, n], Wx[m, gates*n], Wh[n, gates*n], b[gates*n] against X[T, B, m]."""
    T, B, m = X.shape
    wx, wh, bn = names
    Wh = checks.array(func, wh, Wh, ndim=2, shape=f"[n, {gates}n]" if gates > 1 else "[n, n]")
    n = Wh.shape[0]
    if Wh.shape[1] != gates * n:
        raise ValueError(f"{func}: {wh} has shape {Wh.shape}; it must be [n, {gates}·n] = "
                         f"[{n}, {gates * n}] (n = {n} units, one column per unit and gate)")
    Wx = checks.array(func, wx, Wx, ndim=2, shape=f"[m, {gates}·n]")
    if Wx.shape != (m, gates * n):
        raise ValueError(f"{func}: {wx} has shape {Wx.shape} but X has m = {m} features and "
                         f"{wh} n = {n} units: {wx} must be [{m}, {gates * n}]")
    if b is None:  # a backward pass: the bias does not change any gradient
        b = np.zeros(gates * n, dtype=Wh.dtype)
    b = checks.array(func, bn, b, ndim=1, shape=f"[{gates}·n]")
    if b.shape != (gates * n,):
        raise ValueError(f"{func}: {bn} has {b.shape[0]} entries; it must have {gates * n}")
    h0 = checks.array(func, "h0", h0, ndim=2, shape="[B, n]")
    if h0.shape != (B, n):
        raise ValueError(f"{func}: h0 has shape {h0.shape} but it must be [B, n] = {(B, n)} "
                         f"(X has B = {B} sequences, {wh} has n = {n} units)")
    dtype = np.result_type(X, h0, Wx, Wh, b)
    return tuple(a.astype(dtype, copy=False) for a in (X, h0, Wx, Wh, b))


def _states(func, name, A, shape, dtype):
    A = checks.array(func, name, A, ndim=3, shape="[T, B, ...]")
    if A.shape != shape:
        raise ValueError(f"{func}: {name} has shape {A.shape}; it must be {shape}, as the "
                         f"forward pass returned it for these inputs")
    return A.astype(dtype, copy=False)


def _cell(func, c0, h0):
    c0 = checks.array(func, "c0", c0, ndim=2, shape="[B, n]")
    if c0.shape != h0.shape:
        raise ValueError(f"{func}: c0 has shape {c0.shape} but h0 has {h0.shape}; the cell "
                         f"state is [B, n] like the hidden state")
    return c0.astype(h0.dtype, copy=False)


def rnn_forward(X, h0, U, W, b):
    """H[T, B, n]: h_t = tanh(x_t U + h_{t-1} W + b) for t = 0 .. T-1, from h_{-1} = h0.

    X[T, B, m] input sequences (time first), h0[B, n] the state before the first step,
    U[m, n] input weights, W[n, n] recurrent weights, b[n] bias. Parameters: n (n + m + 1).
    """
    f = "rnn_forward"
    X = _sequence(f, X)
    X, h0, U, W, b = _weights(f, X, h0, U, W, b, 1, ("U", "W", "b"))
    return _rnn_forward_kernel(X, h0, U, W, b)


@registry.course_kernel
def rnn_backward(X, h0, U, W, H, dH):
    """BPTT: (dX, dh0, dU, dW, db) from dH[T, B, n] = dL/dh_t at every step (zeros where the
    loss does not read h_t), given the forward's inputs and its output H[T, B, n]."""
    f = "rnn_backward"
    X = _sequence(f, X)
    X, h0, U, W, _ = _weights(f, X, h0, U, W, None, 1, ("U", "W", "b"))
    shape = X.shape[:2] + (W.shape[0],)
    H = _states(f, "H", H, shape, W.dtype)
    dH = _states(f, "dH", dH, shape, W.dtype)
    if registry.swapped(f):
        return registry.run(f, (X, h0, U, W, H, dH),
                            [("dX", X.shape), ("dh0", h0.shape), ("dU", U.shape),
                             ("dW", W.shape), ("db", (W.shape[0],))], W.dtype)
    return _rnn_backward_kernel(X, h0, U, W, H, dH)


def lstm_forward(X, h0, c0, Wx, Wh, b):
    """(H, C, G): hidden states H[T, B, n], cell states C[T, B, n] and the gates' activations
    G[T, B, 4n] in the order i (input), f (forget), g (candidate), o (output), from h0, c0[B, n].

    Wx[m, 4n] and Wh[n, 4n] hold the four gates' weights side by side, b[4n] their biases:
    n · 4 · (n + m + 1) parameters (Ekman, L5488).
    """
    f = "lstm_forward"
    X = _sequence(f, X)
    X, h0, Wx, Wh, b = _weights(f, X, h0, Wx, Wh, b, 4, ("Wx", "Wh", "b"))
    return _lstm_forward_kernel(X, h0, _cell(f, c0, h0), Wx, Wh, b)


def lstm_backward(X, h0, c0, Wx, Wh, H, C, G, dH):
    """BPTT through h and the cell state c: (dX, dh0, dc0, dWx, dWh, db) from dH[T, B, n],
    given the forward's inputs and what it returned (H, C, G)."""
    f = "lstm_backward"
    X = _sequence(f, X)
    X, h0, Wx, Wh, _ = _weights(f, X, h0, Wx, Wh, None, 4, ("Wx", "Wh", "b"))
    T, B, n = X.shape[0], X.shape[1], Wh.shape[0]
    c0 = _cell(f, c0, h0)
    H, C, dH = (_states(f, name, A, (T, B, n), Wh.dtype) for name, A in
                (("H", H), ("C", C), ("dH", dH)))
    G = _states(f, "G", G, (T, B, 4 * n), Wh.dtype)
    return _lstm_backward_kernel(X, h0, c0, Wx, Wh, H, C, G, dH)


def gru_forward(X, h0, Wx, Wh, b):
    """(H, G): hidden states H[T, B, n] and gate activations G[T, B, 3n] in the order
    z (update), r (reset), g (candidate). Wx[m, 3n], Wh[n, 3n], b[3n]: 3 n (n + m + 1)
    parameters. h_t = (1 - z) h_{t-1} + z g, with r scaling h_{t-1} before its product
    (Ekman's reset-before form, Eq. H-1, applied to the recurrent term only)."""
    f = "gru_forward"
    X = _sequence(f, X)
    X, h0, Wx, Wh, b = _weights(f, X, h0, Wx, Wh, b, 3, ("Wx", "Wh", "b"))
    return _gru_forward_kernel(X, h0, Wx, Wh, b)


def gru_backward(X, h0, Wx, Wh, H, G, dH):
    """BPTT: (dX, dh0, dWx, dWh, db) from dH[T, B, n], given the forward's inputs and its
    (H, G)."""
    f = "gru_backward"
    X = _sequence(f, X)
    X, h0, Wx, Wh, _ = _weights(f, X, h0, Wx, Wh, None, 3, ("Wx", "Wh", "b"))
    T, B, n = X.shape[0], X.shape[1], Wh.shape[0]
    H, dH = (_states(f, name, A, (T, B, n), Wh.dtype) for name, A in (("H", H), ("dH", dH)))
    G = _states(f, "G", G, (T, B, 3 * n), Wh.dtype)
    return _gru_backward_kernel(X, h0, Wx, Wh, H, G, dH)

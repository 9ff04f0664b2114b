"""Chapter 13, Seq2seq and Attention (Ekman 14 and the first half of 15): the
decoder's attention over the encoder's states, with Luong's dot score and Bahdanau's additive
score.

Layout as the recurrent kernels (time first): the decoder's states Q[Tq, B, n] ask (one query
per output step), the encoder's states S[Ts, B, n] answer (Ekman's source hidden states, both
keys and values). For every output step t of every sequence b:

    scores      e[t, b, i] = q_t . s_i                          dot (Luong, Eq. 15-1)
                e[t, b, i] = v . tanh(q_t Wq + s_i Ws)          additive (Bahdanau, L7685:
                                                                v_a^T tanh(W_a [h_t; h_si])
                                                                with W_a split in two)
    weights     A[t, b, :] = softmax(e[t, b, :])                the alignment vector (L7689)
    context     C[t, b, :] = sum_i A[t, b, i] s_i               step 3 of L7626, in words there

Backward, from dC[Tq, B, n] = dL/dC:

    dA[t, b, i] = dC[t, b] . s_i          and s_i receives A[t, b, i] dC[t, b]  (the values)
    de = A * (dA - sum_i A dA)            the softmax's Jacobian, row by row
    dot:       dQ[t, b] = sum_i de[t, b, i] s_i,   s_i receives de[t, b, i] q_t  (the keys)
    additive:  dU = de v (1 - U^2) with U = tanh(q Wq + s Ws); dv = sum de U;
               q_t receives sum_i dU[t, i] Wq^T, s_i receives sum_t dU[t, i] Ws^T,
               dWq = sum q_t^T dU[t, i], dWs = sum s_i^T dU[t, i]

Every sum runs in the order the code gives (the loops over i and t ascend; the products are
lessons.kernels.fixed_order's, as is tanh, from its polynomial exp), with no threads and no
fastmath: a chapter's training prints the same digits on every CPU, as with the recurrent
kernels.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks, registry
from lessons.kernels.fixed_order import add_outer, add_product, tanh_columns
from lessons.kernels.losses import exp_shifted


@njit(cache=True)
def _softmax_rows(E):
    """Softmax over the last axis of E[Tq, B, Ts], in place, the maximum subtracted first."""
    for t in range(E.shape[0]):
        for b in range(E.shape[1]):
            _, total = exp_shifted(E[t, b], E[t, b])
            for i in range(E.shape[2]):
                E[t, b, i] /= total


@njit(cache=True)
def _context(A, S):
    """C[t, b, :] = sum_i A[t, b, i] S[i, b, :]."""
    Tq, B, Ts = A.shape
    C = np.zeros((Tq, B, S.shape[2]), dtype=S.dtype)
    for t in range(Tq):
        for b in range(B):
            for i in range(Ts):
                a = A[t, b, i]
                for j in range(S.shape[2]):
                    C[t, b, j] += a * S[i, b, j]
    return C


@njit(cache=True)
def _score_gradient(A, S, dC, dS):
    """de[Tq, B, Ts] through the context and the softmax; adds the values' share to dS."""
    Tq, B, Ts = A.shape
    de = _dots(dC, _by_position(S))  # dA[t, b, i] = dC[t, b] . s_i
    for t in range(Tq):
        for b in range(B):
            mean = 0.0  # sum_i A dA: the weights' average of dA
            for i in range(Ts):
                mean += A[t, b, i] * de[t, b, i]
                a = A[t, b, i]
                for j in range(S.shape[2]):
                    dS[i, b, j] += a * dC[t, b, j]
            for i in range(Ts):
                de[t, b, i] = A[t, b, i] * (de[t, b, i] - mean)
    return de


@njit(cache=True)
def _by_position(S):
    """S[Ts, B, n] -> ST[B, n, Ts]: the loops over the source positions i run innermost, so
    they vectorize while each sum over j still adds in order."""
    Ts, B, n = S.shape
    ST = np.empty((B, n, Ts), dtype=S.dtype)
    for i in range(Ts):
        for b in range(B):
            for j in range(n):
                ST[b, j, i] = S[i, b, j]
    return ST


@njit(cache=True)
def _dots(X, ST):
    """E[t, b, i] = sum_j X[t, b, j] ST[b, j, i], summing over j in order."""
    Tq, B, n = X.shape
    E = np.zeros((Tq, B, ST.shape[2]), dtype=ST.dtype)
    for t in range(Tq):
        for b in range(B):
            for j in range(n):
                x = X[t, b, j]
                for i in range(ST.shape[2]):
                    E[t, b, i] += x * ST[b, j, i]
    return E


@njit(cache=True)
def _dot_attention_forward_kernel(Q, S):
    E = _dots(Q, _by_position(S))
    _softmax_rows(E)
    return E, _context(E, S)


@njit(cache=True)
def _dot_attention_backward_kernel(Q, S, A, dC):
    Tq, B, n = Q.shape
    dQ = np.zeros(Q.shape, dtype=S.dtype)
    dS = np.zeros(S.shape, dtype=S.dtype)
    de = _score_gradient(A, S, dC, dS)
    for t in range(Tq):
        for b in range(B):
            for i in range(S.shape[0]):
                g = de[t, b, i]
                for j in range(n):
                    dQ[t, b, j] += g * S[i, b, j]
                    dS[i, b, j] += g * Q[t, b, j]
    return dQ, dS


@njit(cache=True)
def _additive_scores(Q, S, Wq, Ws, v):
    """(e[Tq, B, Ts], U[Tq, B, Ts, a]) with U = tanh(q_t Wq + s_i Ws), e = U . v."""
    Tq, B, n = Q.shape
    Ts, a = S.shape[0], v.shape[0]
    P = np.zeros((Tq * B, a), dtype=S.dtype)
    K = np.zeros((Ts * B, a), dtype=S.dtype)
    add_product(np.ascontiguousarray(Q).reshape(Tq * B, n), Wq, P)
    add_product(np.ascontiguousarray(S).reshape(Ts * B, n), Ws, K)
    P3, K3 = P.reshape(Tq, B, a), K.reshape(Ts, B, a)
    U = np.empty((Tq, B, Ts, a), dtype=S.dtype)
    for t in range(Tq):
        for b in range(B):
            for i in range(Ts):
                for k in range(a):
                    U[t, b, i, k] = P3[t, b, k] + K3[i, b, k]
    # tanh in a loop of its own, over contiguous values, so that it vectorizes: 2.5x faster
    # than inside the loop below (measured), and the same bits
    tanh_columns(U.reshape(Tq * B * Ts, a), 0, a)
    E = np.empty((Tq, B, Ts), dtype=S.dtype)
    for t in range(Tq):
        for b in range(B):
            for i in range(Ts):
                e = 0.0
                for k in range(a):
                    e += v[k] * U[t, b, i, k]
                E[t, b, i] = e
    return E, U


@njit(cache=True)
def _additive_attention_forward_kernel(Q, S, Wq, Ws, v):
    E, _ = _additive_scores(Q, S, Wq, Ws, v)
    _softmax_rows(E)
    return E, _context(E, S)


@njit(cache=True)
def _additive_attention_backward_kernel(Q, S, Wq, Ws, v, A, dC):
    Tq, B, n = Q.shape
    Ts, a = S.shape[0], v.shape[0]
    _, U = _additive_scores(Q, S, Wq, Ws, v)
    dS = np.zeros(S.shape, dtype=S.dtype)
    de = _score_gradient(A, S, dC, dS)
    dv = np.zeros(a, dtype=S.dtype)
    dP = np.zeros((Tq, B, a), dtype=S.dtype)  # dL/d(q_t Wq), summed over i
    dK = np.zeros((Ts, B, a), dtype=S.dtype)  # dL/d(s_i Ws), summed over t
    for t in range(Tq):
        for b in range(B):
            for i in range(Ts):
                g = de[t, b, i]
                for k in range(a):
                    u = U[t, b, i, k]
                    dv[k] += g * u
                    d = g * v[k] * (1.0 - u * u)
                    dP[t, b, k] += d
                    dK[i, b, k] += d
    Qr = np.ascontiguousarray(Q).reshape(Tq * B, n)
    Sr = np.ascontiguousarray(S).reshape(Ts * B, n)
    dPr, dKr = dP.reshape(Tq * B, a), dK.reshape(Ts * B, a)
    dQ = np.zeros((Tq * B, n), dtype=S.dtype)
    add_product(dPr, np.ascontiguousarray(Wq.T), dQ)
    add_product(dKr, np.ascontiguousarray(Ws.T), dS.reshape(Ts * B, n))
    dWq, dWs = np.zeros_like(Wq), np.zeros_like(Ws)
    add_outer(Qr, dPr, dWq)
    add_outer(Sr, dKr, dWs)
    return dQ.reshape(Tq, B, n), dS, dWq, dWs, dv


# --- checked entry points ----------------------------------------------------------------------

def _states(func, Q, S):
    Q = checks.array(func, "Q", Q, ndim=3, shape="[Tq, B, n] (the decoder's states)")
    S = checks.array(func, "S", S, ndim=3, shape="[Ts, B, n] (the encoder's states)")
    if S.shape[1:] != Q.shape[1:]:
        raise ValueError(f"{func}: S has shape {S.shape} but Q has {Q.shape}: both must have "
                         f"the same batch B and width n (Q is [Tq, B, n], S is [Ts, B, n])")
    dtype = np.result_type(Q, S)
    return _plain(Q, dtype), _plain(S, dtype)


def _plain(a, dtype):
    """`a` as a writeable C-contiguous array of `dtype` (copied only if it is not one): the
    one array type the warm-up compiles; a read-only cached array would compile another."""
    a = np.ascontiguousarray(a, dtype=dtype)
    return a if a.flags.writeable else a.copy()


def _additive_weights(func, Q, Wq, Ws, v):
    n = Q.shape[2]
    v = checks.array(func, "v", v, ndim=1, shape="[a] (the score's output weights)")
    a = v.shape[0]
    for name, W in (("Wq", Wq), ("Ws", Ws)):
        W = checks.array(func, name, W, ndim=2, shape="[n, a]")
        if W.shape != (n, a):
            raise ValueError(f"{func}: {name} has shape {W.shape}; it must be [n, a] = "
                             f"{(n, a)} (n = {n} from Q, a = {a} from v)")
    return tuple(_plain(W, Q.dtype) for W in (Wq, Ws, v))


def _backward_inputs(func, Q, S, A, dC):
    A = checks.array(func, "A", A, ndim=3, shape="[Tq, B, Ts]")
    if A.shape != Q.shape[:2] + (S.shape[0],):
        raise ValueError(f"{func}: A has shape {A.shape}; it must be [Tq, B, Ts] = "
                         f"{Q.shape[:2] + (S.shape[0],)}, as the forward pass returned it")
    dC = checks.array(func, "dC", dC, ndim=3, shape="[Tq, B, n]")
    if dC.shape != Q.shape:
        raise ValueError(f"{func}: dC has shape {dC.shape}; it must be {Q.shape} like the "
                         f"context the forward pass returned")
    return _plain(A, Q.dtype), _plain(dC, Q.dtype)


def dot_attention_forward(Q, S):
    """(A[Tq, B, Ts], C[Tq, B, n]): Luong's dot attention of every decoder state q_t over the
    encoder states s_i: A = softmax_i(q_t . s_i), C = sum_i A s_i. Q[Tq, B, n], S[Ts, B, n]."""
    Q, S = _states("dot_attention_forward", Q, S)
    return _dot_attention_forward_kernel(Q, S)


@registry.course_kernel
def dot_attention_backward(Q, S, A, dC):
    """(dQ, dS) from dC[Tq, B, n] = dL/dC, given the forward's inputs and its weights A."""
    f = "dot_attention_backward"
    Q, S = _states(f, Q, S)
    A, dC = _backward_inputs(f, Q, S, A, dC)
    if registry.swapped(f):
        return registry.run(f, (Q, S, A, dC), [("dQ", Q.shape), ("dS", S.shape)], Q.dtype)
    return _dot_attention_backward_kernel(Q, S, A, dC)


def additive_attention_forward(Q, S, Wq, Ws, v):
    """(A[Tq, B, Ts], C[Tq, B, n]): Bahdanau's additive attention, e = v . tanh(q_t Wq + s_i Ws),
    A = softmax_i(e), C = sum_i A s_i. Wq, Ws[n, a], v[a]: a small dense layer of a tanh units
    shared by every pair (t, i), Ekman's Fig. 15-5."""
    f = "additive_attention_forward"
    Q, S = _states(f, Q, S)
    return _additive_attention_forward_kernel(Q, S, *_additive_weights(f, Q, Wq, Ws, v))


def additive_attention_backward(Q, S, Wq, Ws, v, A, dC):
    """(dQ, dS, dWq, dWs, dv) from dC[Tq, B, n], given the forward's inputs and its weights A
    (the tanh layer is recomputed, not kept: [Tq, B, Ts, a] numbers)."""
    f = "additive_attention_backward"
    Q, S = _states(f, Q, S)
    Wq, Ws, v = _additive_weights(f, Q, Wq, Ws, v)
    A, dC = _backward_inputs(f, Q, S, A, dC)
    return _additive_attention_backward_kernel(Q, S, Wq, Ws, v, A, dC)

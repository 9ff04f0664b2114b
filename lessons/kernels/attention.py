"""Chapter 14, The Transformer (Ekman, Chapter 15; Vaswani et al. 2017): scaled dot-product
attention, forward and backward, and the multi-head split and merge.

For each batch entry b and head h, with Q, K, V of shape [T, d_k] and s = 1 / sqrt(d_k):

    S = s Q K^T                   S[i, j]: how well query i matches key j
    A = softmax_j(S + M)          each row sums to 1; M = -inf where i may not look at j
    O = A V                       each output a weighted mean of the values

The mask M: `causal` forbids j > i (no peeking at later characters: a decoder), `key_mask[B, T]`
(True = a real token) forbids padding keys. A row with no allowed key gets A = 0 and O = 0.
Ekman never prints the scale s: without it the scores grow like sqrt(d_k) and the softmax
saturates (the chapter measures it). `scale` overrides s (1.0 turns the scaling off).

Backward, from dO (the softmax Jacobian folded into one row sum, as in chapter 04's softmax):

    dV = A^T dO,   dA = dO V^T,   dS = A * (dA - rowsum(A * dA)),
    dQ = s dS K,   dK = s dS^T Q

Masked entries have A = 0, hence dS = 0: the backward needs the mask only through A.

Every product is chapter 10's fixed-order `add_product` (the innermost loop over output
columns vectorizes without reordering a sum), so the kernels print the same bits on every
CPU. Heads are independent, but they run one after the other, on one thread: what the
benchmark compares with PyTorch on one thread (measured 1.4x faster than its fused attention
at B 32, T 64, d 64 in 4 heads).

Multi-head split and merge are reshapes with a transpose: X[B, T, H * d_k] -> [B, H, T, d_k]
(head h takes columns h d_k ... (h + 1) d_k - 1) and back. Each is the other's backward.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks, registry
from lessons.kernels.fixed_order import add_outer, add_product, exp_neg


@njit(cache=True)
def _softmax_rows(S, A, causal, keys):
    """A[i] = softmax of S[i] over the allowed keys j (j <= i if causal, keys[j] True)."""
    T = S.shape[0]
    for i in range(T):
        last = i + 1 if causal else T
        top = -np.inf
        for j in range(last):
            if keys[j] and S[i, j] > top:
                top = S[i, j]
        # the exps in a loop of their own, computed for every key and then selected, so that
        # it vectorizes (a masked key's score may lie above top); the sum in order after it
        for j in range(last):
            e = exp_neg(max(top - S[i, j], 0.0))
            A[i, j] = e if keys[j] else 0.0
        for j in range(last, T):
            A[i, j] = 0.0
        total = 0.0
        for j in range(last):
            total += A[i, j]
        if total > 0.0:
            inv = 1.0 / total
            for j in range(last):
                A[i, j] *= inv


@njit(cache=True)
def _attention_forward_kernel(Q, K, V, scale, causal, key_mask):
    B, H, T, dk = Q.shape
    dv = V.shape[3]
    O = np.zeros((B, H, T, dv), dtype=Q.dtype)
    A = np.empty((B, H, T, T), dtype=Q.dtype)
    S = np.empty((T, T), dtype=Q.dtype)
    for b in range(B):
        for h in range(H):
            S[:, :] = 0.0
            add_product(Q[b, h], np.ascontiguousarray(K[b, h].T), S)
            S *= scale
            _softmax_rows(S, A[b, h], causal, key_mask[b])
            add_product(A[b, h], V[b, h], O[b, h])
    return O, A


@njit(cache=True)
def _attention_backward_kernel(Q, K, V, A, dO, scale):
    B, H, T, dk = Q.shape
    dQ, dK, dV = np.zeros_like(Q), np.zeros_like(K), np.zeros_like(V)
    dA = np.empty((T, T), dtype=Q.dtype)
    for b in range(B):
        for h in range(H):
            a = A[b, h]
            add_outer(a, dO[b, h], dV[b, h])
            dA[:, :] = 0.0
            add_product(dO[b, h], np.ascontiguousarray(V[b, h].T), dA)
            for i in range(T):  # dS = s A * (dA - rowsum(A * dA)), in place of dA
                r = 0.0
                for j in range(T):
                    r += a[i, j] * dA[i, j]
                for j in range(T):
                    dA[i, j] = scale * a[i, j] * (dA[i, j] - r)
            add_product(dA, K[b, h], dQ[b, h])
            add_outer(dA, Q[b, h], dK[b, h])
    return dQ, dK, dV


@njit(cache=True)
def _split_heads_kernel(X, H):
    B, T, D = X.shape
    dk = D // H
    Y = np.empty((B, H, T, dk), dtype=X.dtype)
    for b in range(B):
        for h in range(H):
            for t in range(T):
                for c in range(dk):
                    Y[b, h, t, c] = X[b, t, h * dk + c]
    return Y


@njit(cache=True)
def _merge_heads_kernel(Y):
    B, H, T, dk = Y.shape
    X = np.empty((B, T, H * dk), dtype=Y.dtype)
    for b in range(B):
        for h in range(H):
            for t in range(T):
                for c in range(dk):
                    X[b, t, h * dk + c] = Y[b, h, t, c]
    return X


# --- checked entry points ---------------------------------------------------------------------

_QKV = "[B, H, T, d_k] (batch, heads, positions, features per head)"


def _qkv(func, Q, K, V):
    Q = checks.array(func, "Q", Q, ndim=4, shape=_QKV)
    K = checks.array(func, "K", K, ndim=4, shape=_QKV)
    V = checks.array(func, "V", V, ndim=4, shape="[B, H, T, d_v]")
    if K.shape != Q.shape:
        raise ValueError(f"{func}: K has shape {K.shape} but Q has {Q.shape}: every query "
                         f"needs a key of the same width at each position")
    if V.shape[:3] != Q.shape[:3]:
        raise ValueError(f"{func}: V has shape {V.shape} but Q has {Q.shape}: V needs one "
                         f"value per key, [B, H, T, d_v] with B, H, T as in Q")
    dtype = np.result_type(Q, K, V)
    return tuple(a.astype(dtype, copy=False) for a in (Q, K, V))


def _scale(func, scale, dk):
    if scale is None:
        return float(1.0 / np.sqrt(dk))
    return checks.number(func, "scale", scale, low=0.0, low_open=True)


def attention_forward(Q, K, V, *, causal=False, key_mask=None, scale=None):
    """(O[B, H, T, d_v], A[B, H, T, T]): softmax(s Q K^T + mask) V per batch entry and head,
    s = 1 / sqrt(d_k) unless `scale` is given. causal: position i attends to j <= i only.
    key_mask[B, T] (bool, True = attend): leaves out padding keys. A is kept for the
    backward and for looking at (rows sum to 1, 0 where masked)."""
    f = "attention_forward"
    Q, K, V = _qkv(f, Q, K, V)
    B, H, T, dk = Q.shape
    causal = checks.flag(f, "causal", causal)
    if key_mask is None:
        keys = np.ones((B, T), dtype=np.bool_)
    else:
        keys = np.asarray(key_mask)
        if keys.dtype != np.bool_:
            raise TypeError(f"{f}: key_mask must be a bool array [B, T] (True = attend), got "
                            f"dtype {keys.dtype}")
        if keys.shape != (B, T):
            raise ValueError(f"{f}: key_mask has shape {keys.shape} but Q is {Q.shape}: "
                             f"key_mask must be [B, T] = {(B, T)}")
        keys = np.ascontiguousarray(keys)
    return _attention_forward_kernel(Q, K, V, _scale(f, scale, dk), causal, keys)


@registry.course_kernel
def attention_backward(Q, K, V, A, dO, scale=None):
    """(dQ, dK, dV) from dO[B, H, T, d_v], given the forward's Q, K, V and its weights A
    (the mask acts through A: masked weights are 0 and pass no gradient). scale as in the
    forward (None: 1 / sqrt(d_k)). Swappable: use(attention_backward=my_fn) runs the chapter
    on a learner's kernel, called as my_fn(Q, K, V, A, dO, scale) with scale a number."""
    f = "attention_backward"
    Q, K, V = _qkv(f, Q, K, V)
    B, H, T, dk = Q.shape
    A = checks.array(f, "A", A, ndim=4, shape="[B, H, T, T] (the forward's weights)")
    if A.shape != (B, H, T, T):
        raise ValueError(f"{f}: A has shape {A.shape}; the forward's weights for Q of shape "
                         f"{Q.shape} are {(B, H, T, T)}")
    dO = checks.array(f, "dO", dO, ndim=4, shape="[B, H, T, d_v] (like the output)")
    if dO.shape != V.shape:
        raise ValueError(f"{f}: dO has shape {dO.shape} but the output has {V.shape}")
    dtype = Q.dtype
    A, dO, scale = A.astype(dtype, copy=False), dO.astype(dtype, copy=False), _scale(f, scale, dk)
    if registry.swapped(f):
        return registry.run(f, (Q, K, V, A, dO, scale),
                            [("dQ", Q.shape), ("dK", K.shape), ("dV", V.shape)], dtype)
    return _attention_backward_kernel(Q, K, V, A, dO, scale)


def split_heads(X, H):
    """X[B, T, H * d_k] -> [B, H, T, d_k]: head h takes columns h d_k .. (h + 1) d_k - 1.
    Its backward is merge_heads."""
    f = "split_heads"
    X = checks.array(f, "X", X, ndim=3, shape="[B, T, D] with D = H * d_k")
    H = checks.number(f, "H", H, low=1, integer=True)
    if X.shape[2] % H:
        raise ValueError(f"{f}: X has D = {X.shape[2]} features, not a multiple of H = {H} "
                         f"heads (each head takes D / H of them)")
    return _split_heads_kernel(X, H)


def merge_heads(Y):
    """Y[B, H, T, d_k] -> [B, T, H * d_k], the heads side by side (the inverse of
    split_heads, and its backward)."""
    Y = checks.array("merge_heads", "Y", Y, ndim=4, shape="[B, H, T, d_k]")
    return _merge_heads_kernel(Y)

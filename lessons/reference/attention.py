"""NumPy twin: Chapter 14, The Transformer: scaled dot-product attention and the head split."""
import numpy as np


def attention_forward(Q, K, V, *, causal=False, key_mask=None, scale=None):
    """Chapter 14. softmax(s Q K^T + M) V with M = -inf where masked; (O, A)."""
    T, dk = Q.shape[2], Q.shape[3]
    s = 1.0 / np.sqrt(dk) if scale is None else scale
    S = s * Q @ np.swapaxes(K, -1, -2)                        # [B, H, T, T]
    allowed = np.ones(S.shape, dtype=bool)
    if causal:
        allowed &= np.tril(np.ones((T, T), dtype=bool))
    if key_mask is not None:
        allowed &= key_mask[:, None, None, :]
    S = np.where(allowed, S, -np.inf)
    top = np.max(S, axis=-1, keepdims=True)
    E = np.where(allowed, np.exp(S - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = E.sum(axis=-1, keepdims=True)
    A = np.divide(E, total, out=np.zeros_like(E), where=total > 0)
    return A @ V, A


def attention_backward(Q, K, V, A, dO, scale=None):
    """Chapter 14. dV = A^T dO; dS = A * (dA - rowsum(A dA)); dQ = s dS K; dK = s dS^T Q."""
    s = 1.0 / np.sqrt(Q.shape[3]) if scale is None else scale
    dV = np.swapaxes(A, -1, -2) @ dO
    dA = dO @ np.swapaxes(V, -1, -2)
    dS = s * A * (dA - np.sum(A * dA, axis=-1, keepdims=True))
    return dS @ K, np.swapaxes(dS, -1, -2) @ Q, dV


def split_heads(X, H):
    """Chapter 14. X[B, T, H d_k] -> [B, H, T, d_k]."""
    B, T, D = X.shape
    return np.ascontiguousarray(X.reshape(B, T, H, D // H).transpose(0, 2, 1, 3))


def merge_heads(Y):
    """Chapter 14. Y[B, H, T, d_k] -> [B, T, H d_k]."""
    B, H, T, dk = Y.shape
    return np.ascontiguousarray(Y.transpose(0, 2, 1, 3).reshape(B, T, H * dk))

"""NumPy twins: Chapter 13, Seq2seq and Attention: the decoder's attention over the encoder's
states (dot and additive scores, softmax weights, context), the readable version of
lessons/kernels/seq2seq_attention.py. Q[Tq, B, n] decoder states, S[Ts, B, n] encoder states."""
import numpy as np


def _softmax(E):
    Z = np.exp(E - E.max(axis=-1, keepdims=True))
    return Z / Z.sum(axis=-1, keepdims=True)


def _through_softmax(A, S, dC):
    """(de, the values' share of dS): back through C = sum_i A s_i and A = softmax(e)."""
    dA = np.einsum("tbj,ibj->tbi", dC, S)
    de = A * (dA - np.sum(A * dA, axis=-1, keepdims=True))
    return de, np.einsum("tbi,tbj->ibj", A, dC)


def dot_attention_forward(Q, S):
    """Chapter 13. A = softmax_i(q_t . s_i), C = sum_i A s_i: (A[Tq, B, Ts], C[Tq, B, n])."""
    A = _softmax(np.einsum("tbj,ibj->tbi", Q, S))
    return A, np.einsum("tbi,ibj->tbj", A, S)


def dot_attention_backward(Q, S, A, dC):
    """Chapter 13. (dQ, dS)."""
    de, dS = _through_softmax(A, S, dC)
    return np.einsum("tbi,ibj->tbj", de, S), dS + np.einsum("tbi,tbj->ibj", de, Q)


def _additive_U(Q, S, Wq, Ws):
    return np.tanh((Q @ Wq)[:, :, None, :] + (S @ Ws).transpose(1, 0, 2)[None])  # [Tq, B, Ts, a]


def additive_attention_forward(Q, S, Wq, Ws, v):
    """Chapter 13. e = v . tanh(q_t Wq + s_i Ws), A = softmax_i(e), C = sum_i A s_i."""
    A = _softmax(_additive_U(Q, S, Wq, Ws) @ v)
    return A, np.einsum("tbi,ibj->tbj", A, S)


def additive_attention_backward(Q, S, Wq, Ws, v, A, dC):
    """Chapter 13. (dQ, dS, dWq, dWs, dv)."""
    U = _additive_U(Q, S, Wq, Ws)
    de, dS = _through_softmax(A, S, dC)
    dv = np.einsum("tbi,tbik->k", de, U)
    dpre = de[..., None] * v * (1 - U ** 2)   # [Tq, B, Ts, a]
    dP, dK = dpre.sum(axis=2), dpre.sum(axis=0).transpose(1, 0, 2)  # [Tq, B, a], [Ts, B, a]
    dQ = dP @ Wq.T
    dS = dS + dK @ Ws.T
    dWq = np.einsum("tbn,tba->na", Q, dP)
    dWs = np.einsum("ibn,iba->na", S, dK)
    return dQ, dS, dWq, dWs, dv

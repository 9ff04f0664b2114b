"""Chapter 12, Language Models and Embeddings (Ekman, Chapters 12-13): word2vec's skip-gram
with negative sampling (SGNS), and cosine-similarity nearest neighbours.

Every word w has two rows: an input vector v_w = W_in[w] and an output vector u_w = W_out[w].
For one (centre w, context c) pair and k negative words n_1..n_k drawn at random,

    L = -log sigmoid(u_c . v_w) - sum_j log sigmoid(-u_nj . v_w)

    dL/dv_w  = sum_t (sigmoid(u_t . v_w) - label_t) u_t       (label 1 for c, 0 for each n_j)
    dL/du_t  = (sigmoid(u_t . v_w) - label_t) v_w

`sgns_loss_grad` sums that over a batch of pairs at fixed weights: it looks the rows up with
chapter 11's embedding_forward and adds the row gradients back with its scatter-add
embedding_backward. `sgns_epoch` is word2vec's own loop: plain SGD, one pair at a time, each
step using the weights the previous step left. The pairs and the negatives are drawn in Python
(with a seed) and passed in; the kernels add in a fixed order, with no threads and no fastmath,
and take sigma from lessons.kernels.fixed_order's polynomial exp, so the same inputs give the
same bits on every CPU.
"""
import math

import numpy as np
from numba import njit

from lessons.kernels import checks
from lessons.kernels.fixed_order import exp_neg, sigma_scalar


@njit(cache=True)
def _log_sigmoid(x):
    """log sigmoid(x), without overflow for large |x|."""
    if x >= 0.0:
        return -math.log1p(exp_neg(x))
    return x - math.log1p(exp_neg(-x))


@njit(cache=True)
def _sgns_row_grads_kernel(Vc, U):
    """Vc[P, d] centre rows, U[P, 1 + k, d] target rows (context first, then the negatives):
    the summed loss, dVc and dU."""
    P, T, d = U.shape
    dVc = np.zeros_like(Vc)
    dU = np.empty_like(U)
    loss = 0.0
    for p in range(P):
        for t in range(T):
            score = 0.0
            for j in range(d):
                score += U[p, t, j] * Vc[p, j]
            label = 1.0 if t == 0 else 0.0
            loss -= _log_sigmoid(score) if t == 0 else _log_sigmoid(-score)
            g = sigma_scalar(score) - label
            for j in range(d):
                dVc[p, j] += g * U[p, t, j]
                dU[p, t, j] = g * Vc[p, j]
    return loss, dVc, dU


@njit(cache=True)
def _sgns_epoch_kernel(W_in, W_out, centers, contexts, negatives, lr):
    d = W_in.shape[1]
    k = negatives.shape[1]
    grad_v = np.empty(d, dtype=W_in.dtype)
    total = 0.0
    for p in range(centers.shape[0]):  # in order, each step on the weights the last one left
        w = centers[p]
        for j in range(d):
            grad_v[j] = 0.0
        for t in range(k + 1):
            c = contexts[p] if t == 0 else negatives[p, t - 1]
            score = 0.0
            for j in range(d):
                score += W_out[c, j] * W_in[w, j]
            total -= _log_sigmoid(score) if t == 0 else _log_sigmoid(-score)
            g = sigma_scalar(score) - (1.0 if t == 0 else 0.0)
            for j in range(d):
                grad_v[j] += g * W_out[c, j]
                W_out[c, j] -= lr * g * W_in[w, j]
        for j in range(d):
            W_in[w, j] -= lr * grad_v[j]
    return total / centers.shape[0]


@njit(cache=True)
def _cosine_top_k_kernel(E, query, k, excluded):
    V, d = E.shape
    qq = 0.0
    for j in range(d):
        qq += query[j] * query[j]
    sims = np.empty(V)
    for v in range(V):
        dot = 0.0
        ee = 0.0
        for j in range(d):
            dot += E[v, j] * query[j]
            ee += E[v, j] * E[v, j]
        sims[v] = dot / math.sqrt(ee * qq) if ee > 0.0 else 0.0
    for i in range(excluded.shape[0]):
        sims[excluded[i]] = -np.inf
    order = np.argsort(-sims, kind="mergesort")[:k]  # stable: ties go to the lower index
    return order, sims[order]


def _pairs(f, W_in, W_out, centers, contexts, negatives):
    V = W_in.shape[0]
    if W_out.shape != W_in.shape:
        raise ValueError(f"{f}: W_out has shape {W_out.shape} but W_in has {W_in.shape}: "
                         f"both are [V, d], one input and one output vector per word")
    centers = checks.indices(f, "centers", centers, upper=V, shape="[P] centre words")
    contexts = checks.indices(f, "contexts", contexts, upper=V, shape="[P] context words")
    negatives = checks.indices(f, "negatives", negatives, upper=V, ndim=2,
                               shape="[P, k] negative words")
    if not len(centers) == len(contexts) == len(negatives):
        raise ValueError(f"{f}: centers, contexts and negatives must have one row per pair, got "
                         f"{len(centers)}, {len(contexts)} and {len(negatives)}")
    return centers, contexts, negatives


def sgns_loss_grad(W_in, W_out, centers, contexts, negatives):
    """(L, dW_in, dW_out): the SGNS loss summed over P pairs (centers[P], contexts[P], with
    negatives[P, k]) at fixed W_in[V, d], W_out[V, d], and its gradient."""
    from lessons.kernels import raw  # here: raw lists this file's cores, so it imports it

    f = "sgns_loss_grad"
    W_in = checks.array(f, "W_in", W_in, ndim=2, shape="[V, d] input vectors")
    W_out = checks.array(f, "W_out", W_out, ndim=2, shape="[V, d] output vectors",
                         dtype=W_in.dtype)
    centers, contexts, negatives = _pairs(f, W_in, W_out, centers, contexts, negatives)
    targets = np.concatenate([contexts[:, None], negatives], axis=1).reshape(-1)
    Vc = raw.embedding_forward_unchecked(centers, W_in)  # the rows looked up
    U = raw.embedding_forward_unchecked(targets, W_out).reshape(len(centers), -1, W_in.shape[1])
    loss, dVc, dU = _sgns_row_grads_kernel(Vc, U)
    V = W_in.shape[0]  # and the row gradients scattered back
    return (loss, raw.embedding_backward_unchecked(centers, dVc, V),
            raw.embedding_backward_unchecked(targets, dU.reshape(len(targets), -1), V))


def sgns_epoch(W_in, W_out, centers, contexts, negatives, lr):
    """One pass of SGD over the pairs in the order given, updating W_in and W_out in place;
    returns the mean loss of the pairs, each measured just before its own step."""
    f = "sgns_epoch"
    W_in = checks.inplace(f, "W_in", W_in, ndim=2, shape="[V, d] input vectors")
    W_out = checks.inplace(f, "W_out", W_out, ndim=2, shape="[V, d] output vectors")
    if W_out.dtype != W_in.dtype:
        raise TypeError(f"{f}: W_out is {W_out.dtype} but W_in is {W_in.dtype}; use one dtype")
    centers, contexts, negatives = _pairs(f, W_in, W_out, centers, contexts, negatives)
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    return float(_sgns_epoch_kernel(W_in, W_out, centers, contexts, negatives, lr))


def cosine_top_k(E, query, k, exclude=()):
    """(rows[k], similarities[k]): the k rows of E[V, d] with the highest cosine similarity to
    query[d], best first (ties to the lower row), leaving out the rows in `exclude`. A row of
    zeros has similarity 0."""
    f = "cosine_top_k"
    E = checks.array(f, "E", E, ndim=2, shape="[V, d] one vector per word")
    query = checks.array(f, "query", query, ndim=1, shape="[d]", dtype=np.float64)
    if query.shape[0] != E.shape[1]:
        raise ValueError(f"{f}: query has {query.shape[0]} entries but the rows of E have "
                         f"{E.shape[1]}")
    if not np.any(query):
        raise ValueError(f"{f}: query is the zero vector, which has no direction")
    excluded = np.asarray(exclude).reshape(-1)
    excluded = (checks.indices(f, "exclude", excluded, upper=E.shape[0], shape="[m] rows")
                if excluded.size else np.zeros(0, np.int64))
    k = checks.number(f, "k", k, low=1, high=E.shape[0] - len(set(excluded.tolist())),
                      integer=True)
    return _cosine_top_k_kernel(E, query, k, excluded)

"""NumPy twin: Chapter 12, Language Models and Embeddings: skip-gram with negative
sampling and cosine-similarity top-k."""
import numpy as np


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def _sigmoid(x):
    return np.exp(_log_sigmoid(x))


def sgns_loss_grad(W_in, W_out, centers, contexts, negatives):
    """Chapter 12. The summed SGNS loss of the pairs and its gradient, all pairs at once:
    label 1 for the context column, 0 for the k negative columns."""
    targets = np.concatenate([contexts[:, None], negatives], axis=1)    # [P, 1 + k]
    Vc, U = W_in[centers], W_out[targets]                               # [P, d], [P, 1 + k, d]
    scores = np.einsum("ptd,pd->pt", U, Vc)
    labels = np.zeros_like(scores)
    labels[:, 0] = 1.0
    loss = -np.sum(_log_sigmoid(np.where(labels == 1.0, scores, -scores)))
    g = _sigmoid(scores) - labels
    dW_in, dW_out = np.zeros_like(W_in), np.zeros_like(W_out)
    np.add.at(dW_in, centers, np.einsum("pt,ptd->pd", g, U))
    np.add.at(dW_out, targets, g[:, :, None] * Vc[:, None, :])
    return loss, dW_in, dW_out


def sgns_epoch(W_in, W_out, centers, contexts, negatives, lr):
    """Chapter 12. SGD over the pairs in order, one pair per step, in place; the mean loss of
    the pairs, each before its step."""
    total = 0.0
    for w, c, negs in zip(centers, contexts, negatives):
        targets = np.concatenate([[c], negs])
        v = W_in[w].copy()
        grad_v = np.zeros_like(v)
        for t, target in enumerate(targets):  # one row at a time: a negative may repeat
            score = W_out[target] @ v
            total -= _log_sigmoid(score if t == 0 else -score)
            g = _sigmoid(score) - (t == 0)
            grad_v += g * W_out[target]
            W_out[target] -= lr * g * v
        W_in[w] -= lr * grad_v
    return total / len(centers)


def cosine_top_k(E, query, k, exclude=()):
    """Chapter 12. The k rows most cosine-similar to query, best first, skipping `exclude`."""
    norms = np.linalg.norm(E, axis=1) * np.linalg.norm(query)
    sims = np.divide(E @ query, norms, out=np.zeros(len(E)), where=norms > 0)
    sims[list(exclude)] = -np.inf
    order = np.argsort(-sims, kind="stable")[:k]
    return order, sims[order]

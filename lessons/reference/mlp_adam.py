"""NumPy twins: Chapter 05, Toward DL: Table 5-1's Adam epoch, one batch at a time."""
import numpy as np


def _with_bias(A):
    return np.hstack([np.ones((A.shape[0], 1), A.dtype), A])


def mlp_logits(W1, W2, X, *, hidden="relu"):
    """Chapter 05. Z = W2 [1; act(W1 [1; x])] for every row x of X."""
    Z1 = _with_bias(X) @ W1.T
    H = np.tanh(Z1) if hidden == "tanh" else np.maximum(Z1, 0)
    return _with_bias(H) @ W2.T


def mlp_adam_epoch(W1, W2, M1, V1, M2, V2, X, T, order, t, *, batch_size=1, lr=1e-3,
                   beta1=0.9, beta2=0.999, eps=1e-7, hidden="relu", output="softmax_ce"):
    """Chapter 05. Per batch: forward, the batch-mean gradient, then Adam on W1 and W2."""
    n_correct = 0
    for start in range(0, len(order) - batch_size + 1, batch_size):
        rows = order[start:start + batch_size]
        Xb, Tb = X[rows], T[rows]
        Xb1 = _with_bias(Xb)
        Z1 = Xb1 @ W1.T
        H = np.tanh(Z1) if hidden == "tanh" else np.maximum(Z1, 0)
        H1 = _with_bias(H)
        Z2 = H1 @ W2.T
        if output == "sigmoid_mse":
            O = 1 / (1 + np.exp(-Z2))
            dZ2 = 2 / T.shape[1] * (O - Tb) * O * (1 - O)
        else:
            E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
            O = E / E.sum(axis=1, keepdims=True)
            dZ2 = O - Tb
        n_correct += int(np.sum(np.argmax(O, 1) == np.argmax(Tb, 1)))
        dH = dZ2 @ W2[:, 1:]
        dZ1 = dH * (1 - H * H) if hidden == "tanh" else np.where(Z1 >= 0, dH, 0)
        t += 1
        for W, M, V, G in ((W1, M1, V1, dZ1.T @ Xb1 / batch_size),
                           (W2, M2, V2, dZ2.T @ H1 / batch_size)):
            M[...] = beta1 * M + (1 - beta1) * G
            V[...] = beta2 * V + (1 - beta2) * G * G
            W -= lr * (M / (1 - beta1 ** t)) / (np.sqrt(V / (1 - beta2 ** t)) + eps)
    return n_correct, t

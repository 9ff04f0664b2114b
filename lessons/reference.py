"""Plain-NumPy twins of every kernel: the readable specification and the tests' oracle.

Each function here computes what the kernel of the same name computes, written the way one
would write it in NumPy without thinking about speed. Tests compare the two on random input.
No input checks here: the twins are called by tests and benchmarks with valid arrays.
"""
import numpy as np


def perceptron_predict(w, X):
    """Chapter 01. y = sign(X w) with z >= 0 -> +1 (np.sign would give 0 at z = 0)."""
    return np.where(X @ w >= 0.0, 1.0, -1.0)


def perceptron_epoch(w, X, y, order, lr):
    """Chapter 01. The perceptron rule, one example at a time; updates w in place."""
    n_updates = 0
    for i in order:
        if (1.0 if X[i] @ w >= 0.0 else -1.0) != y[i]:
            w += y[i] * lr * X[i]
            n_updates += 1
    return n_updates


def perceptron_train(w, X, y, orders, lr):
    """Chapter 01. Epochs until an error-free one; returns (n_epochs, converged, history)."""
    history = [w.copy()]
    for epoch, order in enumerate(orders):
        errors = 0
        for i in order:
            if (1.0 if X[i] @ w >= 0.0 else -1.0) != y[i]:
                w += y[i] * lr * X[i]
                history.append(w.copy())
                errors += 1
        if errors == 0:
            return epoch + 1, True, np.array(history)
    return len(orders), False, np.array(history)


def linear_mse_epoch(w, X, y, order, batch_size, lr):
    """Chapter 02. Minibatch gradient descent on mean squared error; updates w in place."""
    losses = []
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        residual = X[batch] @ w - y[batch]
        losses.append(residual @ residual)
        w -= lr * (2.0 / len(batch)) * (X[batch].T @ residual)
    return sum(losses) / len(order)


# Chapter 03, Sigmoid Neurons and Backpropagation: activations, the dense layer, losses.

def sigmoid(Z):
    """Chapter 03. Logistic 1 / (1 + e^-z), from e^-|z| so that no exponent overflows."""
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(Z.dtype)


def sigmoid_backward(Y, dY):
    """Chapter 03. dZ = dY * y (1 - y), the derivative read from the output."""
    return dY * Y * (1 - Y)


def tanh(Z):
    """Chapter 03. tanh, elementwise."""
    return np.tanh(Z)


def tanh_backward(Y, dY):
    """Chapter 03. dZ = dY * (1 - y^2), the derivative read from the output."""
    return dY * (1 - Y * Y)


def relu(Z):
    """Chapter 03. max(z, 0)."""
    return np.maximum(Z, 0)


def relu_backward(Z, dY):
    """Chapter 03. dY where z >= 0 (relu'(0) = 1, as Ekman defines it), else 0."""
    return np.where(Z >= 0, dY, 0).astype(dY.dtype)


def dense_forward(X, W, b):
    """Chapter 03. Z = X W + b for X[B, n_in], W[n_in, n_out], b[n_out]."""
    return X @ W + b


def dense_backward(X, W, dZ):
    """Chapter 03. (dX, dW, db) = (dZ W^T, X^T dZ, column sums of dZ)."""
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


def sgd_step(param, grad, lr):
    """Chapter 03. param -= lr * grad, in place."""
    param -= lr * grad


def half_sse(Y, T):
    """Chapter 03. (sum (t - y)^2 / 2, y - t)."""
    r = Y - T
    return float(np.sum(r * r) / 2), r


def binary_cross_entropy(P, T, eps=1e-7):
    """Chapter 03. Mean of -[t log p + (1 - t) log(1 - p)] with p clipped to [eps, 1 - eps]."""
    Q = np.clip(P, eps, 1 - eps)
    loss = -np.mean(T * np.log(Q) + (1 - T) * np.log(1 - Q))
    return float(loss), ((Q - T) / (Q * (1 - Q) * P.size)).astype(P.dtype)


def softmax(Z):
    """Chapter 03. Row-wise e^z / sum e^z, shifted by the row maximum."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def softmax_cross_entropy(Z, labels):
    """Chapter 03. Mean of -log softmax(z)[label] via log-sum-exp; dZ = (p - onehot) / B."""
    B = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1))
    loss = np.mean(log_sum - shifted[np.arange(B), labels])
    dZ = softmax(Z)
    dZ[np.arange(B), labels] -= 1
    return float(loss), dZ / B

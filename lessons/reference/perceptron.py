"""NumPy twins: Chapter 01, The Perceptron."""
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

"""Chapter 06, Regression and Regularization: worked solutions to `lessons.exercises.ch06`.
Hints first!"""
import numpy as np


def parameter_count(sizes):
    """Each layer: n_in * n_out weights and one bias per unit, (n_in + 1) * n_out."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def l2_gradient(w, lam):
    """d/dw of lam * sum(w^2) = 2 * lam * w."""
    return 2 * lam * w


def kfold(n, k):
    """Fold i validates on rows [i n // k, (i + 1) n // k) and trains on the rest."""
    folds = []
    for i in range(k):
        start, stop = i * n // k, (i + 1) * n // k
        val = np.arange(start, stop)
        train = np.concatenate([np.arange(0, start), np.arange(stop, n)])
        folds.append((train, val))
    return folds


def vectorize_sequences(sequences, V):
    """Chollet's multi-hot encoding: a 1 in row i at every word id sequence i holds."""
    X = np.zeros((len(sequences), V))
    for i, sequence in enumerate(sequences):
        X[i, sequence] = 1.0
    return X

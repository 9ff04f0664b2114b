"""NumPy twin: Chapter 06 (Chollet 3.4-3.5): the dense layer on multi-hot words, with the
multi-hot matrix built."""
import numpy as np


def multi_hot(ids, V):
    """X[B, V] with X[r, k] = 1 for each word id k listed in row r (-1 is padding)."""
    X = np.zeros((ids.shape[0], V))
    rows, cols = np.nonzero(ids >= 0)
    X[rows, ids[rows, cols]] = 1.0
    return X


def multi_hot_forward(ids, W, b):
    """Chapter 06. Z = X W + b with the multi-hot X of ids."""
    return multi_hot(ids, W.shape[0]).astype(W.dtype) @ W + b


def multi_hot_backward(ids, dZ, V):
    """Chapter 06. (dW, db) = (X^T dZ, the column sums of dZ)."""
    return multi_hot(ids, V).astype(dZ.dtype).T @ dZ, dZ.sum(axis=0)

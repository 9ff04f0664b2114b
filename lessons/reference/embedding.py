"""NumPy twin: Chapter 11, LSTM, GRU and Text: the embedding lookup and its scatter-add."""
import numpy as np


def embedding_forward(ids, E):
    """Chapter 11. Y = E[ids] (NumPy's fancy indexing: a row per symbol)."""
    return E[ids]


def embedding_backward(ids, dY, V):
    """Chapter 11. dE[v] = sum of dY where ids == v (np.add.at adds repeated ids one by one)."""
    dE = np.zeros((V, dY.shape[-1]), dtype=dY.dtype)
    np.add.at(dE, ids, dY)
    return dE

"""NumPy twin: Chapter 14, The Transformer: the sinusoidal positional encoding."""
import numpy as np


def positional_encoding(T, d, base=10000.0):
    """Chapter 14. Ekman L7826: sin(pos / base^(i/d)) for even i, cos(pos / base^((i-1)/d)) odd."""
    pos = np.arange(T)[:, None]
    i = np.arange(d)[None, :]
    angle = pos / base ** ((i - i % 2) / d)
    return np.where(i % 2 == 0, np.sin(angle), np.cos(angle))

"""Chapter 14, The Transformer: worked solutions to `lessons.exercises.ch14`. Hints first!
The attention backward (check_kernel) is in lessons.solutions.kernels."""
import numpy as np


def block_parameters(D, F):
    """Q, K, V and Wo (D x D and a bias each), two layer norms (gamma, beta), FFN D -> F -> D."""
    return 4 * (D * D + D) + 2 * 2 * D + D * F + F + F * D + D


def positional_encoding(T, d):
    """Ekman L7826: sin(pos / 10000^(i/d)) for even i, cos(pos / 10000^((i-1)/d)) for odd i."""
    pos = np.arange(T)[:, None]
    i = np.arange(d)[None, :]
    angle = pos / 10000 ** ((i - i % 2) / d)
    return np.where(i % 2 == 0, np.sin(angle), np.cos(angle))


# 15 % of 2,000 chosen; of those 80 / 10 / 10 %
BERT_COUNTS = (300, 240, 30, 30)

"""Chapter 14, The Transformer: the sinusoidal positional encoding, with Ekman's formula
(L7826-7830; Vaswani et al. 2017 write the same with 2i and 2i + 1):

    P[pos, i] = sin(pos / base^(i / d))          for even i
    P[pos, i] = cos(pos / base^((i - 1) / d))    for odd i,        base = 10,000

Self-attention is blind to order: permute the inputs and the outputs permute with them.
Adding P to the embeddings gives each position its own pattern. Each sin/cos pair turns
at its own frequency, from one turn every 2 pi positions (i = 0) to one every 2 pi base
positions, so P[pos + k] is a fixed rotation of P[pos] for every pos: offsets are easy to
read with a linear map. Nothing is learnt (GPT and BERT learn a table instead).
"""
import numpy as np
from numba import njit

from lessons.kernels import checks


@njit(cache=True)
def _positional_encoding_kernel(T, d, base):
    P = np.empty((T, d))
    for i in range(d):
        wavelength = base ** ((i - i % 2) / d)
        for pos in range(T):
            angle = pos / wavelength
            P[pos, i] = np.sin(angle) if i % 2 == 0 else np.cos(angle)
    return P


def positional_encoding(T, d, base=10000.0):
    """P[T, d] float64: row pos is the code of position pos (add it to the embeddings)."""
    f = "positional_encoding"
    T = checks.number(f, "T", T, low=1, integer=True)
    d = checks.number(f, "d", d, low=1, integer=True)
    base = checks.number(f, "base", base, low=1.0, low_open=True)
    return _positional_encoding_kernel(T, d, base)

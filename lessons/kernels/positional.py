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
import math

import numpy as np
from numba import njit

from lessons.kernels import checks
from lessons.kernels.fixed_order import exp_neg, sin_cos


@njit(cache=True)
def _positional_encoding_kernel(T, d, log_base):
    # sin, cos and pow from libm differ in the last bit between CPUs (glibc picks its code by
    # the CPU); 1 / base^(i/d) = e^-(i/d) ln base and sin_cos are the same everywhere (ln base
    # is one libm call, made in Python; the same-bits test covers the default base)
    P = np.empty((T, d))
    for i in range(d):
        frequency = exp_neg((i - i % 2) / d * log_base)
        for pos in range(T):
            sin, cos = sin_cos(pos * frequency)
            P[pos, i] = sin if i % 2 == 0 else cos
    return P


def positional_encoding(T, d, base=10000.0):
    """P[T, d] float64: row pos is the code of position pos (add it to the embeddings)."""
    f = "positional_encoding"
    T = checks.number(f, "T", T, low=1, integer=True)
    d = checks.number(f, "d", d, low=1, integer=True)
    base = checks.number(f, "base", base, low=1.0, low_open=True)
    return _positional_encoding_kernel(T, d, math.log(base))

"""Chapter 11, LSTM, GRU and Text (Ekman, Chapter 11, text autocompletion): drawing the next symbol from a softmax, with a temperature.

    p_i(T) = exp(log p_i / T) / sum_j exp(log p_j / T)

T = 1 samples the model's own distribution; T -> 0 approaches the argmax (greedy decoding,
which loops: "the king the mant the mant ..."); T > 1 flattens it toward uniform.

The randomness is drawn in Python: the caller passes u[B], uniform numbers in [0, 1) from a
seeded np.random.Generator, and the kernel returns the first index whose cumulative
probability exceeds u (inverse-CDF sampling). The same u gives the same text on every run.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks
from lessons.kernels.fixed_order import exp_neg


@njit(cache=True)
def _sample_kernel(logp, temperature, u):
    B, V = logp.shape
    out = np.empty(B, dtype=np.int64)
    p = np.empty(V)
    for b in range(B):
        top = logp[b, 0]
        for j in range(V):
            top = max(top, logp[b, j])
        for j in range(V):
            p[j] = exp_neg((top - logp[b, j]) / temperature)  # the largest is e^0 = 1
        total = 0.0
        for j in range(V):
            total += p[j]
        target, acc = u[b] * total, 0.0
        out[b] = V - 1  # u * total can round to total itself: take the last symbol then
        for j in range(V):
            acc += p[j]
            if acc > target:
                out[b] = j
                break
    return out


def sample_with_temperature(logp, temperature, u):
    """Indices[B] drawn from softmax(logp[B, V] / temperature), one per row, using the uniform
    numbers u[B] in [0, 1) (inverse CDF). logp are log-probabilities or logits (any constant
    per row cancels)."""
    f = "sample_with_temperature"
    logp = checks.array(f, "logp", logp, ndim=2, shape="[B, V]", dtype=np.float64)
    temperature = checks.number(f, "temperature", temperature, low=0.0, low_open=True)
    u = checks.array(f, "u", u, ndim=1, shape="[B]", dtype=np.float64)
    if u.shape[0] != logp.shape[0]:
        raise ValueError(f"{f}: u has {u.shape[0]} numbers but logp has {logp.shape[0]} rows "
                         f"(one uniform number per row)")
    if u.min() < 0.0 or u.max() >= 1.0:
        raise ValueError(f"{f}: u must lie in [0, 1), got values in [{u.min()}, {u.max()}]")
    return _sample_kernel(logp, temperature, u)

"""NumPy twin: Chapter 11, LSTM, GRU and Text: sampling the next symbol with a temperature."""
import numpy as np


def sample_with_temperature(logp, temperature, u):
    """Chapter 11. Inverse-CDF draw from softmax(logp / temperature), row by row."""
    p = np.exp((logp - logp.max(axis=1, keepdims=True)) / temperature)
    cdf = np.cumsum(p, axis=1)
    idx = (cdf > (u * cdf[:, -1])[:, None]).argmax(axis=1)
    return np.where(cdf[np.arange(len(u)), -1] * u >= cdf[:, -1], p.shape[1] - 1, idx)

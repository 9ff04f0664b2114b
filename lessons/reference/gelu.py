"""NumPy twin: Chapter 14, The Transformer: GELU."""
import math

import numpy as np

_erf = np.vectorize(math.erf, otypes=[float])


def gelu(Z):
    """Chapter 14. Z * Phi(Z)."""
    return (0.5 * Z * (1.0 + _erf(Z / np.sqrt(2.0)))).astype(Z.dtype)


def gelu_backward(Z, dY):
    """Chapter 14. dY * (Phi(Z) + Z phi(Z))."""
    cdf = 0.5 * (1.0 + _erf(Z / np.sqrt(2.0)))
    return (dY * (cdf + Z * np.exp(-0.5 * Z * Z) / np.sqrt(2.0 * np.pi))).astype(dY.dtype)

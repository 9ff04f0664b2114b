"""Chapter 14, The Transformer: GELU (Hendrycks & Gimpel 2016), the activation of GPT's and
BERT's feed-forward layers (Ekman's Appendix D models; the original transformer used ReLU).

    gelu(z) = z Phi(z) = z (1 + erf(z / sqrt 2)) / 2
    gelu'(z) = Phi(z) + z phi(z),   phi(z) = exp(-z^2 / 2) / sqrt(2 pi)

ReLU multiplies z by a step: 1 for z >= 0, else 0. GELU multiplies it by the probability
that a standard normal variable is below z: a smooth step, so small negative inputs pass a
little (the minimum is -0.17 at z = -0.75) and the gradient never jumps. This is the exact
form; GPT-2's code uses the tanh approximation z (1 + tanh(sqrt(2/pi)(z + 0.044715 z^3))) / 2,
within 1e-3 of it.
"""
import math

import numpy as np
from numba import njit

from lessons.kernels import checks
from lessons.kernels.fixed_order import exp_neg

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@njit(cache=True)
def _gelu_kernel(z):
    y = np.empty_like(z)
    for i in range(z.shape[0]):
        y[i] = 0.5 * z[i] * (1.0 + math.erf(z[i] * _SQRT_HALF))
    return y


@njit(cache=True)
def _gelu_backward_kernel(z, dy):
    dz = np.empty_like(dy)
    for i in range(z.shape[0]):
        cdf = 0.5 * (1.0 + math.erf(z[i] * _SQRT_HALF))
        pdf = _INV_SQRT_2PI * exp_neg(0.5 * z[i] * z[i])
        dz[i] = dy[i] * (cdf + z[i] * pdf)
    return dz


def gelu(Z):
    """Y = Z Phi(Z), elementwise, any shape."""
    Z = checks.array("gelu", "Z", Z, ndim=None, shape="[...] (any shape)")
    return _gelu_kernel(Z.reshape(-1)).reshape(Z.shape)


def gelu_backward(Z, dY):
    """dZ = dY * gelu'(Z), from the forward's input Z (like relu_backward)."""
    f = "gelu_backward"
    Z = checks.array(f, "Z", Z, ndim=None, shape="[...] (any shape)")
    dY = checks.array(f, "dY", dY, ndim=None, shape="shaped like Z")
    if dY.shape != Z.shape:
        raise ValueError(f"{f}: dY has shape {dY.shape} but Z has shape {Z.shape}")
    dtype = np.result_type(Z, dY)
    return _gelu_backward_kernel(Z.reshape(-1).astype(dtype, copy=False),
                                 dY.reshape(-1).astype(dtype, copy=False)).reshape(Z.shape)

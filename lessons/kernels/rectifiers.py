"""Chapter 05, Toward DL: leaky ReLU and ELU, the rectifiers that keep a gradient below zero.

Ekman names them without formulas; these are the usual definitions (Maas et al. 2013;
Clevert et al. 2015), with Keras' default alphas:

    leaky_relu(z) = z if z >= 0 else alpha z               leaky_relu'(z) = 1 or alpha
    elu(z)        = z if z >= 0 else alpha (e^z - 1)        elu'(z) = 1 or alpha e^z

A ReLU neuron whose input stays negative gets no gradient and never recovers (a "dead"
neuron); both of these pass a little gradient there. Like relu_backward (Chapter 03), the
backward functions take the forward's *input* Z and the upstream dY, and use slope 1 at
z = 0 (Ekman's convention). Elementwise on any shape, as lessons.kernels.activations.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks
from lessons.kernels.activations import _pair, _values


@njit(cache=True)
def _leaky_relu_kernel(z, alpha):
    y = np.empty_like(z)
    for i in range(z.shape[0]):
        y[i] = z[i] if z[i] >= 0.0 else alpha * z[i]
    return y


@njit(cache=True)
def _leaky_relu_backward_kernel(z, dy, alpha):
    dz = np.empty_like(dy)
    for i in range(z.shape[0]):
        dz[i] = dy[i] if z[i] >= 0.0 else alpha * dy[i]
    return dz


@njit(cache=True)
def _elu_kernel(z, alpha):
    y = np.empty_like(z)
    for i in range(z.shape[0]):
        y[i] = z[i] if z[i] >= 0.0 else alpha * np.expm1(z[i])
    return y


@njit(cache=True)
def _elu_backward_kernel(z, dy, alpha):
    dz = np.empty_like(dy)
    for i in range(z.shape[0]):
        dz[i] = dy[i] if z[i] >= 0.0 else dy[i] * (alpha * np.exp(z[i]))
    return dz


def _alpha(func, alpha, dtype):
    return dtype.type(checks.number(func, "alpha", alpha, low=0.0))


def leaky_relu(Z, alpha=0.3):
    """Y = Z where Z >= 0, alpha Z elsewhere (alpha >= 0; Keras' LeakyReLU default 0.3)."""
    Z = _values("leaky_relu", "Z", Z)
    return _leaky_relu_kernel(Z.reshape(-1), _alpha("leaky_relu", alpha, Z.dtype)).reshape(Z.shape)


def leaky_relu_backward(Z, dY, alpha=0.3):
    """dZ = dY where Z >= 0, alpha dY elsewhere. Takes the forward's input Z."""
    Z, dY = _pair("leaky_relu_backward", "Z", Z, "dY", dY)
    a = _alpha("leaky_relu_backward", alpha, Z.dtype)
    return _leaky_relu_backward_kernel(Z.reshape(-1), dY.reshape(-1), a).reshape(Z.shape)


def elu(Z, alpha=1.0):
    """Y = Z where Z >= 0, alpha (e^Z - 1) elsewhere (alpha >= 0; Keras' default 1.0).

    e^z - 1 is computed as expm1(z), exact near 0 where e^z - 1 would cancel.
    """
    Z = _values("elu", "Z", Z)
    return _elu_kernel(Z.reshape(-1), _alpha("elu", alpha, Z.dtype)).reshape(Z.shape)


def elu_backward(Z, dY, alpha=1.0):
    """dZ = dY where Z >= 0, dY alpha e^Z elsewhere. Takes the forward's input Z."""
    Z, dY = _pair("elu_backward", "Z", Z, "dY", dY)
    a = _alpha("elu_backward", alpha, Z.dtype)
    return _elu_backward_kernel(Z.reshape(-1), dY.reshape(-1), a).reshape(Z.shape)

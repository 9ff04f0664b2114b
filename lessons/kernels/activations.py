"""Chapter 03, Sigmoid Neurons and Backpropagation: activation functions and their backward.

Every activation acts elementwise on an array of any shape (a dense layer's Z[B, n_out], a
convolution's Y[N, F, H, W]) and returns an array of the same shape and float dtype.
Each backward takes the upstream gradient dY = dL/dY and returns dZ = dL/dZ = dY * f'(z).

As in Ekman's chapter 3, the logistic and tanh derivatives come from the *output* y:
S'(z) = y (1 - y) and tanh'(z) = 1 - y^2, so `sigmoid_backward` and `tanh_backward` take Y,
and the backward pass needs nothing but what the forward pass stored. ReLU's derivative is
read from Z instead, because y = 0 cannot tell z = 0 from z = -5.

ReLU convention: relu'(z) = 1 for z >= 0 and 0 for z < 0 (Ekman defines it so). The
derivative does not exist at z = 0 exactly; PyTorch and JAX pick 0 there. The choice only
matters for inputs that are exactly zero.

The kernels work on flat 1-D arrays; the public functions flatten a contiguous copy (a view,
no copy, when the input already is one) and restore the shape.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks, registry
from lessons.kernels.fixed_order import exp_neg, sigma_scalar, tanh_scalar


@njit(cache=True)
def _sigmoid_kernel(z):
    y = np.empty_like(z)
    for i in range(z.shape[0]):
        y[i] = sigma_scalar(z[i])  # from e^-|z|: 1 / (1 + e^-z) overflows e^-z at z = -1000
    return y


@njit(cache=True)
def _sigmoid_backward_kernel(y, dy):
    dz = np.empty_like(dy)
    for i in range(y.shape[0]):
        dz[i] = dy[i] * y[i] * (1.0 - y[i])
    return dz


@njit(cache=True)
def _tanh_kernel(z):
    y = np.empty_like(z)
    for i in range(z.shape[0]):
        y[i] = tanh_scalar(z[i])  # (1 - e^-2|z|) / (1 + e^-2|z|), with the sign of z
    return y


@njit(cache=True)
def _tanh_backward_kernel(y, dy):
    dz = np.empty_like(dy)
    for i in range(y.shape[0]):
        dz[i] = dy[i] * (1.0 - y[i] * y[i])
    return dz


@njit(cache=True)
def _relu_kernel(z):
    y = np.empty_like(z)
    for i in range(z.shape[0]):
        y[i] = z[i] if z[i] > 0.0 else 0.0
    return y


@njit(cache=True)
def _relu_backward_kernel(z, dy):
    dz = np.empty_like(dy)
    for i in range(z.shape[0]):
        dz[i] = dy[i] if z[i] >= 0.0 else 0.0
    return dz


def _values(func, name, a):
    return checks.array(func, name, a, ndim=None, shape="[...] (any shape)")


def _pair(func, name, a, grad_name, grad):
    """The forward array and the upstream gradient: same shape, one float dtype."""
    a, grad = _values(func, name, a), _values(func, grad_name, grad)
    if a.shape != grad.shape:
        raise ValueError(
            f"{func}: {grad_name} has shape {grad.shape} but {name} has shape {a.shape} "
            f"({grad_name} is the loss gradient with respect to the activation's output, "
            f"so it has the same shape)"
        )
    dtype = np.result_type(a, grad)
    return a.astype(dtype, copy=False), grad.astype(dtype, copy=False)


def _flat(kernel, *arrays):
    return kernel(*(a.reshape(-1) for a in arrays)).reshape(arrays[0].shape)


def sigmoid(Z):
    """Logistic sigmoid Y = 1 / (1 + e^-Z), elementwise; Z[...] -> Y[...] in (0, 1).

    Computed without overflow for any finite z: sigmoid(-1000) is 0 and sigmoid(1000) is 1,
    with no warnings.
    """
    return _flat(_sigmoid_kernel, _values("sigmoid", "Z", Z))


@registry.course_kernel
def sigmoid_backward(Y, dY):
    """dZ = dY * Y * (1 - Y): the logistic derivative read from its output Y = sigmoid(Z)."""
    f = "sigmoid_backward"
    Y, dY = _pair(f, "Y", Y, "dY", dY)
    if registry.swapped(f):
        return registry.run(f, (Y, dY), [("dZ", Y.shape)], Y.dtype)
    return _flat(_sigmoid_backward_kernel, Y, dY)


def tanh(Z):
    """Hyperbolic tangent Y = tanh(Z), elementwise; Z[...] -> Y[...] in [-1, 1].

    Computed as (1 - e^-2|z|) / (1 + e^-2|z|) with the sign of z, from the polynomial e^-x
    of lessons.kernels.fixed_order (the one the LSTM's gates use), not from libm or NumPy:
    - the same bits on every CPU. NumPy's tanh has a SIMD loop per instruction set (AVX-512,
      AVX2, NEON) and a scalar one below them, which round differently (its bits changed when
      its AVX2 loops were disabled; these do not: tests/kernels/test_dense_kernels.py), and a
      network trained through tanh (Chapter 08's CNN) carries such differences into the
      accuracy it prints;
    - fast, because the loop vectorizes: a libm call per value does not (pip's llvmlite has
      no SVML). Measured for Chapter 08's 60 x 32 x 28 x 28 float32 batch on a 2-core AVX2
      AMD EPYC: 1.7 ms, against 3.9 ms for np.tanh, where tanh was a quarter of a training
      step of Chapter 08's CNN.
    The error is within 3 float eps of tanh z, absolute: near 0, where 1 - e cancels, that is
    far from the last bit of a tiny tanh z (tanh(1e-10) gives 0). An activation's inputs
    are added up in the next layer, where that error is below the rounding of the sums.
    """
    return _flat(_tanh_kernel, _values("tanh", "Z", Z))


def tanh_backward(Y, dY):
    """dZ = dY * (1 - Y^2): the tanh derivative read from its output Y = tanh(Z)."""
    return _flat(_tanh_backward_kernel, *_pair("tanh_backward", "Y", Y, "dY", dY))


def relu(Z):
    """Rectified linear unit Y = max(Z, 0), elementwise."""
    return _flat(_relu_kernel, _values("relu", "Z", Z))


def relu_backward(Z, dY):
    """dZ = dY where Z >= 0 and 0 where Z < 0 (relu'(0) = 1, Ekman's convention).

    Takes the ReLU's *input* Z, not its output: the output 0 hides which side z was on.
    """
    return _flat(_relu_backward_kernel, *_pair("relu_backward", "Z", Z, "dY", dY))


# --- Chapter 05, Toward Deep Learning: leaky ReLU and ELU ---------------------------------------
# Chapter 05, Toward Deep Learning: leaky ReLU and ELU, the rectifiers that keep a gradient below zero.
#
# Ekman names them without formulas; these are the usual definitions (Maas et al. 2013;
# Clevert et al. 2015), with Keras' default alphas:
#
#     leaky_relu(z) = z if z >= 0 else alpha z               leaky_relu'(z) = 1 or alpha
#     elu(z)        = z if z >= 0 else alpha (e^z - 1)        elu'(z) = 1 or alpha e^z
#
# A ReLU neuron whose input stays negative gets no gradient and never recovers (a "dead"
# neuron); both of these pass a little gradient there. Like relu_backward (Chapter 03), the
# backward functions take the forward's *input* Z and the upstream dY, and use slope 1 at
# z = 0 (Ekman's convention). Elementwise on any shape, as lessons.kernels.activations.

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
        dz[i] = dy[i] if z[i] >= 0.0 else dy[i] * (alpha * exp_neg(-z[i]))
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

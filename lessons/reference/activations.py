"""NumPy twins: Chapter 03, Sigmoid Neurons and Backpropagation: activations, with backward."""
import numpy as np


def sigmoid(Z):
    """Chapter 03. Logistic 1 / (1 + e^-z), from e^-|z| so that no exponent overflows."""
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(Z.dtype)


def sigmoid_backward(Y, dY):
    """Chapter 03. dZ = dY * y (1 - y), the derivative read from the output."""
    return dY * Y * (1 - Y)


def tanh(Z):
    """Chapter 03. tanh, elementwise."""
    return np.tanh(Z)


def tanh_backward(Y, dY):
    """Chapter 03. dZ = dY * (1 - y^2), the derivative read from the output."""
    return dY * (1 - Y * Y)


def relu(Z):
    """Chapter 03. max(z, 0)."""
    return np.maximum(Z, 0)


def relu_backward(Z, dY):
    """Chapter 03. dY where z >= 0 (relu'(0) = 1, as Ekman defines it), else 0."""
    return np.where(Z >= 0, dY, 0).astype(dY.dtype)


# Chapter 05, Toward Deep Learning: leaky ReLU and ELU, with backward


def leaky_relu(Z, alpha=0.3):
    """Chapter 05. z where z >= 0, alpha z elsewhere."""
    return np.where(Z >= 0, Z, alpha * Z).astype(Z.dtype)


def leaky_relu_backward(Z, dY, alpha=0.3):
    """Chapter 05. dY where z >= 0, alpha dY elsewhere."""
    return np.where(Z >= 0, dY, alpha * dY).astype(dY.dtype)


def elu(Z, alpha=1.0):
    """Chapter 05. z where z >= 0, alpha (e^z - 1) elsewhere."""
    return np.where(Z >= 0, Z, alpha * np.expm1(np.minimum(Z, 0))).astype(Z.dtype)


def elu_backward(Z, dY, alpha=1.0):
    """Chapter 05. dY where z >= 0, dY alpha e^z elsewhere."""
    return np.where(Z >= 0, dY, dY * alpha * np.exp(np.minimum(Z, 0))).astype(dY.dtype)

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

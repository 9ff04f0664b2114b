"""NumPy twins: Chapter 05, Toward DL: leaky ReLU and ELU, with backward."""
import numpy as np


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

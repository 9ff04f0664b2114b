"""NumPy twins: Chapter 09, Deeper CNNs: depthwise and pointwise convolutions, written as the
Chapter 07 convolution they are: depthwise is a convolution whose kernel f is zero on every
input channel but f, pointwise one with 1 x 1 kernels."""
import numpy as np

from lessons.reference.conv import conv2d_backward, conv2d_forward


def _full(K):
    """The depthwise kernels K[C, kh, kw] as a normal convolution's K[C, C, kh, kw]: zero
    off the diagonal (channel c reads only channel c)."""
    C = K.shape[0]
    full = np.zeros((C, C) + K.shape[1:], dtype=K.dtype)
    full[np.arange(C), np.arange(C)] = K
    return full


def depthwise_conv2d_forward(X, K, b, stride=1, pad=0):
    """Chapter 09. A convolution with one kernel per channel and nothing across channels."""
    return conv2d_forward(X, _full(K), b, stride, pad)


def depthwise_conv2d_backward(X, K, dY, stride=1, pad=0):
    """Chapter 09. The full convolution's gradients, dK kept on the diagonal only."""
    dX, dK, db = conv2d_backward(X, _full(K), dY, stride, pad)
    C = K.shape[0]
    return dX, dK[np.arange(C), np.arange(C)], db


def pointwise_conv2d_forward(X, K, b):
    """Chapter 09. Y[n, :, i, j] = K @ X[n, :, i, j] + b at every pixel."""
    return np.einsum("fc,nchw->nfhw", K, X) + b[None, :, None, None]


def pointwise_conv2d_backward(X, K, dY):
    """Chapter 09. (dX, dK, db) of the per-pixel Dense layer."""
    return (np.einsum("fc,nfhw->nchw", K, dY), np.einsum("nfhw,nchw->fc", dY, X),
            dY.sum(axis=(0, 2, 3)))

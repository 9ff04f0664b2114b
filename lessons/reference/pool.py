"""NumPy twins: Chapter 07, Convolution: pooling."""
import numpy as np


def _windows(shape, size, stride):
    """Chapter 07. (i, j, rows, cols) of every pooling window over planes of `shape` [.., H, W]."""
    H, W = shape[-2:]
    for i in range((H - size) // stride + 1):
        for j in range((W - size) // stride + 1):
            yield i, j, slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)


def maxpool2d_forward(X, size=2, stride=None):
    """Chapter 07. (Y, argmax): each window's maximum and its flat index row * W + col."""
    stride = stride or size
    N, C, H, W = X.shape
    OH, OW = (H - size) // stride + 1, (W - size) // stride + 1
    Y = np.empty((N, C, OH, OW), dtype=X.dtype)
    argmax = np.empty((N, C, OH, OW), dtype=np.int64)
    for i, j, rows, cols in _windows(X.shape, size, stride):
        window = X[:, :, rows, cols].reshape(N, C, size * size)
        k = window.argmax(axis=2)  # the first maximum in row-major order
        Y[:, :, i, j] = np.take_along_axis(window, k[..., None], axis=2)[..., 0]
        argmax[:, :, i, j] = (rows.start + k // size) * W + cols.start + k % size
    return Y, argmax


def maxpool2d_backward(dY, argmax, x_shape):
    """Chapter 07. dX: dY added at each window's argmax (np.add.at accumulates repeats)."""
    N, C, H, W = x_shape
    dX = np.zeros((N, C, H * W), dtype=dY.dtype)
    n, c = np.indices(dY.shape)[:2]
    np.add.at(dX, (n.ravel(), c.ravel(), argmax.ravel()), dY.ravel())
    return dX.reshape(x_shape)


def avgpool2d_forward(X, size=2, stride=None):
    """Chapter 07. Y: the mean of each window."""
    stride = stride or size
    N, C, H, W = X.shape
    Y = np.empty((N, C, (H - size) // stride + 1, (W - size) // stride + 1), dtype=X.dtype)
    for i, j, rows, cols in _windows(X.shape, size, stride):
        Y[:, :, i, j] = X[:, :, rows, cols].mean(axis=(2, 3))
    return Y


def avgpool2d_backward(dY, x_shape, size=2, stride=None):
    """Chapter 07. dX: each window's gradient shared equally by its size^2 inputs."""
    stride = stride or size
    dX = np.zeros(x_shape, dtype=dY.dtype)
    for i, j, rows, cols in _windows(x_shape, size, stride):
        dX[:, :, rows, cols] += dY[:, :, i, j][:, :, None, None] / (size * size)
    return dX

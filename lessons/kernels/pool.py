"""Chapter 07, Convolution: max and average pooling, forward and backward.

Pooling works within each channel (a convolution mixes channels; a pool never does) and has
no weights. With X[N, C, H, W], a window `size` x `size` and a `stride` (default: size, the
usual non-overlapping 2x2 grid that halves each side), output (i, j) of each plane reads
X[n, c, i*s:i*s+size, j*s:j*s+size]; there are floor((H - size) / s) + 1 rows of outputs
(as a convolution without padding) and a remainder that fits no window is dropped, as in
Keras and PyTorch.

Max pooling keeps the largest value of each window. Its forward also returns `argmax`, the
position of that value as a flat index into its input plane, row * W + column (ties: the
first in row-major order), so that the backward can route each gradient to the one input
that won; with overlapping windows (stride < size) an input can win several windows and its
gradients add up. Average pooling is a fixed convolution with weights 1 / size^2: each
input of a window receives that share of the window's gradient.

The loops run over every (image, channel) plane with `prange`: planes are independent, and
the kernels call no BLAS, so Numba's thread pool is the only one spinning.
"""
import numpy as np
from numba import njit, prange

from lessons.kernels import checks, registry

_LAYOUT = "(X is [N, C, H, W])"


@njit(cache=True, parallel=True)
def _maxpool_forward_kernel(X, size, stride):
    N, C, H, W = X.shape
    OH, OW = (H - size) // stride + 1, (W - size) // stride + 1
    Y = np.empty((N, C, OH, OW), dtype=X.dtype)
    argmax = np.empty((N, C, OH, OW), dtype=np.int64)
    for p in prange(N * C):
        n, c = p // C, p % C
        for i in range(OH):
            for j in range(OW):
                best_r, best_c = i * stride, j * stride
                best = X[n, c, best_r, best_c]
                for r in range(i * stride, i * stride + size):
                    for q in range(j * stride, j * stride + size):
                        if X[n, c, r, q] > best:
                            best, best_r, best_c = X[n, c, r, q], r, q
                Y[n, c, i, j] = best
                argmax[n, c, i, j] = best_r * W + best_c
    return Y, argmax


@njit(cache=True, parallel=True)
def _maxpool_backward_kernel(dY, argmax, H, W):
    N, C, OH, OW = dY.shape
    dX = np.zeros((N, C, H, W), dtype=dY.dtype)
    for p in prange(N * C):
        n, c = p // C, p % C
        for i in range(OH):
            for j in range(OW):
                k = argmax[n, c, i, j]
                dX[n, c, k // W, k % W] += dY[n, c, i, j]
    return dX


@njit(cache=True, parallel=True)
def _avgpool_forward_kernel(X, size, stride):
    N, C, H, W = X.shape
    OH, OW = (H - size) // stride + 1, (W - size) // stride + 1
    Y = np.empty((N, C, OH, OW), dtype=X.dtype)
    share = 1.0 / (size * size)
    for p in prange(N * C):
        n, c = p // C, p % C
        for i in range(OH):
            for j in range(OW):
                total = 0.0
                for r in range(i * stride, i * stride + size):
                    for q in range(j * stride, j * stride + size):
                        total += X[n, c, r, q]
                Y[n, c, i, j] = total * share
    return Y


@njit(cache=True, parallel=True)
def _avgpool_backward_kernel(dY, H, W, size, stride):
    N, C, OH, OW = dY.shape
    dX = np.zeros((N, C, H, W), dtype=dY.dtype)
    share = 1.0 / (size * size)
    for p in prange(N * C):
        n, c = p // C, p % C
        for i in range(OH):
            for j in range(OW):
                g = dY[n, c, i, j] * share
                for r in range(i * stride, i * stride + size):
                    for q in range(j * stride, j * stride + size):
                        dX[n, c, r, q] += g
    return dX


# --- checked public entry points -------------------------------------------------------------

def _check_window(func, H, W, size, stride):
    size = checks.number(func, "size", size, low=1, integer=True)
    stride = size if stride is None else checks.number(func, "stride", stride, low=1,
                                                         integer=True)
    if size > min(H, W):
        raise ValueError(f"{func}: the {size}x{size} window is larger than the {H}x{W} input "
                         f"planes {_LAYOUT}")
    return size, stride


def _check_x_shape(func, x_shape):
    """x_shape as 4 positive ints. A float size is refused, not truncated: (1.9, ...) is no
    forward input's shape."""
    x_shape = checks.sizes(func, "x_shape", x_shape)
    if len(x_shape) != 4:
        raise ValueError(f"{func}: x_shape must be the forward input's shape (N, C, H, W), "
                         f"4 positive sizes, got {x_shape}")
    return x_shape


def _check_dY(func, dY, x_shape, size, stride):
    N, C, H, W = x_shape
    want = (N, C, (H - size) // stride + 1, (W - size) // stride + 1)
    dY = checks.array(func, "dY", dY, ndim=4, shape="[N, C, OH, OW]")
    if dY.shape != want:
        raise ValueError(f"{func}: dY has shape {dY.shape} but pooling {x_shape} gives {want} "
                         f"(dY is dL/dY, the same shape as Y)")
    return dY


def maxpool2d_forward(X, size=2, stride=None):
    """(Y[N, C, OH, OW], argmax[N, C, OH, OW]): the largest value of each size x size window.

    Chapter 07. stride defaults to size. argmax (int64) is each winner's flat index
    row * W + column in its own input plane X[n, c], what maxpool2d_backward needs.
    """
    f = "maxpool2d_forward"
    X = checks.array(f, "X", X, ndim=4, shape="[N, C, H, W]")
    size, stride = _check_window(f, X.shape[2], X.shape[3], size, stride)
    return _maxpool_forward_kernel(X, size, stride)


@registry.course_kernel
def maxpool2d_backward(dY, argmax, x_shape):
    """dX[x_shape]: each dY[n, c, i, j] added to the input that won window (i, j), zero elsewhere.

    Chapter 07. argmax comes from maxpool2d_forward, x_shape is the forward input's shape.
    """
    f = "maxpool2d_backward"
    N, C, H, W = _check_x_shape(f, x_shape)
    dY = checks.array(f, "dY", dY, ndim=4, shape="[N, C, OH, OW]")
    if dY.shape[:2] != (N, C):
        raise ValueError(f"{f}: dY has shape {dY.shape} but x_shape {x_shape} has N = {N} "
                         f"images of C = {C} channels (dY is [N, C, OH, OW])")
    argmax = checks.indices(f, "argmax", argmax, upper=H * W, ndim=4,
                              shape="[N, C, OH, OW] (from maxpool2d_forward)")
    if argmax.shape != dY.shape:
        raise ValueError(f"{f}: argmax has shape {argmax.shape} but dY has {dY.shape}; "
                         f"pass the argmax that maxpool2d_forward returned with Y")
    if registry.swapped(f):
        return registry.run(f, (dY, argmax, (N, C, H, W)), [("dX", (N, C, H, W))], dY.dtype)
    return _maxpool_backward_kernel(dY, argmax, H, W)


def avgpool2d_forward(X, size=2, stride=None):
    """Y[N, C, OH, OW]: the mean of each size x size window (stride defaults to size).

    Chapter 07.
    """
    f = "avgpool2d_forward"
    X = checks.array(f, "X", X, ndim=4, shape="[N, C, H, W]")
    size, stride = _check_window(f, X.shape[2], X.shape[3], size, stride)
    return _avgpool_forward_kernel(X, size, stride)


def avgpool2d_backward(dY, x_shape, size=2, stride=None):
    """dX[x_shape]: every input of a window receives 1 / size^2 of the window's gradient.

    Chapter 07. x_shape, size and stride are the forward's.
    """
    f = "avgpool2d_backward"
    x_shape = _check_x_shape(f, x_shape)
    size, stride = _check_window(f, x_shape[2], x_shape[3], size, stride)
    dY = _check_dY(f, dY, x_shape, size, stride)
    return _avgpool_backward_kernel(dY, x_shape[2], x_shape[3], size, stride)

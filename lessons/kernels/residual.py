"""Chapter 09, Deeper CNNs: the residual (skip) connection's addition, and where its gradient goes.

A residual block adds its input back onto what its branch F computed (He et al. 2015):

    Y = X + F(X)                                       (then a ReLU: Ekman's y = ReLU(x + F(x)))

Where the branch halves the image (stride 2) and makes more channels, the shortcut still
needs a tensor of F(X)'s shape. Ekman's zero-padding variant, for X[N, C, H, W] and
FX[N, F, OH, OW] with F >= C and OH = ceil(H / s), OW = ceil(W / s):

    Y[n, k, i, j] = X[n, k, s*i, s*j] + FX[n, k, i, j]      for k < C
    Y[n, k, i, j] = FX[n, k, i, j]                            for C <= k < F

(every s-th row and column of the input, and zero channels on top). stride 1 and F = C is the
plain identity shortcut.

Backward: an addition copies its gradient to both of its inputs, so the block's input gets
the gradient twice, once through the branch and once straight through the shortcut:

    dFX = dY                                             (all of it goes into the branch)
    dX[n, k, s*i, s*j] = dY[n, k, i, j] for k < C, 0 at every other input cell

and the layer adds the branch's own dX to this one. However small the branch's gradient gets
(deep plain networks multiply many small factors), the shortcut's share arrives unchanged:
that is why a deep residual network still trains.

The loops run over (image, channel) planes with prange; each output is one addition, so the
result does not depend on the number of threads.
"""
import numpy as np
from numba import njit, prange

from lessons.kernels import checks, registry

@njit(cache=True, parallel=True)
def _residual_add_kernel(X, FX, s):
    N, C = X.shape[0], X.shape[1]
    F, OH, OW = FX.shape[1], FX.shape[2], FX.shape[3]
    Y = FX.copy()
    for p in prange(N * C):
        n, k = p // C, p % C
        for i in range(OH):
            for j in range(OW):
                Y[n, k, i, j] += X[n, k, s * i, s * j]
    return Y


@njit(cache=True, parallel=True)
def _residual_add_backward_kernel(dY, C, H, W, s):
    N, OH, OW = dY.shape[0], dY.shape[2], dY.shape[3]
    dX = np.zeros((N, C, H, W), dtype=dY.dtype)
    for p in prange(N * C):
        n, k = p // C, p % C
        for i in range(OH):
            for j in range(OW):
                dX[n, k, s * i, s * j] = dY[n, k, i, j]
    return dX, dY.copy()


def checked_x_shape(func, x_shape):
    """x_shape as the 4 positive ints [N, C, H, W] of a forward input (a float size such as
    3.5 is refused, not truncated)."""
    sizes = checks.sizes(func, "x_shape", x_shape)
    if len(sizes) != 4:
        raise ValueError(f"{func}: x_shape must be the forward input's shape (N, C, H, W), "
                         f"4 positive sizes, got {x_shape!r}")
    return sizes


def _check_pair(f, x_name, x_shape, y_name, y_shape, stride):
    """The block's input (X, or the backward's x_shape) and the branch's output (FX, or its
    gradient dY) must fit the shortcut: at least C channels, every stride-th pixel."""
    layout = f"({x_name} is [N, C, H, W], {y_name} is [N, F, OH, OW])"
    if y_shape[1] < x_shape[1]:
        raise ValueError(f"{f}: {y_name} has {y_shape[1]} channels but {x_name} has "
                         f"{x_shape[1]}; the shortcut can add zero channels, not drop any "
                         f"{layout}")
    want = (x_shape[0], y_shape[1], (x_shape[2] - 1) // stride + 1,
            (x_shape[3] - 1) // stride + 1)
    if tuple(y_shape) != want:
        raise ValueError(f"{f}: {y_name} has shape {tuple(y_shape)} but {x_name} "
                         f"{tuple(x_shape)} with stride {stride} needs {want} {layout}")


def residual_add_forward(X, FX, stride=1):
    """Y[N, F, OH, OW] = FX plus X's every stride-th pixel on its first C channels.

    Chapter 09. X[N, C, H, W] is the block's input, FX[N, F, OH, OW] its branch's output, with
    F >= C and OH = ceil(H / stride), OW = ceil(W / stride). stride 1 and F = C: Y = X + FX.
    """
    f = "residual_add_forward"
    X = checks.array(f, "X", X, ndim=4, shape="[N, C, H, W]")
    FX = checks.array(f, "FX", FX, ndim=4, shape="[N, F, OH, OW]")
    stride = checks.number(f, "stride", stride, low=1, integer=True)
    _check_pair(f, "X", X.shape, "FX", FX.shape, stride)
    dt = np.result_type(X, FX)
    return _residual_add_kernel(X.astype(dt, copy=False), FX.astype(dt, copy=False), stride)


@registry.course_kernel
def residual_add_backward(dY, x_shape, stride=1):
    """(dX[x_shape], dFX): the gradient routed to the shortcut and to the branch.

    Chapter 09. dFX is dY itself; dX holds dY[:, :C] at every stride-th pixel and zeros
    elsewhere (those pixels were skipped, and the zero channels have no input).
    """
    f = "residual_add_backward"
    dY = checks.array(f, "dY", dY, ndim=4, shape="[N, F, OH, OW]")
    x_shape = checked_x_shape(f, x_shape)
    stride = checks.number(f, "stride", stride, low=1, integer=True)
    _check_pair(f, "x_shape", x_shape, "dY", dY.shape, stride)
    if registry.swapped(f):
        return registry.run(f, (dY, x_shape, stride), [("dX", x_shape), ("dFX", dY.shape)],
                            dY.dtype)
    _, C, H, W = x_shape
    return _residual_add_backward_kernel(dY, C, H, W, stride)

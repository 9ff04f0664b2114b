"""Chapter 09, Deeper CNNs: global average pooling.

Instead of flattening the last feature maps into a long vector for a Dense layer (Chapter 08's
25,088 features), a network can average each map down to one number (Lin et al. 2013,
GoogLeNet, ResNet):

    Y[n, c] = (1 / (H W)) * sum over i, j of X[n, c, i, j]         X[N, C, H, W] -> Y[N, C]

It has no weights, and the Dense layer after it has C inputs whatever the image size. The
backward shares each gradient equally among the H W pixels it averaged:

    dX[n, c, i, j] = dY[n, c] / (H W)

Each plane is summed in row-major order by one thread (prange over planes), so the result
does not depend on the number of threads or on the CPU.
"""
import numpy as np
from numba import njit, prange

from lessons.kernels import checks
from lessons.kernels.residual import checked_x_shape


@njit(cache=True, parallel=True)
def _gap_forward_kernel(X):
    N, C, H, W = X.shape
    Y = np.empty((N, C), dtype=X.dtype)
    for p in prange(N * C):
        n, c = p // C, p % C
        total = X.dtype.type(0.0)
        for i in range(H):
            for j in range(W):
                total += X[n, c, i, j]
        Y[n, c] = total / (H * W)
    return Y


@njit(cache=True, parallel=True)
def _gap_backward_kernel(dY, H, W):
    N, C = dY.shape
    dX = np.empty((N, C, H, W), dtype=dY.dtype)
    for p in prange(N * C):
        n, c = p // C, p % C
        share = dY[n, c] / (H * W)
        for i in range(H):
            for j in range(W):
                dX[n, c, i, j] = share
    return dX


def global_avgpool2d_forward(X):
    """Y[N, C]: the mean of each feature map of X[N, C, H, W]. Chapter 09."""
    X = checks.array("global_avgpool2d_forward", "X", X, ndim=4, shape="[N, C, H, W]")
    return _gap_forward_kernel(X)


def global_avgpool2d_backward(dY, x_shape):
    """dX[x_shape]: each dY[n, c] shared equally by the H W pixels of map (n, c). Chapter 09."""
    f = "global_avgpool2d_backward"
    dY = checks.array(f, "dY", dY, ndim=2, shape="[N, C]")
    N, C, H, W = checked_x_shape(f, x_shape)
    if dY.shape != (N, C):
        raise ValueError(f"{f}: dY has shape {dY.shape} but x_shape {(N, C, H, W)} has "
                         f"N = {N} images of C = {C} maps (dY is [N, C])")
    return _gap_backward_kernel(dY, H, W)

"""Chapter 09, Deeper CNNs: depthwise and pointwise (1 x 1) convolutions.

A normal convolution mixes space and channels at once: each of its F kernels spans all C input
channels, F C k^2 weights. A depthwise separable convolution (MobileNets, Xception; Ekman's
Chapter 8) does the two jobs one after the other:

depthwise: one k x k kernel per channel, each channel filtered on its own (no mixing):
    Y[n, c, i, j] = b[c] + sum over u, v of K[c, u, v] * Xp[n, c, i*s + u, j*s + v]
    X[N, C, H, W], K[C, kh, kw], b[C] -> Y[N, C, OH, OW]       (C k^2 + C parameters)

pointwise: a 1 x 1 convolution, the same Dense layer applied at every pixel (mixing only):
    Y[n, f, i, j] = b[f] + sum over c of K[f, c] * X[n, c, i, j]
    X[N, C, H, W], K[F, C], b[F] -> Y[N, F, H, W]              (F C + F parameters)

Backward, as for any convolution (Chapter 07): each weight's gradient adds up every image and
every position it touched, and each input cell collects the errors of every output it fed.
    depthwise: dK[c, u, v] = sum over n, i, j of dY[n, c, i, j] Xp[n, c, i*s + u, j*s + v]
               dXp[n, c, i*s + u, j*s + v] += K[c, u, v] dY[n, c, i, j]
    pointwise: dK[f, c] = sum over n, i, j of dY[n, f, i, j] X[n, c, i, j]
               dX[n, c, i, j] = sum over f of K[f, c] dY[n, f, i, j]
    db: the sum of dY over images and positions, per output channel.

Direct loops, no BLAS: a depthwise convolution is no matrix product, and the pointwise one is
small at this chapter's widths. The padding is never built: a tap that falls outside the image
reads the zero it would have held, so it is skipped. The work is shared among Numba's threads by (image, channel)
plane or by image; the weight gradients are summed per image, then over the images in order,
so no result depends on the number of threads or on the CPU.
"""
import numpy as np
from numba import njit, prange

from lessons.kernels import checks

_DW_LAYOUT = "(X is [N, C, H, W], K is [C, kh, kw]: one kernel per channel)"
_PW_LAYOUT = "(X is [N, C, H, W], K is [F, C]: a 1 x 1 kernel per output and input channel)"


@njit(cache=True, parallel=True)
def _depthwise_forward_kernel(X, K, b, s, pad):
    N, C, H, W = X.shape
    kh, kw = K.shape[1], K.shape[2]
    OH, OW = (H + 2 * pad - kh) // s + 1, (W + 2 * pad - kw) // s + 1
    Y = np.empty((N, C, OH, OW), dtype=X.dtype)
    for p in prange(N * C):
        n, c = p // C, p % C
        for i in range(OH):
            for j in range(OW):
                total = b[c]
                for u in range(kh):
                    r = i * s + u - pad  # the input row; outside the image it is padding, 0
                    if 0 <= r < H:
                        for v in range(kw):
                            q = j * s + v - pad
                            if 0 <= q < W:
                                total += K[c, u, v] * X[n, c, r, q]
                Y[n, c, i, j] = total
    return Y


@njit(cache=True, parallel=True)
def _depthwise_backward_kernel(X, K, dY, s, pad):
    N, C, H, W = X.shape
    kh, kw = K.shape[1], K.shape[2]
    OH, OW = dY.shape[2], dY.shape[3]
    dX = np.zeros((N, C, H, W), dtype=X.dtype)
    dKs = np.zeros((N, C, kh, kw), dtype=X.dtype)  # per image: the kernels are shared
    dbs = np.zeros((N, C), dtype=X.dtype)
    for p in prange(N * C):
        n, c = p // C, p % C
        for i in range(OH):
            for j in range(OW):
                g = dY[n, c, i, j]
                dbs[n, c] += g
                for u in range(kh):
                    r = i * s + u - pad
                    if 0 <= r < H:
                        for v in range(kw):
                            q = j * s + v - pad
                            if 0 <= q < W:
                                dKs[n, c, u, v] += g * X[n, c, r, q]
                                dX[n, c, r, q] += K[c, u, v] * g
    dK = np.zeros((C, kh, kw), dtype=X.dtype)
    db = np.zeros(C, dtype=X.dtype)
    for n in range(N):  # the images in order: the sums do not depend on the threads
        dK += dKs[n]
        db += dbs[n]
    return dX, dK, db


@njit(cache=True, parallel=True)
def _pointwise_forward_kernel(X, K, b):
    N, C, H, W = X.shape
    F = K.shape[0]
    Xf = X.reshape(N, C, H * W)
    Y = np.empty((N, F, H * W), dtype=X.dtype)
    for n in prange(N):
        for f in range(F):
            Y[n, f, :] = b[f]
            for c in range(C):  # channel by channel: each pixel's sum in a fixed order
                w = K[f, c]
                for q in range(H * W):
                    Y[n, f, q] += w * Xf[n, c, q]
    return Y.reshape(N, F, H, W)


@njit(cache=True, parallel=True)
def _pointwise_backward_kernel(X, K, dY):
    N, C, H, W = X.shape
    F = K.shape[0]
    Xf, dYf = X.reshape(N, C, H * W), dY.reshape(N, F, H * W)
    dX = np.zeros((N, C, H * W), dtype=X.dtype)
    dKs = np.zeros((N, F, C), dtype=X.dtype)
    dbs = np.zeros((N, F), dtype=X.dtype)
    for n in prange(N):
        for f in range(F):
            for q in range(H * W):
                dbs[n, f] += dYf[n, f, q]
            for c in range(C):
                w, total = K[f, c], X.dtype.type(0.0)
                for q in range(H * W):
                    dX[n, c, q] += w * dYf[n, f, q]
                    total += dYf[n, f, q] * Xf[n, c, q]
                dKs[n, f, c] = total
    dK = np.zeros((F, C), dtype=X.dtype)
    db = np.zeros(F, dtype=X.dtype)
    for n in range(N):
        dK += dKs[n]
        db += dbs[n]
    return dX.reshape(N, C, H, W), dK, db


# --- checked public entry points -------------------------------------------------------------

def _check_depthwise(f, X, K, stride, pad):
    X = checks.array(f, "X", X, ndim=4, shape="[N, C, H, W]")
    K = checks.array(f, "K", K, ndim=3, shape="[C, kh, kw]")
    stride = checks.number(f, "stride", stride, low=1, integer=True)
    pad = checks.number(f, "pad", pad, low=0, integer=True)
    if K.shape[0] != X.shape[1]:
        raise ValueError(f"{f}: K has {K.shape[0]} kernels but X has {X.shape[1]} channels "
                         f"{_DW_LAYOUT}")
    for n, k, side in zip(X.shape[2:], K.shape[1:], "HW"):
        if k > n + 2 * pad:
            raise ValueError(f"{f}: K is {k} wide along {side} but the padded input X is only "
                             f"{n} + 2*{pad} = {n + 2 * pad} {_DW_LAYOUT}")
    return X, K, stride, pad


def _check_pointwise(f, X, K):
    X = checks.array(f, "X", X, ndim=4, shape="[N, C, H, W]")
    K = checks.array(f, "K", K, ndim=2, shape="[F, C]")
    if K.shape[1] != X.shape[1]:
        raise ValueError(f"{f}: K has {K.shape[1]} input channels but X has {X.shape[1]} "
                         f"{_PW_LAYOUT}")
    return X, K


def _check_bias(f, b, n):
    b = checks.array(f, "b", b, ndim=1, shape="[F]")
    if b.shape[0] != n:
        raise ValueError(f"{f}: b has {b.shape[0]} entries but there are {n} output channels "
                         f"(one bias per output channel)")
    return b


def _check_dY(f, dY, want):
    dY = checks.array(f, "dY", dY, ndim=4, shape="[N, F, OH, OW]")
    if dY.shape != want:
        raise ValueError(f"{f}: dY has shape {dY.shape} but the forward output is {want} "
                         f"(dY is dL/dY, the same shape as Y)")
    return dY


def _cast(*arrays):
    dt = np.result_type(*arrays)
    return [a.astype(dt, copy=False) for a in arrays]


def depthwise_conv2d_forward(X, K, b, stride=1, pad=0):
    """Y[N, C, OH, OW]: each channel of X[N, C, H, W] cross-correlated with its own kernel
    K[c] (K is [C, kh, kw]), plus b[C]. Chapter 09. OH, OW as in conv2d_forward."""
    f = "depthwise_conv2d_forward"
    X, K, stride, pad = _check_depthwise(f, X, K, stride, pad)
    b = _check_bias(f, b, K.shape[0])
    return _depthwise_forward_kernel(*_cast(X, K, b), stride, pad)


def depthwise_conv2d_backward(X, K, dY, stride=1, pad=0):
    """(dX[N, C, H, W], dK[C, kh, kw], db[C]) from dY[N, C, OH, OW]. Chapter 09."""
    f = "depthwise_conv2d_backward"
    X, K, stride, pad = _check_depthwise(f, X, K, stride, pad)
    N, C, H, W = X.shape
    want = (N, C, (H + 2 * pad - K.shape[1]) // stride + 1,
            (W + 2 * pad - K.shape[2]) // stride + 1)
    dY = _check_dY(f, dY, want)
    return _depthwise_backward_kernel(*_cast(X, K, dY), stride, pad)


def pointwise_conv2d_forward(X, K, b):
    """Y[N, F, H, W]: at every pixel, the C channel values of X[N, C, H, W] times K[F, C],
    plus b[F] (a 1 x 1 convolution). Chapter 09."""
    f = "pointwise_conv2d_forward"
    X, K = _check_pointwise(f, X, K)
    b = _check_bias(f, b, K.shape[0])
    return _pointwise_forward_kernel(*_cast(X, K, b))


def pointwise_conv2d_backward(X, K, dY):
    """(dX[N, C, H, W], dK[F, C], db[F]) from dY[N, F, H, W]. Chapter 09."""
    f = "pointwise_conv2d_backward"
    X, K = _check_pointwise(f, X, K)
    dY = _check_dY(f, dY, (X.shape[0], K.shape[0]) + X.shape[2:])
    return _pointwise_backward_kernel(*_cast(X, K, dY))

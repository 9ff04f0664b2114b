"""NumPy twins: Chapter 07, Convolution: convolution, one output position at
a time. X[N, C, H, W], K[F, C, kh, kw], b[F]; Xp is X with `pad` zeros on every side. Each
output position (i, j) reads the window Xp[:, :, i*s:i*s+kh, j*s:j*s+kw]; the backward
sends dY[:, :, i, j] back through that same window."""
import numpy as np


def _pad_spatial(X, pad):
    return np.pad(X, [(0, 0), (0, 0)] + [(pad, pad)] * (X.ndim - 2))


def conv2d_forward(X, K, b, stride=1, pad=0):
    """Chapter 07. Y[n, f, i, j] = b[f] + sum of K[f] * (the window of output (i, j) in Xp[n])."""
    Xp = _pad_spatial(X, pad)
    F, _, kh, kw = K.shape
    OH, OW = (Xp.shape[2] - kh) // stride + 1, (Xp.shape[3] - kw) // stride + 1
    Y = np.empty((X.shape[0], F, OH, OW), dtype=np.result_type(X, K, b))
    for i in range(OH):
        for j in range(OW):
            window = Xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            Y[:, :, i, j] = np.tensordot(window, K, axes=([1, 2, 3], [1, 2, 3])) + b
    return Y


def conv2d_backward(X, K, dY, stride=1, pad=0):
    """Chapter 07. (dX, dK, db): every window gets dY[:, :, i, j] @ K back, every kernel
    weight the sum over images and positions of dY times the input it multiplied."""
    Xp = _pad_spatial(X, pad)
    kh, kw = K.shape[2:]
    dXp, dK = np.zeros_like(Xp), np.zeros_like(K)
    for i in range(dY.shape[2]):
        for j in range(dY.shape[3]):
            rows, cols = slice(i * stride, i * stride + kh), slice(j * stride, j * stride + kw)
            g = dY[:, :, i, j]  # [N, F]
            dK += np.tensordot(g, Xp[:, :, rows, cols], axes=([0], [0]))
            dXp[:, :, rows, cols] += np.tensordot(g, K, axes=([1], [0]))
    H, W = X.shape[2:]
    return dXp[:, :, pad:pad + H, pad:pad + W], dK, dY.sum(axis=(0, 2, 3))


def conv1d_forward(X, K, b, stride=1, pad=0):
    """Chapter 07. Y[n, f, i] = b[f] + sum of K[f] * Xp[n, :, i*s:i*s+k]: Weidman's 1D loop."""
    Xp = _pad_spatial(X, pad)
    F, _, k = K.shape
    L_out = (Xp.shape[2] - k) // stride + 1
    Y = np.empty((X.shape[0], F, L_out), dtype=np.result_type(X, K, b))
    for i in range(L_out):
        Y[:, :, i] = np.tensordot(Xp[:, :, i * stride:i * stride + k], K,
                                  axes=([1, 2], [1, 2])) + b
    return Y


def conv1d_backward(X, K, dY, stride=1, pad=0):
    """Chapter 07. (dX, dK, db) of the 1D convolution, one output position at a time."""
    Xp = _pad_spatial(X, pad)
    k = K.shape[2]
    dXp, dK = np.zeros_like(Xp), np.zeros_like(K)
    for i in range(dY.shape[2]):
        span = slice(i * stride, i * stride + k)
        dK += np.tensordot(dY[:, :, i], Xp[:, :, span], axes=([0], [0]))
        dXp[:, :, span] += np.tensordot(dY[:, :, i], K, axes=([1], [0]))
    return dXp[:, :, pad:pad + X.shape[2]], dK, dY.sum(axis=(0, 2))


# Winograd F(2x2, 3x3) (Chapter 09): each 2x2 block of outputs from a 4x4 input tile d, with
# y = AT [sum over c of (G g G^T) * (BT d BT^T)] AT^T, * elementwise: 16 multiplications per
# channel instead of 36. The kernels in lessons/kernels/conv.py run 3x3 stride-1 layers so.
WINOGRAD_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
WINOGRAD_BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]])
WINOGRAD_AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]])


def _winograd_tiles(X, pad, th, tw):
    """d[N, C, th, tw, 4, 4]: the 4x4 tiles every 2 pixels of X with `pad` zeros left and
    above and enough zeros right and below."""
    N, C, H, W = X.shape
    Xp = np.zeros((N, C, 2 * th + 2, 2 * tw + 2), dtype=X.dtype)
    Xp[:, :, pad:pad + H, pad:pad + W] = X
    return np.lib.stride_tricks.sliding_window_view(Xp, (4, 4), axis=(2, 3))[:, :, ::2, ::2]


def winograd_conv2d_forward(X, K, b, pad=1):
    """Chapter 09. conv2d_forward(X, K, b, 1, pad) for 3x3 kernels K, by Winograd F(2x2, 3x3)."""
    G, BT, AT = WINOGRAD_G, WINOGRAD_BT, WINOGRAD_AT
    N, _, H, W = X.shape
    OH, OW = H + 2 * pad - 2, W + 2 * pad - 2
    th, tw = (OH + 1) // 2, (OW + 1) // 2
    U = G @ K @ G.T                                         # [F, C, 4, 4]
    V = BT @ _winograd_tiles(X, pad, th, tw) @ BT.T         # [N, C, th, tw, 4, 4]
    M = np.einsum("fcab,nctsab->nftsab", U, V)              # the sum over the channels
    Y = (AT @ M @ AT.T).transpose(0, 1, 2, 4, 3, 5)         # [N, F, th, 2, tw, 2]
    Y = Y.reshape(N, -1, 2 * th, 2 * tw)[:, :, :OH, :OW] + b[:, None, None]
    return Y.astype(np.result_type(X, K, b))


def winograd_conv2d_backward(X, K, dY, pad=1):
    """Chapter 09. conv2d_backward(X, K, dY, 1, pad) for 3x3 kernels, as the adjoint of each
    step of winograd_conv2d_forward: every matrix transposed, in reverse order."""
    G, BT, AT = WINOGRAD_G, WINOGRAD_BT, WINOGRAD_AT
    N, C, H, W = X.shape
    F, OH, OW = dY.shape[1:]
    th, tw = (OH + 1) // 2, (OW + 1) // 2
    dYt = np.zeros((N, F, 2 * th, 2 * tw), dtype=dY.dtype)
    dYt[:, :, :OH, :OW] = dY
    dM = AT.T @ dYt.reshape(N, F, th, 2, tw, 2).transpose(0, 1, 2, 4, 3, 5) @ AT
    V = BT @ _winograd_tiles(X, pad, th, tw) @ BT.T
    dK = G.T @ np.einsum("nftsab,nctsab->fcab", dM, V) @ G
    dV = np.einsum("fcab,nftsab->nctsab", G @ K @ G.T, dM)
    dd = BT.T @ dV @ BT                                     # [N, C, th, tw, 4, 4]
    dXp = np.zeros((N, C, 2 * th + 2, 2 * tw + 2), dtype=dd.dtype)
    for p in range(4):  # the tiles overlap: each adds its share onto the pixels it read
        for q in range(4):
            dXp[:, :, p:p + 2 * th:2, q:q + 2 * tw:2] += dd[..., p, q]
    dt = np.result_type(X, K, dY)
    return (dXp[:, :, pad:pad + H, pad:pad + W].astype(dt), dK.astype(dt),
            dY.sum(axis=(0, 2, 3)))

"""check_kernel's cases for the kernels of chapter 07, Convolution: conv2d_forward,
conv2d_backward and maxpool2d_backward, and of chapter 09, Deeper CNNs: residual_add_backward
(see lessons.exercises.kernel_cases)."""
import numpy as np

from lessons import reference as R
from lessons.exercises.kernel_cases import (
    Case, Mistake, Spec, in_float32, numeric_gradients, seeded, small,
)


# --- conv2d_forward and conv2d_backward (Chapter 07) -----------------------------------------

def _conv_shapes(rng):
    """(title, X, K, b-or-dY size, stride, pad): the edge shapes, then random ones."""
    shapes = [
        ("batch 1, one 3x3 image, one 2x2 filter, b = 0.5", (1, 1, 3, 3), (1, 1, 2, 2), 1, 0),
        ("1x1 images and a 1x1 filter", (2, 1, 1, 1), (1, 1, 1, 1), 1, 0),
        ("the filter as large as the image: one output", (1, 2, 3, 3), (2, 2, 3, 3), 1, 0),
        ("stride 3, longer than the 2x2 filter: inputs are skipped", (1, 1, 7, 7),
         (1, 1, 2, 2), 3, 0),
        ("pad 1 ('same' for a 3x3 filter)", (1, 1, 4, 4), (1, 1, 3, 3), 1, 1),
        ("3 images, 2 channels, 3 filters, a 5x6 image, stride 2, pad 2", (3, 2, 5, 6),
         (3, 2, 3, 3), 2, 2),
    ]
    for _ in range(3):
        N, C, F = rng.integers(1, 4, 3)
        kh, kw = rng.integers(1, 5, 2)
        s, p = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        H, W = kh + rng.integers(0, 6) - p, kw + rng.integers(0, 6) - p
        shapes.append((f"random: X[{N}, {C}, {max(H, 1)}, {max(W, 1)}], K[{F}, {C}, {kh}, {kw}],"
                       f" stride {s}, pad {p}", (N, C, max(H, 1), max(W, 1)), (F, C, kh, kw), s, p))
    return shapes


def _weidman_row():
    """Weidman's 1D example as a one-row image: [1, 2, 3, 4, 5] with [1, 1, 1], pad 1; the
    middle row of the output is his [3, 6, 9, 12, 9]."""
    return np.array([[[[1.0, 2, 3, 4, 5]]]]), np.ones((1, 1, 1, 3))


def _conv_forward_cases():
    rng = seeded(8)
    X1, K1 = _weidman_row()
    cases = [Case("Weidman's [1, 2, 3, 4, 5] with the kernel [1, 1, 1] and pad 1, as a "
                  "one-row image (the middle output row is his [3, 6, 9, 12, 9])",
                  (X1, K1, np.zeros(1), 1, 1))]
    for title, xs, ks, s, p in _conv_shapes(rng):
        big = max(xs[2:]) > 4
        X = rng.normal(size=xs) if big else small(rng, *xs)
        K = rng.normal(size=ks) if big else small(rng, *ks)
        b = np.full(ks[0], 0.5) if not big else rng.normal(size=ks[0])
        cases.append(Case(title, (X, K, b, s, p)))
    return cases + [in_float32(cases[6])]


CONV_FORWARD = Spec(
    "conv2d_forward", ("X", "K", "b", "stride", "pad"), ("Y",), R.conv2d_forward,
    _conv_forward_cases,
    hints=(
        "Pad X with `pad` zeros on every side of each image (np.pad, or a bigger np.zeros). "
        "Output (i, j) of filter f reads the window Xp[n, :, i*stride : i*stride + kh, "
        "j*stride : j*stride + kw].",
        "Y[n, f, i, j] = b[f] + the sum over c, u, v of K[f, c, u, v] * Xp[n, c, i*stride + u, "
        "j*stride + v]: no flip (cross-correlation). OH = (H + 2 pad - kh) // stride + 1.",
        "Start from Y = np.zeros((N, F, OH, OW), dtype=X.dtype) and loop over n, f, i, j "
        "(and c, u, v): six nested loops are fine under @njit.",
    ),
    mistakes=(
        Mistake("Y", lambda X, K, b, s, p: R.conv2d_forward(X, K, np.zeros_like(b), s, p),
                "the bias is missing: add b[f] to every output of filter f."),
        Mistake("Y", lambda X, K, b, s, p: R.conv2d_forward(X, K[:, :, ::-1, ::-1].copy(), b,
                                                            s, p),
                "your kernel is flipped by 180 degrees, a true convolution: the course (like "
                "every deep-learning library) slides K unflipped (cross-correlation)."),
    ),
)


def _conv_gradient_case():
    rng = seeded(10)
    X, K, b = rng.normal(size=(2, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    G = rng.normal(size=R.conv2d_forward(X, K, b, 2, 1).shape)
    expected = numeric_gradients(lambda X, K, b: np.sum(R.conv2d_forward(X, K, b, 2, 1) * G),
                        (X, K, b), (0, 1, 2))
    return Case("gradient check: finite differences of sum(conv2d_forward(X, K, b, 2, 1) * dY)",
                (X, K, G, 2, 1), expected, gradient=True)


def _conv_backward_cases():
    rng = seeded(9)
    X1, K1 = _weidman_row()
    cases = [Case("Weidman's 1D example as a one-row image, pad 1, dY = 1 everywhere (his "
                  "dL/dx is [2, 3, 3, 3, 2])", (X1, K1, np.ones((1, 1, 3, 5)), 1, 1))]
    for title, xs, ks, s, p in _conv_shapes(rng):
        big = max(xs[2:]) > 4
        X = rng.normal(size=xs) if big else small(rng, *xs)
        K = rng.normal(size=ks) if big else small(rng, *ks)
        ys = R.conv2d_forward(X, K, np.zeros(ks[0]), s, p).shape
        dY = rng.normal(size=ys) if big else small(rng, *ys)
        cases.append(Case(title.replace(", b = 0.5", ""), (X, K, dY, s, p)))
    return cases + [in_float32(cases[6]), _conv_gradient_case()]


CONV_BACKWARD = Spec(
    "conv2d_backward", ("X", "K", "dY", "stride", "pad"), ("dX", "dK", "db"),
    R.conv2d_backward, _conv_backward_cases,
    hints=(
        "Walk the forward's loops again: wherever the forward did Y[n, f, i, j] += "
        "K[f, c, u, v] * Xp[n, c, r, q], add dY[n, f, i, j] * Xp[n, c, r, q] to dK[f, c, u, v] "
        "and dY[n, f, i, j] * K[f, c, u, v] to dXp[n, c, r, q] (r = i*stride + u, "
        "q = j*stride + v).",
        "db[f] is dY[:, f] summed over the batch and every position. dK and db add up over "
        "all images (the weights are shared): no averaging.",
        "Accumulate dX on the padded grid dXp, then return dXp[:, :, pad:pad + H, pad:pad + W]: "
        "the padding zeros are not inputs.",
    ),
    mistakes=(
        Mistake("dK", lambda X, K, dY, s, p: R.conv2d_backward(X[:1], K, dY[:1], s, p)[1],
                "dK holds the first image's share only: add up every image of the batch."),
        Mistake("db", lambda X, K, dY, s, p: dY[0].sum(axis=(1, 2)),
                "db holds the first image's share only: add up every image of the batch."),
        Mistake("dK", lambda X, K, dY, s, p: R.conv2d_backward(X, K, dY, s, p)[1] / len(X),
                "dK is averaged over the batch: sum it (the loss already divided by B)."),
    ),
)


# --- maxpool2d_backward (Chapter 07, Convolution; used in 08) -------------------------------

def _pool_case(title, X, size, stride, seed):
    _, argmax = R.maxpool2d_forward(X, size, stride)
    dY = small(seeded(seed), *argmax.shape) + 0.5
    return Case(title + f" ({size}x{size} windows, stride {stride})", (dY, argmax, X.shape))


def _pool_cases():
    rng = seeded(11)
    P = np.array([[[[1.0, 5, 2, 0], [3, 4, 8, 1], [0, 2, 1, 1], [7, 1, 3, 6]]]])
    _, argmax = R.maxpool2d_forward(P, 2, 2)
    cases = [
        Case("chapter 07's 4x4 example, dY = [[10, 20], [30, 40]]",
             (np.array([[[[10.0, 20], [30, 40]]]]), argmax, P.shape)),
        _pool_case("batch 1, a 1x1 image", rng.normal(size=(1, 1, 1, 1)), 1, 1, 1),
        _pool_case("overlapping windows: one input can win two", rng.normal(size=(1, 1, 4, 4)),
                   2, 1, 2),
        _pool_case("stride 3, longer than the window", rng.normal(size=(2, 1, 7, 7)), 2, 3, 3),
        _pool_case("3 images, 2 channels, 5x6 (a leftover row and column)",
                   rng.normal(size=(3, 2, 5, 6)), 2, 2, 4),
        _pool_case("random 3x3 windows on 8x7", rng.normal(size=(2, 3, 8, 7)), 3, 2, 5),
    ]
    return cases + [in_float32(cases[4]), _pool_gradient_case()]


def _pool_gradient_case():
    rng = seeded(12)
    X = rng.normal(size=(2, 2, 4, 5))
    Y, argmax = R.maxpool2d_forward(X, 2, 1)
    G = rng.normal(size=Y.shape)
    expected = numeric_gradients(lambda X: np.sum(R.maxpool2d_forward(X, 2, 1)[0] * G), (X,), (0,))
    return Case("gradient check: finite differences of sum(maxpool2d_forward(X, 2, 1) * dY)",
                (G, argmax, X.shape), expected, gradient=True)


def _pool_assigned(dY, argmax, x_shape):
    N, C, H, W = x_shape
    dX = np.zeros((N, C, H * W))
    n, c = np.indices(dY.shape)[:2]
    dX[n.ravel(), c.ravel(), argmax.ravel()] = dY.ravel()
    return dX.reshape(x_shape)


POOL = Spec(
    "maxpool2d_backward", ("dY", "argmax", "x_shape"), ("dX",), R.maxpool2d_backward,
    _pool_cases,
    hints=(
        "Start from dX = np.zeros(x_shape, dtype=dY.dtype). Each window's gradient "
        "dY[n, c, i, j] goes to the one input that won it, and nowhere else.",
        "argmax[n, c, i, j] = k is the winner's flat index in its plane: row k // W, column "
        "k % W (W = x_shape[3]).",
        "Add (+=), do not assign: with overlapping windows one input can win several.",
    ),
    mistakes=(
        Mistake("dX", _pool_assigned,
                "where windows overlap one input won two of them and kept only the last "
                "gradient: add (+=) instead of assigning."),
    ),
)


# --- residual_add_backward (Chapter 09) -------------------------------------------------------

def _residual_case(title, rng, x_shape, F, stride, whole=True):
    N, _, H, W = x_shape
    out = (N, F, (H - 1) // stride + 1, (W - 1) // stride + 1)
    dY = small(rng, *out) if whole else rng.normal(size=out)
    return Case(title + f" (x_shape {x_shape}, {F} output channels, stride {stride})",
                (dY, x_shape, stride))


def _residual_cases():
    rng = seeded(13)
    cases = [
        _residual_case("the identity shortcut: same channels, stride 1", rng, (1, 2, 3, 3), 2, 1),
        _residual_case("batch 1, a 1x1 image", rng, (1, 1, 1, 1), 1, 1),
        _residual_case("stride 2 and twice the channels: the zero-channel shortcut", rng,
                       (2, 2, 4, 4), 4, 2),
        _residual_case("stride 2 on an odd 5x5 image: the last row and column are read", rng,
                       (1, 2, 5, 5), 3, 2),
        _residual_case("stride 3, a 7x4 image", rng, (2, 1, 7, 4), 2, 3),
        _residual_case("random", rng, (3, 4, 6, 5), 6, 2, whole=False),
    ]
    return cases + [in_float32(cases[5]), _residual_gradient_case()]


def _residual_gradient_case():
    rng = seeded(14)
    X, FX = rng.normal(size=(2, 2, 5, 4)), rng.normal(size=(2, 3, 3, 2))
    G = rng.normal(size=FX.shape)
    expected = numeric_gradients(
        lambda X, FX: np.sum(R.residual_add_forward(X, FX, 2) * G), (X, FX), (0, 1))
    return Case("gradient check: finite differences of sum(residual_add_forward(X, FX, 2) * dY)"
                " with respect to X and FX", (G, X.shape, 2), expected, gradient=True)


def _residual_corner(dY, x_shape, stride):
    """dY copied to the top-left corner of X instead of every stride-th pixel."""
    dX = np.zeros(x_shape)
    dX[:, :, :dY.shape[2], :dY.shape[3]] = dY[:, :x_shape[1]]
    return dX


def _residual_branch_channels_only(dY, x_shape, stride):
    dFX = dY.copy()
    dFX[:, x_shape[1]:] = 0
    return dFX


RESIDUAL_BACKWARD = Spec(
    "residual_add_backward", ("dY", "x_shape", "stride"), ("dX", "dFX"),
    R.residual_add_backward, _residual_cases,
    hints=(
        "Y = FX + shortcut(X) is an addition, and an addition passes its gradient on unchanged "
        "to each input: dFX is dY itself (a copy, all its channels).",
        "The shortcut read X[:, :, ::stride, ::stride] into the first C = x_shape[1] channels "
        "of Y. Start from dX = np.zeros(x_shape, dtype=dY.dtype); those pixels get "
        "dY[:, :C] back, every other pixel was skipped and keeps 0.",
        "dX[:, :, ::stride, ::stride] = dY[:, :C], or loops: dX[n, c, stride * i, stride * j] "
        "= dY[n, c, i, j] for c < C; return dX, dY.copy().",
    ),
    mistakes=(
        Mistake("dX", _residual_corner,
                "dY went to the top-left corner of X: the shortcut read every stride-th pixel, "
                "X[n, c, stride * i, stride * j]."),
        Mistake("dX", lambda dY, x_shape, stride: np.zeros(x_shape),
                "dX is all zeros: the shortcut passes dY straight back to the pixels it read."),
        Mistake("dFX", _residual_branch_channels_only,
                "dFX is 0 in the channels the shortcut did not reach; the branch made all of "
                "Y's channels, so all of dY goes into it."),
    ),
)

"""Chapter 03, Sigmoid Neurons and Backpropagation: Ekman's worked examples, run on the kernels.

1. The two-neuron chain of the worked example: neuron g = tanh(w_xg0 + w_xg1 x1 + w_xg2 x2),
   neuron f = S(w_gf0 + w_gf1 g) (S is the logistic sigmoid), loss e = (y - f)^2 / 2.
   `forward`, `backward` and `update` are one gradient-descent step, written with the dense,
   activation and loss kernels; `equation_3_1` is the same gradient from the printed formulas,
   in plain Python, as an independent oracle.
2. The XOR network of Snippets 3-1 to 3-4: two tanh hidden neurons, one logistic output,
   trained one example at a time. `train_xor(seed=3)` reproduces the book's run exactly
   (161 passes) because it draws the initial weights and the per-pass shuffles from
   np.random.RandomState(seed), the legacy generator behind the book's np.random.seed(3).
3. A weight used twice (`tied_forward`, `tied_gradient`): why a backward pass *adds* (+=)
   every contribution to a gradient instead of assigning it.

Weight naming follows the book: w_xg2 is input 2 of layer x into neuron g; index 0 is the
bias weight, whose input is always 1.
"""
from typing import NamedTuple

import numpy as np

from lessons.kernels import checks
from lessons.kernels import (
    dense_backward, dense_forward, half_sse, sgd_step, sigmoid, sigmoid_backward, tanh,
    tanh_backward,
)

# --- the two-neuron worked example ---------------------------------------------------------

WEIGHT_NAMES = ("w_xg0", "w_xg1", "w_xg2", "w_gf0", "w_gf1")
BOOK_WEIGHTS = (0.3, 0.6, -0.1, -0.2, 0.5)
BOOK_LR = 0.1


def _frozen(rows):
    a = np.array(rows, dtype=np.float64)
    a.flags.writeable = False
    return a


BOOK_X = _frozen([[-0.9, 0.1]])  # one example: x1, x2
BOOK_Y = _frozen([[1.0]])  # its target


class TwoNeuron(NamedTuple):
    """The five weights as dense-layer parameters: W_g[2, 1], b_g[1], W_f[1, 1], b_f[1]."""

    W_g: np.ndarray
    b_g: np.ndarray
    W_f: np.ndarray
    b_f: np.ndarray


class Backward(NamedTuple):
    """What the backward pass finds: the loss, the two error terms and the gradients
    (dW_g, db_g, dW_f, db_f), in the order of TwoNeuron's fields."""

    loss: float
    err_f: np.ndarray
    err_g: np.ndarray
    grads: tuple


def _five_weights(func, w):
    w = checks.array(func, "w", w, ndim=1, shape="[5] (w_xg0, w_xg1, w_xg2, w_gf0, w_gf1)",
                       dtype=np.float64)
    if w.shape != (5,):
        raise ValueError(f"{func}: w must hold the 5 weights (w_xg0, w_xg1, w_xg2, w_gf0, "
                         f"w_gf1), got {w.shape[0]}")
    return w


def unpack(w):
    """The five book weights (w_xg0, w_xg1, w_xg2, w_gf0, w_gf1) as a TwoNeuron of fresh
    arrays, ready for the dense kernels (and for `update`, which changes them in place)."""
    w = _five_weights("unpack", w)
    return TwoNeuron(w[1:3].reshape(2, 1).copy(), w[0:1].copy(), w[4:5].reshape(1, 1).copy(),
                     w[3:4].copy())


def pack(params):
    """The inverse of `unpack`: the five weights in the book's order, as a float array [5]."""
    W_g, b_g, W_f, b_f = params
    return np.array([b_g[0], W_g[0, 0], W_g[1, 0], b_f[0], W_f[0, 0]], dtype=np.float64)


def _inputs(func, X):
    X = BOOK_X if X is None else X
    return checks.array(func, "X", X, ndim=2, shape="[B, 2] (x1, x2 per row)")


def _targets(func, y, B):
    y = BOOK_Y if y is None else y
    y = checks.array(func, "y", y, ndim=2, shape=f"[{B}, 1] (one target per row of X)")
    if y.shape != (B, 1):
        raise ValueError(f"{func}: y has shape {y.shape} but X has {B} rows (y is [B, 1])")
    return y


def forward(params, X=None):
    """Forward pass for X[B, 2] (default: the book's x1 = -0.9, x2 = 0.1): returns (g, f),
    each [B, 1]. Both are kept: the backward pass reads the derivatives from them."""
    W_g, b_g, W_f, b_f = params
    X = _inputs("forward", X)
    g = tanh(dense_forward(X, W_g, b_g))
    f = sigmoid(dense_forward(g, W_f, b_f))
    return g, f


def backward(params, g, f, y=None, X=None):
    """Backward pass: from the stored outputs g and f to every weight's gradient.

    Error terms as in the book: err_f = e'(f) S'(z_f) = -(y - f) f (1 - f), then
    err_g = err_f w_gf1 tanh'(z_g) = err_f w_gf1 (1 - g^2). Each weight's gradient is its
    input times the error term of the neuron it feeds (Equation 3-1).
    """
    W_g, _, W_f, _ = params
    X = _inputs("backward", X)
    y = _targets("backward", y, X.shape[0])
    loss, dF = half_sse(f, y)  # e = (y - f)^2 / 2, so de/df = f - y = -(y - f)
    err_f = sigmoid_backward(f, dF)
    dG, dW_f, db_f = dense_backward(g, W_f, err_f)  # dG = err_f w_gf1: the error sent back to g
    err_g = tanh_backward(g, dG)
    _, dW_g, db_g = dense_backward(X, W_g, err_g)
    return Backward(loss, err_f, err_g, (dW_g, db_g, dW_f, db_f))


def update(params, grads, lr=BOOK_LR):
    """One gradient-descent step, in place: every weight moves by -lr * input * error term."""
    for p, dp in zip(params, grads):
        sgd_step(p, dp, lr)


def loss_of(w, X=None, y=None):
    """The loss (y - f)^2 / 2 (summed over rows) as a function of the five weights, for
    finite differences."""
    params = unpack(w)
    X = _inputs("loss_of", X)
    return half_sse(forward(params, X)[1], _targets("loss_of", y, X.shape[0]))[0]


def flat_gradient(w, X=None, y=None):
    """Backprop's gradient of `loss_of` as five numbers, in the order of the weights."""
    params = unpack(w)
    X = _inputs("flat_gradient", X)
    dW_g, db_g, dW_f, db_f = backward(params, *forward(params, X), y, X).grads
    return np.concatenate([db_g, dW_g.ravel(), db_f, dW_f.ravel()])


def equation_3_1(w, x1, x2, y):
    """The five partial derivatives of Equation 3-1, straight from the printed formulas
    (plain Python floats; no kernel involved): an independent check of `flat_gradient`."""
    f = "equation_3_1"
    w_xg0, w_xg1, w_xg2, w_gf0, w_gf1 = (float(v) for v in _five_weights(f, w))
    x1, x2, y = (checks.number(f, name, v) for name, v in (("x1", x1), ("x2", x2), ("y", y)))
    g = np.tanh(w_xg0 + w_xg1 * x1 + w_xg2 * x2)
    f = 1.0 / (1.0 + np.exp(-(w_gf0 + w_gf1 * g)))
    common = -(y - f) * f * (1.0 - f)  # -(y - f) S'(z_f)
    hidden = common * w_gf1 * (1.0 - g * g)  # ... times w_gf1 tanh'(z_g)
    return (hidden, hidden * x1, hidden * x2, common, common * g)


# --- the XOR network -----------------------------------------------------------------------

XOR_X = _frozen([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
XOR_T = _frozen([0.0, 1.0, 1.0, 0.0])
BOOK_XOR_SEED = 3


class XorNet(NamedTuple):
    """W1[2, 2] (column j feeds hidden neuron j), b1[2], W2[2, 1], b2[1]."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray


class XorHistory(NamedTuple):
    """After pass k (k = 0 is the initial network): loss[k] = sum of (t - y)^2 / 2 over the
    four examples, outputs[k, i] for example i, neurons[k] as `neurons` prints them."""

    loss: np.ndarray
    outputs: np.ndarray
    neurons: np.ndarray


class XorRun(NamedTuple):
    """The result of `train_xor`: passes made, whether all four outputs ended on the right
    side of 0.5, the trained net, its final outputs, each pass's visiting order and the
    per-pass history."""

    passes: int
    converged: bool
    net: XorNet
    outputs: np.ndarray
    orders: list
    history: XorHistory


def _draw_init(rs, scale):
    # The book's order: neuron n0, then n1, then n2; bias 0, two uniform draws each.
    n = [[0.0, rs.uniform(-scale, scale), rs.uniform(-scale, scale)] for _ in range(3)]
    return XorNet(np.array([[n[0][1], n[1][1]], [n[0][2], n[1][2]]]),
                  np.array([n[0][0], n[1][0]]),
                  np.array([[n[2][1]], [n[2][2]]]),
                  np.array([n[2][0]]))


def _check_seed_scale(func, seed, scale):
    seed = checks.number(func, "seed", seed, low=0, integer=True)
    if seed >= 2 ** 32:
        raise ValueError(f"{func}: seed must be < 2**32 (np.random.RandomState), got {seed}")
    return seed, checks.number(func, "scale", scale, low=0.0, low_open=True)


def book_xor_init(seed=BOOK_XOR_SEED, scale=1.0):
    """The initial XorNet of Snippet 3-2: every bias weight 0, every other weight drawn from
    U(-scale, scale) by np.random.RandomState(seed), neuron by neuron (n0, n1, n2).

    RandomState(3) draws the same numbers as the book's np.random.seed(3) without touching
    NumPy's global generator.
    """
    seed, scale = _check_seed_scale("book_xor_init", seed, scale)
    return _draw_init(np.random.RandomState(seed), scale)


def neurons(net):
    """The weights as the book prints them: one row (w0, w1, w2) per neuron n0, n1, n2."""
    W1, b1, W2, b2 = net
    return np.array([[b1[0], *W1[:, 0]], [b1[1], *W1[:, 1]], [b2[0], *W2[:, 0]]])


def xor_outputs(net, X=None):
    """The network's output y = S(w2 . [1, tanh(x W1 + b1)]) for each row of X (default: the
    four XOR inputs); returns y[B]."""
    W1, b1, W2, b2 = net
    X = XOR_X if X is None else checks.array("xor_outputs", "X", X, ndim=2, shape="[B, 2]")
    return sigmoid(dense_forward(tanh(dense_forward(X, W1, b1)), W2, b2)).ravel()


def xor_step(net, x, t, lr):
    """One example, start to finish (Snippet 3-3): forward, backward, adjust (net in place).

    x[1, 2], t[1, 1]. Backward mirrors forward line by line, in reverse; returns the loss.
    """
    W1, b1, W2, b2 = net
    h = tanh(dense_forward(x, W1, b1))             # hidden neurons n0, n1
    y = sigmoid(dense_forward(h, W2, b2))          # output neuron n2
    loss, dY = half_sse(y, t)
    err_out = sigmoid_backward(y, dY)              # -(t - y) y (1 - y)
    dH, dW2, db2 = dense_backward(h, W2, err_out)  # error sent back along each w2
    err_hidden = tanh_backward(h, dH)              # ... times (1 - h^2)
    _, dW1, db1 = dense_backward(x, W1, err_hidden)
    for p, dp in zip(net, (dW1, db1, dW2, db2)):
        sgd_step(p, dp, lr)                        # w -= lr * input * error term
    return loss


def _all_correct(outputs):
    return bool(np.all((outputs >= 0.5) == (XOR_T >= 0.5)))


def _snapshot(net, history):
    out = xor_outputs(net)
    history[0].append(float(np.sum((XOR_T - out) ** 2) / 2))
    history[1].append(out)
    history[2].append(neurons(net))
    return out


def train_xor(seed=BOOK_XOR_SEED, *, lr=BOOK_LR, max_passes=1000, scale=1.0):
    """Ekman's XOR learner (Snippet 3-4), run to the book's stopping rule.

    One np.random.RandomState(seed) draws the initial weights (`book_xor_init`) and then, at
    the start of every pass, shuffles the index list [0, 1, 2, 3] in place; each example in
    that order gets one forward/backward/adjust step. After the pass all four outputs are
    evaluated; training stops once each lies on the correct side of 0.5, or after
    max_passes. seed=3, lr=0.1 is the book's run: 161 passes.
    """
    f = "train_xor"
    seed, scale = _check_seed_scale(f, seed, scale)
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    max_passes = checks.number(f, "max_passes", max_passes, low=1, integer=True)
    rs = np.random.RandomState(seed)
    net = _draw_init(rs, scale)
    index_list, orders, history = [0, 1, 2, 3], [], ([], [], [])
    out = _snapshot(net, history)
    passes = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while passes < max_passes:
            passes += 1
            rs.shuffle(index_list)  # a Python list, shuffled in place: the book's stream
            orders.append(list(index_list))
            for i in index_list:
                xor_step(net, XOR_X[i:i + 1], XOR_T[i:i + 1, None], lr)
            out = _snapshot(net, history)
            if _all_correct(out):
                break
    loss, outputs, weights = (np.array(h) for h in history)
    return XorRun(passes, _all_correct(out), net, out, orders, XorHistory(loss, outputs, weights))


# --- a weight used twice: why gradients accumulate -----------------------------------------

def tied_forward(w, x):
    """A two-layer chain that uses the same weight w in both layers:
    z = w x, h = tanh(z), y = w h. Returns (z, h, y)."""
    w, x = (checks.number("tied_forward", name, v) for name, v in (("w", w), ("x", x)))
    z = w * x
    h = np.tanh(z)
    y = w * h
    return z, h, y


def tied_loss(w, x, t):
    """e = (y - t)^2 / 2 for the tied chain."""
    return 0.5 * (tied_forward(w, x)[2] - t) ** 2


def tied_gradient(w, x, t):
    """de/dw for the tied chain, by backprop.

    w feeds two places, so de/dw is the sum of two chain-rule paths: through y = w h (the
    direct use) and through z = w x (back along tanh). Each path *adds* its share with +=:
    an `=` would keep only the last path and silently drop the other. A layer that owns its
    weights and uses each once can assign instead; shared weights (a convolution's kernel,
    an RNN's matrices, this chain) need the sum.
    """
    t = checks.number("tied_gradient", "t", t)
    z, h, y = tied_forward(w, x)
    dw = 0.0
    dy = y - t
    dw += dy * h             # path 1: y = w h, so dy/dw = h
    dh = dy * w
    dz = dh * (1.0 - h * h)  # tanh' read from its output
    dw += dz * x             # path 2: z = w x, so dz/dw = x
    return dw

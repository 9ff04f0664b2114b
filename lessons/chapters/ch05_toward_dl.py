"""Chapter 05, Toward Deep Learning (Ekman 5, Tavenard 4): the chapter's code.

- Table 5-1: Ekman's five configurations of the 784-25-10 MNIST network (run_configuration).
- Saturation: activations and gradients per layer of a deep stack at initialisation, and the
  loss over its first training steps (layer_statistics, first_steps).
- The output delta of a sigmoid output under MSE and cross-entropy (output_delta).
- The optimizer race on 2-D surfaces (SURFACES, race).
- An honest learning-rate search: a validation split, the test set touched once (lr_search).
"""
from dataclasses import dataclass

import numpy as np

from lessons.chapters import ch04_mnist_net as mnist_net
from lessons.kernels import checks
from lessons.kernels import softmax_cross_entropy
from lessons.kernels import mlp_adam_epoch, mlp_logits
from lessons.layers import ELU, Dense, LeakyReLU, ReLU, Sequential, Sigmoid, Tanh
from lessons.optim import SGD, AdaGrad, Adam, Nesterov, RMSprop

# --- Table 5-1 -------------------------------------------------------------------------------

# Keras' mean_squared_error averages over the 10 outputs: its gradient is 2/10 (o - t), a
# fifth of the half sum of squares' (o - t) that Chapter 04's kernel uses. A Keras learning
# rate is therefore a fifth as large in our units.
KERAS_MSE_SCALE = 2 / mnist_net.N_OUTPUTS


@dataclass(frozen=True)
class Configuration:
    """One row of Table 5-1."""

    hidden: str  # "tanh" or "relu"
    init: str  # "uniform" (U(-0.1, 0.1)), "glorot" or "he" for the hidden layer
    output: str  # "sigmoid_mse" or "softmax_ce"
    optimizer: str  # "sgd" or "adam"
    lr: float  # as in Keras (for MSE, our kernel takes KERAS_MSE_SCALE times it)
    batch_size: int
    book_test_error: float  # Ekman's reported test error after 20 epochs (approximate)


TABLE_5_1 = {
    1: Configuration("tanh", "uniform", "sigmoid_mse", "sgd", 0.01, 1, 0.06),
    2: Configuration("tanh", "uniform", "sigmoid_mse", "sgd", 10.0, 1, 0.70),
    3: Configuration("tanh", "glorot", "sigmoid_mse", "adam", 0.001, 1, 0.07),
    4: Configuration("relu", "he", "softmax_ce", "adam", 0.001, 1, 0.05),
    5: Configuration("relu", "he", "softmax_ce", "adam", 0.001, 64, 0.04),
}

# Measured here (seed 0, float32, full MNIST): the test error after 20 epochs (RUN_FULL cell).
BANDS_20_EPOCHS = {1: (0.05, 0.075), 2: (0.50, 1.0), 5: (0.03, 0.045)}


def glorot_uniform(rng, n_in, n_out):
    """U(-a, a), a = sqrt(6 / (n_in + n_out)) (Glorot & Bengio 2010; Keras' glorot_uniform)."""
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_out, n_in))


def he_normal(rng, n_in, n_out):
    """N(0, 2 / n_in) truncated at 2 sigma (He et al. 2015; Keras' he_normal, whose sigma
    is divided by 0.8796, the std of a unit normal truncated at 2, to keep 2 / n_in)."""
    sigma = np.sqrt(2.0 / n_in) / 0.87962566103423978
    W = rng.normal(0.0, sigma, size=(n_out, n_in))
    bad = np.abs(W) > 2 * sigma
    while bad.any():  # redraw the tails, as a truncated normal does
        W[bad] = rng.normal(0.0, sigma, size=int(bad.sum()))
        bad = np.abs(W) > 2 * sigma
    return W


def init_weights(conf, seed, dtype=np.float32):
    """(W1[25, 785], W2[10, 26]) for a configuration, biases (column 0) at zero."""
    conf = _configuration("init_weights", conf)
    if conf.init == "uniform":
        return mnist_net.init_weights(seed, dtype=dtype)
    rng = np.random.default_rng(seed)
    first = glorot_uniform if conf.init == "glorot" else he_normal
    weights = []
    for draw, n_in, n_out in ((first, mnist_net.N_INPUTS, mnist_net.N_HIDDEN),
                              (glorot_uniform, mnist_net.N_HIDDEN, mnist_net.N_OUTPUTS)):
        W = np.zeros((n_out, n_in + 1), dtype=dtype)
        W[:, 1:] = draw(rng, n_in, n_out)
        weights.append(W)
    return tuple(weights)


def _configuration(func, conf):
    if isinstance(conf, Configuration):
        return conf
    return TABLE_5_1[checks.choice(func, "conf", conf, TABLE_5_1)]


def test_error(W1, W2, data, hidden):
    """Fraction of data misclassified by the 784-25-10 net (argmax of the outputs)."""
    return float(np.mean(np.argmax(mlp_logits(W1, W2, data.X, hidden=hidden), 1)
                         != data.labels))


def run_configuration(conf, train, test, *, epochs, seed=0, dtype=np.float32):
    """Train configuration `conf` (1-5 or a Configuration) on Prepared train data; returns
    the test error after each epoch. Epoch orders come from np.random.default_rng(seed)."""
    f = "run_configuration"
    conf = _configuration(f, conf)
    epochs = checks.number(f, "epochs", epochs, low=1, integer=True)
    train = mnist_net.check_prepared(f, "train", train)
    test = mnist_net.check_prepared(f, "test", test)
    W1, W2 = init_weights(conf, seed, dtype)
    if conf.optimizer == "sgd":  # Chapter 04's kernel: half SSE, so the Keras lr is scaled
        history = mnist_net.fit(W1, W2, train, test, epochs=epochs, seed=seed,
                                lr=KERAS_MSE_SCALE * conf.lr, progress=False)
        return [1.0 - a for a in history.val_accuracy]
    moments = [np.zeros_like(W) for W in (W1, W1, W2, W2)]
    rng, t, errors = np.random.default_rng(seed), 0, []
    for _ in range(epochs):
        _, t = mlp_adam_epoch(W1, W2, *moments, train.X, train.T,
                              rng.permutation(train.X.shape[0]), t,
                              batch_size=conf.batch_size, lr=conf.lr, hidden=conf.hidden,
                              output=conf.output)
        errors.append(test_error(W1, W2, test, conf.hidden))
    return errors


def lr_search(train_images, train_labels, test_images, test_labels, *, lrs, conf=5,
              n_validation=10000, epochs=1, seed=0):
    """The honest search: hold out the last n_validation training images as a validation
    set, train one net per learning rate on the rest, pick the lowest validation error, then
    train that one on all training images and measure the test set once.

    Returns (validation_errors {lr: error}, best_lr, test_error_of_the_final_net).
    """
    f = "lr_search"
    base = _configuration(f, conf)
    lrs = checks.as_list(f, "lrs", lrs, "learning rates")
    if not lrs:
        raise ValueError(f"{f}: lrs is empty; give at least one learning rate to try")
    lrs = [checks.number(f, f"lrs[{i}]", lr, low=0.0, low_open=True) for i, lr in enumerate(lrs)]
    train_labels = checks.labels(f, "train_labels", train_labels)
    n_validation = checks.number(f, "n_validation", n_validation, low=1,
                                 high=len(train_labels) - 1, integer=True)
    n = len(train_labels) - n_validation
    fit_part = mnist_net.prepare(train_images[:n], train_labels[:n])
    val = mnist_net.prepare(train_images[n:], train_labels[n:], fit_part.mean, fit_part.std)
    val_errors = {}
    for lr in lrs:
        c = Configuration(**{**base.__dict__, "lr": lr})
        val_errors[lr] = run_configuration(c, fit_part, val, epochs=epochs, seed=seed)[-1]
    best = min(val_errors, key=val_errors.get)
    full = mnist_net.prepare(train_images, train_labels)
    test = mnist_net.prepare(test_images, test_labels, full.mean, full.std)
    final = run_configuration(Configuration(**{**base.__dict__, "lr": best}), full, test,
                              epochs=epochs, seed=seed)[-1]
    return val_errors, best, final


# --- output saturation: MSE against cross-entropy ------------------------------------------------

def output_delta(y_hat, target, loss):
    """dL/dz of a logistic output y_hat = S(z): "mse" (half squared error) gives
    (y_hat - y) S'(z) = (y_hat - y) y_hat (1 - y_hat); "ce" (cross-entropy, Eq. 5-2) gives
    y_hat - y. Elementwise on arrays."""
    checks.choice("output_delta", "loss", loss, ("mse", "ce"))
    y_hat = np.asarray(y_hat, dtype=float)
    if loss == "ce":
        return y_hat - target
    return (y_hat - target) * y_hat * (1 - y_hat)


# --- saturation in a deep stack ------------------------------------------------------------------

ACTIVATIONS = {"tanh": Tanh, "sigmoid": Sigmoid, "relu": ReLU, "leaky_relu": LeakyReLU,
               "elu": ELU}


def _normal_one(rng, n_in, n_out):
    """N(0, 1) whatever the fan-in: the naive choice, which saturates tanh at once."""
    return rng.normal(0.0, 1.0, size=(n_in, n_out))


INITS = {"normal(1)": _normal_one, "uniform(0.1)": "uniform", "glorot": "glorot", "he": "he"}


def deep_net(depth, width, activation, init, *, n_in=784, n_out=10, seed=0):
    """depth hidden layers of `width` with `activation`, each Dense drawn with `init` (one
    of INITS), then a Dense output layer (logits), all float64 from one seeded generator."""
    f = "deep_net"
    depth = checks.number(f, "depth", depth, low=1, integer=True)
    width = checks.number(f, "width", width, low=1, integer=True)
    act = ACTIVATIONS[checks.choice(f, "activation", activation, ACTIVATIONS)]
    draw = INITS[checks.choice(f, "init", init, INITS)]
    rng = np.random.default_rng(seed)
    layers, sizes = [], [n_in] + [width] * depth
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [Dense(a, b, init=draw, rng=rng), act()]
    layers.append(Dense(sizes[-1], n_out, init="glorot", rng=rng))
    return Sequential(layers)


def layer_statistics(net, X, labels):
    """Forward X through net, backward the softmax cross-entropy of labels. Returns
    (activations, gradients, loss): one array per hidden layer, its outputs and the
    gradient dL/dz at its Dense output (what reaches the weights below it)."""
    activations, zs = [], []
    out = X
    for layer in net.layers:
        out = layer.forward(out, training=True)
        if isinstance(layer, Dense):
            zs.append(layer)
        else:
            activations.append(out)
    loss, d = softmax_cross_entropy(out, labels)
    grads = []
    for layer in reversed(net.layers):
        d = layer.backward(d)
        if not isinstance(layer, Dense):
            grads.append(d)  # dL/dz, just below the activation
    return activations, grads[::-1], float(loss)


def first_steps(net, X, labels, *, steps=30, batch_size=64, lr=0.01, seed=0):
    """SGD (lr) on minibatches of X for `steps` steps; returns the loss before each step,
    ending with inf where the run diverged (its logits overflowed)."""
    rng, opt, losses = np.random.default_rng(seed), SGD(lr), []
    for _ in range(steps):
        rows = rng.choice(len(X), size=batch_size, replace=False)
        try:
            loss, d = softmax_cross_entropy(net.forward(X[rows], training=True), labels[rows])
        except checks.NotFiniteError:
            loss = np.inf
        losses.append(float(loss))
        if not np.isfinite(loss):
            break
        net.backward(d)
        opt.step(net.params(), net.grads())
    return losses


# --- the optimizer race -------------------------------------------------------------------------

def _ravine(p):
    x, y = p
    return 0.5 * (x * x + 20.0 * y * y), np.array([x, 20.0 * y])


def _rosenbrock(p):
    x, y = p
    return ((1 - x) ** 2 + 10 * (y - x * x) ** 2,
            np.array([-2 * (1 - x) - 40 * x * (y - x * x), 20 * (y - x * x)]))


def _two_wells(p):
    """Chapter 02's tilted double well in x, a parabola in y: a local minimum near x = 1.4,
    the global one near x = -1.7."""
    x, y = p
    return (0.1 * x ** 4 - 0.5 * x ** 2 + 0.3 * x + 0.5 * y * y,
            np.array([0.4 * x ** 3 - x + 0.3, y]))


SURFACES = {  # name: (f(p) -> (value, gradient), start, plot box (x0, x1, y0, y1))
    "ravine": (_ravine, (-4.0, 1.0), (-5.0, 5.0, -2.0, 2.0)),
    "rosenbrock": (_rosenbrock, (-1.5, 2.0), (-2.0, 2.0, -1.0, 3.0)),
    "two wells": (_two_wells, (2.5, 1.5), (-3.0, 3.0, -2.0, 2.0)),
}
RACERS = ("SGD", "momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam")


def make_optimizer(name, lr, adaptive_lr, momentum=0.9):
    """The racer `name` of RACERS: lr drives SGD and the momentum pair, adaptive_lr the three
    adaptive ones (their steps are about adaptive_lr long whatever the gradient's size)."""
    return {"SGD": lambda: SGD(lr), "momentum": lambda: SGD(lr, momentum),
            "Nesterov": lambda: Nesterov(lr, momentum),
            "AdaGrad": lambda: AdaGrad(adaptive_lr * 10),  # its steps shrink: a larger start
            "RMSprop": lambda: RMSprop(adaptive_lr), "Adam": lambda: Adam(adaptive_lr)}[
        checks.choice("make_optimizer", "name", name, RACERS)]()


def race(surface, *, steps=100, lr=0.02, adaptive_lr=0.1, momentum=0.9, noise=0.0, seed=0,
         racers=RACERS):
    """Run each optimizer of `racers` from the surface's start for `steps` steps. noise > 0
    adds N(0, noise^2) to each gradient component (a minibatch's gradient is the true one
    plus noise); every racer sees the same noise draws. Returns {name: path[steps + 1, 2]}
    (a path stops early if it leaves the finite numbers)."""
    f = "race"
    func, start, _ = SURFACES[checks.choice(f, "surface", surface, SURFACES)]
    steps = checks.number(f, "steps", steps, low=1, integer=True)
    noise = checks.number(f, "noise", noise, low=0.0)
    draws = np.random.default_rng(seed).normal(0.0, 1.0, size=(steps, 2)) * noise
    paths = {}
    for name in racers:
        opt, p = make_optimizer(name, lr, adaptive_lr, momentum), np.array(start, dtype=float)
        path = [p.copy()]
        for k in range(steps):
            g = func(p)[1] + draws[k]
            if not np.all(np.isfinite(g)) or np.abs(p).max() > 1e6:
                break
            opt.step([p], [g])
            path.append(p.copy())
        paths[name] = np.array(path)
    return paths

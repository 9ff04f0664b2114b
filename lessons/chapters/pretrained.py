"""Every model a widget shows, trained on first use and cached in one place, keyed by the arguments.

Widgets only draw: the training behind them lives here, next to the library it uses.

- `playground_run(dataset, hidden, activation, lr, epochs, seed)`: chapter 03's MLP playground,
  a 2 -> hidden -> 1 network trained with a parameter snapshot per epoch;
- `mnist_test_set()` and `trained_network(seed, epochs)`: chapter 04's 784-25-10 network, the
  chapter's own run (lessons.chapters.ch04_mnist_net.fit);
- `trained_filters()`: chapter 07's eight first-layer filters of a small CNN trained on MNIST;
- `trained_cnn()`: chapter 08's Skansi CNN after three epochs (lessons.chapters.ch08_cnn);
- `play_classifier_curves(width, seed)`: chapter 06's 64-width text classifier, "which play
  is this passage from?" (lessons.chapters.ch06_text), its curves over 20 epochs.

Each result is computed once per process for the same arguments (`is_cached` says whether a
call would train) and returned read-only. Training reports its progress to whoever asked
for it with `reporting(callback)`: callback(fraction in [0, 1], text), on the training
thread, so a widget can train in the background and show a progress bar.
"""
import collections
import contextlib
import dataclasses
import functools
import inspect
import threading
from typing import NamedTuple

import numpy as np

from lessons import reference
from lessons.chapters import ch04_mnist_net as mnist_net
from lessons.chapters import ch06_text
from lessons.chapters import ch08_cnn as cnn
from lessons.data import load_mnist, mnist_subset
from lessons.data.generators import circles, moons, spirals, xor_points
from lessons.kernels import binary_cross_entropy, mlp_forward, softmax, softmax_cross_entropy
from lessons.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential, Sigmoid, Tanh
from lessons.optim import SGD
from lessons.train import Callback, Snapshots, evaluate, fit, predict

_cache = {}  # func name -> OrderedDict(key -> result), least recently used first
_lock = threading.RLock()  # one training at a time; cached answers never wait for it
_local = threading.local()


def frozen(a):
    """A read-only copy of `a` (what the cache hands out is shared by every caller)."""
    a = np.array(a)
    a.flags.writeable = False
    return a


@contextlib.contextmanager
def reporting(callback):
    """Within the block, training on this thread calls callback(fraction, text)."""
    previous = getattr(_local, "callback", None)
    _local.callback = callback
    try:
        yield
    finally:
        _local.callback = previous


def report(fraction, text):
    callback = getattr(_local, "callback", None)
    if callback is not None:
        callback(float(fraction), text)


def cached(maxsize):
    """Memoise by the positional and keyword arguments, keeping the `maxsize` latest; the
    wrapper's is_cached(...) tells whether a call would compute (a View's training hook)."""
    def wrap(func):
        entries = _cache.setdefault(func.__name__, collections.OrderedDict())
        signature = inspect.signature(func)

        def key_of(args, kwargs):  # f(0, 1), f(seed=0, epochs=1) and f() are one key
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return tuple(bound.arguments.values())

        @functools.wraps(func)
        def cached(*args, **kwargs):
            key = key_of(args, kwargs)
            if key not in entries:
                with _lock:
                    if key not in entries:
                        entries[key] = func(*args, **kwargs)
                        while len(entries) > maxsize:
                            entries.popitem(last=False)
            entries.move_to_end(key)
            return entries[key]

        cached.is_cached = lambda *args, **kwargs: key_of(args, kwargs) in entries
        return cached
    return wrap


def clear():
    """Forget every trained model (the next call trains again)."""
    for entries in _cache.values():
        entries.clear()


class _Progress(Callback):
    """A fit callback: report the share of batches done."""

    def __init__(self, what):
        self.what, self.done = what, 0

    def on_train_begin(self, state):
        self.done = 0
        report(0.0, self.what)

    def on_batch_end(self, state):
        self.done += 1
        total = state.epochs * state.batches
        if self.done % max(1, total // 50) == 0:  # about 50 reports a run
            report(self.done / total, f"{self.what}: epoch {state.epoch + 1}/{state.epochs}")


# --- chapter 03: the MLP playground -----------------------------------------------------------

PLAYGROUND_POINTS = 200
PLAYGROUND_BATCH = 32
PLAYGROUND_DATASETS = {
    "xor": lambda seed: xor_points(PLAYGROUND_POINTS, noise=0.25, seed=seed),
    "moons": lambda seed: moons(PLAYGROUND_POINTS, noise=0.15, seed=seed),
    "circles": lambda seed: circles(PLAYGROUND_POINTS, noise=0.08, factor=0.5, seed=seed),
    "spirals": lambda seed: spirals(PLAYGROUND_POINTS, k=2, noise=0.03, turns=0.75, seed=seed),
}
PLAYGROUND_ACTIVATIONS = {"tanh": (Tanh, reference.tanh), "relu": (ReLU, reference.relu),
                          "sigmoid": (Sigmoid, reference.sigmoid)}


@dataclasses.dataclass(frozen=True)
class Run:
    """One playground training run: the data, a parameter snapshot per recorded epoch (epoch
    k is params[k]), the loss and accuracy on all points at each snapshot, and the epoch in
    which training diverged (None if it did not)."""

    X: np.ndarray
    y: np.ndarray
    params: tuple
    loss: np.ndarray
    accuracy: np.ndarray
    diverged_at: object
    box: tuple


def _playground_model(hidden, activation, seed):
    layer, _ = PLAYGROUND_ACTIVATIONS[activation]
    rng = np.random.default_rng(seed)
    init = "he" if activation == "relu" else "glorot"  # He keeps ReLU units from dying at start
    return Sequential([Dense(2, hidden, init=init, rng=rng), layer(),
                       Dense(hidden, 1, init="glorot", rng=rng), Sigmoid()])


def playground_hidden(params, activation, P):
    """The hidden units' outputs [n, hidden] of a snapshot at the points P[n, 2]."""
    W1, b1 = params[0], params[1]
    return PLAYGROUND_ACTIVATIONS[activation][1](reference.dense_forward(P, W1, b1))


def playground_probability(params, activation, P):
    """P(class 1) [n] of a snapshot at the points P[n, 2] (NaN and overflow as 0 or 1)."""
    W2, b2 = params[2], params[3]
    z = reference.dense_forward(playground_hidden(params, activation, P), W2, b2)
    return reference.sigmoid(np.nan_to_num(z, nan=0.0, posinf=1e300, neginf=-1e300)).ravel()


def _box(X):
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.15 * (hi - lo)
    return tuple((float(a), float(b)) for a, b in zip(lo - pad, hi + pad))


@cached(maxsize=64)
def playground_run(dataset, hidden, activation, lr, epochs, seed):
    """Train 2 -> hidden -> 1 (Dense, activation, Dense, Sigmoid; binary cross-entropy; SGD on
    minibatches of 32) for these settings; a Run with a snapshot of every epoch."""
    X, y = PLAYGROUND_DATASETS[dataset](seed)
    model = _playground_model(hidden, activation, seed)
    snaps = Snapshots(every=1)
    with np.errstate(over="ignore", invalid="ignore"):
        history = fit(model, binary_cross_entropy, SGD(lr), X, y[:, None].astype(float),
                      epochs=epochs, batch_size=PLAYGROUND_BATCH, seed=seed,
                      callbacks=[snaps, _Progress(f"training on {dataset}")], progress=False)
        diverged_at = len(history) + 1 if history.diverged else None
        losses, accuracies = [], []
        for params in snaps.params:
            p = playground_probability(params, activation, X)
            losses.append(reference.binary_cross_entropy(p, y.astype(float))[0])
            accuracies.append(float(np.mean((p > 0.5) == (y == 1))))
    params = tuple(tuple(frozen(a) for a in p) for p in snaps.params)
    return Run(frozen(X), frozen(y), params, frozen(losses), frozen(accuracies), diverged_at,
               _box(X))


# --- chapter 04: Ekman's 784-25-10 network on MNIST -------------------------------------------

MNIST_DTYPE = np.float64  # the chapter's dtype: its printed accuracies must not depend on the CPU


class Network(NamedTuple):
    """A trained 784-25-10 net and what it says about the 10,000 test images (read-only)."""

    W1: np.ndarray  # [25, 785], bias weights in column 0
    W2: np.ndarray  # [10, 26]
    outputs: np.ndarray  # [10000, 10] logistic outputs
    predicted: np.ndarray  # [10000]
    errors: np.ndarray  # indices of the misclassified test images, ascending
    train_accuracy: tuple  # per epoch, counted during the pass (as the book does)
    test_accuracy: tuple


def mnist_training_set():
    """The standardized MNIST training set of the chapter (376 MB in float64). Not cached: only
    a training run needs it, and a kernel that kept it would hold the memory for nothing."""
    return mnist_net.prepare(*load_mnist("train"), dtype=MNIST_DTYPE)


@cached(maxsize=1)
def mnist_test_set():
    """(test, test_images): the standardized MNIST test set of the chapter (the training set's
    mean and std) and the raw test images [10000, 28, 28] uint8 for display."""
    train = mnist_training_set()
    test_images, test_labels = load_mnist("test")
    test = mnist_net.prepare(test_images, test_labels, train.mean, train.std,
                             dtype=MNIST_DTYPE)
    test_images.setflags(write=False)
    return test, test_images


@cached(maxsize=8)
def trained_network(seed=0, epochs=1):
    """The network after `epochs` epochs of the book's run from init_weights(seed), with
    mnist_net.fit(..., seed=seed): the same weights the chapter's cells get."""
    report(0.0, f"training the 784-25-10 network (seed {seed}, {epochs} epochs)")
    (test, _), train = mnist_test_set(), mnist_training_set()  # one training copy at a time
    W1, W2 = mnist_net.init_weights(seed, dtype=MNIST_DTYPE)
    history = mnist_net.fit(W1, W2, train, test, epochs=epochs, lr=mnist_net.BOOK_LR,
                            seed=seed, progress=False)
    outputs = mlp_forward(W1, W2, test.X)
    predicted = np.argmax(outputs, axis=1)
    errors = np.flatnonzero(predicted != test.labels)
    return Network(frozen(W1), frozen(W2), frozen(outputs), frozen(predicted), frozen(errors),
                   tuple(history.accuracy), tuple(history.val_accuracy))


# --- chapter 07: learned first-layer filters --------------------------------------------------

N_FILTERS = 8


@cached(maxsize=1)
def trained_filters():
    """(K[8, 3, 3], test accuracy) of a small CNN trained on MNIST (about 2 s): Conv(1 -> 8,
    3 x 3, pad 1) -> ReLU -> max-pool 2 -> Dense(10), 3 epochs of SGD (0.05, momentum 0.9,
    batch 32) on 2,000 training digits scaled to [0, 1], like the feature-map widget's
    inputs; its accuracy is measured on 1,000 test digits. Seeded: the same filters on every
    run."""
    images, labels = mnist_subset(2000, seed=0, normalize=True)
    test, test_labels = mnist_subset(1000, kind="test", seed=0, normalize=True)
    model = Sequential([Conv2D(1, N_FILTERS, 3, pad=1, init="he", seed=0, dtype=np.float32),
                        ReLU(), MaxPool2D(2), Flatten(),
                        Dense(N_FILTERS * 14 * 14, 10, seed=1, dtype=np.float32)])
    fit(model, softmax_cross_entropy, SGD(0.05, momentum=0.9), images[:, None], labels,
        epochs=3, batch_size=32, seed=0, callbacks=[_Progress("training a small CNN")],
        progress=False)
    _, accuracy = evaluate(model, softmax_cross_entropy, test[:, None], test_labels)
    return frozen(model.layers[0].K[:, 0].astype(np.float64)), accuracy


# --- chapter 08: Skansi's CNN -----------------------------------------------------------------

CNN_TRAIN = 1000  # training images (100 per digit)
CNN_TEST = 1000   # test images (100 per digit)
CNN_EPOCHS = 3
CNN_SEED = 0
CNN_BATCH = 32


class Trained(NamedTuple):
    """The trained network and the test images it is shown (arrays read-only)."""

    model: object
    history: object
    test_images: np.ndarray  # [CNN_TEST, 28, 28] uint8, for display
    test_X: np.ndarray       # [CNN_TEST, 1, 28, 28] standardized with the training statistics
    test_labels: np.ndarray
    probabilities: np.ndarray  # [CNN_TEST, 10] softmax outputs
    test_accuracy: float


@cached(maxsize=1)
def trained_cnn():
    """Skansi's CNN (lessons.chapters.ch08_cnn.skansi_cnn, float64 so its printed numbers do
    not depend on the CPU) after CNN_EPOCHS epochs of SGD(0.01, momentum 0.9), batch 32, on
    mnist_subset(CNN_TRAIN, seed=CNN_SEED), model and order seeded with CNN_SEED: the run the
    chapter's cells use."""
    images, labels = mnist_subset(CNN_TRAIN, seed=CNN_SEED)
    test_images, test_labels = mnist_subset(CNN_TEST, kind="test", seed=CNN_SEED)
    mean, std = float(images.mean()), float(images.std())
    X = cnn.standardize(images, mean, std, dtype=np.float64)
    test_X = cnn.standardize(test_images, mean, std, dtype=np.float64)
    model = cnn.skansi_cnn(seed=CNN_SEED, dtype=np.float64)
    history = fit(model, softmax_cross_entropy, SGD(0.01, momentum=0.9), X, labels,
                  epochs=CNN_EPOCHS, batch_size=CNN_BATCH, seed=CNN_SEED,
                  callbacks=[_Progress("training Skansi's CNN")], progress=False)
    probabilities = softmax(predict(model, test_X))
    accuracy = float(np.mean(np.argmax(probabilities, axis=1) == test_labels))
    return Trained(model, history, frozen(test_images), frozen(test_X), frozen(test_labels),
                   frozen(probabilities), accuracy)


# --- chapter 06: Chollet's text classifier on Shakespeare -------------------------------------

class Curves(NamedTuple):
    """Per-epoch loss and accuracy on the training and on the validation passages (index
    k = after epoch k + 1), and sum p^2 of the training labels."""

    loss: np.ndarray
    accuracy: np.ndarray
    val_accuracy: np.ndarray
    val_loss: np.ndarray
    sum_p2: float


@cached(maxsize=16)
def play_classifier_curves(width, seed):
    """MultiHotDense(64), ReLU, Dense(width), ReLU, Dense(8) on the chapter's passages of
    eight plays, split by `seed`, 20 epochs of RMSprop (ch06_text.train_classifier)."""
    data = ch06_text.load_text_data(seed=seed)
    _, h = ch06_text.train_classifier(data, (64, width), seed=seed,
                                      callbacks=[_Progress(f"training 64-{width}")])
    return Curves(frozen(h.loss), frozen(h.accuracy), frozen(h.val_accuracy), frozen(h.val_loss),
                  ch06_text.shuffled_baseline(data)[1])

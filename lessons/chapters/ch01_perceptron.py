"""Chapter 01, The Perceptron: shuffled orders drawn in Python, training runs, the book's trace.

Randomness never lives inside a kernel: the order in which examples are visited is drawn
here and passed in, which is what lets the Numba kernel replay Ekman's NAND run exactly.
"""
import random
from dataclasses import dataclass

import numpy as np

from lessons.data import gate
from lessons.kernels import checks
from lessons.kernels import perceptron_train

# Ekman's NAND run (Snippets 1-2 to 1-4): random.seed(7), lr 0.1, these initial weights.
BOOK_NAND_W0 = (0.2, -0.6, 0.25)
BOOK_NAND_LR = 0.1
BOOK_NAND_SEED = 7
# The book's x_train (Snippet 1-2) lists (-1, +1) before (+1, -1); Table 1-1, and gate(), list
# them the other way round. The book's shuffles index x_train, so its replays take this order.
BOOK_ROWS = (0, 2, 1, 3)
MAX_HISTORY = 10_000  # updates a run keeps (the widget replays at most 60 of them)


def book_orders(n=4, epochs=4, seed=BOOK_NAND_SEED):
    """The orders CPython's `random.shuffle` gives the book's loop: one reshuffle per pass.

    The book shuffles the *same* list every pass, so each order starts from the previous one.
    With the book's seed 7 and n = 4: [3,1,0,2], [1,0,2,3], [0,1,3,2], [2,3,0,1].
    """
    f = "book_orders"
    n = checks.number(f, "n", n, low=1, integer=True)
    epochs = checks.number(f, "epochs", epochs, low=1, integer=True)
    rng = random.Random(checks.number(f, "seed", seed, low=0, integer=True))
    index_list = list(range(n))
    orders = []
    for _ in range(epochs):
        rng.shuffle(index_list)
        orders.append(list(index_list))
    return np.array(orders, dtype=np.int64)


def book_gate(name):
    """gate(name) with its rows in the order of the book's x_train, the list its shuffles index:
    (x1, x2) = (-1, -1), (-1, +1), (+1, -1), (+1, +1)."""
    X, y = gate(name)
    rows = list(BOOK_ROWS)
    return X[rows], y[rows]


def _drawn_orders(n, epochs, seed):
    """The rows of shuffled_orders(n, epochs, seed), drawn one epoch at a time."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(n) for _ in range(epochs))


def shuffled_orders(n, epochs, seed=0):
    """orders[epochs, n]: an independent permutation of range(n) per epoch, seeded."""
    n = checks.number("shuffled_orders", "n", n, low=1, integer=True)
    epochs = checks.number("shuffled_orders", "epochs", epochs, low=1, integer=True)
    seed = checks.number("shuffled_orders", "seed", seed, low=0, integer=True)
    return np.array(list(_drawn_orders(n, epochs, seed)), dtype=np.int64)


@dataclass(frozen=True)
class PerceptronRun:
    """A finished training run: history[k] = weights after k updates (history[0]: start)."""

    history: np.ndarray
    epochs: int
    converged: bool

    @property
    def w(self):
        return self.history[-1]

    @property
    def n_updates(self):
        return len(self.history) - 1


def train(X, y, w0, lr=0.1, *, max_epochs=100, seed=0, orders=None):
    """Train a perceptron on X[n, d] (bias input in column 0), y[n] in {-1, +1} from w0[d]
    until an error-free pass or max_epochs passes; history keeps up to MAX_HISTORY updates.

    Orders come from `shuffled_orders(n, max_epochs, seed)` unless given explicitly
    (e.g. `book_orders()` to replay the book). They are drawn one epoch at a time, so a run
    that converges early never draws the rest: max_epochs=10**9 costs nothing unused.
    w0 is copied, never modified.
    """
    f = "train"
    w = checks.array(f, "w0", w0, ndim=1, shape="[d]", dtype=np.float64).copy()
    X = checks.array(f, "X", X, ndim=2, shape="[n, d] (column 0 is the bias input 1)",
                       dtype=np.float64)
    if X.shape[1] != w.shape[0]:
        raise ValueError(f"{f}: w0 has {w.shape[0]} weights but X has {X.shape[1]} "
                         f"columns (X is [n, d] with the bias input in column 0)")
    if orders is None:
        max_epochs = checks.number(f, "max_epochs", max_epochs, low=1, integer=True)
        seed = checks.number(f, "seed", seed, low=0, integer=True)
        orders = _drawn_orders(X.shape[0], max_epochs, seed)
    else:
        orders = checks.indices(f, "orders", orders, upper=X.shape[0], ndim=2,
                                  shape="[epochs, k] (one row of indices per epoch)")
    history, epochs, converged = [w.copy()], 0, False
    for order in orders:
        epochs += 1
        _, converged, steps = perceptron_train(w, X, y, order[None], lr, max_history=len(order))
        history.extend(steps[1:MAX_HISTORY + 1 - len(history)])  # steps[0] is the w we had
        if converged:
            break
    return PerceptronRun(np.array(history), epochs, converged)

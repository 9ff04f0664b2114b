"""Chapter 01, The Perceptron: shuffled orders drawn in Python, training runs, the book's trace.

Randomness never lives inside a kernel: the order in which examples are visited is drawn
here and passed in, which is what lets the Numba kernel replay Ekman's NAND run exactly.
"""
import random
from dataclasses import dataclass

import numpy as np

from lessons import validate
from lessons.kernels import perceptron_train

# Ekman's NAND run (Snippets 1-2 to 1-4): random.seed(7), lr 0.1, these initial weights.
BOOK_NAND_W0 = (0.2, -0.6, 0.25)
BOOK_NAND_LR = 0.1
BOOK_NAND_SEED = 7


def book_orders(n=4, epochs=4, seed=BOOK_NAND_SEED):
    """The orders CPython's `random.shuffle` gives the book's loop: one reshuffle per pass.

    The book shuffles the *same* list every pass, so each order starts from the previous one.
    With the book's seed 7 and n = 4: [3,1,0,2], [1,0,2,3], [0,1,3,2], [2,3,0,1].
    """
    rng = random.Random(seed)
    index_list = list(range(n))
    orders = []
    for _ in range(epochs):
        rng.shuffle(index_list)
        orders.append(list(index_list))
    return np.array(orders, dtype=np.int64)


def shuffled_orders(n, epochs, seed=0):
    """orders[epochs, n]: an independent permutation of range(n) per epoch, seeded."""
    n = validate.number("shuffled_orders", "n", n, low=1, integer=True)
    epochs = validate.number("shuffled_orders", "epochs", epochs, low=1, integer=True)
    seed = validate.number("shuffled_orders", "seed", seed, low=0, integer=True)
    rng = np.random.default_rng(seed)
    return np.array([rng.permutation(n) for _ in range(epochs)], dtype=np.int64)


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
    """Train a perceptron from w0 until an error-free pass or max_epochs passes.

    Orders come from `shuffled_orders(n, max_epochs, seed)` unless given explicitly
    (e.g. `book_orders()` to replay the book). w0 is copied, never modified.
    """
    w = validate.array("train", "w0", w0, ndim=1, shape="[d]", dtype=np.float64).copy()
    if np.ndim(X) == 2 and np.shape(X)[1] != w.shape[0]:
        raise ValueError(f"train: w0 has {w.shape[0]} weights but X has {np.shape(X)[1]} "
                         f"columns (X is [n, d] with the bias input in column 0)")
    if orders is None:
        max_epochs = validate.number("train", "max_epochs", max_epochs, low=1, integer=True)
        orders = shuffled_orders(np.shape(X)[0], max_epochs, seed)
    epochs, converged, history = perceptron_train(w, X, y, orders, lr)
    return PerceptronRun(history, epochs, converged)

"""Chapter 06, Regression and Regularization: the regularization lab.

Train Ekman's Boston network with the capacity, L2 lambda, dropout rate, early-stopping
patience and training-set size you choose, and watch overfitting happen or not: left, the MAE
on the training rows and on the validation rows after every epoch (the early-stopping epoch
marked); right, the kept network's predicted against true price on the test rows, with least
squares' predictions as the reference. "compare" trains a second network from the SAME initial
weights with no regularization at all (dashed curves, grey points), so the difference you see
is the regularization's, not a luckier start.

The validation rows are N_VALIDATION of Keras' 404 training rows, drawn with the state's seed;
the training rows are the first n of the others, in Keras' order. Early stopping watches the
validation rows only: Keras' 102 test rows are used once, to report the kept network's test
MAE (section 8 of the chapter: the test set must not choose the epoch). Training runs once
per setting (`train_run` is cached). `static_figure()` is the fallback without a kernel.
"""
import dataclasses
import functools

import ipywidgets as W
import numpy as np

from lessons.chapters import pretrained
from lessons.chapters.ch06_regression import (
    boston_standardized, fit_regression, glorot_params, least_squares, least_squares_predict,
    mae,
)
from widgets.base import ACCENT, NEGATIVE, POSITIVE, View, argument, factory, flag, new_figure

CAPACITIES = {"linear": (), "16/16": (16, 16), "64/64": (64, 64), "128/128/64": (128, 128, 64)}
EPOCHS = 150
N_VALIDATION = 100  # of Keras' 404 training rows: early stopping's and the curves' rows
N_TRAIN_RANGE = (40, 404 - N_VALIDATION)


@dataclasses.dataclass(frozen=True)
class LabState:
    """The lab's settings. patience 0 means no early stopping."""

    capacity: str = "64/64"
    l2: float = 0.0
    dropout: float = 0.0
    patience: int = 0
    n_train: int = N_TRAIN_RANGE[1]
    epochs: int = EPOCHS
    seed: int = 0
    compare: bool = True


@dataclasses.dataclass(frozen=True)
class LabRun:
    train_mae: tuple
    val_mae: tuple
    predicted: np.ndarray  # the kept network's predictions for the test rows
    test_mae: float
    best_epoch: object
    stopped_epoch: object


@functools.lru_cache(maxsize=64)
def _data(n_train, seed):
    """(X, y, X_val, y_val, X_test, y_test): N_VALIDATION of Keras' training rows drawn with
    np.random.default_rng(seed) validate; the first n_train of the others, in their order,
    train; Keras' test rows test."""
    (X, y), (X_test, y_test), _ = boston_standardized()
    order = np.random.default_rng(seed).permutation(len(y))
    val, rest = order[:N_VALIDATION], np.sort(order[N_VALIDATION:])
    fit = rest[:n_train]
    return X[fit], y[fit], X[val], y[val], X_test, y_test


@pretrained.cached(maxsize=64)
def train_run(capacity, l2, dropout, patience, n_train, epochs, seed):
    """One training run (cached): per-epoch MAE on the training and validation rows (early
    stopping watches the validation rows), the best and stopping epochs, and the kept
    network's predictions and MAE on the test rows."""
    X, y, X_val, y_val, X_test, y_test = _data(n_train, seed)
    hidden = CAPACITIES[capacity]
    initial = glorot_params((X.shape[1], *hidden, 1), np.random.default_rng(seed))
    run = fit_regression(X, y, hidden, epochs=epochs, l2=l2, dropout=dropout, seed=seed,
                         validation=(X_val, y_val), patience=patience or None,
                         initial=initial)
    predicted = run.predict(X_test)
    predicted.flags.writeable = False
    return LabRun(tuple(run.train_mae), tuple(run.val_mae), predicted, mae(predicted, y_test),
                  run.best_epoch, run.stopped_epoch)


def _runs(state):
    """The train_run arguments of the state's run and of its unregularized reference."""
    n, epochs, seed = int(state.n_train), int(state.epochs), int(state.seed)
    return [(state.capacity, float(state.l2), float(state.dropout), int(state.patience), n,
             epochs, seed), (state.capacity, 0.0, 0.0, 0, n, epochs, seed)]


def run_of(state):
    return train_run(*_runs(state)[0])


def reference_of(state):
    """The unregularized run from the same initial weights (and the same data)."""
    return train_run(*_runs(state)[1])


def training(state):
    """The runs to train before `state` can be drawn (on the View's thread, with its progress
    bar), or None when both are cached."""
    todo = [args for args in _runs(state) if not train_run.is_cached(*args)]
    return (lambda: [train_run(*args) for args in todo]) if todo else None


def summary(state):
    run = run_of(state)
    k = (run.best_epoch or len(run.val_mae)) - 1
    kept = f"epoch {k + 1}, kept by early stopping" if run.best_epoch else f"epoch {k + 1}"
    return (f"{state.capacity}, L2 {state.l2:g}, dropout {state.dropout:g}, "
            f"{state.n_train} training rows: train MAE {run.train_mae[k]:.2f}, "
            f"validation MAE {run.val_mae[k]:.2f} ({kept}); test MAE {run.test_mae:.2f}")


def _draw_curves(ax, state, run, ref):
    epochs = np.arange(1, len(run.train_mae) + 1)
    ax.plot(epochs, run.train_mae, color=POSITIVE, label="training rows")
    ax.plot(epochs, run.val_mae, color=NEGATIVE, label="validation rows")
    if ref is not None:
        e = np.arange(1, len(ref.train_mae) + 1)
        ax.plot(e, ref.train_mae, color=POSITIVE, ls="--", lw=1, label="unregularized, train")
        ax.plot(e, ref.val_mae, color=NEGATIVE, ls="--", lw=1,
                label="unregularized, validation")
    if run.best_epoch:
        ax.axvline(run.best_epoch, color=ACCENT, lw=1)
        ax.annotate(f"best {run.best_epoch}\nstopped {run.stopped_epoch or len(epochs)}",
                    (run.best_epoch, 0.95), xycoords=("data", "axes fraction"), fontsize=8,
                    va="top", color=ACCENT)
    top = max(run.val_mae[min(9, len(run.val_mae) - 1)], max(run.val_mae[-1], 1.0)) * 1.5
    ax.set_ylim(0, top)  # the first epochs (MAE about 20) would hide the gap that matters
    ax.set_xlabel("epoch")
    ax.set_ylabel("MAE ($1000s)")
    ax.legend(fontsize=7, loc="center right")
    ax.set_title("learning curves", fontsize=10)


def _draw_scatter(ax, state, run, ref):
    X, y, _, _, X_test, y_test = _data(state.n_train, state.seed)
    if ref is not None:
        ax.scatter(y_test, ref.predicted, s=10, color="0.6",
                   label=f"unregularized (MAE {ref.test_mae:.2f})")
    ax.scatter(y_test, run.predicted, s=12, color=POSITIVE,
               label=f"this run (MAE {run.test_mae:.2f})")
    ls = least_squares_predict(least_squares(X, y), X_test)
    ax.scatter(y_test, ls, s=10, marker="x", lw=0.8, color=ACCENT,
               label=f"least squares (MAE {mae(ls, y_test):.2f})")
    ax.plot([0, 55], [0, 55], color="0.3", lw=0.8, ls=":")
    ax.set_xlim(0, 55)
    ax.set_ylim(-5, 60)
    ax.set_xlabel("true price ($1000s)")
    ax.set_ylabel("predicted")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("test rows, kept network", fontsize=10)


def render(state):
    """The lab's figure for `state` (pure: the same state draws the same figure)."""
    run = run_of(state)
    ref = reference_of(state) if state.compare and (state.l2 or state.dropout or
                                                    state.patience) else None
    fig, (left, right) = new_figure(10, 4, ncols=2)
    _draw_curves(left, state, run, ref)
    _draw_scatter(right, state, run, ref)
    fig.suptitle(summary(state), fontsize=10)
    fig.align_labels()
    return fig


STATIC_STATES = (LabState("64/64", epochs=EPOCHS), LabState("64/64", l2=0.1, epochs=EPOCHS),
                 LabState("64/64", dropout=0.2, patience=10, n_train=100, epochs=EPOCHS))


def static_figure(states=STATIC_STATES):
    """Learning curves of a few fixed settings side by side: the fallback without a kernel."""
    fig, axes = new_figure(3.6 * len(states), 3.4, ncols=len(states), squeeze=False)
    for ax, state in zip(axes[0], states):
        run = run_of(state)
        _draw_curves(ax, state, run, None)
        ax.set_title(summary(state).replace(": ", ":\n", 1).replace("; ", "\n"), fontsize=7)
    return fig


@factory(LabState)
def regularization_lab(capacity="64/64", l2=0.0, dropout=0.0, patience=0,
                       n_train=N_TRAIN_RANGE[1], epochs=EPOCHS, seed=0, compare=True):
    """The interactive lab; returns a View."""
    f = "regularization_lab"
    state = LabState(
        argument(f, "capacity", capacity, options=CAPACITIES),
        argument(f, "l2", l2, low=0.0, high=1.0),
        argument(f, "dropout", dropout, low=0.0, high=0.8),
        argument(f, "patience", patience, low=0, integer=True),
        argument(f, "n_train", n_train, low=N_TRAIN_RANGE[0], high=N_TRAIN_RANGE[1],
                 integer=True),
        argument(f, "epochs", epochs, low=10, high=1000, integer=True),
        argument(f, "seed", seed, low=0, integer=True),
        flag(f, "compare", compare))
    train = dict(continuous_update=False, style={"description_width": "initial"})
    controls = {
        "capacity": W.Dropdown(options=list(CAPACITIES), value=state.capacity,
                               description="capacity"),
        "l2": W.FloatSlider(value=state.l2, min=0.0, max=1.0, step=0.01,
                            description="L2 lambda", **train),
        "dropout": W.FloatSlider(value=state.dropout, min=0.0, max=0.8, step=0.05,
                                 description="dropout rate", **train),
        "patience": W.IntSlider(value=state.patience, min=0, max=50,
                                description="patience (0 = off)", **train),
        "n_train": W.IntSlider(value=state.n_train, min=N_TRAIN_RANGE[0],
                               max=N_TRAIN_RANGE[1], step=4, description="training rows",
                               **train),
        "epochs": W.IntSlider(value=state.epochs, min=10, max=max(500, state.epochs), step=10,
                              description="epochs", **train),
        "seed": W.IntSlider(value=state.seed, min=0, max=max(20, state.seed),
                            description="seed", **train),
        "compare": W.Checkbox(value=state.compare, description="compare with unregularized"),
    }
    return View(render, state, controls, "regularization_lab", summary=summary,
                training=training)

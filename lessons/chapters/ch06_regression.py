"""Chapter 06, Regression and Regularization: overfitting and its cures (Ekman 6, Chollet 3.6,
Tavenard 5).

Everything the chapter trains goes through one kernel, `regression_adam_epoch` (a ReLU
network with a linear output, MSE, Adam, L2 and inverted dropout, in float64 with sums in a
fixed order), so a printed MAE is the same on every CPU. This module adds the experiment
around it: Keras' initialisation, an epoch loop with early stopping and per-epoch curves,
least squares as the exact reference, Table 6-2 and K-fold cross-validation.

Randomness is drawn here, in Python, from np.random.default_rng(seed), in a fixed order:
the initial weights, then for each epoch the visiting order and (with dropout) the masks.
"""
import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from lessons.data.sklearn_sets import standardize
from lessons.kernels import checks
from lessons.kernels.regression import (
    n_hidden, n_params, regression_adam_epoch, regression_predict,
)
from lessons.train import progress_bar

# Ekman's Table 6-2 (L3853-3861): (name, sizes after the 13 inputs, L2 lambda, dropout rate,
# book train MAE, book test MAE). All: Adam, MSE, 500 epochs, batch 16.
TABLE_6_2 = (
    ("1: linear", (1,), 0.0, 0.0, 10.15, 10.24),
    ("2: 64/64", (64, 64, 1), 0.0, 0.0, 0.647, 2.54),
    ("3: 64/64, L2 0.1", (64, 64, 1), 0.1, 0.0, 1.50, 2.61),
    ("4: 64/64, dropout 0.2", (64, 64, 1), 0.0, 0.2, 2.30, 2.56),
    ("5: 128/128/64, dropout 0.2", (128, 128, 64, 1), 0.0, 0.2, 2.04, 2.36),
    ("6: 128/128/64, dropout 0.3", (128, 128, 64, 1), 0.0, 0.3, 2.38, 2.31),
)


def mae(prediction, y):
    """Mean absolute error of prediction[n] against y[n], summed exactly (math.fsum), so it
    does not depend on how NumPy vectorizes a sum on this CPU. A diverged model's inf or NaN
    predictions give an inf or NaN MAE."""
    y = checks.array("mae", "y", y, ndim=1, shape="[n]", dtype=np.float64)
    prediction = checks.array("mae", "prediction", prediction, ndim=1, shape="[n]",
                              dtype=np.float64, finite=False)
    if prediction.shape != y.shape:
        raise ValueError(f"mae: prediction has shape {prediction.shape} but y has {y.shape}")
    return math.fsum(np.abs(prediction - y)) / len(y)


def _hidden(func, hidden):
    """The hidden widths as a tuple of positive ints, () for the linear model."""
    if isinstance(hidden, numbers.Number):
        raise TypeError(f"{func}: hidden must be a tuple of layer widths such as (64, 64), "
                        f"or ({hidden},) for one layer; got the number {hidden!r}")
    return checks.sizes(func, "hidden", hidden)


def glorot_params(sizes, rng):
    """Keras' default initial weights, flat: each W_l uniform in +-sqrt(6 / (n_in + n_out))
    (glorot_uniform), each bias 0. Drawn layer by layer from the np.random.Generator rng."""
    n_params(sizes)  # checks sizes
    parts = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        limit = math.sqrt(6.0 / (n_in + n_out))
        parts += [rng.uniform(-limit, limit, n_in * n_out), np.zeros(n_out)]
    return np.concatenate(parts)


@dataclass
class RegressionRun:
    """A trained network and its per-epoch curves (index k = after epoch k + 1).

    running_mae: training MAE as Keras logs it, measured while training (dropout on);
    train_mae / val_mae: MAE of the model at the end of the epoch, in inference mode (no
    dropout) on the training and validation rows (empty if not recorded).
    best_epoch / stopped_epoch: with early stopping, the epoch whose weights were kept and the
    epoch training stopped at (None if it ran to the end).
    """

    sizes: tuple
    params: np.ndarray
    initial: np.ndarray
    running_mae: list = field(default_factory=list)
    train_mae: list = field(default_factory=list)
    val_mae: list = field(default_factory=list)
    best_epoch: int | None = None
    stopped_epoch: int | None = None

    def predict(self, X):
        return regression_predict(self.params, self.sizes, X)

    def mae(self, X, y):
        return mae(self.predict(X), y)


def fit_regression(X, y, hidden=(64, 64), *, epochs=500, batch_size=16, l2=0.0, dropout=0.0,
                   seed=0, validation=None, patience=None, initial=None, record=True,
                   lr=1e-3):
    """Train Ekman's regression network on standardised X[n, d], y[n]; returns a RegressionRun.

    hidden: the hidden widths, () for the linear model; l2: Keras' l2(lambda) on every weight
    and bias; dropout: the rate after each hidden layer; validation = (X_val, y_val) records
    val_mae per epoch; patience: stop after that many epochs without a lower val_mae and keep
    the best epoch's weights (Tavenard's early stopping); initial: start from these flat
    weights instead of drawing them (two runs from the same start differ only by their
    settings); record: measure train_mae after every epoch (val_mae is measured whenever
    validation is given).
    """
    f = "fit_regression"
    X = checks.array(f, "X", X, ndim=2, shape="[n, d]").astype(np.float64, copy=False)
    y = checks.targets(f, "y", y, X, dtype=np.float64)
    hidden = _hidden(f, hidden)
    sizes = (X.shape[1], *hidden, 1)
    epochs = checks.number(f, "epochs", epochs, low=1, integer=True)
    dropout = checks.number(f, "dropout", dropout, low=0.0, high=0.95)
    seed = checks.number(f, "seed", seed, low=0, integer=True)
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise TypeError(f"{f}: validation must be a pair (X_val, y_val), got "
                            f"{type(validation).__name__}")
        X_val = checks.array(f, "X_val", validation[0], ndim=2, shape=f"[m, {X.shape[1]}]")
        if X_val.shape[1] != X.shape[1]:
            raise ValueError(f"{f}: X_val has {X_val.shape[1]} columns but X has {X.shape[1]}")
        validation = (X_val, checks.targets(f, "y_val", validation[1], X_val, "X_val",
                                                   dtype=np.float64))
    if patience is not None:
        patience = checks.number(f, "patience", patience, low=1, integer=True)
        if validation is None:
            raise ValueError(f"{f}: patience needs validation=(X_val, y_val) to watch")
    rng = np.random.default_rng(seed)
    if initial is None:
        params = glorot_params(sizes, rng)
    else:
        params = checks.array(f, "initial", initial, ndim=1, shape="[n_params]").astype(
            np.float64, copy=True)
        if params.shape[0] != n_params(sizes):
            raise ValueError(f"{f}: initial has {params.shape[0]} weights but a {sizes} network "
                             f"has {n_params(sizes)}")
    run = RegressionRun(sizes, params, params.copy())
    m, v, powers = np.zeros_like(params), np.zeros_like(params), np.ones(2)
    n, h = X.shape[0], n_hidden(sizes)
    best, best_params, wait = math.inf, None, 0
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        keep = None
        if dropout > 0 and h > 0:
            keep = (rng.random((n, h)) >= dropout) / (1.0 - dropout)
        run.running_mae.append(regression_adam_epoch(
            params, sizes, m, v, powers, X, y, order, batch_size, keep=keep, l2=l2, lr=lr)[2])
        if record:
            run.train_mae.append(run.mae(X, y))
        if validation is not None:
            run.val_mae.append(run.mae(*validation))
        if patience is not None:
            if run.val_mae[-1] < best:
                best, best_params, wait, run.best_epoch = run.val_mae[-1], params.copy(), 0, epoch
            else:
                wait += 1
                if wait >= patience:
                    run.stopped_epoch = epoch
                    break
    if patience is not None and best_params is not None:
        params[:] = best_params
    return run


def least_squares(X_train, y_train):
    """The exact minimiser of the training MSE for a linear model with a bias: weights w[d + 1]
    (w[0] the bias) from the normal equations, solved by np.linalg.lstsq."""
    f = "least_squares"
    X_train = checks.array(f, "X_train", X_train, ndim=2, shape="[n, d]", dtype=np.float64)
    y_train = checks.targets(f, "y_train", y_train, X_train, "X_train", dtype=np.float64)
    A = np.hstack([np.ones((len(X_train), 1)), X_train])
    return np.linalg.lstsq(A, y_train, rcond=None)[0]


def least_squares_predict(w, X):
    """y_hat[n] = w[0] + X[n, d] @ w[1:] for least_squares' weights w[d + 1]."""
    f = "least_squares_predict"
    X = checks.array(f, "X", X, ndim=2, shape="[n, d]", dtype=np.float64)
    w = checks.array(f, "w", w, ndim=1, shape=f"[{X.shape[1] + 1}]", dtype=np.float64)
    if w.shape[0] != X.shape[1] + 1:
        raise ValueError(f"{f}: w has {w.shape[0]} weights but X has {X.shape[1]} columns "
                         f"(w holds the bias, then one weight per column)")
    return w[0] + X @ w[1:]


def boston_standardized(drop=()):
    """Keras' Boston split, standardised with the training mean and std (Ekman's recipe):
    ((X_train, y_train), (X_test, y_test), feature names)."""
    from lessons.data.boston import load_boston_split

    (X_train, y_train), (X_test, y_test), names = load_boston_split(drop=drop)
    X_train, X_test = standardize(X_train, X_test)
    return (X_train, y_train), (X_test, y_test), names


@dataclass(frozen=True)
class TableRow:
    name: str
    n_params: int
    seed: int
    running_train_mae: float  # as Keras logs it (dropout on)
    train_mae: float          # inference mode (dropout off)
    test_mae: float
    book_train: float
    book_test: float


def table_6_2(seeds=(0,), rows=None, *, epochs=500, progress=True):
    """Ekman's Table 6-2 on Keras' Boston split: a TableRow per configuration and seed.
    rows: indices into TABLE_6_2 (default all six). progress: a bar over the configurations
    (lessons.train.progress_bar's rule)."""
    (X_train, y_train), (X_test, y_test), _ = boston_standardized()
    out = []
    indices = range(len(TABLE_6_2)) if rows is None else rows
    for i in progress_bar(indices, progress=progress, desc="Table 6-2", unit="configuration"):
        name, sizes, l2, rate, book_train, book_test = TABLE_6_2[i]
        for seed in seeds:
            run = fit_regression(X_train, y_train, sizes[:-1], l2=l2, dropout=rate, seed=seed,
                                 epochs=epochs, record=False)
            out.append(TableRow(name, n_params((13, *sizes)), seed, run.running_mae[-1],
                                run.mae(X_train, y_train), run.mae(X_test, y_test),
                                book_train, book_test))
    return out


def format_table(rows):
    lines = [f"{'configuration':<28} {'params':>6} {'seed':>4}  {'train (log)':>11} "
             f"{'train':>6} {'test':>6}   book train / test"]
    for r in rows:
        lines.append(f"{r.name:<28} {r.n_params:>6,} {r.seed:>4}  {r.running_train_mae:>11.3f} "
                     f"{r.train_mae:>6.3f} {r.test_mae:>6.3f}   {r.book_train} / {r.book_test}")
    return "\n".join(lines)


def kfold_indices(n, k):
    """K-fold split of n rows in their order: fold i validates on rows [i n // k, (i + 1) n // k)
    and trains on the rest. Returns [(train_idx, val_idx), ...]. Chollet's section 3.6 makes
    every block n // k rows long, so the last n % k rows never validate; here every row
    validates exactly once (for 404 rows and k = 4 the two splits are the same)."""
    n = checks.number("kfold_indices", "n", n, low=2, integer=True)
    k = checks.number("kfold_indices", "k", k, low=2, integer=True)
    if k > n:
        raise ValueError(f"kfold_indices: k = {k} folds need at least {k} rows, got n = {n}")
    bounds = [i * n // k for i in range(k + 1)]
    rows = np.arange(n)
    return [(np.concatenate([rows[:bounds[i]], rows[bounds[i + 1]:]]),
             rows[bounds[i]:bounds[i + 1]]) for i in range(k)]


def kfold(X_raw, y, k=4, hidden=(64, 64), *, epochs=80, seed=0, **fit_kwargs):
    """K-fold cross-validation (Chollet 3.6): for each fold, standardise with the statistics
    of its own training rows, train, record the validation MAE per epoch.
    Returns (final validation MAE per fold, the per-epoch validation MAE averaged over folds)."""
    f = "kfold"
    X_raw = checks.array(f, "X_raw", X_raw, ndim=2, shape="[n, d]")
    y = checks.targets(f, "y", y, X_raw, "X_raw", dtype=np.float64)
    k = checks.number(f, "k", k, low=2, high=len(y), integer=True)
    hidden = _hidden(f, hidden)
    epochs = checks.number(f, "epochs", epochs, low=1, integer=True)
    seed = checks.number(f, "seed", seed, low=0, integer=True)
    scores, curves = [], []
    for fold, (tr, va) in enumerate(kfold_indices(len(y), k)):
        X_tr, X_va = standardize(X_raw[tr], X_raw[va])
        run = fit_regression(X_tr, y[tr], hidden, epochs=epochs, seed=seed + fold,
                             validation=(X_va, y[va]), record=False, **fit_kwargs)
        scores.append(run.val_mae[-1])
        curves.append(run.val_mae)
    return scores, np.mean(curves, axis=0)


# Chollet's MEAP 3.6 prints these as "the targets" (L2625): rows 0-2 and 97-99.
CHOLLET_PRINTED_TARGETS = (4.98, 9.14, 4.03, 4.21, 3.57, 6.19)


def lstat_erratum():
    """Which column of the original Boston table holds Chollet's printed targets?
    Returns {column name: the column's values at rows 0-2 and 97-99}."""
    from lessons.data.boston import load_boston

    X, y, names = load_boston()
    rows = [0, 1, 2, 97, 98, 99]
    table = {name: tuple(X[rows, i]) for i, name in enumerate(names)}
    table["MEDV"] = tuple(y[rows])
    return table

"""Chapter 04, Fully Connected Networks Applied to Multiclass Classification: the training loop.

fit() repeats, for each minibatch of a shuffled epoch:

    out = model.forward(X_batch, training=True)
    loss_value, d_out = loss(out, y_batch)       e.g. softmax_cross_entropy(Z, labels)
    model.backward(d_out)                        every layer's grads now hold dL/dparam
    optimizer.step(model.params(), model.grads())

and records the epoch in a History. Everything else is a callback, a small object told when
training begins, after each batch, after each epoch (it may ask to stop) and when training
ends: the progress bar, EarlyStopping, Snapshots. Write your own by subclassing Callback.

The loss is any function (output, targets) -> (loss, d_output): the Chapter 03 kernels
softmax_cross_entropy (model ends in Dense, targets are integer labels), binary_cross_entropy
(model ends in Sigmoid, targets 0/1 shaped like the output) or half_sse (any output).
The reported loss of an epoch is the average of the minibatch losses weighted by batch size:
for a loss that averages over its batch (softmax and binary cross-entropy) that is the mean
loss per example, whatever the batch size. half_sse *sums* over its batch, so its reported
value grows with the batch size (Ekman trains with batch size 1, where it is per example).

Accuracy is recorded when the targets are classes: integer labels against the argmax of a
several-column output, one-hot rows against the argmax, or 0/1 targets against an output
thresholded at 0.5 (a sigmoid's probability).

A learning rate that is too large is a result, not an error: when the loss, the model's
output, a gradient or a parameter stops being finite, fit stops and sets history.diverged.
fit checks X and y once, at its entry; the model does not scan every batch again.
"""
import os
from dataclasses import dataclass, field

import numpy as np

from lessons.kernels import checks

LOSS_METRICS = ("loss", "val_loss")


@dataclass
class History:
    """Per-epoch metrics; metrics names the lists fit filled (accuracy only for classes,
    val_* only with validation data). epoch[k] is 1-based, as in Keras' log."""

    metrics: tuple = ("loss",)
    epoch: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    diverged: bool = False

    def __len__(self):
        return len(self.epoch)

    def record(self, epoch, values):
        self.epoch.append(epoch)
        for name in self.metrics:
            getattr(self, name).append(float(values[name]))

    def best(self, metric="val_loss"):
        """(epoch, value) of the best epoch: lowest for a loss, highest for an accuracy.
        The earliest epoch wins a tie."""
        values = _metric(self, "History.best", metric)
        if not values:
            raise ValueError(f"History.best: no epochs recorded yet for {metric!r}")
        pick = np.nanargmin if metric in LOSS_METRICS else np.nanargmax
        k = int(pick(values))
        return self.epoch[k], values[k]

    def as_table(self, every=1):
        """Rows of epoch and metrics with 4 decimals; every=k shows every k-th epoch (and the
        last one)."""
        every = checks.number("History.as_table", "every", every, low=1, integer=True)
        header = ("epoch", *self.metrics)
        widths = [max(len(h), 6) for h in header]
        lines = ["  ".join(f"{h:>{w}}" for h, w in zip(header, widths))]
        for k, epoch in enumerate(self.epoch):
            if epoch % every and k != len(self.epoch) - 1:
                continue
            cells = [str(epoch)] + [f"{getattr(self, m)[k]:.4f}" for m in self.metrics]
            lines.append("  ".join(f"{c:>{w}}" for c, w in zip(cells, widths)))
        if self.diverged:
            lines.append(f"diverged in epoch {len(self.epoch) + 1} (loss or weights not finite)")
        return "\n".join(lines)


def _metric(history, func, metric):
    if not isinstance(metric, str) or metric not in history.metrics:
        raise ValueError(f"{func}: {metric!r} was not recorded; this history has "
                         f"{list(history.metrics)}")
    return getattr(history, metric)


@dataclass
class FitState:
    """What callbacks see: the model, optimizer and history, the number of epochs and of
    batches per epoch, and the epoch under way (just finished, in on_epoch_end)."""

    model: object
    optimizer: object
    history: History
    epochs: int
    batches: int = 0
    epoch: int = 0


class Callback:
    """Hooks fit calls; each does nothing unless overridden."""

    def on_train_begin(self, state):
        pass

    def on_batch_end(self, state):
        """Called after each optimizer step (keep it cheap: it runs every batch)."""

    def on_epoch_end(self, state):
        """Called after each epoch is recorded in state.history; return True to stop."""
        return False

    def on_train_end(self, state):
        """Called once at the end, also after an early stop, divergence or an exception."""


class EarlyStopping(Callback):
    """Stop after `patience` epochs in a row without improvement of `monitor` (Tavenard,
    chapter 5): with patience 10 and the best val_loss at epoch 43, training stops at 53.

    restore_best=True copies the parameters of the best epoch back into the model at the end,
    so the model you keep is the one that did best on validation data, not the last one.
    Improving means lower by more than min_delta for a loss, higher for an accuracy.
    After fit: best_epoch, best (its value) and stopped_epoch (None if it never stopped).
    """

    def __init__(self, monitor="val_loss", patience=5, restore_best=True, min_delta=0.0):
        f = "EarlyStopping"
        if not isinstance(monitor, str) or monitor not in History.__dataclass_fields__ \
                or monitor in ("metrics", "epoch", "diverged"):
            raise ValueError(f"{f}: monitor must be 'loss', 'accuracy', 'val_loss' or "
                             f"'val_accuracy', got {monitor!r}")
        self.monitor = monitor
        self.patience = checks.number(f, "patience", patience, low=1, integer=True)
        self.restore_best = bool(restore_best)
        self.min_delta = checks.number(f, "min_delta", min_delta, low=0.0)
        self.lower_is_better = monitor in LOSS_METRICS
        self.best, self.best_epoch, self.stopped_epoch = None, None, None
        self.wait = 0
        self._best_params = None

    def on_train_begin(self, state):
        if self.monitor not in state.history.metrics:
            need = "validation=(X_val, y_val)" if self.monitor.startswith("val") else \
                "class targets"
            raise ValueError(f"EarlyStopping: monitor {self.monitor!r} is not recorded by this "
                             f"fit (needs {need}); recorded: {list(state.history.metrics)}")
        self.best, self.best_epoch, self.stopped_epoch = None, None, None
        self.wait = 0
        self._best_params = None

    def _improves(self, value):
        if not np.isfinite(value):
            return False
        if self.best is None:
            return True
        if self.lower_is_better:
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, state):
        value = getattr(state.history, self.monitor)[-1]
        if self._improves(value):
            self.best, self.best_epoch, self.wait = value, state.epoch, 0
            if self.restore_best:
                self._best_params = [p.copy() for p in state.model.params()]
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = state.epoch
            return True
        return False

    def on_train_end(self, state):
        if self.restore_best and self._best_params is not None:
            for p, best in zip(state.model.params(), self._best_params):
                p[...] = best  # in place: optimizers and other callbacks hold these arrays


class Snapshots(Callback):
    """Copies of the parameters before training (epoch 0) and after every `every`-th epoch.

    epochs[k] is the epoch of params[k] (a list of arrays in model.params() order);
    restore(model, epoch) writes one back into a model, e.g. for a widget that scrubs through
    training and draws the model of that epoch.
    """

    def __init__(self, every=1):
        self.every = checks.number("Snapshots", "every", every, low=1, integer=True)
        self.epochs, self.params = [], []

    def _take(self, state):
        self.epochs.append(state.epoch)
        self.params.append([p.copy() for p in state.model.params()])

    def on_train_begin(self, state):
        self.epochs, self.params = [], []
        self._take(state)

    def on_epoch_end(self, state):
        if state.epoch % self.every == 0:
            self._take(state)
        return False

    def restore(self, model, epoch):
        if epoch not in self.epochs:
            raise ValueError(f"Snapshots.restore: no snapshot of epoch {epoch}; "
                             f"have {self.epochs}")
        for p, saved in zip(model.params(), self.params[self.epochs.index(epoch)]):
            p[...] = saved


class ProgressBar(Callback):
    """One tqdm bar over every batch of every epoch, showing the epoch and the last epoch's
    metrics (tqdm.auto: a widget in Jupyter, text on a terminal), so that even a single long
    epoch shows its progress. The environment variable TQDM_DISABLE=1 hides it (the project's
    nbval runs set it); fit(progress=False) does not create it at all."""

    def on_train_begin(self, state):
        # Imported here: in Jupyter tqdm.auto loads ipywidgets, which `lessons` itself never
        # needs.
        from tqdm.auto import tqdm

        # TQDM_DISABLE is read here, not left to tqdm: tqdm reads it once at import, and its
        # notebook bar (the one Jupyter and nbval get) ignores it (tqdm 4.70).
        self.bar = tqdm(total=state.epochs * state.batches, desc="fit", unit="batch",
                        disable=tqdm_disabled())

    def on_batch_end(self, state):
        self.bar.update(1)  # tqdm redraws at most 10 times a second

    def on_epoch_end(self, state):
        h = state.history
        self.bar.set_description(f"fit, epoch {state.epoch}/{state.epochs}", refresh=False)
        self.bar.set_postfix({m: f"{getattr(h, m)[-1]:.4f}" for m in h.metrics})
        return False

    def on_train_end(self, state):
        self.bar.close()


def tqdm_disabled():
    """True when the environment variable TQDM_DISABLE is set to anything but "", "0" or
    "false"."""
    return os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("", "0", "false")


# --- the loop --------------------------------------------------------------------------------

def fit(model, loss, optimizer, X, y, *, epochs, batch_size=32, seed, validation=None,
        callbacks=(), progress=True):
    """Train `model` on (X, y) in place; returns the History.

    model: a Sequential (or anything with forward, backward, params, grads).
    loss: (output, targets) -> (loss, d_output), e.g. softmax_cross_entropy.
    optimizer: SGD, RMSprop or Adam from lessons.optim.
    X[n, ...]: inputs, one example per row; y: targets with n rows.
    epochs >= 0; batch_size >= 1 (the last batch of an epoch may be smaller).
    seed: each epoch visits the examples in an order drawn from np.random.default_rng(seed),
    so the same seed gives the same history.
    validation: (X_val, y_val), evaluated after every epoch, or None.
    callbacks: Callback objects, e.g. EarlyStopping(patience=10), Snapshots().
    progress: show a progress bar (hidden anyway when TQDM_DISABLE=1).
    """
    f = "fit"
    X, y = _data(f, model, X, y, "X", "y")
    epochs = checks.number(f, "epochs", epochs, low=0, integer=True)
    batch_size = checks.number(f, "batch_size", batch_size, low=1, integer=True)
    seed = checks.number(f, "seed", seed, low=0, integer=True)
    if not callable(loss):
        raise TypeError(f"{f}: loss must be a function (output, targets) -> (loss, d_output), "
                        f"such as softmax_cross_entropy; got {type(loss).__name__}")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"{f}: optimizer must have step(params, grads), such as SGD(0.1); "
                        f"got {type(optimizer).__name__}")
    kind = _model_target_kind(f, model, X, y, "y")
    metrics = ["loss"] + (["accuracy"] if kind else [])
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TypeError(f"{f}: validation must be a pair (X_val, y_val) or None")
        Xv, yv = _data(f, model, *validation, "X_val", "y_val")
        if _model_target_kind(f, model, Xv, yv, "y_val") != kind:
            raise ValueError(f"{f}: y_val does not hold the same kind of targets as y")
        metrics += ["val_" + m for m in metrics]
    callbacks = list(callbacks) + ([ProgressBar()] if progress else [])
    for cb in callbacks:
        if not all(callable(getattr(cb, hook, None))
                   for hook in ("on_train_begin", "on_epoch_end", "on_train_end")):
            raise TypeError(f"{f}: {type(cb).__name__} is not a Callback")

    history = History(metrics=tuple(metrics))
    state = FitState(model, optimizer, history, epochs, batches=-(-len(X) // batch_size))
    hooks = [cb.on_batch_end for cb in callbacks if callable(getattr(cb, "on_batch_end", None))]

    def after_batch():
        for hook in hooks:
            hook(state)

    rng = np.random.default_rng(seed)
    for cb in callbacks:
        cb.on_train_begin(state)
    try:
        for epoch in range(1, epochs + 1):
            state.epoch = epoch
            try:
                with checks.already_checked():  # X, y were checked above
                    train = _train_epoch(model, loss, optimizer, X, y, rng.permutation(len(X)),
                                         batch_size, kind, after_batch if hooks else None)
                    val = None if train is None or validation is None else \
                        _measure(model, loss, Xv, yv, kind, batch_size)
            except checks.NotFiniteError:
                # an output or gradient overflowed: the loss or the optimizer refused it
                train = None
            if train is None:
                history.diverged = True
                break
            values = dict(zip(("loss", "accuracy"), train))
            if val is not None:
                values.update(val_loss=val[0], val_accuracy=val[1])
            history.record(epoch, values)
            # every callback sees every epoch, even when an earlier one asks to stop
            if any([cb.on_epoch_end(state) for cb in callbacks]):
                break
    finally:
        for cb in callbacks:
            cb.on_train_end(state)
    return history


def _train_epoch(model, loss, optimizer, X, y, order, batch_size, kind, after_batch=None):
    """One pass over X in `order`, calling after_batch() (if given) after every step;
    (mean loss, accuracy or None), or None if it diverged."""
    # A layer or Sequential skips dL/dX of the data; any other model gets backward.
    backward = getattr(model, "backward_params", model.backward)
    total, correct, judged = 0.0, 0, 0
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        out = model.forward(X[batch], training=True)
        value, d_out = loss(out, y[batch])
        if not np.isfinite(value):
            return None
        backward(d_out)
        optimizer.step(model.params(), model.grads())
        if after_batch is not None:
            after_batch()
        total += value * len(batch)
        if kind:
            c, j = _count_correct(out, y[batch], kind)
            correct, judged = correct + c, judged + j
    # A non-finite weight shows as a non-finite loss on the next batch; the last step's
    # update is checked here, once per epoch rather than by scanning every weight every step.
    if not all(np.all(np.isfinite(p)) for p in model.params()):
        return None
    return total / len(order), (correct / judged if kind else None)


def _measure(model, loss, X, y, kind, batch_size):
    """(loss, accuracy or None) of the model as it is, batch by batch, nothing updated."""
    total, correct, judged = 0.0, 0, 0
    for start in range(0, len(X), batch_size):
        out = model.forward(X[start:start + batch_size], training=False)
        yb = y[start:start + batch_size]
        total += loss(out, yb)[0] * len(out)
        if kind:
            c, j = _count_correct(out, yb, kind)
            correct, judged = correct + c, judged + j
    return total / len(X), (correct / judged if kind else None)


def _count_correct(out, y, kind):
    """(number correct, number judged) for one batch."""
    if kind == "labels":
        return int(np.sum(np.argmax(out, axis=1) == y)), len(y)
    if kind == "onehot":
        return int(np.sum(np.argmax(out, axis=1) == np.argmax(y, axis=1))), len(y)
    out, y = out.reshape(len(out), -1), y.reshape(len(y), -1)  # "binary": 0/1 per output
    return int(np.sum((out > 0.5) == (y > 0.5))), y.size


def accuracy(output, targets):
    """Fraction of correct predictions (Chapter 04) of output[B, ...] against targets with
    B rows: argmax of each output row against integer labels 0..K-1 or one-hot rows; for 0/1
    targets, output > 0.5 against the target."""
    f = "accuracy"
    output = checks.array(f, "output", output, ndim=None, shape="[B, ...]")
    if output.ndim == 0:
        raise ValueError(f"{f}: output must be [B, ...], one row per example, got a scalar")
    targets = _targets(f, "targets", targets, len(output), "output", output.dtype)
    kind = _target_kind(f, output.shape, targets, "targets", "output")
    if kind is None:
        raise ValueError(f"{f}: targets of shape {targets.shape} are not classes for an "
                         f"output of shape {output.shape} (expected integer labels [B], "
                         f"one-hot rows or 0/1 values)")
    c, j = _count_correct(output, targets, kind)
    return c / j


def evaluate(model, loss, X, y, *, batch_size=None):
    """(loss, accuracy) of the model on (X, y), without changing it; accuracy is None when
    the targets are not classes. batch_size=None runs all rows at once, so the loss is
    exactly loss(predict(model, X), y)[0]."""
    f = "evaluate"
    X, y = _data(f, model, X, y, "X", "y")
    batch_size = len(X) if batch_size is None else checks.number(
        f, "batch_size", batch_size, low=1, integer=True)
    kind = _model_target_kind(f, model, X, y, "y")
    with checks.already_checked():
        return _measure(model, loss, X, y, kind, batch_size)


def predict(model, X, *, batch_size=1024):
    """The model's outputs for X[n, ...], computed batch_size rows at a time (training=False).

    For a model trained with softmax_cross_entropy these are logits: argmax gives the class,
    lessons.kernels.softmax the probabilities."""
    f = "predict"
    X = _inputs(f, model, X, "X")
    batch_size = checks.number(f, "batch_size", batch_size, low=1, integer=True)
    with checks.already_checked():
        return np.concatenate([model.forward(X[s:s + batch_size], training=False)
                               for s in range(0, len(X), batch_size)])


# --- input checks ----------------------------------------------------------------------------

def _inputs(func, model, X, name):
    for method in ("forward", "backward", "params", "grads"):
        if not callable(getattr(model, method, None)):
            raise TypeError(f"{func}: model must be a layer or Sequential (with forward, "
                            f"backward, params, grads); got {type(model).__name__}")
    params = model.params()
    dtype = params[0].dtype if params else None  # None: keep X's float dtype
    X = checks.array(func, name, X, ndim=None, shape="[n, features...]", dtype=dtype)
    if X.ndim < 2:
        raise ValueError(f"{func}: {name} must be [n, features...] with one example per row, "
                         f"got shape {X.shape}")
    return X


def _targets(func, name, y, n, x_name, dtype):
    """y with one target per row of x_name (n rows): integer labels as they are, any other
    targets as a checked float array of `dtype`."""
    checked = checks.array(func, name, y, ndim=None, shape="[n, ...]", dtype=dtype)
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        y = checked
    if y.ndim == 0 or len(y) != n:
        raise ValueError(f"{func}: {x_name} has {n} rows but {name} has "
                         f"{'no rows' if y.ndim == 0 else len(y)} (one target per example)")
    return y


def _data(func, model, X, y, x_name, y_name):
    X = _inputs(func, model, X, x_name)
    return X, _targets(func, y_name, y, len(X), x_name, X.dtype)


def _kind_of(out_shape, y):
    """'labels', 'onehot', 'binary' or None (regression) for outputs [B, ...] and targets y."""
    width = out_shape[1] if len(out_shape) == 2 else None
    if np.issubdtype(y.dtype, np.integer) and y.ndim == 1 and width and width >= 2:
        return "labels"
    if not np.all((y == 0) | (y == 1)):
        return None
    if y.ndim == 2 and y.shape[1:] == out_shape[1:] and width >= 2 and np.all(y.sum(axis=1) == 1):
        return "onehot"
    if y[0].size == int(np.prod(out_shape[1:])):  # one 0/1 target per output value
        return "binary"
    return None


def _target_kind(func, out_shape, y, y_name, out_name):
    """_kind_of, and for class labels a check that each indexes a column of the output."""
    kind = _kind_of(out_shape, y)
    if kind == "labels" and (y.min() < 0 or y.max() >= out_shape[1]):
        raise ValueError(f"{func}: {y_name} holds class labels in [{y.min()}, {y.max()}] but "
                         f"{out_name} has {out_shape[1]} columns, so labels must be "
                         f"0..{out_shape[1] - 1}")
    return kind


def _model_target_kind(func, model, X, y, y_name):
    """Run one example of the checked X through the model to learn its output shape; check
    class labels."""
    with checks.already_checked():
        out_shape = model.forward(X[:1], training=False).shape
    return _target_kind(func, out_shape, y, y_name, "the model's output")

"""fit, evaluate and predict: the training loop every chapter from 04 on uses (see lessons.train)."""
import numpy as np

from lessons.kernels import checks
from lessons.train.callbacks import FitState
from lessons.train.history import History
from lessons.train.metrics import checked_targets, count_correct, target_kind
from lessons.train.progress import ProgressBar


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
    X, y, epochs, batch_size, seed, kind, metrics, validation, callbacks = _fit_arguments(
        model, loss, optimizer, X, y, epochs, batch_size, seed, validation, callbacks, progress)

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
                        _measure(model, loss, *validation, kind, batch_size)
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


def _fit_arguments(model, loss, optimizer, X, y, epochs, batch_size, seed, validation,
                   callbacks, progress):
    """fit's arguments checked: (X, y, epochs, batch_size, seed, kind of targets, metrics,
    validation (X_val, y_val) or None, callbacks with the progress bar)."""
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
    return (X, y, epochs, batch_size, seed, kind, metrics,
            None if validation is None else (Xv, yv), callbacks)


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
            c, j = count_correct(out, y[batch], kind)
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
            c, j = count_correct(out, yb, kind)
            correct, judged = correct + c, judged + j
    return total / len(X), (correct / judged if kind else None)


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


def _data(func, model, X, y, x_name, y_name):
    X = _inputs(func, model, X, x_name)
    return X, checked_targets(func, y_name, y, len(X), x_name, X.dtype)


def _model_target_kind(func, model, X, y, y_name):
    """Run one example of the checked X through the model to learn its output shape; check
    class labels."""
    with checks.already_checked():
        out_shape = model.forward(X[:1], training=False).shape
    return target_kind(func, out_shape, y, y_name, "the model's output")

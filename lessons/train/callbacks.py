"""Callbacks: small objects fit tells when training begins, after each batch, after each epoch
(they may ask to stop) and when training ends. EarlyStopping and Snapshots; the progress bar is
in lessons.train.progress."""
from dataclasses import dataclass

import numpy as np

from lessons.kernels import checks
from lessons.train.history import LOSS_METRICS, History

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

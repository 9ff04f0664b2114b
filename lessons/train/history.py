"""What fit records: one History per run, its metrics per epoch."""
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

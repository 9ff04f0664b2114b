"""The progress-bar rule, one for every training loop of the course: a tqdm.auto bar (a widget in
Jupyter, text on a terminal), hidden by progress=False or by the environment variable
TQDM_DISABLE set to anything but "", "0", "false", "no" or "off"."""
import os

from lessons.train.callbacks import Callback


def tqdm_disabled():
    """True when the environment variable TQDM_DISABLE is set to anything but "", "0",
    "false", "no" or "off". Read at every call, not left to tqdm: tqdm reads it once at
    import, and its notebook bar (the one Jupyter and nbval get) ignores it (tqdm 4.70)."""
    return os.environ.get("TQDM_DISABLE", "").strip().lower() not in (
        "", "0", "false", "no", "off")


def progress_bar(iterable=None, *, progress=True, **options):
    """A tqdm.auto bar over `iterable` (or of a given total=...), hidden by the rule above."""
    # Imported here: in Jupyter tqdm.auto loads ipywidgets, which `lessons` itself never needs.
    from tqdm.auto import tqdm

    return tqdm(iterable, disable=not progress or tqdm_disabled(), **options)


class ProgressBar(Callback):
    """One tqdm bar over every batch of every epoch, showing the epoch and the last epoch's
    metrics (tqdm.auto: a widget in Jupyter, text on a terminal), so that even a single long
    epoch shows its progress. The environment variable TQDM_DISABLE=1 hides it (the project's
    nbval runs set it); fit(progress=False) does not create it at all."""

    def on_train_begin(self, state):
        self.bar = progress_bar(total=state.epochs * state.batches, desc="fit", unit="batch")

    def on_batch_end(self, state):
        self.bar.update(1)  # tqdm redraws at most 10 times a second

    def on_epoch_end(self, state):
        h = state.history
        self.bar.set_description(f"fit, epoch {state.epoch}/{state.epochs}", refresh=False)
        self.bar.set_postfix({m: f"{getattr(h, m)[-1]:.4f}" for m in h.metrics})
        return False

    def on_train_end(self, state):
        self.bar.close()

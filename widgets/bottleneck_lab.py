"""Chapter 06 (Chollet 3.5.7): the bottleneck lab, "which play is this passage from?".

`bottleneck_lab(width=8)` trains the chapter's text classifier with its second hidden layer
`width` units wide (64 -> width -> 8 plays) and draws, left, its validation accuracy per epoch
against the 64-64 network's (its training accuracy as dots); right, the best validation
accuracy of every width trained so far for this split, with the shuffled-label baseline
sum p^2. Each width trains once (20 epochs, a few seconds) and is kept.

`render(state)` is pure and never raises for a valid state.
"""
import dataclasses

import ipywidgets as W
import numpy as np

from lessons.chapters import pretrained
from widgets.base import ACCENT, NEGATIVE, POSITIVE, View, argument, factory, new_figure

WIDTHS = (2, 4, 8, 16, 32, 64)
SEEDS = (0, 1, 2)


@dataclasses.dataclass(frozen=True)
class BottleneckState:
    """width: units of the second hidden layer; seed: the split, initial weights and order."""

    width: int = 8
    seed: int = 0


def training(state):
    """What the View must train before it can draw `state`, or None when it is cached."""
    todo = [w for w in sorted({64, state.width})
            if not pretrained.play_classifier_curves.is_cached(w, state.seed)]
    if not todo:
        return None
    return lambda: [pretrained.play_classifier_curves(w, state.seed) for w in todo]


def render(state):
    wide = pretrained.play_classifier_curves(64, state.seed)
    run = pretrained.play_classifier_curves(state.width, state.seed)
    fig, (ax, bars) = new_figure(11, 3.8, ncols=2, gridspec_kw={"width_ratios": [1.6, 1]})
    epochs = np.arange(1, len(run.val_accuracy) + 1)
    ax.plot(epochs, wide.val_accuracy, "-", color=POSITIVE, label="64-64, validation")
    ax.plot(epochs, run.val_accuracy, "--", color=NEGATIVE, lw=2,
            label=f"64-{state.width}, validation")
    ax.plot(epochs, run.accuracy, "o", color=NEGATIVE, ms=3, label=f"64-{state.width}, training")
    ax.axhline(wide.sum_p2, color="0.5", ls=":", label="shuffled labels (Σp²)")
    ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02),
           title=f"64-{state.width}: best validation {run.val_accuracy.max():.3f}, "
                 f"64-64: {wide.val_accuracy.max():.3f}")
    ax.title.set_fontsize(10)
    ax.legend(fontsize=8, loc="lower right")
    done = [w for w in WIDTHS if pretrained.play_classifier_curves.is_cached(w, state.seed)]
    best = [pretrained.play_classifier_curves(w, state.seed).val_accuracy.max() for w in done]
    colors = [NEGATIVE if w == state.width else ACCENT for w in done]
    bars.bar([str(w) for w in done], best, color=colors)
    bars.axhline(wide.sum_p2, color="0.5", ls=":")
    bars.axvline(-0.5 + sum(w < 8 for w in done), color="0.3", lw=0.8)
    bars.set(xlabel="second-layer width (left of the line: fewer than the 8 plays)",
             ylabel="best validation accuracy", ylim=(0, 1), title="widths trained so far")
    bars.title.set_fontsize(9)
    return fig


def summary(state):
    run = pretrained.play_classifier_curves(state.width, state.seed)
    wide = pretrained.play_classifier_curves(64, state.seed)
    k = int(np.argmax(run.val_accuracy))
    return (f"64-{state.width}: best validation accuracy {run.val_accuracy[k]:.3f} at epoch "
            f"{k + 1}, against {wide.val_accuracy.max():.3f} for 64-64; shuffled labels "
            f"{wide.sum_p2:.3f}")


@factory(BottleneckState)
def bottleneck_lab(width=8, seed=0):
    """The interactive bottleneck lab; returns a View."""
    f = "bottleneck_lab"
    state = BottleneckState(argument(f, "width", width, options=WIDTHS),
                            argument(f, "seed", seed, options=SEEDS))
    controls = {
        "width": W.SelectionSlider(options=list(WIDTHS), value=state.width,
                                   description="width", continuous_update=False),
        "seed": W.Dropdown(options=list(SEEDS), value=state.seed, description="seed"),
    }
    return View(render, state, controls, "bottleneck_lab", summary=summary, training=training)

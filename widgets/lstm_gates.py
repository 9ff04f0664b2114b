"""Chapter 11, LSTM, GRU and Text: the gates of the chapter's character model, character by character.

`lstm_gates(text=..., unit=...)` reads a line of *Hamlet* with the trained CharLSTM and shows,
for one unit of its 64: the activations of its input (i), forget (f) and output (o) gates and
of its candidate (g) at every character, a heat map with the characters along the bottom;
then that unit's cell state c_t and output h_t over the line (the carousel: c changes only
where i opens, and fades only where f closes); right, tanh(c_t) of all 64 units, the chosen
one outlined.

Every move, of the unit or the text, keeps the frame (the axes and the gates' names) and draws
only the layer over it (widgets/layers.py): the characters, the heat maps, the unit's lines
and their scale, as tick_labels' texts and marks. A line is read by the LSTM once: the
activations are kept per model and line.

`render(state, run=None)` is pure and never raises for a valid state (run: the dict of
lessons.chapters.ch11_text.hamlet_run; tests pass a small one).
"""
import dataclasses
import functools

import ipywidgets as W
import numpy as np
from matplotlib.ticker import MaxNLocator

from lessons.chapters.ch11_text import hamlet_run
from widgets.base import (ACCENT, DIVERGING, NEGATIVE, POSITIVE, View, argument, autoscaled,
                          factory, new_figure, spaces_shown, tick_labels,
                          ticks_within)
from widgets.layers import Layers

TEXTS = ("to be, or not to be, that is the question:",
         "the king doth wake to-night and takes his rouse,",
         "ham. o, that this too too solid flesh would melt,",
         "\"there's rosemary, that's for remembrance.\"")
GATES = ("i (input)", "f (forget)", "g (candidate)", "o (output)")


@dataclasses.dataclass(frozen=True)
class GateState:
    """text: one of TEXTS; unit: which of the model's units to follow."""

    text: str = TEXTS[0]
    unit: int = 0


@functools.lru_cache(maxsize=32)
def _read(model, vocab, text):
    """activations of one trained model (its identity is the key: it is not trained further)."""
    chars = "".join(ch for ch in text if ch in vocab.index)
    ids = vocab.encode(chars)
    _, (_, _, _, H, C, G), _ = model.forward(ids[:, None], model.zero_state(1))
    arrays = G[:, 0], C[:, 0], H[:, 0]
    for a in arrays:
        a.setflags(write=False)
    return (chars, *arrays)


def activations(text, run=None):
    """(characters read, G[T, 4n] gate activations, C[T, n] cell states, H[T, n]), computed
    once per model and text: the arrays are shared, read-only."""
    run = run or hamlet_run()
    return _read(run["model"], run["vocab"], text)


def _characters(ax, chars):
    """The characters along the bottom of ax, one under each column."""
    ax.set_xlim(-0.5, len(chars) - 0.5)
    tick_labels(ax, range(len(chars)), list(spaces_shown(chars)), fontsize=7.5)


def _scale(low, high):
    """(limits, tick positions, their labels) for a line plot over low..high, as
    autoscaling and matplotlib's tick locator and formatter would give them."""
    locator = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10])
    limits = autoscaled(*locator.nonsingular(min(low, 0.0), max(high, 0.0)))
    ticks = ticks_within(locator, *limits)
    decimals = next(d for d in range(12) if np.allclose(ticks, np.round(ticks, d)))
    return limits, ticks, [f"{t:.{decimals}f}".replace("-", "\N{MINUS SIGN}") for t in ticks]


def _frame(state, run=None):
    """What stays for every text and unit: the axes, the gates' names and the units' scale.
    The characters, whose number changes with the text, are drawn with the layer."""
    run = run or hamlet_run()
    n = run["model"].n
    fig, axes = new_figure(12, 5.2, nrows=2, ncols=2,
                           gridspec_kw={"width_ratios": [3, 1.2], "height_ratios": [1, 1]})
    axes[0, 0].set(xticks=[], yticks=range(4), yticklabels=GATES, ylim=(3.5, -0.5))
    axes[1, 0].set(xticks=[], yticks=[])
    ax = axes[0, 1]
    ax.set(xticks=[], ylim=(n - 0.5, -0.5), ylabel="unit", title="tanh(c_t), all units")
    ax.set_xlabel("character", labelpad=20)  # under the tick labels the layer draws
    ax.title.set_fontsize(9)
    axes[1, 1].axis("off")
    return fig


def _text_layer(fig, state, run=None):
    """Everything that follows the text and the unit: the characters under both plots, every
    unit's cell state, what was read; the unit's gates, its outline among all units, and its
    cell state and output over time, on a scale that follows the unit."""
    run = run or hamlet_run()
    chars, G, C, H = activations(state.text, run)
    n = C.shape[1]
    unit = int(np.clip(int(state.unit), 0, n - 1))
    gates = np.stack([G[:, k * n + unit] for k in range(4)])
    ax_gates, ax_all, ax_c, ax_text = fig.axes
    _characters(ax_gates, chars)
    _characters(ax_c, chars)
    ax_all.imshow(np.tanh(C.T), aspect="auto", cmap=DIVERGING, vmin=-1, vmax=1,
                  interpolation="nearest")
    every = range(0, len(chars), 10)
    tick_labels(ax_all, every, [str(k) for k in every], marks=True)
    val = run["history"][-1][2]
    trained = f", validation\n{val:.3f} nats/char" if val is not None else ""
    ax_text.text(0, 1, f"{state.text!r}\n\nread as {len(chars)} characters;\n"
                 f"model: LSTM({n}){trained}", va="top", fontsize=8,
                 transform=ax_text.transAxes)
    ax_gates.imshow(gates, aspect="auto", cmap=DIVERGING, vmin=-1, vmax=1,
                    interpolation="nearest")
    ax_gates.set_title(f"unit {unit}: gate activations per character (sigmoid gates in 0..1, "
                       f"the candidate in -1..1)", fontsize=9)
    ax_all.axhspan(unit - 0.5, unit + 0.5, fill=False, ec=ACCENT, lw=1.5)
    t = np.arange(len(chars))
    ax_c.plot(t, C[:, unit], color=POSITIVE, label="cell state c_t")
    ax_c.plot(t, H[:, unit], color=NEGATIVE, label="output h_t")
    ax_c.axhline(0, color="0.7", lw=0.6)
    limits, ticks, labels = _scale(min(C[:, unit].min(), H[:, unit].min()),
                                   max(C[:, unit].max(), H[:, unit].max()))
    ax_c.set_ylim(limits)
    tick_labels(ax_c, ticks, labels, axis="y", marks=True)
    ax_c.legend(fontsize=8, loc="upper left")
    ax_c.set_title(f"unit {unit}: mean forget gate {gates[1].mean():.2f}, "
                   f"c ranges {C[:, unit].min():.2f} .. {C[:, unit].max():.2f}", fontsize=9)


# one frame for every text and unit: a move draws the layer alone
LAYERS = Layers(key=lambda state: None, static=_frame, dynamic=_text_layer)


def render(state, run=None):
    fig = _frame(state, run)
    _text_layer(fig, state, run)
    return fig


def summary(state, run=None):
    run = run or hamlet_run()
    chars, G, C, _ = activations(state.text, run)
    n = C.shape[1]
    unit = int(np.clip(int(state.unit), 0, n - 1))
    f = G[:, n + unit]
    return (f"unit {unit} on {len(chars)} characters: forget gate mean {f.mean():.3f}, "
            f"min {f.min():.3f}; c_t ends at {C[-1, unit]:.3f}")


@factory(GateState)
def lstm_gates(text=TEXTS[0], unit=0):
    """The interactive gate viewer; returns a View."""
    f = "lstm_gates"
    state = GateState(argument(f, "text", text, options=TEXTS),
                      argument(f, "unit", unit, low=0, high=255, integer=True))
    n = hamlet_run()["model"].n
    state = dataclasses.replace(state, unit=min(state.unit, n - 1))
    controls = {
        "text": W.Dropdown(options=list(TEXTS), value=state.text, description="text",
                           layout=W.Layout(width="420px")),
        "unit": W.IntSlider(value=state.unit, min=0, max=n - 1, description="unit",
                            continuous_update=True),
    }
    return View(render, state, controls, "lstm_gates", summary=summary, layers=LAYERS)

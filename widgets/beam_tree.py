"""Chapter 11, LSTM, GRU and Text: the beam-search tree.

`beam_tree(prefix=..., beam_width=..., steps=..., temperature=...)` completes a prefix with the
chapter's character LSTM (trained on *Hamlet*) by beam search, and draws the search: one
column per step, every candidate considered as a dot (kept: coloured, labelled with its
character and probability; pruned: grey), each joined to the beam it extends. Below, the
completed beams with their probabilities, and the greedy completion (beam width 1) for
comparison. The temperature rescales the model's log-probabilities before the search.

A move keeps the searches it made (per model and state: a move back, and the greedy line, cost
no search) and the frame: only the search, with the step axis it spans, is drawn again
(widgets/layers.py).

`render(state, run=None)` is pure and never raises for a valid state (run: the dict of
lessons.chapters.ch11_text.hamlet_run; tests pass a small one). `static_figure()` is the
fallback without a kernel.
"""
import dataclasses
import functools

import ipywidgets as W
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.transforms import offset_copy

from lessons.chapters.ch11_text import beam_complete, hamlet_run
from widgets.base import (ACCENT, NEGATIVE, POSITIVE, View, argument, factory, new_figure,
                          spaces_shown, tick_labels)
from widgets.glyphs import Labels
from widgets.layers import Layers

PREFIXES = ("the king ", "to be, or not ", "my lord, ", "what ", "o, ")
WIDTHS = (1, 8)
STEPS = (1, 11)
TEMPERATURES = (0.25, 2.0)


@dataclasses.dataclass(frozen=True)
class BeamState:
    """prefix: the text to complete (one of PREFIXES); beam_width: beams kept per step;
    steps: characters added; temperature: divides the log-probabilities."""

    prefix: str = "the king "
    beam_width: int = 3
    steps: int = 6
    temperature: float = 1.0


@functools.lru_cache(maxsize=128)
def _search(model, vocab, prefix, beam_width, steps, temperature):
    """beam_complete of one trained model (its identity is the key: it is not trained further);
    the BeamResult is immutable (tuples of frozen candidates), shared by every caller."""
    return beam_complete(model, vocab, prefix, beam_width, steps, temperature)


def search(state, run=None):
    """The BeamResult of state, computed once per model and state."""
    run = run or hamlet_run()
    return _search(run["model"], run["vocab"], state.prefix, int(state.beam_width),
                   int(state.steps), float(state.temperature))


def _frame(state):
    """What stays while the search changes: the axes and their labels (the steps, which set
    the axis, are drawn with the search, so every move keeps the frame)."""
    fig, (ax, ax_text) = new_figure(11, 6.2, nrows=2, gridspec_kw={"height_ratios": [3, 1]})
    ax.set(ylim=(-1.15, 1.15), xticks=[], yticks=[])
    ax.set_xlabel("step (characters added); dots: candidates, blue kept, grey pruned; "
                  "numbers: probability of the whole continuation", labelpad=16)
    ax_text.axis("off")
    ax_text.text(1, 1, "best beams, then greedy", va="top", ha="right", fontsize=8,
                 color=NEGATIVE, transform=ax_text.transAxes)
    return fig


def _steps(ax, steps):
    """The axis over steps 0..steps, numbered under the axes (tick_labels: the frame has no
    ticks, so that every move keeps it)."""
    ax.set_xlim(-0.2, steps + 0.8)
    tick_labels(ax, range(steps + 1), [str(k) for k in range(steps + 1)])


def _placed(levels):
    """(step, y, y of its parent, candidate) of every candidate: each step's candidates spread
    over -1..1, the most probable on top, joined to the kept beam they extend."""
    placed = []
    previous = {0: 0.0}  # y of each kept beam at the previous step, to draw edges from
    for k, level in enumerate(levels, start=1):
        order = sorted(range(len(level)), key=lambda c: -level[c].logp)
        ys = np.linspace(1, -1, len(level)) if len(level) > 1 else np.zeros(1)
        current = {}
        for c, y in zip(order, ys):
            cand = level[c]
            placed.append((k, y, previous[cand.parent], cand))
            if cand.kept:
                current[len(current)] = y
        previous = current
    return placed


def _search_layer(fig, state, run=None):
    """The search drawn over the frame: edges and dots (one collection each for the kept and
    the pruned), the labels, the title and the best beams."""
    run = run or hamlet_run()
    vocab = run["vocab"]
    result = search(state, run)
    greedy = search(dataclasses.replace(state, beam_width=1), run)
    ax, ax_text = fig.axes
    _steps(ax, int(state.steps))
    ax.scatter([0], [0], s=40, color=ACCENT, zorder=3)
    placed = _placed(result.levels)
    crowded = max(len(level) for level in result.levels) > 24
    for kept, colour, lw, size in ((False, "0.75", 0.5, 10), (True, POSITIVE, 1.2, 28)):
        mine = [(k, y, y0) for k, y, y0, cand in placed if cand.kept == kept]
        ax.add_collection(LineCollection([[(k - 1, y0), (k, y)] for k, y, y0 in mine],
                                         colors=colour, linewidths=lw, zorder=1 + kept),
                          autolim=False)
        xy = np.array([(k, y) for k, y, _ in mine]).reshape(-1, 2)
        ax.scatter(xy[:, 0], xy[:, 1], s=size, color=colour, zorder=3)
    labelled = [(k + 0.06, y, cand) for k, y, _, cand in placed if cand.kept or not crowded]
    size = 7 if crowded else 8
    colours = ["black" if cand.kept else "0.5" for *_, cand in labelled]
    xy = [(x, y) for x, y, _ in labelled]
    # the character, and its probability in a column of its own: both come from small sets
    # of strings, drawn from widgets.glyphs' caches (a new string is laid out twice by
    # FreeType, about 0.4 ms)
    characters = [spaces_shown(vocab.chars[cand.token]) for *_, cand in labelled]
    ax.add_artist(Labels(xy, characters, transform=ax.transData, color=colours, fontsize=size,
                         va="center"))
    ax.add_artist(Labels(xy, [f"{np.exp(cand.logp):.2g}" for *_, cand in labelled],
                         transform=offset_copy(ax.transData, fig=fig, x=1.45 * size,
                                               units="points"),
                         color=colours, fontsize=size, va="center"))
    ax.text(0.06, 0.05, repr(state.prefix), fontsize=8)
    ax.set_title(f"beam search, width {int(state.beam_width)}, temperature "
                 f"{float(state.temperature):.2f}", fontsize=9)
    lines = [f"{np.exp(lp):.2e}  {state.prefix}{vocab.decode(seq)!s}"
             for lp, seq in result.beams[:4]]
    lp, seq = greedy.beams[0]
    lines.append(f"greedy (width 1): {np.exp(lp):.2e}  {state.prefix}{vocab.decode(seq)}")
    ax_text.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=9,
                 transform=ax_text.transAxes)


# every move keeps the frame
LAYERS = Layers(key=lambda state: None, static=_frame, dynamic=_search_layer)


def render(state, run=None):
    fig = _frame(state)
    _search_layer(fig, state, run)
    return fig


def summary(state, run=None):
    run = run or hamlet_run()
    result = search(state, run)
    lp, seq = result.beams[0]
    return f"{state.prefix!r} -> {run['vocab'].decode(seq)!r} (p = {np.exp(lp):.3g})"


@factory(BeamState)
def beam_tree(prefix="the king ", beam_width=3, steps=6, temperature=1.0):
    """The interactive beam search; returns a View."""
    f = "beam_tree"
    state = BeamState(argument(f, "prefix", prefix, options=PREFIXES),
                      argument(f, "beam_width", beam_width, low=WIDTHS[0], high=WIDTHS[1],
                               integer=True),
                      argument(f, "steps", steps, low=STEPS[0], high=STEPS[1], integer=True),
                      argument(f, "temperature", temperature, low=TEMPERATURES[0],
                               high=TEMPERATURES[1]))
    style = {"description_width": "initial"}
    controls = {
        "prefix": W.Dropdown(options=list(PREFIXES), value=state.prefix, description="prefix"),
        "beam_width": W.IntSlider(value=state.beam_width, min=WIDTHS[0], max=WIDTHS[1],
                                  description="beam width", continuous_update=False,
                                  style=style),
        "steps": W.IntSlider(value=state.steps, min=STEPS[0], max=STEPS[1], description="steps",
                             continuous_update=False),
        "temperature": W.FloatSlider(value=state.temperature, min=TEMPERATURES[0],
                                     max=TEMPERATURES[1], step=0.05, description="temperature",
                                     continuous_update=False, style=style),
    }
    return View(render, state, controls, "beam_tree", summary=summary, layers=LAYERS)


def static_figure():
    """Without a kernel: Ekman's setting (width 8 is crowded; width 3, 6 steps is readable)."""
    return render(BeamState())

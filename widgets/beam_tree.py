"""Chapter 11, LSTM, GRU and Text: the beam-search tree.

`beam_tree(prefix=..., beam_width=..., steps=..., temperature=...)` completes a prefix with the
chapter's character LSTM (trained on *Hamlet*) by beam search, and draws the search: one
column per step, every candidate considered as a dot (kept: coloured, labelled with its
character and probability; pruned: grey), each joined to the beam it extends. Below, the
completed beams with their probabilities, and the greedy completion (beam width 1) for
comparison. The temperature rescales the model's log-probabilities before the search.

`render(state, run=None)` is pure and never raises for a valid state (run: the dict of
lessons.chapters.ch11_text.hamlet_run; tests pass a small one). `static_figure()` is the
fallback without a kernel.
"""
import dataclasses

import ipywidgets as W
import numpy as np

from lessons.chapters.ch11_text import beam_complete, hamlet_run
from widgets.base import ACCENT, NEGATIVE, POSITIVE, View, argument, factory, new_figure

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


def search(state, run=None):
    run = run or hamlet_run()
    return beam_complete(run["model"], run["vocab"], state.prefix, int(state.beam_width),
                         int(state.steps), float(state.temperature))


def _shown(ch):
    return "␣" if ch == " " else ch


def render(state, run=None):
    run = run or hamlet_run()
    vocab = run["vocab"]
    result = search(state, run)
    greedy = search(dataclasses.replace(state, beam_width=1), run)
    fig, (ax, ax_text) = new_figure(11, 6.2, nrows=2, gridspec_kw={"height_ratios": [3, 1]})
    # y position of each kept beam at the previous step, to draw edges from
    previous = {0: 0.0}
    crowded = max(len(level) for level in result.levels) > 24
    for k, level in enumerate(result.levels, start=1):
        order = sorted(range(len(level)), key=lambda c: -level[c].logp)
        ys = np.linspace(1, -1, len(level)) if len(level) > 1 else np.zeros(1)
        y_of = {c: ys[r] for r, c in enumerate(order)}
        kept_rank = 0
        current = {}
        for c in order:
            cand = level[c]
            y, y0 = y_of[c], previous[cand.parent]
            colour = POSITIVE if cand.kept else "0.75"
            ax.plot([k - 1, k], [y0, y], color=colour, lw=1.2 if cand.kept else 0.5,
                    zorder=2 if cand.kept else 1)
            ax.scatter([k], [y], s=28 if cand.kept else 10, color=colour, zorder=3)
            if cand.kept or not crowded:
                ax.text(k + 0.06, y, f"{_shown(vocab.chars[cand.token])} "
                        f"{np.exp(cand.logp):.2g}", fontsize=7 if crowded else 8,
                        va="center", color="black" if cand.kept else "0.5")
            if cand.kept:
                current[kept_rank] = y
                kept_rank += 1
        previous = current
    ax.scatter([0], [0], s=40, color=ACCENT, zorder=3)
    ax.text(0.06, 0.05, repr(state.prefix), fontsize=8)
    ax.set(xlim=(-0.2, int(state.steps) + 0.8), ylim=(-1.15, 1.15), yticks=[],
           xticks=range(int(state.steps) + 1),
           xlabel="step (characters added); dots: candidates, blue kept, grey pruned; "
                  "numbers: probability of the whole continuation")
    ax.set_title(f"beam search, width {int(state.beam_width)}, temperature "
                 f"{float(state.temperature):.2f}", fontsize=9)
    ax_text.axis("off")
    lines = [f"{np.exp(lp):.2e}  {state.prefix}{vocab.decode(seq)!s}"
             for lp, seq in result.beams[:4]]
    lp, seq = greedy.beams[0]
    lines.append(f"greedy (width 1): {np.exp(lp):.2e}  {state.prefix}{vocab.decode(seq)}")
    ax_text.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=9,
                 transform=ax_text.transAxes)
    ax_text.text(1, 1, "best beams, then greedy", va="top", ha="right", fontsize=8,
                 color=NEGATIVE, transform=ax_text.transAxes)
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
    return View(render, state, controls, "beam_tree", summary=summary)


def static_figure():
    """Without a kernel: Ekman's setting (width 8 is crowded; width 3, 6 steps is readable)."""
    return render(BeamState())

"""Chapter 13, Seq2seq and Attention: the decoder's attention over the input.

`attention_heatmap(digits=..., step=...)` reverses a typed digit string with the
chapter's trained encoder-decoder and draws, as a heat map, the attention weights A[t, i] of
every output step t (rows) over the input positions i (columns), greedy decoding step by step:
rows after `step` are blank, the current row is outlined, and the bars below show that row's
weights with the symbol read from where they point. Ekman's Fig. 15-3, for a task whose
right answer is known: the anti-diagonal. The right panel compares the model without
attention (a fixed context) on the same input: its output, symbol by symbol, right or wrong.

`render(state, runs=None)` is pure and never raises for a valid state (runs: a dict
{None: the fixed-context model, "additive": the attention model} as
lessons.chapters.ch13_seq2seq.chapter_models gives it; tests pass small ones).
"""
import dataclasses

import ipywidgets as W
import numpy as np

from lessons.chapters.ch13_seq2seq import LENGTH, chapter_models, greedy_decode
from widgets.base import ACCENT, NEGATIVE, POSITIVE, SEQUENTIAL, View, argument, factory, new_figure
from widgets.glyphs import Labels
from widgets.layers import Layers

DEFAULT = "3141592653589793"


@dataclasses.dataclass(frozen=True)
class AttentionState:
    """digits: the input, LENGTH digits 0-9; step: the output steps decoded so far (1..
    LENGTH)."""

    digits: str = DEFAULT
    step: int = LENGTH


def clean(digits):
    """The typed text as exactly LENGTH digits: non-digits dropped, cut or padded with 0."""
    kept = "".join(ch for ch in str(digits) if ch.isdigit())[:LENGTH]
    return kept + "0" * (LENGTH - len(kept))


def decode(model, digits):
    """(output digits string, A[LENGTH, LENGTH] or None) by greedy decoding."""
    src = np.array([int(ch) for ch in digits], dtype=np.int64)[:, None]
    ids, A = greedy_decode(model, src, LENGTH)
    return "".join(str(int(i)) for i in ids[:, 0]), (None if A is None else A[:, 0])


def _frame(state, runs=None):
    """What stays while the step moves: the axes, the input digits and the whole-string
    scores."""
    runs = runs or chapter_models()
    digits = clean(state.digits)
    out, _ = decode(runs["additive"], digits)
    fixed, _ = decode(runs[None], digits)
    want = digits[::-1]
    fig, axes = new_figure(11, 6.0, nrows=2, ncols=2,
                           gridspec_kw={"width_ratios": [3, 1.3], "height_ratios": [3, 1]})
    ax = axes[0, 0]
    ax.set(xticks=range(LENGTH), xticklabels=list(digits), yticks=range(LENGTH),
           yticklabels=[f"{t}:" for t in range(LENGTH)], xlim=(-0.5, LENGTH - 0.5),
           ylim=(LENGTH - 0.5, -0.5), aspect="equal", xlabel="input digit (encoder position i)",
           ylabel="output step t (the digit written: right of the row)")
    ax = axes[1, 0]
    ax.set(xticks=range(LENGTH), xticklabels=list(digits), ylim=(0, 1), xlim=(-0.5, LENGTH - 0.5),
           ylabel="weight")
    for ax in axes[:, 1]:
        ax.axis("off")
    axes[0, 1].text(0, 0.35, f"with attention:    {_count(out, want)} of {LENGTH} right\n"
                    f"fixed context:     {_count(fixed, want)} of {LENGTH} right\n"
                    f"(all {LENGTH} steps)", va="top", fontsize=9, color=NEGATIVE,
                    transform=axes[0, 1].transAxes)
    return fig


def _step_layer(fig, state, runs=None):
    """The rows decoded so far, the current one outlined, its weights, and the outputs."""
    runs = runs or chapter_models()
    digits = clean(state.digits)
    step = int(np.clip(int(state.step), 1, LENGTH))
    out, A = decode(runs["additive"], digits)
    fixed, _ = decode(runs[None], digits)
    want = digits[::-1]
    ax, text_ax, ax_bars, _ = fig.axes
    shown = np.full_like(A, np.nan)
    shown[:step] = A[:step]
    ax.imshow(shown, cmap=SEQUENTIAL, vmin=0, vmax=1, interpolation="nearest")
    ax.add_patch(_outline(step - 1, LENGTH))
    ax.add_artist(Labels([(LENGTH - 0.2, t) for t in range(step)], list(out[:step]),
                         transform=ax.transData, va="center", fontsize=9))
    ax.set_title(f"additive attention: weights A[t, i] of each output step (rows) over the "
                 f"input; {step} of {LENGTH} steps decoded", fontsize=9)
    row = A[step - 1]
    ax_bars.bar(range(LENGTH), row, color=POSITIVE)
    ax_bars.bar([int(row.argmax())], [row.max()], color=ACCENT)
    ax_bars.set_title(f"step {step - 1}: looks at input position {int(row.argmax())} "
                      f"(weight {row.max():.2f}), writes {out[step - 1]}; the right answer "
                      f"reads position {LENGTH - step}", fontsize=9)
    lines = [f"input      {digits}", f"reversed   {want}",
             f"attention  {out[:step]}", f"  right    {_marks(out[:step], want)}",
             f"fixed ctx  {fixed[:step]}", f"  right    {_marks(fixed[:step], want)}"]
    text_ax.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=9,
                 transform=text_ax.transAxes)


# stepping through the decoding keeps the frame; new digits draw a new one
LAYERS = Layers(key=lambda state: clean(state.digits), static=_frame, dynamic=_step_layer)


def render(state, runs=None):
    fig = _frame(state, runs)
    _step_layer(fig, state, runs)
    return fig


def _outline(t, width):
    from matplotlib.patches import Rectangle
    return Rectangle((-0.5, t - 0.5), width, 1, fill=False, ec=NEGATIVE, lw=1.5)


def _marks(got, want):
    return "".join("✓" if g == w else "✗" for g, w in zip(got, want))


def _count(got, want):
    return sum(g == w for g, w in zip(got, want))


def summary(state, runs=None):
    runs = runs or chapter_models()
    digits = clean(state.digits)
    out, A = decode(runs["additive"], digits)
    fixed, _ = decode(runs[None], digits)
    want = digits[::-1]
    step = int(np.clip(int(state.step), 1, LENGTH))
    return (f"{digits} -> {out} with attention ({_count(out, want)}/{LENGTH} right), "
            f"{fixed} with a fixed context ({_count(fixed, want)}/{LENGTH}); step {step - 1} "
            f"looks at position {int(A[step - 1].argmax())}")


@factory(AttentionState)
def attention_heatmap(digits=DEFAULT, step=LENGTH):
    """The interactive attention heat map; returns a View."""
    f = "attention_heatmap"
    if not isinstance(digits, str):
        raise ValueError(f"{f}: digits must be a string of digits, got {digits!r}")
    state = AttentionState(digits,
                           argument(f, "step", step, low=1, high=LENGTH, integer=True))
    controls = {
        "digits": W.Text(value=state.digits, description="input digits",
                         continuous_update=False, style={"description_width": "initial"}),
        "step": W.IntSlider(value=state.step, min=1, max=LENGTH, description="step",
                            continuous_update=True),
    }
    return View(render, state, controls, "attention_heatmap", summary=summary, play="step",
                layers=LAYERS)


def static_figure():
    """Without a kernel: the whole decoding of the default input."""
    return render(AttentionState())

"""Chapter 14, The Transformer: what the chapter's character transformer looks at, and what
breaks when a piece is taken out.

`transformer_explainer(prompt=..., layer=..., head=..., temperature=...)` reads a typed prompt
with the trained decoder of lessons.chapters.ch14_experiments.hamlet_transformer_run and
shows, left, the attention weights of one layer and head (row: the position that asks, column:
the positions it reads; the causal mask leaves the upper triangle empty); right, the
distribution of the next character at a temperature. Three switches run the *same trained
weights* without the positional encoding, without the 1/sqrt(d_k) scaling or without the
causal mask, and the title reports the loss on 2,048 validation characters that results,
against the trained model's: what each piece was holding up.

`render(state, run=None)` is pure and never raises for a valid state (run: the dict of
hamlet_transformer_run; tests pass a small one).
"""
import copy
import dataclasses

import ipywidgets as W
import numpy as np

from lessons.chapters.ch14_experiments import evaluate_lm, hamlet_transformer_run
from widgets.base import (ACCENT, POSITIVE, SEQUENTIAL, View, argument, autoscaled, factory,
                          flag, new_figure, spaces_shown, tick_labels)
from widgets.layers import Layers

PROMPT = "to be, or not to be, that is the question: whether 'tis nobler"
CONTEXT = 32  # the model's training window: the widget reads the prompt's last 32 characters
VAL_CHARS = 2048  # validation characters scored for the loss in the title
TOP = 15  # the next characters shown, the most probable first


@dataclasses.dataclass(frozen=True)
class ExplainerState:
    """prompt: any text (characters the model never saw are dropped); layer, head: which
    attention map; temperature: of the next-character distribution; positional, scaled,
    causal: the pieces switched on (False runs the trained weights without it)."""

    prompt: str = PROMPT
    layer: int = 1
    head: int = 0
    temperature: float = 1.0
    positional: bool = True
    scaled: bool = True
    causal: bool = True


def variant(model, state):
    """The trained model with the state's switches (a shallow copy sharing the weights)."""
    m = copy.copy(model)
    m.positional, m.scaled, m.causal = state.positional, state.scaled, state.causal
    return m


def _characters(state, run):
    """The prompt as the model reads it: known characters, the last CONTEXT of them."""
    vocab = run["vocab"]
    return "".join(ch for ch in state.prompt.lower() if ch in vocab.index)[-CONTEXT:] or " "


def read(state, run):
    """(characters read, attention maps A[L, H, T, T], next-character probabilities[V])."""
    vocab = run["vocab"]
    chars = _characters(state, run)
    model = variant(run["model"], state)
    ids = vocab.encode(chars)
    logp = model.next_logp(ids) / float(state.temperature)
    p = np.exp(logp - logp.max())
    return chars, model.attention_maps(ids), p / p.sum()


_losses = {}  # (model, switches) -> loss: 8 switch settings per model, each scored once


def validation_loss(state, run):
    """Loss (nats/char) on the first VAL_CHARS validation characters with the state's switches."""
    key = (id(run["model"]), state.positional, state.scaled, state.causal)
    if key not in _losses or _losses[key][0] is not run["model"]:
        loss = evaluate_lm(variant(run["model"], state), run["val_ids"][:VAL_CHARS + 1], CONTEXT)
        _losses[key] = (run["model"], loss)
    return _losses[key][1]


def _switched_off(state):
    off = [name for name, on in (("positional encoding", state.positional),
                                 ("sqrt(d_k) scaling", state.scaled),
                                 ("causal mask", state.causal)) if not on]
    return ", ".join(off) + " off" if off else "as trained"


def _frame(state, run=None):
    """What stays while the other controls move: the prompt's characters around the map."""
    run = run or hamlet_transformer_run()
    chars = _characters(state, run)
    T = len(chars)
    fig, axes = new_figure(12, 5.4, ncols=2, gridspec_kw={"width_ratios": [1.25, 1]})
    ax = axes[0]
    # the characters as plain text, not as ticks: 64 tick objects took half a second to draw
    ax.set(xticks=[], yticks=[], xlim=(-0.5, T - 0.5), ylim=(T - 0.5, -0.5), aspect="equal")
    ax.set_xlabel("reads position")
    ax.set_ylabel("position asking", labelpad=12)
    for k, label in enumerate(spaces_shown(chars)):
        ax.text(k, -0.7, label, ha="center", va="bottom", fontsize=7.5)
        ax.text(-0.7, k, label, ha="right", va="center", fontsize=7.5)
    low, high = autoscaled(-0.4, TOP - 0.6)  # the bars' extent (height 0.8)
    axes[1].set(xlim=(0, 1), ylim=(high, low), yticks=[], xlabel="probability")
    return fig


def _reading_layer(fig, state, run=None):
    """The chosen attention map, the next-character distribution (the most probable TOP, the
    characters as tick_labels: its axes stay in the frame) and the loss with the switches."""
    run = run or hamlet_transformer_run()
    chars, maps, p = read(state, run)
    L, H = maps.shape[:2]
    layer, head = min(int(state.layer), L - 1), min(int(state.head), H - 1)
    ax, ax_p = fig.axes
    ax.imshow(maps[layer, head], cmap=SEQUENTIAL, vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(f"layer {layer}, head {head}: attention weights (rows sum to 1)", fontsize=9,
                 pad=14)
    vocab = run["vocab"]
    top = np.argsort(-p, kind="stable")[:TOP]
    ax_p.barh(range(len(top)), p[top], color=POSITIVE)
    ax_p.barh([0], p[top[:1]], color=ACCENT)
    tick_labels(ax_p, range(len(top)), [repr(vocab.chars[i]) for i in top], axis="y",
                fontsize=8)
    ax_p.set_title(f"next character after {chars[-12:]!r}, temperature {state.temperature:.2f}",
                   fontsize=9)
    trained = validation_loss(ExplainerState(), run)
    fig.suptitle(f"{_switched_off(state)}: loss {validation_loss(state, run):.3f} nats/char on "
                 f"{VAL_CHARS:,} validation characters (as trained: {trained:.3f})", fontsize=10)


# every control but the prompt keeps the frame
LAYERS = Layers(key=lambda state: state.prompt, static=_frame, dynamic=_reading_layer)


def render(state, run=None):
    fig = _frame(state, run)
    _reading_layer(fig, state, run)
    return fig


def summary(state, run=None):
    run = run or hamlet_transformer_run()
    chars, maps, p = read(state, run)
    vocab = run["vocab"]
    best = np.argsort(-p, kind="stable")[:3]
    guesses = ", ".join(f"{vocab.chars[i]!r} {p[i]:.2f}" for i in best)
    return (f"{_switched_off(state)}; {len(chars)} characters read; next: {guesses}; "
            f"validation loss {validation_loss(state, run):.3f} nats/char")


@factory(ExplainerState)
def transformer_explainer(prompt=PROMPT, layer=1, head=0, temperature=1.0, positional=True,
                          scaled=True, causal=True):
    """The interactive explainer; returns a View."""
    f = "transformer_explainer"
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError(f"{f}: prompt must be a non-empty text, got {prompt!r}")
    run = hamlet_transformer_run()
    model = run["model"]
    state = ExplainerState(
        prompt, argument(f, "layer", layer, low=0, high=model.L - 1, integer=True),
        argument(f, "head", head, low=0, high=model.H - 1, integer=True),
        argument(f, "temperature", temperature, low=0.05, high=10.0),
        flag(f, "positional", positional), flag(f, "scaled", scaled), flag(f, "causal", causal))
    controls = {
        "prompt": W.Text(value=state.prompt, description="prompt", continuous_update=False,
                         layout=W.Layout(width="460px")),
        "layer": W.IntSlider(value=state.layer, min=0, max=model.L - 1, description="layer"),
        "head": W.IntSlider(value=state.head, min=0, max=model.H - 1, description="head"),
        "temperature": W.FloatSlider(value=state.temperature, min=0.05, step=0.05,
                                     max=max(3.0, state.temperature),
                                     description="temperature", continuous_update=True),
        "positional": W.Checkbox(value=state.positional, description="positional encoding"),
        "scaled": W.Checkbox(value=state.scaled, description="1/sqrt(d_k) scaling"),
        "causal": W.Checkbox(value=state.causal, description="causal mask"),
    }
    return View(render, state, controls, "transformer_explainer", summary=summary,
                layers=LAYERS)

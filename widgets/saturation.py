"""Chapter 05, Toward Deep Learning: the saturation explorer.

`saturation_explorer(...)` builds a deep fully connected net (depth hidden layers of width
neurons, an activation, an initialisation) and feeds it 256 standardized MNIST training
images. Top row: a histogram of each hidden layer's activations at initialisation. Middle
row: the gradient dL/dz reaching each layer (log of its size), which shrinks layer by layer
towards the input when neurons saturate. Bottom: the training loss over the first 30 SGD
steps (lr 0.01, batch 64). All from lessons.chapters.ch05_toward_dl; static path:
render(State(...)). probe(State(...)) measures why a saturated net does not learn (the
numbers chapter 05 prints after the explorer's figures).
"""
import functools
from dataclasses import dataclass
from typing import NamedTuple

import ipywidgets as W
import matplotlib
import numpy as np

from lessons.chapters import pretrained
from lessons.chapters.ch05_toward_dl import (
    ACTIVATIONS, INITS, deep_net, first_steps, layer_statistics,
)
from lessons.data import mnist_subset
from lessons.kernels import checks, softmax_cross_entropy
from lessons.layers import Dense
from widgets.base import ACCENT, POSITIVE, WARNING, View, argument, factory, new_figure

N_IMAGES = 1024
MAX_DEPTH = 8


@dataclass(frozen=True)
class State:
    """depth: hidden layers (1-8); width: neurons per hidden layer; activation: a name of
    ACTIVATIONS; init: a name of INITS; seed: the initial weights."""

    depth: int = 5
    width: int = 64
    activation: str = "tanh"
    init: str = "normal(1)"
    seed: int = 0

    def __post_init__(self):
        f = "saturation_explorer"
        object.__setattr__(self, "depth", argument(f, "depth", self.depth, low=1,
                                                   high=MAX_DEPTH, integer=True))
        object.__setattr__(self, "width", argument(f, "width", self.width, low=4, high=256,
                                                   integer=True))
        object.__setattr__(self, "activation", argument(f, "activation", self.activation,
                                                        options=tuple(ACTIVATIONS)))
        object.__setattr__(self, "init", argument(f, "init", self.init, options=tuple(INITS)))
        object.__setattr__(self, "seed", argument(f, "seed", self.seed, low=0, high=9,
                                                  integer=True))


@functools.lru_cache(maxsize=1)
def images():
    """N_IMAGES MNIST training images, standardized (one mean and std), and their labels."""
    X, y = mnist_subset(N_IMAGES, seed=0)
    X = X.reshape(len(X), -1).astype(np.float64)
    return (X - X.mean()) / X.std(), y


def _net(state):
    """The state's net, as initialised (seed state.seed)."""
    return deep_net(state.depth, state.width, state.activation, state.init, seed=state.seed)


@pretrained.cached(maxsize=8)
def statistics(state):
    """(activations, gradients, losses) of the state's net: see the module docstring."""
    X, y = images()
    net = _net(state)
    acts, grads, _ = layer_statistics(net, X[:256], y[:256])
    losses = first_steps(net, X, y)
    return acts, grads, losses


class Probe(NamedTuple):
    """What probe(state) measures; per-layer tuples run from hidden layer 1 (at the input)."""

    gradients: tuple  # mean |dL/dz| of each hidden layer (statistics' middle row)
    same_digit: float  # mean cosine of two last-layer patterns of the same digit
    other_digits: float  # ... and of two different digits
    batch_loss: tuple  # (before, after) ten SGD steps on one batch of 64 images
    other_loss: tuple  # (before, after) on 512 other images
    weight_moves: tuple  # each hidden layer's |W_after - W_before| / |W_before| over them


def _loss(net, X, labels):
    """net's mean softmax cross-entropy on X; inf where its logits overflow."""
    try:
        return float(softmax_cross_entropy(net.forward(X), labels)[0])
    except checks.NotFiniteError:
        return np.inf


def _mean_cosines(patterns, labels):
    """The mean cosine similarity of two rows of patterns over all pairs of different rows
    with the same label, and over all pairs with different labels (a zero row counts as 0)."""
    norms = np.linalg.norm(patterns, axis=1, keepdims=True)
    unit = np.divide(patterns, norms, out=np.zeros_like(patterns), where=norms > 0)
    cosines = unit @ unit.T
    same = labels[:, None] == labels[None, :]
    np.fill_diagonal(same, False)
    different = labels[:, None] != labels[None, :]
    return float(np.mean(cosines[same])), float(np.mean(cosines[different]))


def probe(state):
    """Why the state's net learns or does not, in numbers (a Probe):

    - gradients: the mean |dL/dz| reaching each hidden layer at initialisation, over the
      256 images of `statistics` (the numbers `summary` prints);
    - same_digit, other_digits: the last hidden layer turns each of those images into a
      pattern (its activations); the mean cosine similarity of the patterns of two images of
      the same digit, and of two different digits, over all such pairs. Both near 0 means
      the patterns hardly depend on the digit;
    - batch_loss, other_loss: a fresh copy of the net takes ten SGD steps (first_steps,
      lr 0.01) on one batch, the first 64 images; the loss of that batch, and of the last 512
      images (none of them in it), before and after. The second falls with the first only
      if what the net learns from one batch carries over to other images;
    - weight_moves: how far the ten steps moved each hidden layer's weights, as a fraction of
      their size (|W_after - W_before| / |W_before|, Frobenius norms).

    A net whose steps diverge (N(0, 1) ReLUs: the logits overflow) gets inf for the losses
    after, and for the weights' moves where they outgrow float64.
    """
    if not isinstance(state, State):
        raise TypeError(f"probe: state must be a saturation.State, got {type(state).__name__}")
    X, y = images()
    acts, grads, _ = statistics(state)
    same_digit, other_digits = _mean_cosines(acts[-1], y[:len(acts[-1])])
    net = _net(state)
    batch, others = slice(0, 64), slice(N_IMAGES - 512, N_IMAGES)
    hidden = [layer.W for layer in net.layers[:-1] if isinstance(layer, Dense)]
    start = [W.copy() for W in hidden]
    batch_before, others_before = _loss(net, X[batch], y[batch]), _loss(net, X[others], y[others])
    first_steps(net, X[batch], y[batch], steps=10)
    with np.errstate(over="ignore"):  # a diverged net's weights: their norms are inf
        moves = tuple(float(np.linalg.norm(W - W0) / np.linalg.norm(W0))
                      for W, W0 in zip(hidden, start))
    return Probe(
        gradients=tuple(float(np.mean(np.abs(g))) for g in grads),
        same_digit=same_digit, other_digits=other_digits,
        batch_loss=(batch_before, _loss(net, X[batch], y[batch])),
        other_loss=(others_before, _loss(net, X[others], y[others])),
        weight_moves=moves)


def _outcome(losses):
    if np.isfinite(losses[-1]):
        return f"{losses[-1]:.3f} after {len(losses) - 1} steps"
    return f"diverged at step {len(losses) - 1} (the logits overflowed)"


def training(state):
    """The statistics to compute before `state` can be drawn (a second or more: 30 SGD steps
    of a deep net), on the View's thread with its progress bar; None when they are cached."""
    return None if statistics.is_cached(state) else lambda: statistics(state)


def summary(state):
    """Per layer: the fraction of saturated or dead units and the mean |dL/dz|."""
    acts, grads, losses = statistics(state)
    lines = []
    for k, (a, g) in enumerate(zip(acts, grads), 1):
        if state.activation in ("tanh", "sigmoid"):
            lo, hi = (-1, 1) if state.activation == "tanh" else (0, 1)
            stuck = np.mean((a < lo + 0.02 * (hi - lo)) | (a > hi - 0.02 * (hi - lo)))
            what = "saturated"
        else:
            stuck, what = np.mean(a <= 0), "at or below 0"
        lines.append(f"layer {k}: {stuck:6.1%} {what}, mean |dL/dz| {np.mean(np.abs(g)):.2e}")
    lines.append(f"loss: {losses[0]:.3f} at step 0, " + _outcome(losses))
    return "\n".join(lines)


def render(state):
    acts, grads, losses = statistics(state)
    n = len(acts)
    fig, axes = new_figure(2.0 * max(n, 3), 6.6, ncols=max(n, 3), nrows=3, squeeze=False)
    for k in range(axes.shape[1]):
        if k >= n:
            axes[0, k].axis("off")
            axes[1, k].axis("off")
            continue
        axes[0, k].hist(acts[k].ravel(), bins=40, color=POSITIVE)
        axes[0, k].set_title(f"layer {k + 1}", fontsize=9)
        axes[0, k].set_yticks([])
        logs = np.log10(np.abs(grads[k].ravel()) + 1e-30)
        axes[1, k].hist(logs[logs > -29], bins=40, color=WARNING)
        axes[1, k].set_yticks([])
    axes[0, 0].set_ylabel("activations")
    axes[1, 0].set_ylabel("log10 |dL/dz|")
    gs = axes[2, 0].get_gridspec()
    for ax in axes[2]:
        ax.remove()
    ax = fig.add_subplot(gs[2, :])
    ax.plot(losses, color=ACCENT, marker=".")
    ax.set(xlabel="SGD step (lr 0.01, batch 64)", ylabel="train loss")
    ax.set_title(f"loss {_outcome(losses)}", fontsize=9,
                 color=matplotlib.rcParams["text.color"] if np.isfinite(losses[-1]) else WARNING)
    fig.suptitle(f"{state.depth} x {state.width} {state.activation}, init {state.init}")
    return fig


@factory(State)
def saturation_explorer(depth=5, width=64, activation="tanh", init="normal(1)", seed=0):
    """The interactive explorer. Defaults: a 5-layer tanh net with N(0, 1) weights."""
    state = State(depth, width, activation, init, seed)
    slider = dict(continuous_update=False)
    controls = {
        "depth": W.IntSlider(value=state.depth, min=1, max=MAX_DEPTH, description="depth",
                             **slider),
        "width": W.IntSlider(value=state.width, min=4, max=256, description="width", **slider),
        "activation": W.Dropdown(options=tuple(ACTIVATIONS), value=state.activation,
                                 description="activation"),
        "init": W.Dropdown(options=tuple(INITS), value=state.init, description="init"),
        "seed": W.IntSlider(value=state.seed, min=0, max=9, description="seed", **slider),
    }
    return View(render, state, controls, "saturation_explorer", summary=summary,
                training=training)

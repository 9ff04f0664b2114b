"""Chapter 05, Toward Deep Learning: the saturation explorer.

`saturation_explorer(...)` builds a deep fully connected net (depth hidden layers of width
neurons, an activation, an initialisation) and feeds it 256 standardized MNIST training
images. Top row: a histogram of each hidden layer's activations at initialisation. Middle
row: the gradient dL/dz reaching each layer (log of its size), which shrinks layer by layer
towards the input when neurons saturate. Bottom: the training loss over the first 30 SGD
steps (lr 0.01, batch 64). All from lessons.chapters.ch05_toward_dl; static path:
render(State(...)).
"""
import functools
from dataclasses import dataclass

import ipywidgets as W
import matplotlib
import numpy as np

from lessons.chapters import pretrained
from lessons.chapters.ch05_toward_dl import (
    ACTIVATIONS, INITS, deep_net, first_steps, layer_statistics,
)
from lessons.data import mnist_subset
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


@pretrained.cached(maxsize=8)
def statistics(state):
    """(activations, gradients, losses) of the state's net: see the module docstring."""
    X, y = images()
    net = deep_net(state.depth, state.width, state.activation, state.init, seed=state.seed)
    acts, grads, _ = layer_statistics(net, X[:256], y[:256])
    losses = first_steps(net, X, y)
    return acts, grads, losses


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

"""Chapter 09, Deeper CNNs: the depth lab.

`depth_lab(depth, skip, batchnorm, step)` shows what happens inside a deep CNN while it
trains (lessons.chapters.ch09_deeper_cnns.train_deep: 2,000 MNIST images, three epochs):

- left, the norm of each weight layer's gradient (first layer left, the Dense head right) at
  one moment of training, for the plain network and the residual one, both with batch norm
  or both without (`batchnorm`); the network chosen with `skip` is drawn bold, the other faint;
- right, the loss of both networks on a fixed probe set through training, the moment marked,
  and dotted, the same two networks with batch norm switched the other way.

Training 24 networks takes minutes on 2 cores, so the runs are precomputed
(`precompute()`, shipped as lessons/data/ch09/depth_lab.npz) and the widget only draws.
Static path: `static_figure()`, the gradient norms and losses of the deepest network.
"""
import functools
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as W
import numpy as np
from matplotlib.ticker import MaxNLocator

from widgets.base import (ACCENT, NEGATIVE, POSITIVE, View, argument, autoscaled, axis_ticks,
                          factory, flag, new_figure)
from widgets.layers import Layers

DATA = Path(__file__).resolve().parent.parent / "lessons" / "data" / "ch09" / "depth_lab.npz"
DEPTHS = (4, 8, 12, 16, 20, 30)


def _key(depth, skip, batchnorm):
    return f"{depth}_{'residual' if skip else 'plain'}{'_bn' if batchnorm else ''}"


def precompute(path=DATA, depths=DEPTHS):
    """Train every (depth, skip, batchnorm) network of the lab and save the runs to `path`
    (about five minutes)."""
    from lessons.chapters.ch09_deeper_cnns import mnist_train_test, train_deep

    data = mnist_train_test(2000, 500)
    arrays = {}
    for depth in depths:
        for skip in (False, True):
            for batchnorm in (False, True):
                run = train_deep(depth, skip, batchnorm=batchnorm, data=data)
                key = _key(depth, skip, batchnorm)
                arrays[key + "_losses"] = np.array(run.losses)
                arrays[key + "_norms"] = run.norms
                arrays[key + "_accuracy"] = np.array(run.test_accuracy)
                arrays["batches"] = np.array(run.batches)
    np.savez_compressed(path, depths=np.array(depths), **arrays)


@functools.lru_cache(maxsize=1)
def runs():
    """{(depth, skip, batchnorm): (losses[records], norms[records, layers], accuracy)} and
    the batch numbers of the records."""
    with np.load(DATA) as f:
        batches = f["batches"]
        table = {}
        for depth in f["depths"]:
            for skip in (False, True):
                for batchnorm in (False, True):
                    key = _key(depth, skip, batchnorm)
                    table[int(depth), skip, batchnorm] = (
                        f[key + "_losses"], f[key + "_norms"], float(f[key + "_accuracy"]))
    return table, batches


@dataclass(frozen=True)
class State:
    """depth: one of DEPTHS (weight layers); skip: show the residual network bold (else the
    plain one); batchnorm: the networks with a batch norm after every convolution (else
    without); step: the moment of training, an index into the records (0 = before)."""

    depth: int = 20
    skip: bool = True
    batchnorm: bool = False
    step: int = 10

    def __post_init__(self):
        f = "depth_lab"
        object.__setattr__(self, "depth", argument(f, "depth", self.depth, options=DEPTHS))
        object.__setattr__(self, "skip", flag(f, "skip", self.skip))
        object.__setattr__(self, "batchnorm", flag(f, "batchnorm", self.batchnorm))
        last = len(runs()[1]) - 1
        object.__setattr__(self, "step", argument(f, "step", self.step, low=0, high=last,
                                                  integer=True))


def _norm_limits(state):
    """The gradient-norm axes' range: every step's norms of both networks at this depth, so
    the scale stays while the step moves (and a norm that falls is seen falling)."""
    table, _ = runs()
    norms = np.concatenate([table[state.depth, skip, state.batchnorm][1][1:].ravel()
                            for skip in (False, True)])
    norms = np.maximum(norms, 1e-12)
    return norms.min() / 1.5, norms.max() * 1.5


def _frame(state):
    """What stays for every state: the two axes, their labels and scales. Their limits and
    ticks follow the depth, so the layer draws them."""
    fig, (ax_g, ax_l) = new_figure(12, 4.2, ncols=2)
    for ax in (ax_g, ax_l):
        ax.tick_params(which="both", bottom=False, labelbottom=False, left=False,
                       labelleft=False)
    ax_g.set(yscale="log")
    ax_g.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_g.set_xlabel("weight layer (1 = first conv, last = Dense head)", labelpad=21)
    ax_g.set_ylabel("gradient norm ||dK|| (log scale)", labelpad=52)  # beside 2×10⁻¹
    ax_l.set_xlabel("training step (batches of 32)", labelpad=21)
    ax_l.set_ylabel("loss on 100 training images", labelpad=27)
    ax_l.set_title("loss: plain vs residual (dotted: batch norm switched)")
    return fig


def _step_layer(fig, state):
    """The gradient norm per layer at the step; the loss curves of both networks, with and
    without batch norm, and the step's mark on them; the limits and ticks of both axes."""
    table, batches = runs()
    ax_g, ax_l = fig.axes
    bn = " + batch norm" if state.batchnorm else ""
    step = max(state.step, 1)  # no gradient before the first step
    curves = []
    for skip, colour, name in ((False, NEGATIVE, "plain"), (True, POSITIVE, "residual")):
        losses, norms, accuracy = table[state.depth, skip, state.batchnorm]
        other = table[state.depth, skip, not state.batchnorm][0]
        bold = skip == state.skip
        layers = np.arange(1, norms.shape[1] + 1)
        ax_g.plot(layers, np.maximum(norms[step], 1e-12), "o-", color=colour,
                  lw=2.5 if bold else 1, alpha=1 if bold else 0.35,
                  label=f"{name}{bn} (test accuracy {accuracy:.3f})")
        ax_l.plot(batches, losses, color=colour, lw=2.5 if bold else 1,
                  alpha=1 if bold else 0.35, label=name + bn)
        ax_l.plot(batches, other, color=colour, lw=1, ls=":", alpha=0.6,
                  label=f"{name} {'without' if state.batchnorm else 'with'} batch norm")
        curves += [losses, other]
    ax_g.set(ylim=_norm_limits(state), xlim=(0.5, len(layers) + 0.5))
    ax_l.set(xlim=autoscaled(batches.min(), batches.max()),
             ylim=autoscaled(min(map(np.min, curves)), max(map(np.max, curves))))
    for ax in (ax_g, ax_l):
        axis_ticks(ax, "x")
        axis_ticks(ax, "y")
    ax_g.set_title(f"{state.depth} layers{bn}, after step {batches[step]}")
    ax_g.legend(fontsize=8)
    ax_l.legend(fontsize=8)
    ax_l.axvline(batches[state.step], color=ACCENT, ls="--")


# one frame for every state: a move of any control draws the layer alone
LAYERS = Layers(key=lambda state: None, static=_frame, dynamic=_step_layer)


def render(state):
    return LAYERS.render(state)


def summary(state):
    """The numbers behind render(state), 4 significant digits."""
    table, batches = runs()
    losses, norms, accuracy = table[state.depth, state.skip, state.batchnorm]
    step = max(state.step, 1)
    return (f"{state.depth} layers, {'residual' if state.skip else 'plain'}"
            f"{', batch norm' if state.batchnorm else ''}, step "
            f"{batches[state.step]}: loss {losses[state.step]:.4f}; gradient norms first "
            f"{norms[step][0]:.3g}, middle {norms[step][len(norms[step]) // 2]:.3g}, last "
            f"{norms[step][-1]:.3g}; test accuracy after training {accuracy:.4f}")


def static_figure():
    """The deepest network, plain and residual, at the end of training."""
    return render(State(depth=max(DEPTHS), skip=True, step=len(runs()[1]) - 1))


@factory(State)
def depth_lab(depth=20, skip=True, batchnorm=False, step=10):
    """The interactive view: depth and step sliders, skip-connection and batch-norm
    switches."""
    state = State(depth, skip, batchnorm, step)
    controls = {
        "depth": W.SelectionSlider(options=DEPTHS, value=state.depth, description="depth",
                                   continuous_update=False),
        "step": W.IntSlider(value=state.step, min=0, max=len(runs()[1]) - 1,
                            description="step", continuous_update=True),
        "skip": W.Checkbox(value=state.skip, description="skip connections (bold)"),
        "batchnorm": W.Checkbox(value=state.batchnorm, description="batch norm"),
    }
    return View(render, state, controls, "depth_lab", summary=summary, play="step",
                layers=LAYERS)

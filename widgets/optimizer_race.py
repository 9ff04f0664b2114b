"""Chapter 05, Toward Deep Learning: the optimizer race.

`optimizer_race(...)` starts SGD, momentum, Nesterov, AdaGrad, RMSprop and Adam from the same
point of a 2-D surface (a ravine, Rosenbrock's banana, Chapter 02's double well) and draws
their paths over its contours, with the loss of each against the step. `noise` adds Gaussian
noise to every gradient, as a minibatch's gradient is the full one plus noise (every racer
sees the same draws). The racers are the classes of lessons.optim, run by
lessons.chapters.ch05_toward_dl.race. Static path: render(State(...)).
"""
import functools
from dataclasses import dataclass

import ipywidgets as W
import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from lessons.chapters.ch05_toward_dl import RACERS, SURFACES, make_optimizer, race
from widgets.base import (View, argument, autoscaled, axis_ticks, contour_paths, factory,
                          new_figure)
from widgets.layers import Layers

MAX_STEPS = 500
COLOURS = dict(zip(RACERS, ("#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00")))


@dataclass(frozen=True)
class State:
    """surface: a name of SURFACES; lr: SGD's and the momentum pair's rate; adaptive_lr:
    AdaGrad's, RMSprop's and Adam's; momentum; noise: the gradient noise's standard
    deviation; steps; seed: the noise draws."""

    surface: str = "ravine"
    lr: float = 0.02
    adaptive_lr: float = 0.1
    momentum: float = 0.9
    noise: float = 0.0
    steps: int = 100
    seed: int = 0

    def __post_init__(self):
        f = "optimizer_race"
        object.__setattr__(self, "surface", argument(f, "surface", self.surface,
                                                     options=tuple(SURFACES)))
        for name, low, high in (("lr", 1e-4, 0.2), ("adaptive_lr", 1e-3, 1.0),
                                ("momentum", 0.0, 0.99), ("noise", 0.0, 20.0)):
            object.__setattr__(self, name, argument(f, name, getattr(self, name), low=low,
                                                    high=high))
        object.__setattr__(self, "steps", argument(f, "steps", self.steps, low=1,
                                                   high=MAX_STEPS, integer=True))
        object.__setattr__(self, "seed", argument(f, "seed", self.seed, low=0, high=99,
                                                  integer=True))


_runs = {}  # (surface, noise, seed, a racer as repr shows it) -> (steps run, path, losses)


def _racer(state, name):
    """What a racer's path depends on: the surface, the noise draws and the racer with its own
    settings (SGD's repr holds lr and momentum, Adam's adaptive_lr: a move of one slider
    runs again only the racers it changes)."""
    opt = make_optimizer(name, state.lr, state.adaptive_lr, state.momentum)
    return state.surface, state.noise, state.seed, repr(opt)


def _longest(state):
    """(paths, losses) of the longest runs so far of the state's racers, at least state.steps
    long. A race of n steps is the first n steps of a longer one (the same noise draws, step
    for step), so the steps slider and the play button cut it; it grows by doubling rather
    than step by step. Every racer's path is its own (it sees the same draws whoever runs
    beside it), so only the racers not yet run that far are run."""
    if len(_runs) >= 192:
        _runs.clear()
    keys = {name: _racer(state, name) for name in RACERS}
    short = [name for name in RACERS if _runs.get(keys[name], (0,))[0] < state.steps]
    if short:
        run = min(max(state.steps, 2 * max(_runs.get(keys[name], (0,))[0] for name in short)),
                  MAX_STEPS)
        func = SURFACES[state.surface][0]
        for name, path in race(state.surface, steps=run, lr=state.lr,
                               adaptive_lr=state.adaptive_lr, momentum=state.momentum,
                               noise=state.noise, seed=state.seed, racers=short).items():
            _runs[keys[name]] = run, path, np.array([func(p)[0] for p in path])
    return ({name: _runs[keys[name]][1] for name in RACERS},
            {name: _runs[keys[name]][2] for name in RACERS})


def paths(state):
    """race(...) for the state, cut from the longest race run so far."""
    return {name: path[:state.steps + 1] for name, path in _longest(state)[0].items()}


def losses(state):
    """The loss at every point of each racer's path."""
    return {name: loss[:state.steps + 1] for name, loss in _longest(state)[1].items()}


def summary(state):
    """The loss each racer reached, one line per racer (what the figure's legend shows)."""
    func = SURFACES[state.surface][0]
    lines = []
    for name, path in paths(state).items():
        end = "left the plot (diverged)" if len(path) <= state.steps else \
            f"loss {func(path[-1])[0]:.4g} at ({path[-1][0]:.3f}, {path[-1][1]:.3f})"
        lines.append(f"{name:>9}: {end}")
    return "\n".join(lines)


@functools.lru_cache(maxsize=None)
def _grid(surface):
    """(xs, ys, f) on a 200 x 160 grid over the surface's plot box (f takes the grid's
    arrays at once: its arithmetic is elementwise)."""
    func, _, (x0, x1, y0, y1) = SURFACES[surface]
    xs, ys = np.linspace(x0, x1, 200), np.linspace(y0, y1, 160)
    return xs, ys, func(np.meshgrid(xs, ys))[0]


def heights(surface):
    """(xs, ys, log(1 + f - min f)): what the contours show."""
    xs, ys, Z = _grid(surface)
    return xs, ys, np.log1p(Z - Z.min())


def loss_limits(surface):
    """The loss axis' limits: the losses the plot box holds, with room above. A racer that
    leaves the box leaves the top of the loss plot too (a scale that followed it, up to
    1e24, flattened every other curve)."""
    Z = _grid(surface)[2]
    return min(0.0, float(Z.min())) - 0.1, 2 * float(Z.max())


@functools.lru_cache(maxsize=None)
def _contours(surface):
    """The contour lines of `heights(surface)`, as matplotlib's contour draws them (25 levels
    of grey), as a PathCollection's arguments: made once per surface, added by every move."""
    return contour_paths(Figure().subplots().contour(*heights(surface), levels=25,
                                                     cmap="Greys", linewidths=0.6))


def _frame(state):
    """What stays for every surface and setting: the two axes and their labels, the loss on a
    symlog scale (linear near 0, logarithmic above 2), the racers' legend beside the loss
    (off the data, and drawn once: in the loss axes it was redrawn over the curves on every
    move, a third of a move's time). The ticks, whose limits follow the surface, are drawn
    by the layer."""
    fig, (ax, ax_loss) = new_figure(10.5, 4.4, ncols=2, width_ratios=[1.3, 1])
    for a in (ax, ax_loss):
        a.tick_params(which="both", bottom=False, labelbottom=False, left=False,
                      labelleft=False)
    ax_loss.set(yscale="symlog", title="loss against step")
    ax_loss.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))  # whole steps
    ax.set_xlabel("x", labelpad=21)  # under (and beside) the tick labels the layer draws
    ax.set_ylabel("y", labelpad=35)
    ax_loss.set_xlabel("step", labelpad=20)
    ax_loss.set_ylabel("loss", labelpad=29)
    fig.legend(handles=[Line2D([], [], color=COLOURS[name], label=name) for name in RACERS],
               loc="outside right upper", fontsize=8)
    return fig


def _race_layer(fig, state):
    """The surface's contours and start, the paths, and the loss curves over the steps shown,
    each axis on the surface's and the steps' scale."""
    ax, ax_loss = fig.axes
    _, start, (x0, x1, y0, y1) = SURFACES[state.surface]
    ax.add_collection(PathCollection(**_contours(state.surface)), autolim=False)
    ax.plot(*start, "k*", ms=10)
    for name, path in paths(state).items():
        ax.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=1, color=COLOURS[name], label=name)
    ax.set(xlim=(x0, x1), ylim=(y0, y1))
    for name, loss in losses(state).items():
        ax_loss.plot(loss, color=COLOURS[name], label=name)
    ax_loss.set(xlim=autoscaled(0, state.steps), ylim=loss_limits(state.surface))
    for a, axis in ((ax, "x"), (ax, "y"), (ax_loss, "x"), (ax_loss, "y")):
        axis_ticks(a, axis)
    ax.set_title(f"{state.surface}: the same start (star), noise {state.noise:g}")


# one frame for every surface and setting: a move draws the layer alone
LAYERS = Layers(key=lambda state: None, static=_frame, dynamic=_race_layer)


def render(state):
    return LAYERS.render(state)


@factory(State)
def optimizer_race(surface="ravine", lr=0.02, adaptive_lr=0.1, momentum=0.9, noise=0.0,
                   steps=100, seed=0):
    """The interactive race. Defaults: the ravine, no gradient noise."""
    state = State(surface, lr, adaptive_lr, momentum, noise, steps, seed)
    slider = dict(continuous_update=False)
    controls = {
        "surface": W.Dropdown(options=tuple(SURFACES), value=state.surface,
                              description="surface"),
        "lr": W.FloatLogSlider(value=state.lr, base=10, min=-4, max=np.log10(0.2),
                               description="lr", **slider),
        "adaptive_lr": W.FloatLogSlider(value=state.adaptive_lr, base=10, min=-3, max=0,
                                        description="adaptive lr", **slider),
        "momentum": W.FloatSlider(value=state.momentum, min=0, max=0.99, step=0.01,
                                  description="momentum", **slider),
        "noise": W.FloatSlider(value=state.noise, min=0, max=20, step=0.5,
                               description="gradient noise", **slider),
        "steps": W.IntSlider(value=state.steps, min=1, max=MAX_STEPS, description="steps",
                             **slider),
        "seed": W.IntSlider(value=state.seed, min=0, max=99, description="noise seed", **slider),
    }
    return View(render, state, controls, "optimizer_race", summary=summary, play="steps",
                layers=LAYERS)

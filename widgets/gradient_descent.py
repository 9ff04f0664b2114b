"""Chapter 02, Gradient-Based Learning: the gradient-descent explorer.

Pick a loss surface, a learning rate, a momentum and a number of steps; the left panel shows
the walk on the surface (filled contours, or the curve f(w) for the 1-D well), the right panel
the loss after every step. A learning rate that explodes is drawn, never raised: the title
turns red and an arrow shows where the walk leaves the window.

`render(state)` is the pure function the tests call; `descent_explorer(...)` wraps it in
sliders; `small_multiples(...)` with LEARNING_RATE_STORY or MOMENTUM_STORY is the static
figure for places without a kernel.
"""
import dataclasses
import functools
import math

import ipywidgets as W
import matplotlib
import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import NullLocator

from lessons.chapters.ch02_descent import SURFACES, descend, surface
from widgets.base import View, argument, axis_ticks, contour_paths, factory, new_figure
from widgets.layers import Layers

PATH = "#E69F00"  # Okabe-Ito orange: the walk, visible on the blue contours
ALARM = "#D55E00"  # vermillion: divergence
CONTOURS = "Blues_r"  # dark = low loss, so the valleys read as valleys
LR_RANGE = (1e-4, 2.0)
STEPS_MAX = 200
START = dict(ms=10, mfc=PATH, mec="black")  # the start point's marker, and its legend entry


@dataclasses.dataclass(frozen=True)
class DescentState:
    """Everything the explorer shows; `state_call` turns it into a pasteable call."""

    surface: str = "double well"
    lr: float = 0.05
    momentum: float = 0.0
    steps: int = 100
    start_x: float = 2.5
    start_y: float = 1.0
    rule: str = "classical"  # "book": Chollet's Listing 2.39 as printed (sign error)


def walk_of(state):
    """The Walk (points, losses, diverged) that `state` describes."""
    surf = surface(state.surface)
    start = (state.start_x, state.start_y)[: surf.dim]
    return descend(surf, start, state.lr, state.momentum, state.steps, rule=state.rule)


def _view_box(surf, start):
    """The surface's window, widened to keep the start point in view."""
    box = []
    for axis, (lo, hi) in enumerate(surf.window):
        pad = 0.05 * (hi - lo)
        box.append((min(lo, start[axis] - pad), max(hi, start[axis] + pad)))
    return tuple(box)


def _escape(surf, walk, state):
    """Where the step after the last recorded point lands (replays the velocity)."""
    v = np.zeros(surf.dim)
    nxt = walk.points[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        for p in walk.points:
            g = surf.grad(p)
            if state.rule == "classical":
                v = state.momentum * v - state.lr * g
                nxt = p + v
            else:
                v = state.momentum * v + state.lr * g
                nxt = p + state.momentum * v - state.lr * g
    return np.nan_to_num(nxt, nan=0.0, posinf=1e300, neginf=-1e300)


def _exit_segment(points, box, after):
    """(k, point k, point on the box edge) where the path first leaves `box` after point k.

    `after` is where the walk went after its last recorded point (a diverged walk's final
    step is not recorded), so a walk that jumps out on its very last step still gets an arrow.
    """
    lo = np.array([b[0] for b in box])
    hi = np.array([b[1] for b in box])
    path = np.vstack([points, after[None, :]]) if after is not None else points
    outside = np.any((path < lo) | (path > hi), axis=1)
    if not outside.any():
        return None
    k = int(np.argmax(outside))
    if k == 0:  # cannot happen for a box widened around the start; no segment to draw
        return None
    a, b = path[k - 1], path[k]
    d = b - a
    # the largest t in [0, 1] keeping a + t d inside the box on every axis
    with np.errstate(divide="ignore", invalid="ignore"):
        t_hi = np.where(d > 0, (hi - a) / d, np.inf)
        t_lo = np.where(d < 0, (lo - a) / d, np.inf)
    t = float(min(1.0, np.min(t_hi), np.min(t_lo)))
    return k - 1, a, a + t * d


def _until_exit(points, segment, diverged):
    """A diverged walk is drawn up to where it leaves the window: beyond it, its segments
    would only criss-cross the view. A walk that comes back is drawn whole."""
    if not diverged or segment is None:
        return points
    return points[: segment[0] + 1]


def _arrow(ax, segment):
    _, start, end = segment
    ax.annotate("", xy=tuple(end), xytext=tuple(start), annotation_clip=False,
                arrowprops=dict(arrowstyle="-|>", color=ALARM, lw=2.2, mutation_scale=18))


@functools.lru_cache(maxsize=32)
def _grid(name, box):
    surf = SURFACES[name]
    (x_lo, x_hi), (y_lo, y_hi) = box
    xs, ys = np.linspace(x_lo, x_hi, 160), np.linspace(y_lo, y_hi, 160)
    gx, gy = np.meshgrid(xs, ys)
    return gx, gy, surf.f(np.stack([gx, gy], axis=-1))


def _dot(points):
    return 4.0 if len(points) <= 60 else 2.5


def _surface_box(surf, box):
    """For a 1-D surface: (w grid, f on it, the f range shown); None for a 2-D one."""
    if surf.dim != 1:
        return None
    (w_lo, w_hi), = box
    ws = np.linspace(w_lo, w_hi, 400)
    fs = surf.f(ws[:, None])
    pad = 0.08 * (fs.max() - fs.min())
    return ws, fs, (fs.min() - pad, fs.max() + pad)


@functools.lru_cache(maxsize=32)
def _contours(name, box):
    """The 2-D surface's filled contours over `box`, with thin lines between them, as
    matplotlib's contourf and contour draw them (22 levels; Rosenbrock's on a log scale), as
    two PathCollections' arguments: made once per surface and box, added by every move."""
    gx, gy, gz = _grid(name, box)
    ax = Figure().subplots()
    if name == "rosenbrock":
        levels = np.geomspace(max(gz.min(), 1e-2), gz.max(), 22)
        filled = ax.contourf(gx, gy, gz, levels=levels, norm=LogNorm(), cmap=CONTOURS)
    else:
        filled = ax.contourf(gx, gy, gz, levels=22, cmap=CONTOURS)
    lines = ax.contour(filled, colors="white", linewidths=0.3, alpha=0.5)
    return contour_paths(filled), contour_paths(lines)


def _draw_surface(ax, surf, box):
    """The surface (contours, or the curve f(w) for a 1-D one), its minima and the limits."""
    curve = _surface_box(surf, box)
    if curve is not None:
        ws, fs, y_box = curve
        ax.plot(ws, fs, color="black", lw=1.5)
        minima = [(m[0], float(surf.f(np.array(m)))) for m in surf.minima]
        ax.set(xlim=box[0], ylim=y_box)
    else:
        for collection in _contours(surf.name, box):
            ax.add_collection(PathCollection(**collection), autolim=False)
        minima = surf.minima
        ax.set(xlim=box[0], ylim=box[1])
    for m in minima:
        ax.plot(*m, "*", ms=16, mfc="white", mec="black", zorder=6)


def _axis_labels(ax, surf):
    """w and f(w) along the 1-D well; x and y over a surface."""
    xlabel, ylabel = ("w", "f(w)") if surf.dim == 1 else ("x", "y")
    ax.set(xlabel=xlabel, ylabel=ylabel)


def _draw_start(ax, surf, start):
    """The walk's start point (on the curve, for a 1-D surface)."""
    if surf.dim == 1:
        start = (start[0], float(surf.f(np.array(start[:1]))))
    ax.plot(*start, "o", **START, zorder=5)


def _draw_path(ax, surf, walk, state, box):
    """The walk over the surface: its path (up to where a diverged walk leaves the window),
    its end, and an arrow where it leaves."""
    after = _escape(surf, walk, state) if (state is not None and walk.diverged) else None
    curve = _surface_box(surf, box)
    if curve is not None:
        pts = np.column_stack([walk.points[:, 0], walk.losses])
        if after is not None:
            after = np.array([after[0], float(np.nan_to_num(surf.f(after[None, :])[0],
                                                            posinf=1e300))])
        box = (box[0], curve[2])
    else:
        pts = walk.points
    segment = _exit_segment(pts, box, after)
    shown = _until_exit(pts, segment, walk.diverged)
    ax.plot(shown[:, 0], shown[:, 1], "-o", color=PATH, ms=_dot(shown), mec="black",
            mew=0.4, lw=1 if surf.dim == 1 else 1.2)
    ax.plot(*pts[-1], "s", ms=8, mfc="white", mec="black", zorder=5)
    if segment is not None:
        _arrow(ax, segment)


def draw_walk(ax, surf, walk, state=None):
    """Draw the surface and the walk on `ax`: contours for 2-D surfaces, the curve for 1-D.

    `state` (a DescentState) lets a diverged walk's final, unrecorded step be drawn as an
    arrow leaving the window; without it the arrow marks the first recorded exit only.
    """
    surf = surface(surf)
    box = _view_box(surf, walk.points[0])
    _draw_surface(ax, surf, box)
    _axis_labels(ax, surf)
    _draw_start(ax, surf, walk.points[0])
    _draw_path(ax, surf, walk, state, box)
    return ax


def _draw_losses(ax, surf, walk):
    """The loss after every step, on the scale that reads it (set here: the frame keeps the
    axes for every walk), with the limits autoscaling gives and the ticks they hold."""
    steps = np.arange(len(walk.losses))
    f_min = min(float(surf.f(np.array(m))) for m in surf.minima)
    losses = walk.losses
    ax.set_autoscale_on(True)  # a symlog walk before set the bottom limit
    ax.plot(steps, losses, "-", color=PATH, lw=1.8)
    ax.plot(steps[-1:], losses[-1:], "s", ms=7, mfc="white", mec="black")
    scale, bottom = "linear", None
    if f_min >= 0.0:  # bowls and Rosenbrock: the loss falls towards 0, read it on a log axis
        if np.any(losses > 0):
            scale = "log"
        if np.any(losses == 0):
            ax.text(0.98, 0.02, "loss reached exactly 0", transform=ax.transAxes,
                    ha="right", va="bottom", fontsize=8)
    else:  # the wells dip below 0: a linear axis, symlog when the loss explodes
        ax.axhline(f_min, ls="--", color="black", lw=1)
        ax.annotate(f"global minimum {f_min:.4f}", (1, f_min), xycoords=("axes fraction", "data"),
                    xytext=(-4, 3), textcoords="offset points", ha="right", va="bottom",
                    fontsize=8)
        if np.nanmax(np.abs(losses)) > 1e3:
            scale, bottom = "symlog", f_min - 1.0  # nothing lies below the minimum
    ax.set_yscale(scale)
    if scale == "log":
        ax.yaxis.set_minor_locator(NullLocator())  # decades only: a third of the ticks
    # the limits of the walk's losses (and the wells' minimum), as a new axes would find
    # them; not relim(), which after a scale change read the minimum's line as -16,385
    points = np.column_stack([steps, losses])
    if f_min < 0.0:
        points = np.vstack([points, [0.0, f_min]])
    ax.ignore_existing_data_limits = True
    ax.update_datalim(points[np.all(np.isfinite(points), axis=1)])
    ax.autoscale_view()
    if bottom is not None:
        ax.set_ylim(bottom=bottom)
    axis_ticks(ax, "x")
    axis_ticks(ax, "y")
    ax.set_title("loss after each step" + (" (log scale)" if scale == "log" else ""))


def _headline(walk):
    if walk.diverged:
        return f"diverged at step {len(walk.points)}", ALARM
    end = ", ".join(f"{c:.4f}" for c in walk.end)
    k = len(walk.points) - 1
    text = f"{k} step{'' if k == 1 else 's'}: ended at ({end}), f = {walk.losses[-1]:.4f}"
    return text, matplotlib.rcParams["text.color"]  # black, or light on the dark theme


def _describe(state):
    text = f"lr = {state.lr:.4g}, momentum = {state.momentum:.2f}"
    if state.rule == "book":
        text += ", book's (wrong) rule"
    return text


def _start(state):
    return np.array((state.start_x, state.start_y)[: surface(state.surface).dim], dtype=float)


def _frame(state):
    """What stays for every surface: the axes, the labels' places, and the legend of the walk,
    its start, its end and the minimum (beside the panels, off the data: inside them it was
    drawn again over the walk on every move). The surface, the ticks and the axis labels,
    which follow the surface, are drawn by the layer."""
    fig, (left, right) = new_figure(11, 4.4, ncols=2, width_ratios=(1.25, 1))
    for ax in (left, right):
        ax.tick_params(which="both", bottom=False, labelbottom=False, left=False,
                       labelleft=False)
    right.set_xlabel("step", labelpad=21)
    right.set_ylabel("f", labelpad=32)
    left.xaxis.labelpad = 21  # under and beside the tick labels the layer draws,
    left.yaxis.labelpad = 42  # placed for the widest (a surface's "−1.5")
    handles = [Line2D([], [], marker="o", color=PATH, ms=4.0, mec="black", mew=0.4, lw=1,
                      label="walk"),
               Line2D([], [], marker="o", ls="", **START, label="start"),
               Line2D([], [], marker="s", ls="", ms=8, mfc="white", mec="black", label="end"),
               Line2D([], [], marker="*", ls="", ms=16, mfc="white", mec="black",
                      label="global minimum")]
    fig.legend(handles=handles, loc="outside right upper", fontsize=8)
    return fig


def _walk_layer(fig, state):
    surf = surface(state.surface)
    walk = walk_of(state)
    left, right = fig.axes
    box = _view_box(surf, _start(state))
    _axis_labels(left, surf)
    _draw_surface(left, surf, box)
    _draw_start(left, surf, _start(state))
    _draw_path(left, surf, walk, state, box)
    axis_ticks(left, "x")
    axis_ticks(left, "y")
    left.set_title(f"{surf.name}: f = {surf.formula}\n{_describe(state)}", fontsize=10)
    _draw_losses(right, surf, walk)
    text, colour = _headline(walk)
    fig.suptitle(text, color=colour, fontweight="bold" if walk.diverged else "normal")


# one frame for every surface: a move, a new surface or a start that widens the window draw
# the layer alone (the loss panel's scale and limits too)
LAYERS = Layers(key=lambda state: None, static=_frame, dynamic=_walk_layer)


def render(state):
    """Figure of the walk that `state` describes: surface and path left, loss per step right."""
    return LAYERS.render(state)


def summary(state):
    """What the view shows, in words: the surface, the settings and where the walk ended."""
    text, _ = _headline(walk_of(state))
    start = f"({state.start_x:.2f}, {state.start_y:.2f})"
    return f"{state.surface}, {_describe(state)}, start {start}: {text}"


# The static path: stories told with a few fixed states, for nbval, GitHub and HTML exports.
LEARNING_RATE_STORY = (
    ("too small: lr = 0.001", DescentState("ill-conditioned bowl", 0.001, 0.0, 50, -1.8, 0.8)),
    ("about right: lr = 0.05", DescentState("ill-conditioned bowl", 0.05, 0.0, 50, -1.8, 0.8)),
    ("too large: lr = 0.1", DescentState("ill-conditioned bowl", 0.1, 0.0, 50, -1.8, 0.8)),
    ("divergent: lr = 0.12", DescentState("ill-conditioned bowl", 0.12, 0.0, 50, -1.8, 0.8)),
)
MOMENTUM_STORY = (
    ("plain descent", DescentState("double well", 0.05, 0.0, 200, 2.5, 1.0)),
    ("momentum 0.9", DescentState("double well", 0.05, 0.9, 200, 2.5, 1.0)),
    ("book's rule, m = 0.5", DescentState("double well", 0.05, 0.5, 200, 2.5, 1.0, "book")),
    ("book's rule, m = 0.9", DescentState("double well", 0.05, 0.9, 200, 2.5, 1.0, "book")),
)


def small_multiples(story=LEARNING_RATE_STORY, ncols=4):
    """One small panel per (title, DescentState) in `story`: the explorer's static fallback."""
    story = tuple(story)
    ncols = argument("small_multiples", "ncols", ncols, low=1, integer=True)
    nrows = math.ceil(len(story) / ncols)
    ncols = min(ncols, len(story))
    fig, axes = new_figure(3.2 * ncols, 3.0 * nrows, ncols=ncols, nrows=nrows)
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[len(story):]:
        ax.set_visible(False)
    for ax, (title, state) in zip(axes, story):
        walk = walk_of(state)
        draw_walk(ax, state.surface, walk, state)
        text, colour = _headline(walk)
        if not walk.diverged:
            text = "ended at (" + ", ".join(f"{c:.2f}" for c in walk.end) + ")"
        ax.set_title(f"{title}\n{text}", fontsize=9, color=colour)
        ax.set(xlabel="", ylabel="")
    return fig


@factory(DescentState)
def descent_explorer(surface="double well", lr=0.05, momentum=0.0, steps=100, start_x=2.5,
                     start_y=1.0, rule="classical"):
    """The interactive explorer: sliders for every DescentState field; returns a View.

    Choosing another surface moves the start to that surface's usual start point.
    """
    f = "descent_explorer"
    state = DescentState(
        argument(f, "surface", surface, options=SURFACES),
        argument(f, "lr", lr, low=0.0, low_open=True),  # > 0: the slider is logarithmic
        argument(f, "momentum", momentum, low=0.0, high=1.0),
        argument(f, "steps", steps, low=0, integer=True),
        argument(f, "start_x", start_x), argument(f, "start_y", start_y),
        argument(f, "rule", rule, options=("classical", "book")))
    slider = dict(style={"description_width": "initial"})
    controls = {
        "surface": W.Dropdown(options=list(SURFACES), value=state.surface,
                              description="surface"),
        "lr": W.FloatLogSlider(value=state.lr, base=10,
                               min=math.log10(min(LR_RANGE[0], state.lr)),
                               max=math.log10(max(LR_RANGE[1], state.lr)), step=0.05,
                               readout_format=".4f", description="learning rate", **slider),
        "momentum": W.FloatSlider(value=state.momentum, min=0.0, max=max(0.99, state.momentum),
                                  step=0.01, description="momentum", **slider),
        "steps": W.IntSlider(value=state.steps, min=min(1, state.steps),
                             max=max(STEPS_MAX, state.steps), description="steps", **slider),
        "start_x": W.FloatSlider(value=state.start_x, min=min(-3.0, state.start_x),
                                 max=max(3.0, state.start_x), step=0.05,
                                 description="start x (w)", **slider),
        "start_y": W.FloatSlider(value=state.start_y, min=min(-1.5, state.start_y),
                                 max=max(3.0, state.start_y), step=0.05,
                                 description="start y", **slider),
        "rule": W.ToggleButtons(options=[("classical", "classical"), ("book (Listing 2.39)", "book")],
                                value=state.rule, description="momentum rule"),
    }
    view = View(render, state, controls, "descent_explorer", summary=summary, play="steps",
                layers=LAYERS)

    def to_surface_start(change):
        start = SURFACES[change["new"]].start
        view.set(start_x=float(start[0]), start_y=float(start[1]) if len(start) > 1 else view.state.start_y)

    controls["surface"].observe(to_surface_start, names="value")
    return view

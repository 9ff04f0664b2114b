"""Chapter 01, The Perceptron: the decision boundary and the learning rule, one update at a time.

`decision_boundary(...)` shows the line w0 + w1 x1 + w2 x2 = 0 of a perceptron over a small
dataset, both half-planes shaded, the weight vector (w1, w2) normal to the line, and the
misclassified points ringed. Its `step` slider replays the perceptron rule from the slider
weights (`lessons.chapters.ch01_perceptron.train`), one update at a time, with the earlier lines faded.
`small_multiples(...)` is the static path: every update of a run in a row of panels (for the
book's NAND run that is Ekman's Fig. 1-6). `two_layer_xor(...)` is the hand-built network of
Fig. 1-9: two hidden perceptrons (NAND, OR) and an AND on top.
"""
import dataclasses
import math
from dataclasses import dataclass

import ipywidgets as W
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.transforms import offset_copy

from lessons.data import blobs, gate
from lessons.kernels import perceptron_predict
from lessons.chapters.ch01_perceptron import (
    BOOK_NAND_SEED, book_gate, book_orders, shuffled_orders, train,
)
from widgets.base import (
    ACCENT, NEGATIVE, POSITIVE, WARNING, View, argument, axis_ticks, factory, new_figure,
    state_call,
)
from widgets.glyphs import Labels
from widgets.layers import Layers

DATASETS = ("NAND", "AND", "OR", "XOR", "blobs", "noisy blobs")
MAX_EPOCHS = 100  # passes the replay runs before it declares "not converged"
MAX_STEP = 60  # the step slider's end; later updates exist but are not shown
N_BLOBS = 40
WEIGHT_RANGE = (-1.5, 1.5)
FADED_LINES = 12  # how many past boundaries stay visible behind the current one
_TINY = 1e-9  # |(w1, w2)| below this: no line (z does not depend on x1, x2)


@dataclass(frozen=True)
class State:
    """Everything the decision-boundary view shows; `step` 0 means the slider weights."""

    dataset: str = "NAND"
    w0: float = 0.2
    w1: float = -0.6
    w2: float = 0.25
    lr: float = 0.1
    seed: int = BOOK_NAND_SEED
    step: int = 0

    def __post_init__(self):
        f = "decision_boundary"
        argument(f, "dataset", self.dataset, options=DATASETS)
        for name in ("w0", "w1", "w2"):
            object.__setattr__(self, name, argument(f, name, getattr(self, name)))
        object.__setattr__(self, "lr", argument(f, "lr", self.lr, low=0.0, low_open=True))
        object.__setattr__(self, "seed", argument(f, "seed", self.seed, low=0, integer=True))
        object.__setattr__(self, "step", argument(f, "step", self.step, low=0, integer=True))


@dataclass(frozen=True)
class Replay:
    """The data and the training run behind a State: history[k] = weights after k updates."""

    X: np.ndarray
    y: np.ndarray
    history: np.ndarray
    epochs: int
    converged: bool
    first_order: np.ndarray  # the rows in the order the first pass visits them (set by seed)

    @property
    def n_updates(self):
        return len(self.history) - 1


def dataset(name, seed=0):
    """(X[n, 3] with the bias column, y[n]) for one of DATASETS; blobs are drawn with `seed`, and
    a gate's rows come in the book's x_train order, which its shuffles index."""
    if name == "blobs":
        return blobs(N_BLOBS, separable=True, seed=seed)
    if name == "noisy blobs":
        return blobs(N_BLOBS, separable=False, seed=seed)
    return book_gate(name)


def orders_for(name, n, seed):
    """The visiting orders: the book's CPython shuffles for NAND with seed 7, else NumPy's."""
    if name == "NAND" and seed == BOOK_NAND_SEED:
        return book_orders(n, MAX_EPOCHS, seed)
    return shuffled_orders(n, MAX_EPOCHS, seed)


def replay(state):
    """Train from the state's weights with the state's lr and orders; the slider weights are
    history[0], so `step` indexes the history directly."""
    X, y = dataset(state.dataset, state.seed)
    orders = orders_for(state.dataset, len(y), state.seed)
    run = train(X, y, (state.w0, state.w1, state.w2), state.lr, orders=orders)
    return Replay(X, y, run.history, run.epochs, run.converged, orders[0])


def _weight_slider(name, value):
    """A weight's slider over WEIGHT_RANGE, widened to a value given beyond it."""
    lo, hi = WEIGHT_RANGE
    return W.FloatSlider(value=value, min=min(lo, value), max=max(hi, value), step=0.05,
                         description=name, readout_format=".2f")


def _limits(X):
    half = max(2.0, float(np.abs(X[:, 1:]).max()) + 0.3)
    return -half, half


def _boundary(w, lo, hi):
    """(foot, a, b): the line w0 + w1 x1 + w2 x2 = 0 from a to b across the view, or None.

    foot is the line's point nearest the view's centre (where the weight arrow starts).

    Written from the point of the line nearest the view's centre and the direction
    (-w2, w1), so a vertical line (w2 = 0) needs no special case; only w1 = w2 = 0 has no line.
    """
    normal = np.array([w[1], w[2]])
    norm2 = float(normal @ normal)
    if norm2 < _TINY**2:
        return None
    centre = np.full(2, (lo + hi) / 2)
    foot = centre - (w[0] + normal @ centre) / norm2 * normal
    along = np.array([-w[2], w[1]]) / math.sqrt(norm2) * 3 * (hi - lo)
    return foot, foot - along, foot + along


def _half_planes(w, lo, hi):
    """The view square [lo, hi]^2 cut by the boundary: (polygon where z >= 0, where z < 0).

    Each corner goes to its side and each square edge the line crosses adds the crossing
    point to both, so a vertical, missing or off-view line needs no special case.
    """
    corners = [(lo, lo), (hi, lo), (hi, hi), (lo, hi)]
    pos, neg = [], []
    for a, b in zip(corners, corners[1:] + corners[:1]):
        za, zb = (w[0] + w[1] * p[0] + w[2] * p[1] for p in (a, b))
        (pos if za >= 0 else neg).append(a)
        if (za >= 0) != (zb >= 0):
            t = za / (za - zb)
            cross = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
            pos.append(cross)
            neg.append(cross)
    return pos, neg


def _shade(ax, w, lo, hi):
    for polygon, colour in zip(_half_planes(w, lo, hi), (POSITIVE, NEGATIVE)):
        if len(polygon) >= 3:
            ax.fill(*zip(*polygon), color=colour, alpha=0.16, lw=0)


def _size(rep):
    return 70 if len(rep.y) <= 8 else 28


def _draw_points(ax, rep, *, compact=False):
    """The points, for a gate the first pass's visiting order (the seed's visible effect),
    and the limits."""
    lo, hi = _limits(rep.X)
    size = _size(rep)
    for label, colour, marker in ((1.0, POSITIVE, "o"), (-1.0, NEGATIVE, "s")):
        mine = rep.y == label
        ax.scatter(rep.X[mine, 1], rep.X[mine, 2], s=size, c=colour, marker=marker,
                   edgecolors="white", linewidths=0.8, zorder=3)
    if not compact and len(rep.y) <= 8:
        ax.add_artist(Labels(rep.X[rep.first_order, 1:],
                             [str(rank) for rank in range(1, len(rep.first_order) + 1)],
                             transform=offset_copy(ax.transData, fig=ax.figure, x=9, y=9,
                                                   units="points"),
                             fontsize=9, color="0.2"))
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)


def _draw_step(ax, rep, step, *, compact=False):
    """What a step shows over the frame: both half-planes, the line and the faded earlier
    ones, the weight vector, the misclassified points ringed; returns how many there are."""
    lo, hi = _limits(rep.X)
    k = min(step, rep.n_updates)
    w = rep.history[k]
    _shade(ax, w, lo, hi)
    for j in range(max(0, k - FADED_LINES), k):
        line = _boundary(rep.history[j], lo, hi)
        if line is not None:
            alpha = 0.15 + 0.5 * (j - k + FADED_LINES) / FADED_LINES
            ax.plot(*zip(line[1], line[2]), color="0.35", lw=1, ls="--", alpha=alpha)
    line = _boundary(w, lo, hi)
    if line is not None and np.all(np.abs(line[0]) <= hi):
        foot, a, b = line
        ax.plot(*zip(a, b), color="black", lw=2)
        direction = np.array([w[1], w[2]]) / math.hypot(w[1], w[2]) * 0.3 * (hi - lo)
        ax.annotate("", xy=foot + direction, xytext=foot,
                    arrowprops=dict(arrowstyle="-|>", color=ACCENT, lw=2))
        if not compact:
            ax.text(*(foot + 1.3 * direction), "(w1, w2)", color=ACCENT, fontsize=9,
                    ha="center", va="center")
    elif not compact:
        if line is not None:
            why = "the line lies outside this view"
        elif not np.any(w):
            why = "all weights are 0, so z = 0 everywhere"
        else:
            why = f"w1 = w2 = 0, so z = {w[0]:.2f} everywhere"
        side = "+1" if perceptron_predict(np.asarray(w, dtype=float), rep.X[:1])[0] > 0 else "-1"
        ax.text(0.5, 0.04, f"no boundary: {why}; every point is {side}",
                transform=ax.transAxes, ha="center", fontsize=9,
                bbox=dict(facecolor="white", edgecolor=WARNING, alpha=0.9))
    wrong = perceptron_predict(np.asarray(w, dtype=float), rep.X) != rep.y
    if wrong.any():
        ax.scatter(rep.X[wrong, 1], rep.X[wrong, 2], s=_size(rep) * 3.2, facecolors="none",
                   edgecolors=WARNING, linewidths=2, zorder=4)
    return int(wrong.sum())


def _status(rep, k):
    done = (f"converged after {rep.epochs} passes" if rep.converged
            else f"not converged in {rep.epochs} passes")
    return f"update {k} of {rep.n_updates}, {done}"


def _frame(state):
    """What stays for every dataset whose points have this size (the gates', the blobs'):
    the axes, their labels and the legend, off the data. The points, the limits and the
    ticks are drawn by the layer."""
    size = _size(replay(state))
    fig, ax = new_figure(7.4, 5.4)
    ax.tick_params(bottom=False, labelbottom=False, left=False, labelleft=False)
    ax.set_aspect("equal")  # the limits are a square: the axes' box stays
    ax.set_xlabel("x1", labelpad=21)  # under and beside the tick labels the layer draws
    ax.set_ylabel("x2", labelpad=35)
    for label, colour, marker in ((1.0, POSITIVE, "o"), (-1.0, NEGATIVE, "s")):
        ax.scatter([], [], s=size, c=colour, marker=marker, edgecolors="white",
                   linewidths=0.8, label=f"class {label:+.0f}")
    ax.scatter([], [], s=size * 3.2, facecolors="none", edgecolors=WARNING, linewidths=2,
               label="misclassified")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)  # off the data
    return fig


def _step(fig, state):
    rep = replay(state)
    k = min(state.step, rep.n_updates)
    ax = fig.axes[0]
    _draw_points(ax, rep)
    axis_ticks(ax, "x")
    axis_ticks(ax, "y")
    wrong = _draw_step(ax, rep, k)
    w = rep.history[k]
    visits = (f"; seed {state.seed}: pass 1 visits rows {rep.first_order.tolist()} "
              f"(numbered)" if len(rep.y) <= 8 else f"; seed {state.seed}")
    ax.set_title(f"{state.dataset}: {wrong} of {len(rep.y)} misclassified; {_status(rep, k)}\n"
                 f"w = ({w[0]:.4f}, {w[1]:.4f}, {w[2]:.4f}){visits}", fontsize=10)


# one frame for the gates and one for the blobs (their points' sizes differ, in the legend
# too): every control, the dataset and the seed included, redraws the layer alone
LAYERS = Layers(key=lambda state: _size(replay(state)), static=_frame, dynamic=_step)


def render(state):
    """The figure for one State: never raises for a valid State (all weights 0 included)."""
    return LAYERS.render(state)


def summary(state):
    """The numbers behind the view as text (4 decimals): what a notebook prints and checks."""
    rep = replay(state)
    k = min(state.step, rep.n_updates)
    wrong = int(np.sum(perceptron_predict(rep.history[k], rep.X) != rep.y))
    lines = [state_call("decision_boundary", state),
             f"{state.dataset}: {wrong} of {len(rep.y)} misclassified; {_status(rep, k)}"]
    for j in range(k + 1):
        w = rep.history[j]
        lines.append(f"  w[{j}] = ({w[0]:.4f}, {w[1]:.4f}, {w[2]:.4f})")
    return "\n".join(lines)


def small_multiples(dataset="NAND", w0=0.2, w1=-0.6, w2=0.25, lr=0.1, seed=BOOK_NAND_SEED,
                    *, max_panels=8, ncols=5):
    """Static path: one panel per update of the run (Fig. 1-6 for the defaults, the book's NAND).

    Shows steps 0..min(K, max_panels - 1); each panel notes its weights and errors.
    """
    state = State(dataset, w0, w1, w2, lr, seed, 0)
    max_panels = argument("small_multiples", "max_panels", max_panels, low=1, integer=True)
    ncols = argument("small_multiples", "ncols", ncols, low=1, integer=True)
    rep = replay(state)
    steps = list(range(min(rep.n_updates, max_panels - 1) + 1))
    ncols = min(ncols, len(steps))
    nrows = math.ceil(len(steps) / ncols)
    fig, axes = new_figure(2.6 * ncols, 2.7 * nrows, ncols=ncols, nrows=nrows)
    axes = np.array(axes, dtype=object).ravel()  # new_figure squeezes: one Axes or an array
    for ax in axes[len(steps):]:
        ax.set_axis_off()
    for ax, k in zip(axes, steps):
        _draw_points(ax, rep, compact=True)
        ax.set_aspect("equal")
        wrong = _draw_step(ax, rep, k, compact=True)
        w = rep.history[k]
        ax.set_title(f"update {k}: {wrong} wrong\n({w[0]:.2f}, {w[1]:.2f}, {w[2]:.2f})",
                     fontsize=9)
    fig.suptitle(f"{dataset}, lr {lr:g}, seed {seed}: {_status(rep, rep.n_updates)}", fontsize=10)
    return fig


@factory(State)
def decision_boundary(dataset="NAND", w0=0.2, w1=-0.6, w2=0.25, lr=0.1, seed=BOOK_NAND_SEED,
                      step=0):
    """The interactive view. Defaults: the book's NAND run (Snippets 1-2 to 1-4)."""
    state = State(dataset, w0, w1, w2, lr, seed, step)
    controls = {
        "dataset": W.Dropdown(options=DATASETS, value=state.dataset, description="dataset"),
        "w0": _weight_slider("w0 (bias)", state.w0),
        "w1": _weight_slider("w1", state.w1),
        "w2": _weight_slider("w2", state.w2),
        # ranges widen to a value given beyond them, which a slider would silently clamp
        "lr": W.FloatLogSlider(value=state.lr, base=10, min=min(-2, math.log10(state.lr)),
                               max=max(0, math.log10(state.lr)), step=0.1,
                               description="lr", readout_format=".3f"),
        "seed": W.IntSlider(value=state.seed, min=0, max=max(20, state.seed), description="seed"),
        "step": W.IntSlider(value=min(state.step, _last_step(state)), min=0,
                            max=_last_step(state), description="step"),
    }
    view = View(render, state, controls, "decision_boundary", summary=summary, play="step",
                layers=LAYERS)

    def follow_run(change):
        # the step slider ends at the run's last update (at most MAX_STEP)
        controls["step"].max = max(_last_step(view.state), 1)

    for field, control in controls.items():
        if field != "step":
            control.observe(follow_run, names="value")
    return view


def _last_step(state):
    return min(replay(state).n_updates, MAX_STEP)


# --- The two-layer XOR network of Fig. 1-9 -----------------------------------------------------

@dataclass(frozen=True)
class XorState:
    """Weights (bias, w1, w2) of the hidden NAND and OR neurons and the output AND neuron.

    Defaults: NAND and OR as in the book's text; the AND weights (-0.9, 0.6, 0.6) are read
    off the book's Fig. 1-9 (the text does not print them) and reproduce Table 1-3.
    """

    nand0: float = 0.9
    nand1: float = -0.6
    nand2: float = -0.5
    or0: float = 0.2
    or1: float = 0.6
    or2: float = 0.6
    and0: float = -0.9
    and1: float = 0.6
    and2: float = 0.6

    def __post_init__(self):
        for field in dataclasses.fields(self):
            object.__setattr__(self, field.name,
                               argument("two_layer_xor", field.name, getattr(self, field.name)))

    def layers(self):
        """(W_hidden[2, 3], w_out[3]): rows of W_hidden are the NAND and OR neurons."""
        W_hidden = np.array([[self.nand0, self.nand1, self.nand2],
                             [self.or0, self.or1, self.or2]])
        return W_hidden, np.array([self.and0, self.and1, self.and2])


def xor_network(state, X):
    """Forward pass of the two-layer net: X[n, 3] (bias column) -> (h0[n], h1[n], out[n])."""
    W_hidden, w_out = state.layers()
    h0 = perceptron_predict(W_hidden[0], X)
    h1 = perceptron_predict(W_hidden[1], X)
    out = perceptron_predict(w_out, np.column_stack([np.ones(len(X)), h0, h1]))
    return h0, h1, out


XOR_VIEW = (-2.0, 2.0)
XOR_LINES = (("NAND", "--"), ("OR", ":"))


def _xor_frame(state):
    """The XOR points, the limits and a legend whose entries stay while weights move."""
    X, y = gate("XOR")
    lo, hi = XOR_VIEW
    fig, ax = new_figure(7.6, 5.6)
    for name, style in XOR_LINES:
        ax.plot([], [], color="black", lw=1.6, ls=style, label=f"{name} neuron's line")
    for label, colour, marker in ((1.0, POSITIVE, "o"), (-1.0, NEGATIVE, "s")):
        mine = y == label
        ax.scatter(X[mine, 1], X[mine, 2], s=80, c=colour, marker=marker, edgecolors="white",
                   zorder=3, label=f"XOR = {label:+.0f}")
    ax.scatter([], [], s=250, facecolors="none", edgecolors=WARNING, linewidths=2,
               label="misclassified")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)  # off the data
    return fig


def _xor_weights(fig, state):
    """The output region, both hidden lines, the misclassified points and the truth table."""
    X, y = gate("XOR")
    lo, hi = XOR_VIEW
    ax = fig.axes[0]
    grid = np.linspace(lo, hi, 161)
    g1, g2 = np.meshgrid(grid, grid)
    G = np.column_stack([np.ones(g1.size), g1.ravel(), g2.ravel()])
    out_grid = xor_network(state, G)[2].reshape(g1.shape)
    ax.pcolormesh(g1, g2, out_grid, cmap=ListedColormap([NEGATIVE, POSITIVE]), vmin=-1, vmax=1,
                  alpha=0.16, shading="auto", rasterized=True)
    W_hidden, w_out = state.layers()
    outside = []
    for w, (name, style) in zip(W_hidden, XOR_LINES):
        line = _boundary(w, lo, hi)
        if line is not None and np.all(np.abs(line[0]) <= hi):
            ax.plot(*zip(line[1], line[2]), color="black", lw=1.6, ls=style)
        else:
            outside.append(name)
    if outside:
        lie = "lines lie" if len(outside) > 1 else "line lies"
        ax.text(0.5, 0.04, f"the {' and '.join(outside)} {lie} outside this view",
                transform=ax.transAxes, ha="center", fontsize=9,
                bbox=dict(facecolor="white", edgecolor=WARNING, alpha=0.9))
    out = xor_network(state, X)[2]
    wrong = out != y
    if wrong.any():
        ax.scatter(X[wrong, 1], X[wrong, 2], s=250, facecolors="none", edgecolors=WARNING,
                   linewidths=2, zorder=4)
    rows = "  ".join(f"({a:+.0f},{b:+.0f})->{o:+.0f}" for (a, b), o in zip(X[:, 1:], out))
    ax.set_title(f"two-layer XOR: {int(wrong.sum())} of 4 wrong\n{rows}\n"
                 f"AND neuron z = {w_out[0]:.2f} + {w_out[1]:.2f} h1 + {w_out[2]:.2f} h2: "
                 + ", ".join(f"{z:+.2f}" for z in and_inputs(state)), fontsize=9)


XOR_LAYERS = Layers(key=lambda state: (), static=_xor_frame, dynamic=_xor_weights)


def render_xor(state):
    """Both hidden boundaries and the output region on the XOR inputs; table in the title."""
    return XOR_LAYERS.render(state)


def and_inputs(state):
    """The output (AND) neuron's z for the four hidden patterns (h1, h2) = (+-1, +-1): what
    its weights move even when no sign flips."""
    _, w_out = state.layers()
    return [w_out[0] + w_out[1] * a + w_out[2] * b for a in (-1, 1) for b in (-1, 1)]


def summary_xor(state):
    """The network's answers and the output neuron's inputs, as text."""
    X, y = gate("XOR")
    out = xor_network(state, X)[2]
    rows = ", ".join(f"({a:+.0f}, {b:+.0f}) -> {o:+.0f}" for (a, b), o in zip(X[:, 1:], out))
    zs = ", ".join(f"{z:+.2f}" for z in and_inputs(state))
    return (f"two-layer XOR: {int(np.sum(out != y))} of 4 wrong: {rows}; AND neuron z for "
            f"hidden patterns (-1,-1), (-1,+1), (+1,-1), (+1,+1): {zs}")


@factory(XorState)
def two_layer_xor(**weights):
    """Nine sliders, one row per neuron (NAND, OR, AND); defaults reproduce Table 1-3."""
    names = [f.name for f in dataclasses.fields(XorState)]
    for name in weights:
        argument("two_layer_xor", "a weight's name", name, options=names)
    state = XorState(**weights)
    controls = {name: _weight_slider(name, getattr(state, name)) for name in names}
    return View(render_xor, state, controls, "two_layer_xor", summary=summary_xor,
                layers=XOR_LAYERS)

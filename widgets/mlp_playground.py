"""Chapter 03, Sigmoid Neurons and Backpropagation: the MLP playground.

Train a network 2 -> hidden -> 1 (Dense, an activation, Dense, Sigmoid; binary cross-entropy;
plain SGD on minibatches of 32) on a seeded 2-D problem, then scrub through its training:
left, the predicted probability over the plane with the 0.5 boundary and the points; middle,
the loss on all points after every epoch with the shown epoch marked; right, what each hidden
unit computes over the plane (one small map per unit). The output neuron can only draw a
weighted sum of these maps through a sigmoid, so the maps are the features the network made.

Training runs once per training setting (lessons.chapters.pretrained.playground_run, cached), on a
background thread with a progress bar; moving the epoch slider only redraws, and the play
button animates training epoch by epoch. `render(state)` is pure and never raises for a valid
state: a learning rate that blows up shows the last finite epoch and says so.
`static_figure()` is the fallback without a kernel.
"""
import dataclasses
import math

import ipywidgets as W
import matplotlib
import numpy as np

from lessons.chapters import pretrained
from lessons.chapters.pretrained import playground_hidden, playground_probability
from widgets.base import (
    DIVERGING, NEGATIVE, POSITIVE, WARNING, View, argument, factory, mosaic, new_figure,
)
from widgets.layers import Layers

HIDDEN_MAX = 16
EPOCHS_MAX = 300
SEED_MAX = 20
LR_RANGE = (1e-3, 10.0)
DATASETS = pretrained.PLAYGROUND_DATASETS
ACTIVATIONS = pretrained.PLAYGROUND_ACTIVATIONS
BOUNDARY_RES, UNIT_RES = 90, 40
# Probability of class 1: purple where high, next to the blue class-1 points; orange where
# low, next to the vermillion class-0 points (both ends colour-blind safe).
PROBABILITY = "PuOr"


@dataclasses.dataclass(frozen=True)
class PlaygroundState:
    """The playground's settings; all but `epoch` decide the training run, `epoch` picks the
    snapshot shown (clamped to the epochs actually trained)."""

    dataset: str = "xor"
    hidden: int = 4
    activation: str = "tanh"
    lr: float = 0.1
    epochs: int = 150
    seed: int = 0
    epoch: int = 150


def run_of(state):
    """The cached training Run that `state` describes (lessons.chapters.pretrained.playground_run)."""
    return pretrained.playground_run(*_run_key(state))


def _run_key(state):
    return (state.dataset, int(state.hidden), state.activation, float(state.lr),
            int(state.epochs), int(state.seed))


def training(state):
    """What the View must train before it can draw `state`, or None when it is cached."""
    key = _run_key(state)
    if pretrained.playground_run.is_cached(*key):
        return None
    return lambda: pretrained.playground_run(*key)


def shown_epoch(state, run=None):
    """The epoch the figure shows: state.epoch, clamped to 0..the last recorded epoch."""
    run = run_of(state) if run is None else run
    return int(min(max(int(state.epoch), 0), len(run.params) - 1))


def _grid(box, res):
    (x0, x1), (y0, y1) = box
    gx, gy = np.meshgrid(np.linspace(x0, x1, res), np.linspace(y0, y1, res))
    return np.column_stack([gx.ravel(), gy.ravel()])


def draw_boundary(ax, run, activation, epoch, *, points=True, resolution=BOUNDARY_RES):
    """The probability map of `epoch` on `ax`, the 0.5 contour, and the points by class."""
    _draw_map(ax, run, activation, epoch, resolution)
    if points:
        _draw_points(ax, run)
    ax.set(xlim=run.box[0], ylim=run.box[1], xticks=[], yticks=[])
    return ax


def _draw_map(ax, run, activation, epoch, resolution=BOUNDARY_RES):
    params = run.params[epoch]
    P = _grid(run.box, resolution)
    with np.errstate(over="ignore", invalid="ignore"):
        prob = playground_probability(params, activation, P).reshape(resolution, resolution)
    extent = (*run.box[0], *run.box[1])
    ax.imshow(prob, origin="lower", extent=extent, cmap=PROBABILITY, vmin=0.0, vmax=1.0,
              aspect="auto", interpolation="bilinear", alpha=0.8)
    if prob.min() < 0.5 < prob.max():
        gx = np.linspace(*run.box[0], resolution)
        gy = np.linspace(*run.box[1], resolution)
        ax.contour(gx, gy, prob, levels=[0.5], colors="black", linewidths=1.2)


def _draw_points(ax, run):
    for label, colour, marker in ((1, POSITIVE, "o"), (0, NEGATIVE, "s")):
        mine = run.y == label
        ax.scatter(run.X[mine, 0], run.X[mine, 1], s=14, c=colour, marker=marker,
                   edgecolors="white", linewidths=0.5, label=f"class {label}")


def _draw_loss_curve(ax, run):
    ax.plot(np.arange(len(run.loss)), run.loss, color="black", lw=1.5)
    ax.set(xlabel="epoch", ylabel="cross-entropy on all points")
    if np.all(run.loss > 0):
        ax.set_yscale("log")  # the late, small improvements stay visible


def _mark_epoch(ax, run, epoch):
    ax.axvline(epoch, color=WARNING, lw=1.2)
    ax.plot([epoch], [run.loss[epoch]], "o", ms=7, mfc=WARNING, mec="black")
    ax.set_title(f"loss {run.loss[epoch]:.4f}, accuracy {run.accuracy[epoch]:.0%}")


def _draw_units(ax, run, activation, epoch):
    params = run.params[epoch]
    hidden = params[0].shape[1]
    cols = math.ceil(math.sqrt(hidden))
    P = _grid(run.box, UNIT_RES)
    with np.errstate(over="ignore", invalid="ignore"):
        H = np.nan_to_num(playground_hidden(params, activation, P), nan=0.0, posinf=1e6,
                          neginf=-1e6)
    if activation == "relu":
        top = max(float(H.max()), 1e-12)
        low, high = -top, top  # a diverging map centred on 0, where ReLU switches off
    else:
        low, high = (-1.0, 1.0) if activation == "tanh" else (0.0, 1.0)
    maps = H.T.reshape(hidden, UNIT_RES, UNIT_RES)
    cmap = matplotlib.colormaps[DIVERGING].with_extremes(bad="white")
    # row 0 of the mosaic is drawn at the top (origin="upper"), each map upright in it
    ax.imshow(mosaic(maps[:, ::-1], cols, gap=2)[0], cmap=cmap, vmin=low, vmax=high,
              interpolation="nearest")
    tile = UNIT_RES + 2
    w_out = params[2][:, 0]
    for j in range(hidden):
        r, c = divmod(j, cols)
        ax.text(c * tile + 1, r * tile + 1, f"{j + 1}: {w_out[j]:+.1f}", fontsize=8, va="top",
                ha="left", bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.7))
    ax.set_title(f"hidden units' outputs ({activation}); w = weight into the output",
                 fontsize=9)
    return hidden


def _frame(state):
    """What stays while the epoch is scrubbed: the points and the loss curve."""
    run = run_of(state)
    fig, (left, middle, right) = new_figure(13.5, 4.3, ncols=3, width_ratios=(1.1, 1.0, 1.0))
    _draw_points(left, run)
    left.set(xlim=run.box[0], ylim=run.box[1], xticks=[], yticks=[])
    left.legend(loc="upper left", bbox_to_anchor=(0.0, -0.02), ncols=2, fontsize=9,
                frameon=False)  # under the plot, off the data
    _draw_loss_curve(middle, run)
    right.set_axis_off()
    return fig


def _epoch_layer(fig, state):
    """The shown epoch: its probability map and boundary, its mark on the loss curve, what
    each hidden unit computes, the headline."""
    run = run_of(state)
    epoch = shown_epoch(state, run)
    left, middle, right = fig.axes
    _draw_map(left, run, state.activation, epoch)
    left.set_title(f"{state.dataset}: P(class 1) after epoch {epoch} of {state.epochs}",
                   fontsize=10)
    _mark_epoch(middle, run, epoch)
    _draw_units(right, run, state.activation, epoch)
    head = (f"{state.hidden} {state.activation} hidden unit{'s' if state.hidden > 1 else ''}, "
            f"lr = {state.lr:.4g}, seed {state.seed}")
    if run.diverged_at is not None:
        fig.suptitle(f"{head}: diverged in epoch {run.diverged_at} (the learning rate is too "
                     f"large); showing epoch {epoch}, the last finite one", color=WARNING,
                     fontweight="bold", fontsize=10)
    elif run.loss[-1] > run.loss[0]:
        fig.suptitle(f"{head}: the loss ended higher than it started (the learning rate is "
                     f"too large; the units saturate)", color=WARNING, fontweight="bold",
                     fontsize=10)
    else:
        fig.suptitle(head, fontsize=10)


# scrubbing the epoch keeps the frame; any training setting makes a new one
LAYERS = Layers(key=_run_key, static=_frame, dynamic=_epoch_layer)


def render(state):
    """Figure of `state`: boundary, loss curve and hidden-unit maps at the shown epoch."""
    return LAYERS.render(state)


def summary(state):
    """The numbers behind the figure, as text: shown epoch, loss, accuracy, divergence."""
    run = run_of(state)
    epoch = shown_epoch(state, run)
    units = "unit" if state.hidden == 1 else "units"
    text = (f"{state.dataset}, {state.hidden} {state.activation} {units}, lr {state.lr:.4g}, "
            f"seed {state.seed}: epoch {epoch}/{state.epochs}, loss {run.loss[epoch]:.4f}, "
            f"accuracy {run.accuracy[epoch]:.4f}")
    if run.diverged_at is not None:
        text += f", diverged in epoch {run.diverged_at}"
    return text


# The static path: fixed states for nbval, GitHub and HTML exports.
XOR_STORY = tuple(PlaygroundState("xor", 4, "tanh", 0.1, 150, 0, e) for e in (0, 10, 50, 150))
DATASET_STORY = tuple(PlaygroundState(name, 8, "tanh", 0.5, 300, 0, 300) for name in DATASETS)


def static_figure(stories=(XOR_STORY, DATASET_STORY)):
    """Small multiples, one row per story: the XOR boundary at epochs 0, 10, 50 and 150, then
    the final boundary on each of the four datasets."""
    stories = [tuple(s) for s in stories]
    ncols = max(len(s) for s in stories)
    fig, axes = new_figure(2.6 * ncols, 2.6 * len(stories), ncols=ncols, nrows=len(stories),
                           squeeze=False)
    for row, story in zip(axes, stories):
        for ax in row[len(story):]:
            ax.set_visible(False)
        for ax, state in zip(row, story):
            run = run_of(state)
            epoch = shown_epoch(state, run)
            draw_boundary(ax, run, state.activation, epoch, resolution=60)
            ax.set_title(f"{state.dataset}, {state.hidden} {state.activation} units\n"
                         f"epoch {epoch}: accuracy {run.accuracy[epoch]:.0%}", fontsize=9)
    return fig


@factory(PlaygroundState)
def mlp_playground(dataset="xor", hidden=4, activation="tanh", lr=0.1, epochs=150, seed=0,
                   epoch=None):
    """The interactive playground; returns a View. epoch=None shows the last epoch."""
    f = "mlp_playground"
    epochs = argument(f, "epochs", epochs, low=1, integer=True)
    state = PlaygroundState(
        argument(f, "dataset", dataset, options=DATASETS),
        argument(f, "hidden", hidden, low=1, integer=True),
        argument(f, "activation", activation, options=ACTIVATIONS),
        argument(f, "lr", lr, low=0.0, low_open=True),  # > 0: SGD's, and a log slider's
        epochs, argument(f, "seed", seed, low=0, integer=True),
        epochs if epoch is None else argument(f, "epoch", epoch, low=0, integer=True))
    train = dict(continuous_update=False, style={"description_width": "initial"})
    controls = {
        "dataset": W.Dropdown(options=list(DATASETS), value=dataset, description="data"),
        "activation": W.ToggleButtons(options=list(ACTIVATIONS), value=activation,
                                      description="activation"),
        "hidden": W.IntSlider(value=state.hidden, min=1, max=max(HIDDEN_MAX, state.hidden),
                              description="hidden units", **train),
        "lr": W.FloatLogSlider(value=state.lr, base=10,
                               min=math.log10(min(LR_RANGE[0], state.lr)),
                               max=math.log10(max(LR_RANGE[1], state.lr)), step=0.1,
                               readout_format=".4f", description="learning rate", **train),
        "epochs": W.IntSlider(value=epochs, min=min(10, epochs), max=max(EPOCHS_MAX, epochs),
                              step=10, description="epochs", **train),
        "seed": W.IntSlider(value=state.seed, min=0, max=max(SEED_MAX, state.seed),
                            description="seed", **train),
        "epoch": W.IntSlider(value=state.epoch, min=0, max=epochs, description="show epoch",
                             style=train["style"]),
    }
    view = View(render, state, controls, "mlp_playground", summary=summary, training=training,
                play="epoch", layers=LAYERS)
    scrub = controls["epoch"]

    def follow_epochs(change):
        # The scrub slider spans the trained epochs; if it sat at the end it stays there.
        old, new = change["old"], change["new"]
        target = new if view.state.epoch >= old else min(view.state.epoch, new)
        if new > scrub.max:
            scrub.max = new
            view.set(epoch=target)
        else:
            view.set(epoch=target)
            scrub.max = new

    controls["epochs"].observe(follow_epochs, names="value")
    return view

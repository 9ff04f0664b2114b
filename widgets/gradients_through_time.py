"""Chapter 10, RNNs: gradients through time, and a forecast as it trains.

`gradients_through_time(...)`: a random recurrent layer (32 units) reads a random sequence;
the loss looks only at the last state. Left, a heat map of log10 ||dL/dh_t|| over the time
step t (columns) for recurrent weights W scaled to spectral radius rho from 0.5 to 1.5 (rows;
the chosen rho is outlined): BPTT multiplies the error by W^T (and tanh's derivative) once
per step back, Ekman's w_r^n, so it shrinks or grows geometrically with the distance. Right,
the norm of the whole gradient dL/dW against rho, before and after clipping by the global
norm: clipping caps an exploding gradient, and does nothing for a vanishing one.
`activation` "linear" is the book's derivation (L4982), where rho alone decides; "tanh" is the
layer the chapter trains, whose derivative (at most 1) tilts everything toward vanishing.

`forecast_training(epoch=...)`: the chapter's trained model (SimpleRNN(128) -> Dense(1) on the
book-store series) at a snapshot epoch: its one-month-ahead forecasts against the real sales,
training and test months, with the naive and seasonal-naive baselines' test errors.

`render_*` are pure and never raise for a valid state; `static_figure()` is the fallback.
"""
import dataclasses
import functools

import ipywidgets as W
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from lessons.chapters.ch10_rnn import naive_errors, sales_run
from lessons.kernels import rnn_forward
from widgets.base import (
    ACCENT, NEGATIVE, POSITIVE, WARNING, View, argument, factory, flag, new_figure, tick_labels,
    ticks_within,
)
from widgets.layers import Layers

UNITS = 32
SCALES = np.round(np.linspace(0.5, 1.5, 21), 2)
RHO_LIMITS = (SCALES[0] - 0.025, SCALES[-1] + 0.025)  # the heat map's rows, 0.05 apart
LENGTHS = (5, 100)
ACTIVATIONS = ("tanh", "linear")
MAX_NORMS = (0.1, 100.0)


@dataclasses.dataclass(frozen=True)
class GradientState:
    """scale: the spectral radius of the recurrent W; length: time steps T; activation: "tanh"
    or "linear"; max_norm: the clipping threshold; seed: the random layer and sequence."""

    scale: float = 1.0
    length: int = 50
    activation: str = "tanh"
    max_norm: float = 1.0
    seed: int = 0

    def __post_init__(self):
        f = "gradients_through_time"
        scale = argument(f, "scale", self.scale, low=float(SCALES[0]), high=float(SCALES[-1]))
        object.__setattr__(self, "scale", round(scale, 2))
        object.__setattr__(self, "length", argument(f, "length", self.length, low=LENGTHS[0],
                                                    high=LENGTHS[1], integer=True))
        object.__setattr__(self, "activation", argument(f, "activation", self.activation,
                                                        options=ACTIVATIONS))
        object.__setattr__(self, "max_norm", argument(f, "max_norm", self.max_norm,
                                                      low=MAX_NORMS[0], high=MAX_NORMS[1]))
        object.__setattr__(self, "seed", argument(f, "seed", self.seed, low=0, high=99,
                                                  integer=True))


@functools.lru_cache(maxsize=8)
def _layer(seed):
    """(X[100, 1, 4], U[4, 32], W0[32, 32] with spectral radius 1) for a seed."""
    rng = np.random.default_rng(seed)
    W0 = rng.normal(size=(UNITS, UNITS)) / np.sqrt(UNITS)
    W0 /= np.max(np.abs(np.linalg.eigvals(W0)))
    U = rng.normal(size=(4, UNITS)) / 2.0
    X = rng.normal(size=(LENGTHS[1], 1, 4))
    return X, U, W0


def gradient_norms(scale, length, activation="tanh", seed=0):
    """(||dL/dh_t|| for t = 0..T-1, ||dL/dW||) for L = g . h_{T-1}, g a fixed unit vector:
    BPTT by hand, one factor W^T (and the activation's derivative) per step back."""
    X, U, W0 = _layer(seed)
    W, X = W0 * scale, X[:length]
    h0 = np.zeros((1, UNITS))
    if activation == "tanh":
        H = rnn_forward(X, h0, U, W, np.zeros(UNITS))
    else:
        H, h = np.empty((length, 1, UNITS)), h0
        for t in range(length):
            h = X[t] @ U + h @ W
            H[t] = h
    dh = np.full((1, UNITS), 1 / np.sqrt(UNITS))
    norms, dW = np.empty(length), np.zeros_like(W)
    with np.errstate(all="ignore"):
        for t in range(length - 1, -1, -1):
            norms[t] = np.linalg.norm(dh)
            dz = dh * (1 - H[t] ** 2) if activation == "tanh" else dh
            dW += (H[t - 1] if t > 0 else h0).T @ dz
            dh = dz @ W.T
    return norms, float(np.linalg.norm(dW))


@functools.lru_cache(maxsize=16)
def sweep(length, activation, seed):
    """(log10 ||dL/dh_t|| clipped to +-12 [len(SCALES), T], ||dL/dW|| [len(SCALES)]) over
    SCALES: the heat map's rows and the whole gradient's curve."""
    runs = [gradient_norms(s, length, activation, seed) for s in SCALES]
    grid = np.clip(_log(np.array([norms for norms, _ in runs])), -12, 12)
    return grid, np.array([total for _, total in runs])


def _log(values):
    with np.errstate(divide="ignore"):
        return np.log10(np.maximum(values, 1e-300))


def _gradients_frame(state):
    """What stays for every state: the axes, the colour bar and the scales (rho up the heat
    map, 1e-12..1e12 for the whole gradient); the time steps are numbered by the layer."""
    fig, (ax, ax2) = new_figure(11, 4.2, ncols=2, gridspec_kw={"width_ratios": [1.5, 1]})
    fig.colorbar(ScalarMappable(Normalize(-12, 12), "PuOr_r"), ax=ax, label="log10 ||dL/dh_t||")
    ax.set(xticks=[], ylim=RHO_LIMITS, ylabel="spectral radius rho of W")
    ax.set_xlabel("time step t (the loss reads the last one)", labelpad=20)
    ax2.set(yscale="log", xlabel="spectral radius rho", ylim=(1e-12, 1e12),
            xlim=(SCALES[0] - 0.05, SCALES[-1] + 0.05))
    return fig


def _gradients_layer(fig, state):
    """The heat map over every rho for T, the activation and the seed, its time steps, and
    the whole gradient against rho; the chosen rho (outline, line, titles) and the gradient
    clipped to max_norm."""
    T, act = int(state.length), state.activation
    grid, totals = sweep(T, act, state.seed)
    norms, total = gradient_norms(state.scale, T, act, state.seed)
    # in the order the frame made them: the heat map, the whole gradient, then the colour
    # bar (fig.colorbar adds its axes last)
    ax, ax2, _ = fig.axes
    ax.imshow(grid, aspect="auto", cmap="PuOr_r", vmin=-12, vmax=12, origin="lower",
              extent=(-0.5, T - 0.5, *RHO_LIMITS))
    steps = ticks_within(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10], integer=True),
                         -0.5, T - 0.5)
    tick_labels(ax, steps, [f"{t:.0f}" for t in steps], marks=True)
    ax.axhspan(state.scale - 0.025, state.scale + 0.025, fill=False, ec=ACCENT, lw=2)
    ratio = norms[0] / norms[-1]
    ax.set_title(f"{act}: the error reaching step 0 from step {T - 1} is "
                 f"{ratio:.1e} times the last one's (rho = {state.scale:.2f})", fontsize=9)
    ax2.semilogy(SCALES, np.maximum(totals, 1e-300), color=NEGATIVE, label="||dL/dW||")
    clipped = np.minimum(totals, state.max_norm)
    ax2.semilogy(SCALES, np.maximum(clipped, 1e-300), color=POSITIVE, ls="--",
                 label=f"clipped to max_norm = {state.max_norm:g}")
    ax2.axvline(state.scale, color=ACCENT, lw=1)
    after = min(total, state.max_norm)
    ax2.set_title(f"whole gradient at rho = {state.scale:.2f}: {total:.2e} -> {after:.2e}",
                  fontsize=9)
    ax2.legend(fontsize=8, loc="upper left")


# every move keeps the frame (T, the activation and the seed redraw the heat map)
GRADIENT_LAYERS = Layers(key=lambda state: None, static=_gradients_frame,
                         dynamic=_gradients_layer)


def render_gradients(state):
    return GRADIENT_LAYERS.render(state)


def gradients_summary(state):
    norms, total = gradient_norms(state.scale, state.length, state.activation, state.seed)
    return (f"{state.activation}, rho {state.scale:.2f}, T {state.length}: "
            f"||dL/dh_0|| / ||dL/dh_T-1|| = {norms[0] / norms[-1]:.1e}; "
            f"||dL/dW|| = {total:.2e}, clipped {min(total, state.max_norm):.2e}")


@factory(GradientState)
def gradients_through_time(scale=1.0, length=50, activation="tanh", max_norm=1.0, seed=0):
    """The interactive view of BPTT's products; returns a View."""
    state = GradientState(scale, length, activation, max_norm, seed)
    style = {"description_width": "initial"}
    controls = {
        "scale": W.FloatSlider(value=state.scale, min=float(SCALES[0]), max=float(SCALES[-1]),
                               step=0.05, description="rho of W", continuous_update=True,
                               style=style),
        "length": W.IntSlider(value=state.length, min=LENGTHS[0], max=LENGTHS[1], step=5,
                              description="steps T", continuous_update=False),
        "activation": W.Dropdown(options=list(ACTIVATIONS), value=state.activation,
                                 description="activation"),
        "max_norm": W.FloatLogSlider(value=state.max_norm, base=10, min=-1, max=2, step=0.5,
                                     description="clip max_norm", continuous_update=True,
                                     style=style),
        "seed": W.BoundedIntText(value=state.seed, min=0, max=99, description="seed"),
    }
    return View(render_gradients, state, controls, "gradients_through_time",
                summary=gradients_summary, layers=GRADIENT_LAYERS)


# --- the forecast as training proceeds -------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ForecastState:
    """epoch: a snapshot of the chapter's run (5, 10, ..., 30); baselines: draw the naive one."""

    epoch: int = 30
    baselines: bool = False


def _forecast(state, run=None):
    """(run, the snapshot's epoch, its train and test forecasts, their MSEs) for `state`."""
    run = run or sales_run()
    epochs = sorted(run["snapshots"])
    epoch = min(epochs, key=lambda e: abs(e - int(state.epoch)))
    train_f, test_f = run["snapshots"][epoch]
    train, test = run["train"], run["test"]
    train_mse = float(np.mean((train_f[11:-1] - train[12:]) ** 2))
    test_mse = float(np.mean((test_f[11:-1] - test[12:]) ** 2))
    return run, epoch, train_f, test_f, train_mse, test_mse


def forecast_summary(state):
    """The snapshot's errors against both baselines, in words."""
    run, epoch, _, _, train_mse, test_mse = _forecast(state)
    return (f"forecast after epoch {epoch}: MSE (standardized) train {train_mse:.4f}, test "
            f"{test_mse:.4f}; on the test months the naive forecast has "
            f"{naive_errors(run['test'])[0]:.4f}, the seasonal-naive "
            f"{naive_errors(run['test'], lag=12)[0]:.4f}")


def _forecast_frame(state, run=None):
    """What stays while the epoch moves: the real series, the split, the naive forecast, the
    legend, and limits that hold every snapshot's forecast."""
    run = run or sales_run()
    mean, std = run["mean"], run["std"]
    train, test = run["train"], run["test"]
    n_train = len(train)
    fig, ax = new_figure(11, 3.8)
    months = np.arange(n_train + len(test))
    series = np.r_[train, test] * std + mean
    real, = ax.plot(months, series, color="black", lw=1.2, label="real sales")
    handles = [real, Line2D([], [], color=POSITIVE, lw=1, label="forecast, training months"),
               Line2D([], [], color=NEGATIVE, lw=1.5, label="forecast, test months")]
    if state.baselines:
        handles += ax.plot(n_train + np.arange(12, len(test)), test[11:-1] * std + mean,
                           color=WARNING, lw=1, ls=":", label="naive: last month")
    ax.axvline(n_train - 0.5, color="grey", ls="--", lw=0.8)
    shown = np.concatenate([series] + [np.r_[a[11:-1], b[11:-1]] * std + mean
                                       for a, b in run["snapshots"].values()])
    margin = 0.05 * (shown.max() - shown.min())
    ax.set(xlabel=f"month (0 = {run['labels'][0]})", ylabel="sales, million USD",
           xlim=(-0.05 * len(months), 1.05 * len(months)),
           ylim=(shown.min() - margin, shown.max() + margin))
    ax.legend(handles=handles, fontsize=8, loc="upper left", ncols=2)
    return fig


def _forecast_layer(fig, state, run=None):
    """The snapshot's forecasts and their errors."""
    run, epoch, train_f, test_f, train_mse, test_mse = _forecast(state, run)
    mean, std = run["mean"], run["std"]
    n_train, n_test = len(run["train"]), len(run["test"])
    ax = fig.axes[0]
    # the state after month k forecasts month k + 1; the first 11 are not examples
    ax.plot(np.arange(12, n_train), train_f[11:-1] * std + mean, color=POSITIVE, lw=1)
    ax.plot(n_train + np.arange(12, n_test), test_f[11:-1] * std + mean, color=NEGATIVE,
            lw=1.5)
    naive = naive_errors(run["test"])[0]
    seasonal = naive_errors(run["test"], lag=12)[0]
    ax.set_title(f"epoch {epoch}: MSE (standardized) train {train_mse:.4f}, test {test_mse:.4f}"
                 f"  |  test naive {naive:.4f}, seasonal-naive {seasonal:.4f}", fontsize=9)


# scrubbing through the epochs keeps the frame; the naive baseline switch draws a new one
FORECAST_LAYERS = Layers(key=lambda state: state.baselines, static=_forecast_frame,
                         dynamic=_forecast_layer)


def render_forecast(state, run=None):
    fig = _forecast_frame(state, run)
    _forecast_layer(fig, state, run)
    return fig


@factory(ForecastState)
def forecast_training(epoch=30, baselines=False):
    """The chapter's training run, one snapshot at a time; returns a View."""
    f = "forecast_training"
    baselines = flag(f, "baselines", baselines)
    argument(f, "epoch", epoch, low=1, integer=True)  # before the run is trained
    epochs = sorted(sales_run()["snapshots"])
    state = ForecastState(argument(f, "epoch", epoch, low=epochs[0], high=epochs[-1],
                                   integer=True), baselines)
    step = epochs[1] - epochs[0] if len(epochs) > 1 else 1
    controls = {
        "epoch": W.IntSlider(value=state.epoch, min=epochs[0], max=epochs[-1], step=step,
                             description="epoch", continuous_update=True),
        "baselines": W.Checkbox(value=state.baselines, description="naive baseline"),
    }
    return View(render_forecast, state, controls, "forecast_training", summary=forecast_summary,
                play="epoch", layers=FORECAST_LAYERS)


def static_figure():
    """Without a kernel: the heat map for tanh and linear at T = 50, and the trained forecast."""
    return (render_gradients(GradientState(activation="linear")),
            render_forecast(ForecastState(epoch=30, baselines=True)))

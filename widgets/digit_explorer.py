"""Chapter 04, Multiclass Classification: the digit explorer.

`digit_explorer(...)` shows one MNIST test image as Ekman's 784-25-10 network sees it: the
image, the 25 hidden tanh activations as a 5 x 5 heat map (purple below 0, orange above, on a
colour-blind-safe diverging map), and the 10 logistic outputs as bars, the predicted digit
filled and the true one outlined. A toggle restricts the index slider to the test images the
network gets wrong; seed and epochs choose the training run.

The network is trained once per (seed, epochs) on the full MNIST training set, exactly as
`lessons.chapters.ch04_mnist_net.fit` does in the chapter (per-example SGD, lr 0.01,
float64), and cached for the process (lessons.chapters.pretrained.trained_network): one epoch takes
well under a second, on a background thread with a progress indicator. Static paths for nbval and HTML:
`gallery(...)` (misclassified images with true -> predicted), `weight_images(...)` (the 25
hidden neurons' input weights as 28 x 28 pictures) and `confusion_figure(C)`.
"""
from dataclasses import dataclass
from typing import NamedTuple

import ipywidgets as W
import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from lessons.chapters import pretrained
from lessons.train.metrics import confusion_matrix
from widgets.base import (
    DIVERGING, POSITIVE, WARNING, View, argument, factory, flag, new_figure,
)
from widgets.glyphs import Labels
from widgets.layers import Layers

N_TEST = 10000
MAX_SEED = 9
MAX_EPOCHS = 3


@dataclass(frozen=True)
class State:
    """index: a test image (0..9999), or with misclassified=True the index-th misclassified
    one (counting wraps around, so every index is valid); seed and epochs: the training run."""

    index: int = 0
    misclassified: bool = False
    seed: int = 0
    epochs: int = 1

    def __post_init__(self):
        f = "digit_explorer"
        object.__setattr__(self, "index", argument(f, "index", self.index, low=0,
                                                   high=N_TEST - 1, integer=True))
        object.__setattr__(self, "misclassified", flag(f, "misclassified", self.misclassified))
        object.__setattr__(self, "seed", argument(f, "seed", self.seed, low=0, high=MAX_SEED,
                                                  integer=True))
        object.__setattr__(self, "epochs", argument(f, "epochs", self.epochs, low=1,
                                                    high=MAX_EPOCHS, integer=True))


def training(state):
    """What the View must train before it can draw `state` (the network of its seed and
    epochs, and the prepared MNIST), or None when both are cached."""
    if pretrained.trained_network.is_cached(state.seed, state.epochs):
        return None
    return lambda: pretrained.trained_network(state.seed, state.epochs)


def hidden_activations(W1, x):
    """h[25] = tanh(W1 [1; x]) for one standardized image x[784]."""
    return np.tanh(W1[:, 0] + W1[:, 1:] @ x)


class Shown(NamedTuple):
    """What one state displays."""

    image: int  # test-set index
    label: int
    predicted: int
    hidden: np.ndarray  # [25]
    outputs: np.ndarray  # [10]
    error_rank: int  # position in net.errors, or -1 for a correctly classified image
    n_errors: int


def shown(state):
    """The test image a state selects and the network's activations for it."""
    net = pretrained.trained_network(state.seed, state.epochs)
    test, _ = pretrained.mnist_test_set()
    if state.misclassified and len(net.errors):
        rank = state.index % len(net.errors)
        i = int(net.errors[rank])
    else:
        i = state.index
        hits = np.flatnonzero(net.errors == i)
        rank = int(hits[0]) if len(hits) else -1
    return Shown(i, int(test.labels[i]), int(net.predicted[i]),
                 hidden_activations(net.W1, test.X[i]), net.outputs[i].copy(), rank,
                 len(net.errors))


def _draw_outputs(ax, s):
    digits = np.arange(10)
    ok = s.predicted == s.label
    colours = ["#BBBBBB"] * 10
    colours[s.predicted] = POSITIVE if ok else WARNING
    bars = ax.bar(digits, s.outputs, color=colours, edgecolor="#BBBBBB", linewidth=1)
    bars[s.label].set_edgecolor("black")
    bars[s.label].set_linewidth(2.5)
    ax.text(s.label, min(s.outputs[s.label], 1.0) + 0.03, "true = predicted" if ok else "true",
            ha="center", fontsize=8)
    if not ok:
        ax.text(s.predicted, min(s.outputs[s.predicted], 1.0) + 0.03, "predicted",
                ha="center", fontsize=8, color=WARNING)


def _frame(state):
    """What stays while the image changes: the three panels' axes, the colour bar."""
    fig, (ax_img, ax_hid, ax_out) = new_figure(11, 3.5, ncols=3,
                                               gridspec_kw={"width_ratios": [1, 1.15, 1.6]})
    ax_img.set(xticks=[], yticks=[])
    ax_hid.set(xticks=range(5), yticks=range(5), xlim=(-0.5, 4.5), ylim=(4.5, -0.5),
               aspect="equal", xticklabels=[str(c) for c in range(5)],
               yticklabels=[str(5 * r) for r in range(5)])
    ax_hid.set_title("25 hidden tanh units (row start + column)", fontsize=9)
    fig.colorbar(ScalarMappable(Normalize(-1, 1), DIVERGING), ax=ax_hid, shrink=0.8)
    digits = np.arange(10)
    ax_out.set(xticks=digits, ylim=(0, 1.12), xlabel="digit", ylabel="logistic output")
    ax_out.set_title("output layer: argmax is the prediction", fontsize=9)
    return fig


def _image_layer(fig, state):
    """The image, its hidden activations and outputs, and the verdict."""
    s = shown(state)
    _, images = pretrained.mnist_test_set()
    ax_img, ax_hid, ax_out = fig.axes[:3]
    ax_img.imshow(images[s.image], cmap="gray_r", vmin=0, vmax=255)
    ax_img.set_title(f"test image {s.image}: a {s.label}", fontsize=9)
    ax_hid.imshow(s.hidden.reshape(5, 5), cmap=DIVERGING, vmin=-1, vmax=1)
    ax_hid.add_artist(Labels([(u % 5, u // 5) for u in range(len(s.hidden))],
                             [f"{value:+.1f}" for value in s.hidden], transform=ax_hid.transData,
                             ha="center", va="center", fontsize=7,
                             color=["white" if abs(v) > 0.6 else "black" for v in s.hidden]))
    _draw_outputs(ax_out, s)
    verdict = "correct" if s.predicted == s.label else "WRONG"
    where = (f"misclassified {s.error_rank + 1} of {s.n_errors}: " if state.misclassified
             and s.n_errors else "")
    if state.misclassified and not s.n_errors:
        where = "no misclassified test images; "
    net = pretrained.trained_network(state.seed, state.epochs)
    fig.suptitle(f"{where}true {s.label}, predicted {s.predicted} ({verdict}); network: seed "
                 f"{state.seed}, {state.epochs} epoch{'s' if state.epochs > 1 else ''}, test "
                 f"accuracy {net.test_accuracy[-1]:.2%}",
                 color=matplotlib.rcParams["text.color"] if s.predicted == s.label else WARNING)


# browsing images keeps the frame; another network (seed, epochs) draws a new one
LAYERS = Layers(key=lambda state: (state.seed, state.epochs), static=_frame,
                dynamic=_image_layer)


def render(state):
    """The figure for one state: image, hidden activations, outputs."""
    return LAYERS.render(state)


def summary(state):
    """The numbers behind render(state), 4 decimals."""
    s = shown(state)
    net = pretrained.trained_network(state.seed, state.epochs)
    lines = [
        f"network seed {state.seed}, {state.epochs} epoch(s): test accuracy "
        f"{net.test_accuracy[-1]:.4f}, {s.n_errors} misclassified test images",
        f"test image {s.image}: true {s.label}, predicted {s.predicted}"
        + (f" (misclassified {s.error_rank + 1} of {s.n_errors})" if s.error_rank >= 0 else ""),
        "outputs: " + " ".join(f"{d}:{o:.4f}" for d, o in enumerate(s.outputs)),
        f"hidden: min {s.hidden.min():.4f}, max {s.hidden.max():.4f}, "
        f"saturated (|h| > 0.9): {int(np.sum(np.abs(s.hidden) > 0.9))} of 25",
    ]
    return "\n".join(lines)


def gallery(seed=0, epochs=1, n=24, ncols=8):
    """Small multiples of the first n misclassified test images, titled true -> predicted."""
    state = State(0, True, seed, epochs)  # validates seed and epochs
    n = argument("gallery", "n", n, low=1, integer=True)
    ncols = argument("gallery", "ncols", ncols, low=1, integer=True)
    net = pretrained.trained_network(state.seed, state.epochs)
    test, images = pretrained.mnist_test_set()
    picks = net.errors[:n]
    nrows = max(1, -(-len(picks) // ncols))
    fig, axes = new_figure(1.3 * ncols, 1.45 * nrows, ncols=ncols, nrows=nrows, squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, i in zip(axes.ravel(), picks):
        ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(f"{test.labels[i]} → {net.predicted[i]}", fontsize=9, color=WARNING)
    fig.suptitle(f"the first {len(picks)} of {len(net.errors)} misclassified test images "
                 f"(true → predicted)", fontsize=10)
    return fig


def weight_images(seed=0, epochs=1):
    """The 25 hidden neurons' 784 input weights, each drawn as a 28 x 28 picture."""
    state = State(0, False, seed, epochs)
    W1 = pretrained.trained_network(state.seed, state.epochs).W1
    fig, axes = new_figure(8, 8.3, ncols=5, nrows=5)
    limit = float(np.abs(W1[:, 1:]).max())
    for u, ax in enumerate(axes.ravel()):
        picture = ax.imshow(W1[u, 1:].reshape(28, 28), cmap=DIVERGING, vmin=-limit, vmax=limit)
        ax.set(xticks=[], yticks=[])
        ax.set_title(f"unit {u}", fontsize=8)
    fig.colorbar(picture, ax=axes, shrink=0.6, label="weight (orange +, purple −)")
    fig.suptitle("what each hidden neuron looks for: its weights on the 28 × 28 pixels")
    return fig


def confusion_figure(C, title="confusion matrix (rows: true digit, columns: predicted)"):
    """C[k, k] as a heat map with the counts written in; the diagonal (correct) is left pale
    so that the errors stand out."""
    C = np.asarray(C)
    k = C.shape[0]
    off = C.astype(float).copy()
    np.fill_diagonal(off, np.nan)
    fig, ax = new_figure(6.4, 5.6)
    ax.imshow(off, cmap="Oranges")
    top = np.nanmax(off) if k > 1 else 1
    for r in range(k):
        for c in range(k):
            ax.text(c, r, str(C[r, c]), ha="center", va="center", fontsize=7,
                    fontweight="bold" if r == c else "normal",
                    color="white" if r != c and C[r, c] > 0.6 * top else "black")
    ax.set(xticks=range(k), yticks=range(k), xlabel="predicted", ylabel="true", title=title)
    return fig


def test_confusion(seed=0, epochs=1):
    """The trained network's confusion matrix on the 10,000 test images."""
    net = pretrained.trained_network(seed, epochs)
    return confusion_matrix(pretrained.mnist_test_set()[0].labels, net.predicted, n_classes=10)


@factory(State)
def digit_explorer(index=0, misclassified=False, seed=0, epochs=1):
    """The interactive view. Defaults: the book's one-epoch network, test image 0 (a 7)."""
    state = State(index, misclassified, seed, epochs)
    controls = {
        "index": W.IntSlider(value=state.index, min=0, max=N_TEST - 1, description="index"),
        "misclassified": W.ToggleButton(value=state.misclassified,
                                        description="only misclassified",
                                        tooltip="browse only the test images the net gets wrong"),
        "seed": W.IntSlider(value=state.seed, min=0, max=MAX_SEED, description="seed",
                            continuous_update=False),
        "epochs": W.IntSlider(value=state.epochs, min=1, max=MAX_EPOCHS, description="epochs",
                              continuous_update=False),
    }
    # the slider moves ~10 images a pixel; the box beside it steps one at a time
    exact = W.BoundedIntText(value=state.index, min=0, max=N_TEST - 1, description="image",
                             layout=W.Layout(width="12em"))
    W.jslink((controls["index"], "value"), (exact, "value"))
    return View(render, state, controls, "digit_explorer", summary=summary, training=training,
                extra=(exact,), layers=LAYERS)

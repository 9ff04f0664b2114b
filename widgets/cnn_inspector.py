"""Chapter 08, Training CNNs: the CNN inspector.

`cnn_inspector(index, layer, channel)` opens a trained convolutional network (Skansi's MNIST
CNN, lessons.chapters.ch08_cnn.skansi_cnn) and shows, for one test image:

- the image;
- the feature maps of one layer (conv, ReLU or max-pool of either stage) as small multiples,
  the chosen channel framed;
- the weights of the conv filter that made that channel: a 4 x 4 kernel in the first stage,
  one 3 x 3 kernel per input channel in the second (a filter there reads all 32 maps below);
- the softmax probabilities of the 10 digits, the prediction filled and the truth outlined.

The network is trained once per process (functools.lru_cache) on a seeded, class-balanced
subset of MNIST, in float64 so that its printed numbers do not depend on the CPU: the same
run the chapter's cells use. Static path: `static_figure(index)`, the first layer's filters
and both stages' maps for one image.
"""
import functools
from dataclasses import dataclass
from typing import NamedTuple

import ipywidgets as W
import numpy as np
from matplotlib.patches import Rectangle

from lessons.chapters import ch08_cnn as cnn
from lessons.data import mnist_subset
from lessons.kernels import softmax, softmax_cross_entropy
from lessons.optim import SGD
from lessons.train import fit, predict
from widgets.base import ACCENT, DIVERGING, POSITIVE, WARNING, View, argument, new_figure

N_TRAIN = 1000  # training images (100 per digit)
N_TEST = 1000   # test images the index slider walks through (100 per digit)
EPOCHS = 3
BATCH = 32
SEED = 0
DTYPE = np.float64
# The layers with feature maps: (index in the model, label). The filters of layers 0-2 are
# conv 1's, of layers 3-5 conv 2's.
LAYERS = ((0, "conv 1"), (1, "ReLU 1"), (2, "max-pool 1"),
          (3, "conv 2"), (4, "ReLU 2"), (5, "max-pool 2"))
N_CHANNELS = 32


@dataclass(frozen=True)
class State:
    """index: a test image (0..N_TEST-1); layer: 0..5, one of LAYERS; channel: 0..31."""

    index: int = 0
    layer: int = 0
    channel: int = 0

    def __post_init__(self):
        f = "cnn_inspector"
        for name, high in (("index", N_TEST - 1), ("layer", len(LAYERS) - 1),
                           ("channel", N_CHANNELS - 1)):
            object.__setattr__(self, name, argument(f, name, getattr(self, name), low=0,
                                                    high=high, integer=True))


class Trained(NamedTuple):
    """The trained network and the test images it is shown (arrays read-only)."""

    model: object
    history: object
    test_images: np.ndarray  # [N_TEST, 28, 28] uint8, for display
    test_X: np.ndarray       # [N_TEST, 1, 28, 28] standardized with the training statistics
    test_labels: np.ndarray
    probabilities: np.ndarray  # [N_TEST, 10] softmax outputs
    test_accuracy: float


def _frozen(a):
    a.setflags(write=False)
    return a


@functools.lru_cache(maxsize=1)
def trained_cnn():
    """Skansi's CNN after EPOCHS epochs of SGD(0.01, momentum 0.9), batch 32, on
    mnist_subset(N_TRAIN, seed=SEED), model and order seeded with SEED."""
    images, labels = mnist_subset(N_TRAIN, seed=SEED)
    test_images, test_labels = mnist_subset(N_TEST, kind="test", seed=SEED)
    mean, std = float(images.mean()), float(images.std())
    X = cnn.standardize(images, mean, std, dtype=DTYPE)
    test_X = cnn.standardize(test_images, mean, std, dtype=DTYPE)
    model = cnn.skansi_cnn(seed=SEED, dtype=DTYPE)
    history = fit(model, softmax_cross_entropy, SGD(0.01, momentum=0.9), X, labels,
                  epochs=EPOCHS, batch_size=BATCH, seed=SEED, progress=False)
    probabilities = softmax(predict(model, test_X))
    accuracy = float(np.mean(np.argmax(probabilities, axis=1) == test_labels))
    return Trained(model, history, _frozen(test_images), _frozen(test_X),
                   _frozen(test_labels), _frozen(probabilities), accuracy)


def activations(index):
    """The outputs of every layer of the trained network for test image `index`:
    a list of arrays [C, H, W] (conv and pool stages) or [n] (flatten, dense)."""
    net = trained_cnn()
    A = net.test_X[index:index + 1]
    out = []
    for layer in net.model.layers:
        A = layer.forward(A, training=False)
        out.append(A[0])
    return out


def filters(layer):
    """The kernel weights behind the maps of LAYERS[layer]: K[32, C, k, k] of conv 1 or 2."""
    model = trained_cnn().model
    return model.layers[0 if layer < 3 else 3].K


def _mosaic(maps, ncols, gap=1):
    """maps[n, h, w] -> one image with the maps in a grid, separated by NaN (blank) lines;
    also the top-left corner of each tile."""
    n, h, w = maps.shape
    nrows = -(-n // ncols)
    out = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap), np.nan)
    corners = []
    for k in range(n):
        r, c = divmod(k, ncols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = maps[k]
        corners.append((c * (w + gap), r * (h + gap)))
    return out, corners


def _limit(a):
    top = float(np.nanmax(np.abs(a))) if np.any(np.isfinite(a)) else 0.0
    return top if top > 0 else 1.0


def _draw_maps(ax, maps, channel, title):
    image, corners = _mosaic(maps, 8)
    lim = _limit(image)
    ax.imshow(image, cmap=DIVERGING, vmin=-lim, vmax=lim, interpolation="nearest")
    x, y = corners[channel]
    h, w = maps.shape[1:]
    ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, edgecolor=ACCENT,
                           linewidth=2.5))
    ax.set(xticks=[], yticks=[])
    ax.set_title(title, fontsize=9)


def _draw_filter(ax, K, channel, stage):
    kernels = K[channel]  # [C, k, k]
    if len(kernels) == 1:
        image = kernels[0]
        title = f"conv {stage} filter {channel}: 4 × 4 weights"
    else:
        image, _ = _mosaic(kernels, 8)
        title = f"conv {stage} filter {channel}: a 3 × 3 kernel per input map"
    lim = _limit(image)
    ax.imshow(image, cmap=DIVERGING, vmin=-lim, vmax=lim, interpolation="nearest")
    ax.set(xticks=[], yticks=[])
    ax.set_title(title, fontsize=9)


def _draw_probabilities(ax, p, label):
    digits = np.arange(10)
    predicted = int(np.argmax(p))
    colours = ["#BBBBBB"] * 10
    colours[predicted] = POSITIVE if predicted == label else WARNING
    bars = ax.bar(digits, p, color=colours, edgecolor="#BBBBBB", linewidth=1)
    bars[label].set_edgecolor("black")
    bars[label].set_linewidth(2.5)
    ax.set(xticks=digits, ylim=(0, 1.05), xlabel="digit", ylabel="softmax probability")
    ax.set_title("outputs (filled: predicted, outlined: true)", fontsize=9)


def render(state):
    """The figure for one state: image, the layer's maps, the filter, the probabilities."""
    net = trained_cnn()
    acts = activations(state.index)
    at, name = LAYERS[state.layer]
    maps = acts[at]
    label = int(net.test_labels[state.index])
    p = net.probabilities[state.index]
    fig = new_figure(12, 4.2)[0]
    fig.clear()
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 2.6, 1.6], height_ratios=[1, 1])
    ax_img = fig.add_subplot(grid[0, 0])
    ax_img.imshow(net.test_images[state.index], cmap="gray_r", vmin=0, vmax=255)
    ax_img.set(xticks=[], yticks=[])
    ax_img.set_title(f"test image {state.index}: a {label}", fontsize=9)
    ax_one = fig.add_subplot(grid[1, 0])
    lim = _limit(maps)
    ax_one.imshow(maps[state.channel], cmap=DIVERGING, vmin=-lim, vmax=lim,
                  interpolation="nearest")
    ax_one.set(xticks=[], yticks=[])
    ax_one.set_title(f"{name}, channel {state.channel}", fontsize=9, color=ACCENT)
    shape = " × ".join(str(s) for s in maps.shape)
    _draw_maps(fig.add_subplot(grid[:, 1]), maps, state.channel,
               f"{name}: {shape} (orange +, purple −; framed: channel {state.channel})")
    _draw_filter(fig.add_subplot(grid[0, 2]), filters(state.layer), state.channel,
                 1 if state.layer < 3 else 2)
    _draw_probabilities(fig.add_subplot(grid[1, 2]), p, label)
    predicted = int(np.argmax(p))
    verdict = "correct" if predicted == label else "WRONG"
    fig.suptitle(f"true {label}, predicted {predicted} ({verdict}, p = {p[predicted]:.2f}); "
                 f"network test accuracy {net.test_accuracy:.4f} on {N_TEST} images",
                 color="black" if predicted == label else WARNING)
    return fig


def summary(state):
    """The numbers behind render(state), 4 decimals."""
    net = trained_cnn()
    at, name = LAYERS[state.layer]
    maps = activations(state.index)[at]
    one = maps[state.channel]
    K = filters(state.layer)[state.channel]
    p = net.probabilities[state.index]
    return "\n".join([
        f"test image {state.index}: true {int(net.test_labels[state.index])}, predicted "
        f"{int(np.argmax(p))}",
        f"layer {name}: maps {list(maps.shape)}; channel {state.channel}: min {one.min():.4f}, "
        f"max {one.max():.4f}, mean {one.mean():.4f}",
        f"filter {list(K.shape)}: min {K.min():.4f}, max {K.max():.4f}",
        "softmax: " + " ".join(f"{d}:{v:.4f}" for d, v in enumerate(p)),
    ])


def static_figure(index=0):
    """Small multiples for one test image: conv 1's 32 learned 4 x 4 filters, its 32 maps
    after ReLU, and conv 2's 32 maps after ReLU."""
    index = State(index=index).index
    acts = activations(index)
    K = filters(0)[:, 0]
    fig, axes = new_figure(12, 3.4, ncols=3)
    for ax, maps, title in ((axes[0], K, "conv 1: the 32 learned 4 × 4 filters"),
                            (axes[1], acts[1], "ReLU 1: 32 maps of 25 × 25"),
                            (axes[2], acts[4], "ReLU 2: 32 maps of 10 × 10")):
        image, _ = _mosaic(maps, 8)
        lim = _limit(image)
        ax.imshow(image, cmap=DIVERGING, vmin=-lim, vmax=lim, interpolation="nearest")
        ax.set(xticks=[], yticks=[])
        ax.set_title(title, fontsize=9)
    label = int(trained_cnn().test_labels[index])
    fig.suptitle(f"what the trained CNN computes for test image {index} (a {label})")
    return fig


def cnn_inspector(index=0, layer=0, channel=0):
    """The interactive view: index, layer and channel sliders."""
    state = State(index, layer, channel)
    controls = {
        "index": W.IntSlider(value=state.index, min=0, max=N_TEST - 1, description="image",
                             continuous_update=False),
        "layer": W.IntSlider(value=state.layer, min=0, max=len(LAYERS) - 1,
                             description="layer", continuous_update=False),
        "channel": W.IntSlider(value=state.channel, min=0, max=N_CHANNELS - 1,
                               description="channel", continuous_update=False),
    }
    names = W.HTML("layers: " + ", ".join(f"{k} = {name}" for k, name in LAYERS))
    return View(render, state, controls, "cnn_inspector", extra=(names,))

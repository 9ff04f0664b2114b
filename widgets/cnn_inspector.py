"""Chapter 08, Training CNNs: the CNN inspector.

`cnn_inspector(index, layer, channel)` opens a trained convolutional network (Skansi's MNIST
CNN, lessons.chapters.ch08_cnn.skansi_cnn) and shows, for one test image:

- the image;
- the feature maps of one layer (conv, ReLU or max-pool of either stage) as small multiples,
  the chosen channel framed;
- the weights of the conv filter that made that channel: a 4 x 4 kernel in the first stage,
  one 3 x 3 kernel per input channel in the second (a filter there reads all 32 maps below);
- the softmax probabilities of the 10 digits, the prediction filled and the truth outlined.

The network is trained once per process (lessons.chapters.pretrained.trained_cnn) on a seeded,
class-balanced subset of MNIST, in float64 so that its printed numbers do not depend on the
CPU: the same run the chapter's cells use; the first view trains it on a background thread
with a progress bar. Static path: `static_figure(index)`, the first layer's filters
and both stages' maps for one image.
"""
from dataclasses import dataclass

import ipywidgets as W
import matplotlib
import numpy as np
from matplotlib.patches import Rectangle

from lessons.chapters import pretrained
from widgets.base import (
    ACCENT, DIVERGING, POSITIVE, WARNING, View, argument, factory, mosaic, new_figure,
    symmetric_limit,
)
from widgets.layers import Layers

N_TEST = pretrained.CNN_TEST  # test images the index slider walks through (100 per digit)
# the training run the chapter quotes (lessons.chapters.pretrained.trained_cnn)
N_TRAIN, EPOCHS, SEED = pretrained.CNN_TRAIN, pretrained.CNN_EPOCHS, pretrained.CNN_SEED
BATCH = pretrained.CNN_BATCH
# The layers with feature maps: (index in the model, label). The filters of layers 0-2 are
# conv 1's, of layers 3-5 conv 2's.
LAYERS = ((0, "conv 1"), (1, "ReLU 1"), (2, "max-pool 1"),
          (3, "conv 2"), (4, "ReLU 2"), (5, "max-pool 2"))
N_CHANNELS = 32
# The panels' shapes (height / width), fixed in the frame for every layer: the 32 maps in 8
# columns of square maps (103 x 207 pixels in the first stage, 23 x 47 after the last pool),
# and conv 2's filters, 32 kernels of 3 x 3 in 8 columns (15 x 31)
MAPS_ASPECT, FILTER_ASPECT = 0.5, 15 / 31


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


def training(state):
    """What the View must train before it can draw (the CNN, once per process), or None."""
    return None if pretrained.trained_cnn.is_cached() else pretrained.trained_cnn


def activations(index):
    """The outputs of every layer of the trained network for test image `index`:
    a list of arrays [C, H, W] (conv and pool stages) or [n] (flatten, dense)."""
    net = pretrained.trained_cnn()
    A = net.test_X[index:index + 1]
    out = []
    for layer in net.model.layers:
        A = layer.forward(A, training=False)
        out.append(A[0])
    return out


def filters(layer):
    """The kernel weights behind the maps of LAYERS[layer]: K[32, C, k, k] of conv 1 or 2."""
    model = pretrained.trained_cnn().model
    return model.layers[0 if layer < 3 else 3].K


def _show(ax, image, width=None, **imshow):
    """image filling ax's box, whose shape the frame fixed (maps of every layer in the same
    panel; a shape within 2 % of the box's is stretched that little); with `width` (in
    pixels of the image), a square image is shown square in the middle of a wider box."""
    h, w = image.shape
    ax.imshow(image, aspect="auto", interpolation="nearest", **imshow)
    ax.set_ylim(h - 0.5, -0.5)  # set, not autoscaled: a blitted move draws no axes
    ax.set_xlim((w - 1) / 2 - (width or w) / 2, (w - 1) / 2 + (width or w) / 2)


def _diverging(ax, image, width=None):
    lim = symmetric_limit(image)
    _show(ax, image, width, cmap=DIVERGING, vmin=-lim, vmax=lim)


def _draw_maps(ax, maps, channel, title):
    image, corners = mosaic(maps, 8)
    _diverging(ax, image)
    x, y = corners[channel]
    h, w = maps.shape[1:]
    ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, edgecolor=ACCENT,
                           linewidth=2.5))
    ax.set_title(title, fontsize=9)


def _draw_filter(ax, K, channel, stage):
    kernels = K[channel]  # [C, k, k]
    if len(kernels) == 1:  # a square, in the middle of the panel
        k = kernels.shape[1]
        _diverging(ax, kernels[0], width=k / FILTER_ASPECT)
        title = f"conv {stage} filter {channel}: {k} × {k} weights"
    else:
        _diverging(ax, mosaic(kernels, 8)[0])
        title = f"conv {stage} filter {channel}: a 3 × 3 kernel per input map"
    ax.set_title(title, fontsize=9)


def _draw_probabilities(ax, p, label):
    digits = np.arange(10)
    predicted = int(np.argmax(p))
    colours = ["#BBBBBB"] * 10
    colours[predicted] = POSITIVE if predicted == label else WARNING
    bars = ax.bar(digits, p, color=colours, edgecolor="#BBBBBB", linewidth=1)
    bars[label].set_edgecolor("black")
    bars[label].set_linewidth(2.5)


def _frame(state):
    """The five panels' axes, the same for every image, layer and channel."""
    fig = new_figure(12, 4.2)[0]
    fig.clear()
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 2.6, 1.6], height_ratios=[1, 1])
    for cell, aspect in ((grid[0, 0], 1), (grid[1, 0], 1), (grid[:, 1], MAPS_ASPECT),
                         (grid[0, 2], FILTER_ASPECT)):
        fig.add_subplot(cell, box_aspect=aspect).set(xticks=[], yticks=[])
    ax_p = fig.add_subplot(grid[1, 2])
    ax_p.set(xticks=np.arange(10), ylim=(0, 1.05), xlabel="digit", ylabel="softmax probability")
    ax_p.set_title("outputs (filled: predicted, outlined: true)", fontsize=9)
    return fig


def _picture(fig, state):
    """Image, the layer's maps, the channel's filter, the probabilities, the verdict."""
    net = pretrained.trained_cnn()
    acts = activations(state.index)
    at, name = LAYERS[state.layer]
    maps = acts[at]
    label = int(net.test_labels[state.index])
    p = net.probabilities[state.index]
    ax_img, ax_one, ax_maps, ax_filter, ax_p = fig.axes
    _show(ax_img, net.test_images[state.index], cmap="gray_r", vmin=0, vmax=255)
    ax_img.set_title(f"test image {state.index}: a {label}", fontsize=9)
    lim = symmetric_limit(maps)
    _show(ax_one, maps[state.channel], cmap=DIVERGING, vmin=-lim, vmax=lim)
    ax_one.set_title(f"{name}, channel {state.channel}", fontsize=9, color=ACCENT)
    shape = " × ".join(str(s) for s in maps.shape)
    _draw_maps(ax_maps, maps, state.channel,
               f"{name}: {shape} (orange +, purple −; framed: channel {state.channel})")
    _draw_filter(ax_filter, filters(state.layer), state.channel, 1 if state.layer < 3 else 2)
    _draw_probabilities(ax_p, p, label)
    predicted = int(np.argmax(p))
    verdict = "correct" if predicted == label else "WRONG"
    fig.suptitle(f"true {label}, predicted {predicted} ({verdict}, p = {p[predicted]:.2f}); "
                 f"network test accuracy {net.test_accuracy:.4f} on {N_TEST} images",
                 color=matplotlib.rcParams["text.color"] if predicted == label else WARNING)


# one frame for every state: each panel keeps its shape while the maps' shapes change
PICTURE = Layers(key=lambda state: None, static=_frame, dynamic=_picture)


def render(state):
    """The figure for one state: image, the layer's maps, the filter, the probabilities."""
    return PICTURE.render(state)


def summary(state):
    """The numbers behind render(state), 4 decimals."""
    net = pretrained.trained_cnn()
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
        image, _ = mosaic(maps, 8)
        lim = symmetric_limit(image)
        ax.imshow(image, cmap=DIVERGING, vmin=-lim, vmax=lim, interpolation="nearest")
        ax.set(xticks=[], yticks=[])
        ax.set_title(title, fontsize=9)
    label = int(pretrained.trained_cnn().test_labels[index])
    fig.suptitle(f"what the trained CNN computes for test image {index} (a {label})")
    return fig


@factory(State)
def cnn_inspector(index=0, layer=0, channel=0):
    """The interactive view: image and channel sliders, the layer chosen by name."""
    state = State(index, layer, channel)
    controls = {
        "index": W.IntSlider(value=state.index, min=0, max=N_TEST - 1, description="image"),
        "layer": W.Dropdown(options=[(name, k) for k, (_, name) in enumerate(LAYERS)],
                            value=state.layer, description="layer"),
        "channel": W.IntSlider(value=state.channel, min=0, max=N_CHANNELS - 1,
                               description="channel"),
    }
    return View(render, state, controls, "cnn_inspector", summary=summary, training=training,
                layers=PICTURE)

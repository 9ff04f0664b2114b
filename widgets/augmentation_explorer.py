"""Chapter 09, Deeper CNNs: the augmentation explorer.

`augmentation_explorer(index, angle, shift_down, shift_right, flip)` takes one MNIST test digit
through the augmentation kernel (lessons.kernels.augment_images) and shows:

- the digit as it is and as transformed by the sliders, each with what a trained CNN
  (lessons.chapters.ch09_transfer.small_cnn, trained once per process on 1,000 digits
  without augmentation, 3 epochs, float64) predicts;
- the same digit under a row of fixed transforms (shifts, rotations, a flip), each titled
  with the prediction, wrong ones in the warning colour;
- the network's softmax for the transformed digit.

A flip is label-preserving for a T-shirt, not for a digit: a mirrored 3 is no 3, and a 6 turned
by 180 degrees is a 9, so the lab warns when a flip (or a large rotation) is on.
Static path: `static_figure(index)`, the row of fixed transforms.
"""
import functools
from dataclasses import dataclass
from typing import NamedTuple

import ipywidgets as W
import matplotlib
import numpy as np

from lessons.chapters.ch09_deeper_cnns import mnist_train_test
from lessons.chapters.ch09_transfer import small_cnn, train_adam
from lessons.kernels import augment_images, softmax
from lessons.train import predict
from widgets.base import POSITIVE, WARNING, View, argument, factory, flag, new_figure
from widgets.layers import Layers

N_TRAIN = 1000
N_TEST = 1000

MAX_ANGLE = 180
MAX_SHIFT = 8
# (title, angle, (down, right), flip): the row of fixed transforms
FIXED = (("as it is", 0.0, (0, 0), False), ("shift 2 right", 0.0, (0, 2), False),
         ("shift 3 down", 0.0, (3, 0), False), ("rotate +10°", 10.0, (0, 0), False),
         ("rotate -25°", -25.0, (0, 0), False), ("rotate 180°", 180.0, (0, 0), False),
         ("flip", 0.0, (0, 0), True))


class Trained(NamedTuple):
    model: object
    test_X: np.ndarray  # [N_TEST, 1, 28, 28], standardized with the training statistics
    test_labels: np.ndarray


@functools.lru_cache(maxsize=1)
def trained_cnn():
    """small_cnn(10) after 3 epochs of Adam on 1,000 class-balanced MNIST digits (seed 0)."""
    X, y, test_X, test_labels = mnist_train_test(N_TRAIN, N_TEST)
    model = small_cnn(10, seed=0)
    train_adam(model, X, y, epochs=3, seed=0)
    test_X.setflags(write=False)
    test_labels.setflags(write=False)
    return Trained(model, test_X, test_labels)


@dataclass(frozen=True)
class State:
    """index: a test digit (0..N_TEST-1); angle: degrees, counter-clockwise; shift_down,
    shift_right: pixels (whole or not); flip: mirror left-right."""

    index: int = 0
    angle: float = 15.0
    shift_down: float = 0.0
    shift_right: float = 2.0
    flip: bool = False

    def __post_init__(self):
        f = "augmentation_explorer"
        for name, low, high, integer in (("index", 0, N_TEST - 1, True),
                                         ("angle", -MAX_ANGLE, MAX_ANGLE, False),
                                         ("shift_down", -MAX_SHIFT, MAX_SHIFT, False),
                                         ("shift_right", -MAX_SHIFT, MAX_SHIFT, False)):
            object.__setattr__(self, name, argument(f, name, getattr(self, name), low=low,
                                                    high=high, integer=integer))
        object.__setattr__(self, "flip", flag(f, "flip", self.flip))


def transformed(index, transforms):
    """The standardized test digit `index` under each (angle, (down, right), flip):
    X[len(transforms), 1, 28, 28]. Augmentation works on the raw image, whose background is
    0; in standardized units the background is the smallest value, so the kernel sees the
    digit shifted to a zero background and back."""
    net = trained_cnn()
    X = net.test_X[index, 0]
    background = float(net.test_X.min())
    n = len(transforms)
    angles = np.array([t[0] for t in transforms], dtype=float)
    shifts = np.array([t[1] for t in transforms], dtype=float)
    flips = np.array([t[2] for t in transforms], dtype=bool)
    out = augment_images(np.repeat((X - background)[None], n, axis=0), angles, shifts, flips)
    return (out + background)[:, None]


def probabilities(X):
    return softmax(predict(trained_cnn().model, X))


def _show(ax, image, p, label, title):
    predicted = int(np.argmax(p))
    ax.imshow(image, cmap="gray_r")
    ax.set_title(f"{title}\n→ {predicted} (p {p[predicted]:.2f})", fontsize=8,
                 color=matplotlib.rcParams["text.color"] if predicted == label else WARNING)


def _frame(state):
    """The axes, the same for every state: the slider transform and the network's answer
    above, the fixed transforms below."""
    fig = new_figure(12, 4.6)[0]
    fig.clear()
    grid = fig.add_gridspec(2, len(FIXED), height_ratios=[1.4, 1])
    image = dict(xticks=[], yticks=[], xlim=(-0.5, 27.5), ylim=(27.5, -0.5), aspect="equal")
    fig.add_subplot(grid[0, :2]).set(**image)
    ax_p = fig.add_subplot(grid[0, 2:])
    ax_p.set(xticks=np.arange(10), xlim=(-0.7, 9.7), ylim=(0, 1.05), ylabel="softmax",
             title="the network's answer for your transform (outlined: the true digit)")
    for k in range(len(FIXED)):
        fig.add_subplot(grid[1, k]).set(**image)
    return fig


def _transform_layer(fig, state):
    """The digit under the slider transform and the network's answer, the warning; the same
    digit under the fixed transforms."""
    label = int(trained_cnn().test_labels[state.index])
    ax_mine, ax_p, *ax_fixed = fig.axes
    X = transformed(state.index, [(state.angle, (state.shift_down, state.shift_right),
                                   state.flip)])
    p = probabilities(X)[0]
    _show(ax_mine, X[0, 0], p, label, f"your transform: {state.angle:g}°, "
          f"shift ({state.shift_down:g}, {state.shift_right:g})" + (", flipped" if state.flip
                                                                     else ""))
    colours = ["#BBBBBB"] * 10
    predicted = int(np.argmax(p))
    colours[predicted] = POSITIVE if predicted == label else WARNING
    bars = ax_p.bar(np.arange(10), p, color=colours)
    bars[label].set_edgecolor("black")
    bars[label].set_linewidth(2)
    warn = state.flip or abs(state.angle) > 45
    fig.suptitle(f"test digit {state.index}: a {label}" + (
        "  —  careful: this transform can change what the digit is (mirror, 6 ↔ 9)"
        if warn else ""), color=WARNING if warn else matplotlib.rcParams["text.color"])
    X = transformed(state.index, [(a, s, f) for _, a, s, f in FIXED])
    for ax, image, p, (title, *_) in zip(ax_fixed, X[:, 0], probabilities(X), FIXED):
        _show(ax, image, p, label, title)


# every move keeps the frame: another digit redraws the fixed transforms too
LAYERS = Layers(key=lambda state: None, static=_frame, dynamic=_transform_layer)


def render(state):
    return LAYERS.render(state)


def summary(state):
    """The prediction behind render(state) for the slider transform, 4 decimals."""
    X = transformed(state.index, [(state.angle, (state.shift_down, state.shift_right),
                                   state.flip)])
    p = probabilities(X)[0]
    return (f"digit {state.index} (a {int(trained_cnn().test_labels[state.index])}): predicted "
            f"{int(np.argmax(p))}, p = {p.max():.4f}; pixel sum {X[0, 0].sum():.4f}")


def static_figure(index=0):
    """The fixed row of transforms for one digit."""
    return render(State(index=index))


@factory(State)
def augmentation_explorer(index=0, angle=15.0, shift_down=0.0, shift_right=2.0, flip=False):
    """The interactive view: digit, angle and shift sliders, a flip switch."""
    state = State(index, angle, shift_down, shift_right, flip)
    controls = {
        "index": W.IntSlider(value=state.index, min=0, max=N_TEST - 1, description="digit",
                             continuous_update=False),
        "angle": W.FloatSlider(value=state.angle, min=-MAX_ANGLE, max=MAX_ANGLE, step=5,
                               description="angle °", continuous_update=True),
        "shift_down": W.FloatSlider(value=state.shift_down, min=-MAX_SHIFT, max=MAX_SHIFT,
                                    step=0.5, description="shift down", continuous_update=True),
        "shift_right": W.FloatSlider(value=state.shift_right, min=-MAX_SHIFT, max=MAX_SHIFT,
                                     step=0.5, description="shift right",
                                     continuous_update=True),
        "flip": W.Checkbox(value=state.flip, description="flip left-right"),
    }
    return View(render, state, controls, "augmentation_explorer", summary=summary,
                layers=LAYERS)

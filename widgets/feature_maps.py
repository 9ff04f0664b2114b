"""Chapter 07, Convolution: the feature-map explorer.

`feature_maps(...)` slides one 3 x 3 kernel over one 28 x 28 image, as a convolutional layer
with a single filter does: left, the (zero-padded) input with the receptive field of the
selected output pixel outlined; then the kernel as a small heat map; then the feature map the
Numba kernel `conv2d_forward` computes, its shape in the title and the selected pixel marked;
right, the nine products that add up to that pixel. Inputs: an MNIST test digit, a
Fashion-MNIST item (when Debian's `dataset-fashion-mnist` is installed; otherwise MNIST with a
note), or a synthetic shape. Kernels: five named ones, the eight 3 x 3 filters a small CNN
learned from MNIST ("trained 1" to "trained 8", see lessons.chapters.pretrained.trained_filters), a
seeded random one, or
your own typed as "a,b,c;d,e,f;g,h,i".

`render(state)` is pure and never raises for a valid state: the selected pixel is clamped to
the output, and a custom kernel that cannot be read is shown as zeros with a note.
`static_figure()` is the fallback without a kernel: one digit through the five named kernels
and a random one.
"""
import dataclasses
import functools
import re

import ipywidgets as W
import numpy as np
from matplotlib.patches import Rectangle

from lessons.chapters import pretrained
from lessons.data import FASHION_CLASSES, load_fashion_mnist, load_mnist
from lessons.kernels import conv2d_forward, conv_output_size
from widgets.base import (
    ACCENT, DIVERGING, WARNING, View, argument, factory, new_figure, symmetric_limit,
)
from widgets.layers import Layers

SIZE = 28  # every input is 28 x 28, like MNIST
K = 3
N_TEST = 10000
STRIDES = (1, 3)
PADS = (0, 2)
SHAPES = ("square", "cross", "circle", "diagonal")
SOURCES = ("mnist", "fashion", *SHAPES)
NAMED_KERNELS = {
    # a vertical edge is a change from left to right: left column minus right column
    "vertical edge": ((1.0, 0.0, -1.0), (1.0, 0.0, -1.0), (1.0, 0.0, -1.0)),
    "horizontal edge": ((1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (-1.0, -1.0, -1.0)),
    "laplacian": ((0.0, 1.0, 0.0), (1.0, -4.0, 1.0), (0.0, 1.0, 0.0)),
    "blur": ((1 / 9,) * 3,) * 3,
    "sharpen": ((0.0, -1.0, 0.0), (-1.0, 5.0, -1.0), (0.0, -1.0, 0.0)),
}
N_TRAINED = pretrained.N_FILTERS  # first-layer filters of a small CNN trained on MNIST
TRAINED = tuple(f"trained {k + 1}" for k in range(N_TRAINED))
KERNELS = (*NAMED_KERNELS, *TRAINED, "random", "custom")
MAX_SEED = 99
CUSTOM_DEFAULT = "0,0,0;0,1,0;0,0,0"  # the identity: the output is the input


@dataclasses.dataclass(frozen=True)
class FeatureMapState:
    """source: "mnist", "fashion" or a shape; index: the test image (0..9999); kernel: a name
    from KERNELS; custom: the "custom" kernel as "a,b,c;d,e,f;g,h,i"; seed: the "random"
    kernel's seed; stride, pad: the convolution's; row, col: the selected output pixel
    (clamped to the output)."""

    source: str = "mnist"
    index: int = 0
    kernel: str = "vertical edge"
    custom: str = CUSTOM_DEFAULT
    seed: int = 0
    stride: int = 1
    pad: int = 0
    row: int = 14
    col: int = 17


@functools.lru_cache(maxsize=1)
def _mnist():
    images, labels = load_mnist("test", normalize=True)
    images.setflags(write=False)
    return images, labels


@functools.lru_cache(maxsize=1)
def _fashion():
    """Fashion-MNIST's test set, or None when it is not installed."""
    try:
        images, labels = load_fashion_mnist("test", normalize=True)
    except FileNotFoundError:
        return None
    images.setflags(write=False)
    return images, labels


def fashion_available():
    return _fashion() is not None


@functools.lru_cache(maxsize=None)
def shape_image(name):
    """A synthetic 28 x 28 shape in [0, 1]: a filled square, a cross, a ring, a diagonal."""
    r, c = np.mgrid[0:SIZE, 0:SIZE]
    if name == "square":
        img = (r >= 8) & (r < 20) & (c >= 8) & (c < 20)
    elif name == "cross":
        img = ((r >= 12) & (r < 16) & (c >= 4) & (c < 24)) | ((c >= 12) & (c < 16) & (r >= 4)
                                                               & (r < 24))
    elif name == "circle":
        d = np.hypot(r - 13.5, c - 13.5)
        img = (d >= 6.5) & (d <= 9.5)
    else:
        img = (np.abs(r - c) <= 1) & (r >= 3) & (r < 25)
    out = img.astype(np.float64)
    out.setflags(write=False)
    return out


def input_image(state):
    """(image[28, 28] float64 in [0, 1], its caption, a note or "") for the state's source."""
    index = int(np.clip(int(state.index), 0, N_TEST - 1))
    if state.source == "fashion":
        fashion = _fashion()
        if fashion is not None:
            images, labels = fashion
            return (images[index].astype(np.float64),
                    f"Fashion-MNIST test #{index}: {FASHION_CLASSES[labels[index]]}", "")
        note = ("Fashion-MNIST is not installed (Debian: apt-get install "
                "dataset-fashion-mnist); showing MNIST")
    else:
        note = ""
    if state.source in SHAPES:
        return shape_image(state.source), f"synthetic {state.source}", ""
    images, labels = _mnist()
    return images[index].astype(np.float64), f"MNIST test #{index}: digit {labels[index]}", note


def parse_kernel(text):
    """'a,b,c;d,e,f;g,h,i' -> a 3 x 3 float array, or None if it is not 3 rows of 3 numbers."""
    rows = [row for row in re.split(r"[;\n]", str(text).strip()) if row.strip()]
    if len(rows) != K:
        return None
    try:
        values = [[float(v) for v in re.split(r"[,\s]+", row.strip())] for row in rows]
    except ValueError:
        return None
    out = np.array(values, dtype=np.float64) if all(len(v) == K for v in values) else None
    return out if out is not None and np.all(np.isfinite(out)) else None


def training(state):
    """What the View must train before it can draw `state` (the learned filters), or None."""
    if state.kernel in TRAINED and not pretrained.trained_filters.is_cached():
        return pretrained.trained_filters
    return None


def kernel_of(state):
    """(kernel[3, 3] float64, its name for titles, a note or "")."""
    if state.kernel in NAMED_KERNELS:
        return np.array(NAMED_KERNELS[state.kernel]), state.kernel, ""
    if state.kernel in TRAINED:
        filters, _ = pretrained.trained_filters()
        return np.round(filters[TRAINED.index(state.kernel)], 2), f"{state.kernel} (learned)", ""
    if state.kernel == "random":
        rng = np.random.default_rng(int(state.seed))
        return np.round(rng.normal(size=(K, K)), 2), f"random (seed {int(state.seed)})", ""
    parsed = parse_kernel(state.custom)
    if parsed is None:
        return (np.zeros((K, K)), "custom",
                f"could not read {state.custom!r} as 3 rows of 3 numbers: using zeros")
    return parsed, "custom", ""


def _geometry(state):
    stride = int(np.clip(int(state.stride), 1, STRIDES[1]))
    pad = int(np.clip(int(state.pad), 0, PADS[1]))
    n_out = conv_output_size(SIZE, K, stride, pad)
    row = int(np.clip(int(state.row), 0, n_out - 1))
    col = int(np.clip(int(state.col), 0, n_out - 1))
    return stride, pad, n_out, row, col


def feature_map(state):
    """The output Y[n_out, n_out] of conv2d_forward (one image, one filter, bias 0)."""
    image, _, _ = input_image(state)
    kernel, _, _ = kernel_of(state)
    stride, pad, _, _, _ = _geometry(state)
    Y = conv2d_forward(image[None, None], kernel[None, None], np.zeros(1), stride, pad)
    return Y[0, 0]


def selected(state):
    """What the selected output pixel is made of: (row, col, window[3, 3] of the padded input,
    kernel[3, 3], products[3, 3] = window * kernel). The products sum to the output pixel."""
    image, _, _ = input_image(state)
    kernel, _, _ = kernel_of(state)
    stride, pad, _, row, col = _geometry(state)
    padded = np.pad(image, pad)
    window = padded[row * stride:row * stride + K, col * stride:col * stride + K]
    return row, col, window, kernel, window * kernel


def _draw_input(ax, state, image, caption):
    stride, pad, _, row, col = _geometry(state)
    padded = np.pad(image, pad)
    lo, hi = -pad - 0.5, SIZE + pad - 0.5
    ax.imshow(padded, cmap="gray_r", vmin=0.0, vmax=1.0, extent=(lo, hi, hi, lo),
              interpolation="nearest")
    if pad:
        ax.add_patch(Rectangle((-0.5, -0.5), SIZE, SIZE, fill=False, ec="grey", lw=0.8, ls="--"))
    ax.add_patch(Rectangle((col * stride - pad - 0.5, row * stride - pad - 0.5), K, K,
                           fill=False, ec=WARNING, lw=2.2))
    ax.set(xlim=(lo, hi), ylim=(hi, lo), xticks=[], yticks=[])
    padding = f", {pad} px of zero padding" if pad else ""
    ax.set_title(f"{caption}{padding}\nreceptive field of output ({row}, {col})", fontsize=9)


def _draw_kernel(ax, kernel, name):
    v = symmetric_limit(kernel)
    ax.imshow(kernel, cmap=DIVERGING, vmin=-v, vmax=v)
    for (i, j), w in np.ndenumerate(kernel):
        ax.text(j, i, f"{w:.2g}", ha="center", va="center", fontsize=9,
                color="white" if abs(w) > 0.6 * v else "black")
    ax.set(xticks=[], yticks=[])
    ax.set_title(f"kernel: {name}", fontsize=9)


def _draw_output(ax, state, Y):
    stride, pad, n_out, row, col = _geometry(state)
    v = symmetric_limit(Y)
    ax.imshow(Y, cmap=DIVERGING, vmin=-v, vmax=v, interpolation="nearest")
    ax.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, ec=ACCENT, lw=2.2))
    # set, not autoscaled: the output's size follows the stride and padding, and a blitted
    # move draws no axes (the panel stays square)
    ax.set(xlim=(-0.5, n_out - 0.5), ylim=(n_out - 0.5, -0.5), xticks=[], yticks=[])
    ax.set_title(f"feature map {n_out} × {n_out} = ({SIZE} + 2·{pad} − {K}) // {stride} + 1"
                 f"\noutput ({row}, {col}) = {Y[row, col] + 0.0:.4f}", fontsize=9)


def products_text(state):
    """The nine products 'w × x = p' of the selected pixel and their sum, as lines of text."""
    row, col, window, kernel, products = selected(state)
    lines = [" ".join(f"{w:+6.2f}×{x:4.2f}" for w, x in zip(kernel[i], window[i]))
             for i in range(K)]
    lines.append("")
    lines += [" ".join(f"{p + 0.0:+11.4f}" for p in products[i]) for i in range(K)]
    lines.append(f"sum = {products.sum() + 0.0:.4f}")
    return "\n".join(lines)


def _notes(state):
    """What the figure's headline warns about (a missing data set, a kernel that would not
    parse), or nothing."""
    notes = [input_image(state)[2], kernel_of(state)[2]]
    return "; ".join(n for n in notes if n)


def _frame(state):
    """Four panels without ticks: what stays while the image, kernel and pixel change."""
    fig, axes = new_figure(14.0, 4.0, ncols=4, width_ratios=(1.0, 0.55, 1.0, 1.05))
    for ax in axes[:3]:
        ax.set(xticks=[], yticks=[])
    axes[3].set_axis_off()
    return fig


def _maps(fig, state):
    """Input with its receptive field, kernel, feature map, the nine products, the warning."""
    image, caption, _ = input_image(state)
    kernel, name, _ = kernel_of(state)
    a_in, a_k, a_out, a_txt = fig.axes
    _draw_input(a_in, state, image, caption)
    _draw_kernel(a_k, kernel, name)
    _draw_output(a_out, state, feature_map(state))
    row, col = _geometry(state)[3:]
    a_txt.text(0.0, 0.95, f"output ({row}, {col}): kernel × window\n\n" + products_text(state),
               family="monospace", fontsize=9, va="top", ha="left", transform=a_txt.transAxes)
    if _notes(state):
        fig.suptitle(_notes(state), color=WARNING, fontsize=10, fontweight="bold")


# the panels stay square while the stride and padding change their extents (the layer sets
# the limits); a warning changes the layout: a frame with it and one without
PICTURE = Layers(key=lambda state: bool(_notes(state)), static=_frame, dynamic=_maps)


def render(state):
    """Figure of `state`: input with receptive field, kernel, feature map, the nine products."""
    return PICTURE.render(state)


def summary(state):
    """The numbers behind the figure: the input, the kernel, the output shape and the pixel."""
    stride, pad, n_out, row, col = _geometry(state)
    _, caption, _ = input_image(state)
    _, name, _ = kernel_of(state)
    Y = feature_map(state)
    products = selected(state)[4]
    return (f"{caption}, kernel {name}, stride {stride}, pad {pad}: output {n_out}×{n_out}, "
            f"min {Y.min() + 0.0:.4f}, max {Y.max() + 0.0:.4f}; output ({row}, {col}) = "
            f"{Y[row, col] + 0.0:.4f} = sum of 9 products {products.sum() + 0.0:.4f}")


STATIC_KERNELS = ("vertical edge", "horizontal edge", "laplacian", "blur", "sharpen", "random")


def static_figure(index=0, kernels=STATIC_KERNELS):
    """Small multiples: MNIST test image `index` and its feature map under each kernel."""
    fig, axes = new_figure(2.0 * (len(kernels) + 1), 2.5, ncols=len(kernels) + 1, squeeze=False)
    axes = axes[0]
    image, caption, _ = input_image(FeatureMapState(index=index))
    axes[0].imshow(image, cmap="gray_r", vmin=0, vmax=1)
    axes[0].set_title(caption.replace(": ", "\n"), fontsize=9)
    for ax, name in zip(axes[1:], kernels):
        Y = feature_map(FeatureMapState(index=index, kernel=name))
        v = symmetric_limit(Y)
        ax.imshow(Y, cmap=DIVERGING, vmin=-v, vmax=v)
        ax.set_title(f"{name}\n{Y.shape[0]} × {Y.shape[1]}", fontsize=9)
    for ax in axes:
        ax.set(xticks=[], yticks=[])
    return fig


@factory(FeatureMapState)
def feature_maps(source="mnist", index=0, kernel="vertical edge", custom=CUSTOM_DEFAULT, seed=0,
                 stride=1, pad=0, row=14, col=17):
    """The interactive explorer; returns a View."""
    f = "feature_maps"

    def whole(name, value, low, high=None):
        return argument(f, name, value, low=low, high=high, integer=True)

    if not isinstance(custom, str):
        raise ValueError(f"{f}: custom must be a kernel typed as a string "
                         f"\"a,b,c;d,e,f;g,h,i\", got {custom!r}")
    state = FeatureMapState(
        argument(f, "source", source, options=SOURCES), whole("index", index, 0, N_TEST - 1),
        argument(f, "kernel", kernel, options=KERNELS), custom,
        whole("seed", seed, 0, MAX_SEED), whole("stride", stride, *STRIDES),
        whole("pad", pad, *PADS), whole("row", row, 0), whole("col", col, 0))
    n_out = _geometry(state)[2]
    state = dataclasses.replace(state, row=_geometry(state)[3], col=_geometry(state)[4])
    style = {"description_width": "initial"}
    controls = {
        "source": W.Dropdown(options=list(SOURCES), value=source, description="input"),
        "index": W.IntSlider(value=state.index, min=0, max=N_TEST - 1, description="image #",
                             style=style),
        "kernel": W.Dropdown(options=list(KERNELS), value=kernel, description="kernel"),
        "custom": W.Text(value=state.custom, description="custom a,b,c;d,e,f;g,h,i",
                         continuous_update=False, style=style),
        "seed": W.BoundedIntText(value=state.seed, min=0, max=MAX_SEED,
                                 description="random seed", style=style),
        "stride": W.IntSlider(value=state.stride, min=STRIDES[0], max=STRIDES[1],
                              description="stride"),
        "pad": W.IntSlider(value=state.pad, min=PADS[0], max=PADS[1], description="padding"),
        "row": W.IntSlider(value=state.row, min=0, max=n_out - 1, description="output row",
                           style=style),
        "col": W.IntSlider(value=state.col, min=0, max=n_out - 1, description="output col",
                           style=style),
    }
    view = View(render, state, controls, "feature_maps", summary=summary, training=training,
                layers=PICTURE)

    def show_used(_=None):
        # the custom text and the seed matter only for the "custom" and "random" kernels
        controls["custom"].layout.display = None if view.state.kernel == "custom" else "none"
        controls["seed"].layout.display = None if view.state.kernel == "random" else "none"

    controls["kernel"].observe(show_used, names="value")
    show_used()

    def follow_size(change):
        # the pixel sliders span the output, which stride and padding resize
        n = _geometry(view.state)[2]
        for f in ("row", "col"):
            controls[f].max = max(controls[f].max, n - 1)
        clamped = {f: n - 1 for f in ("row", "col") if getattr(view.state, f) > n - 1}
        if clamped:
            view.set(**clamped)  # before the max shrinks, so the sliders move only once
        for f in ("row", "col"):
            controls[f].max = n - 1

    controls["stride"].observe(follow_size, names="value")
    controls["pad"].observe(follow_size, names="value")
    return view

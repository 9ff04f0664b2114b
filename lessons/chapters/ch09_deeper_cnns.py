"""Chapter 09, Deeper CNNs: the counts, networks and experiments of Ekman's Chapter 8.

Counting (exact, no training):
    vgg_stack(n_layers, channels, k=3)       parameters and receptive field of n stacked k x k
                                             layers against one large kernel of the same field
    inception_params(c_in, ...)              an Inception module, naive and with 1 x 1 reductions
    separable_counts(M, N, K, W, H)          normal vs depthwise separable convolution: weights
                                             and multiplies (the book's formula and the strict one)
    resnet34_layers()                        ResNet-34 layer by layer: stages [3, 4, 6, 3],
                                             21,797,672 parameters
Networks and experiments:
    deep_cnn(depth, skip=..., batchnorm=...) a depth-layer CNN on MNIST, plain or residual,
                                             with or without batch norm after each convolution
    train_deep(depth, skip, batchnorm=...)   its loss curve and per-layer gradient norms
    mnist_train_test(n_train, n_test, ...)   the standardized MNIST subsets every run uses

Transfer learning and augmentation: lessons.chapters.ch09_transfer.
"""
import contextlib
from dataclasses import dataclass

import numba
import numpy as np

from lessons.chapters.ch08_cnn import conv_params, dense_params, receptive_field, standardize
from lessons.data import load_mnist, stratified_indices
from lessons.kernels import checks, softmax_cross_entropy
from lessons.layers import (
    BatchNorm, Conv2D, Dense, GlobalAvgPool2D, MaxPool2D, ReLU, Residual, Sequential,
    float_dtype, generator,
)
from lessons.optim import Adam
from lessons.train import Callback, evaluate, fit

# --- counting ------------------------------------------------------------------------------------

def vgg_stack(n_layers, channels, k=3):
    """(stacked parameters, one-kernel parameters, receptive field) for n_layers stride-1
    k x k convolutions of `channels` -> `channels` against a single convolution whose kernel
    covers the same field. Biases included; VGG's argument for 3 x 3 kernels."""
    n_layers, channels, k = (checks.number("vgg_stack", name, v, low=1, integer=True)
                             for name, v in (("n_layers", n_layers), ("channels", channels),
                                             ("k", k)))
    field = receptive_field(n_layers, k)
    return n_layers * conv_params(channels, channels, k), conv_params(channels, channels, field), \
        field


def inception_params(c_in, n1, n3_reduce, n3, n5_reduce, n5, pool_proj):
    """(naive, reduced) parameters of an Inception module over c_in channels (biases
    included). Naive: parallel 1x1 (n1), 3x3 (n3) and 5x5 (n5) convolutions on all c_in
    channels, and a 3x3 max pool that passes c_in channels on. Reduced (GoogLeNet): 1x1
    convolutions down to n3_reduce and n5_reduce channels before the 3x3 and 5x5, and a 1x1
    projection to pool_proj after the pool. Output channels: n1 + n3 + n5 + c_in (naive),
    n1 + n3 + n5 + pool_proj (reduced)."""
    c_in, n1, n3_reduce, n3, n5_reduce, n5, pool_proj = (
        checks.number("inception_params", name, v, low=1, integer=True) for name, v in (
            ("c_in", c_in), ("n1", n1), ("n3_reduce", n3_reduce), ("n3", n3),
            ("n5_reduce", n5_reduce), ("n5", n5), ("pool_proj", pool_proj)))
    naive = conv_params(c_in, n1, 1) + conv_params(c_in, n3, 3) + conv_params(c_in, n5, 5)
    reduced = (conv_params(c_in, n1, 1) + conv_params(c_in, n3_reduce, 1)
               + conv_params(n3_reduce, n3, 3) + conv_params(c_in, n5_reduce, 1)
               + conv_params(n5_reduce, n5, 5) + conv_params(c_in, pool_proj, 1))
    return naive, reduced


@dataclass(frozen=True)
class SeparableCounts:
    """Weights and multiplies of a k x k convolution from M to N channels on a W x H output,
    normal and depthwise separable. `book_*` use Ekman's formulas, which count one kernel of
    M k^2 weights (+1) for the depthwise step; `separable_*` count M kernels of k^2 (+ M
    biases), what a depthwise layer (DepthwiseConv2D) holds."""

    normal_weights: int
    normal_multiplies: int
    book_weights: int
    book_multiplies: int
    separable_weights: int
    separable_multiplies: int


def separable_counts(M, N, K, W, H):
    """Ekman, Chapter 8: normal N (M K^2 + 1) weights and W H N (M K^2 + 1) multiplies
    (the bias counted as a multiply by 1, as the book does); depthwise separable, as the book
    states it, (M K^2 + 1) + (N M + 1) weights and W H (M K^2 + 1) + W H (N M + 1)
    multiplies; strictly (one K x K kernel per input channel) M (K^2 + 1) + N (M + 1)
    weights and W H M K^2 + W H N M multiplies (biases add, they do not multiply)."""
    M, N, K, W, H = (checks.number("separable_counts", name, v, low=1, integer=True)
                     for name, v in zip("MNKWH", (M, N, K, W, H)))
    normal = N * (M * K * K + 1)
    book = (M * K * K + 1) + (N * M + 1)
    return SeparableCounts(normal, W * H * normal, book, W * H * book,
                           M * (K * K + 1) + N * (M + 1), W * H * (M * K * K + N * M))


RESNET34_STAGES = (3, 4, 6, 3)
RESNET34_WIDTHS = (64, 128, 256, 512)
RESNET34_PARAMS = 21_797_672


def resnet34_layers(stages=RESNET34_STAGES, widths=RESNET34_WIDTHS, classes=1000,
                    in_channels=3):
    """ResNet-34 (He et al. 2015) as [(name, parameters)], one row per layer with weights.

    A 7x7/2 convolution to 64 channels, then four stages of basic blocks (two 3 x 3
    convolutions each; stages [3, 4, 6, 3] of 64, 128, 256, 512 channels); the first block of
    stages 2-4 halves the image (stride 2) and its shortcut is a 1 x 1 projection. Every
    convolution is followed by batch norm (2 parameters per channel: scale and shift) and has
    no bias of its own (the batch norm's shift replaces it); a global average pool and a
    1000-way Dense layer end the network.
    """
    rows = []

    def conv_bn(name, c_in, c_out, k):
        rows.append((name, conv_params(c_in, c_out, k) - c_out))  # no bias
        rows.append((name + " bn", 2 * c_out))

    conv_bn("conv1 7x7/2", in_channels, widths[0], 7)
    c_in = widths[0]
    for s, (repeats, width) in enumerate(zip(stages, widths), start=1):
        for r in range(repeats):
            block = f"stage {s} block {r + 1}"
            conv_bn(f"{block} conv a", c_in, width, 3)
            conv_bn(f"{block} conv b", width, width, 3)
            if c_in != width:
                conv_bn(f"{block} projection 1x1", c_in, width, 1)
            c_in = width
    rows.append(("fc", dense_params(c_in, classes)))
    return rows


@contextlib.contextmanager
def one_numba_thread():
    """A `with` block in which Numba's kernels run on one thread. This chapter's networks are
    small (8 channels on 7 x 7 maps): a parallel region costs more than it shares, and on a
    busy machine much more. 16 steps of deep_cnn(20) took 1.4 s on one thread and 17.8 s on
    two, on 2 cores shared with other work (load 10). No result depends on the thread count."""
    saved = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(saved)


# --- deep networks: plain against residual -------------------------------------------------------

BN_MOMENTUM = 0.9  # the running averages of a 189-step run must forget their start (Keras: 0.99)


def deep_cnn(depth=20, *, skip, batchnorm=False, width=8, seed=0, dtype=np.float64,
             branch_scale=None):
    """A CNN with `depth` layers that have weights (depth even, >= 4), for 1 x 28 x 28 images:

        Conv2D(1 -> width, 3x3, stride 2, pad 1) -> ReLU -> MaxPool 2        28 -> 7 pixels
        (depth - 2) / 2 blocks of [Conv2D 3x3 -> ReLU -> Conv2D 3x3] (+ shortcut) -> ReLU
        GlobalAvgPool2D -> Dense(width -> 10)

    All convolutions start He-normal; the second convolution of each block is then scaled by
    branch_scale (default 1 / sqrt(blocks)): without batch norm, every residual block would
    otherwise add its full variance to the signal, which grows with depth (Fixup, Zhang et al.
    2019, scales the same way). skip=True adds each block's input to its output (Residual);
    skip=False is the same network, with the same initial weights, without the shortcuts.
    batchnorm=True puts a BatchNorm (over the channels, momentum BN_MOMENTUM) after every
    convolution, before its ReLU and before the shortcut's addition, as ResNet does; the
    convolutions draw the same initial weights either way. Batch norm layers have weights
    (a scale and a shift per channel) but do not count as layers of the depth.
    """
    f = "deep_cnn"
    depth = checks.number(f, "depth", depth, low=4, integer=True)
    if depth % 2:
        raise ValueError(f"{f}: depth must be even (a stem, blocks of 2 convolutions and a "
                         f"Dense layer), got {depth}")
    width = checks.number(f, "width", width, low=1, integer=True)
    skip = checks.flag(f, "skip", skip)
    batchnorm = checks.flag(f, "batchnorm", batchnorm)
    blocks = (depth - 2) // 2
    scale = 1 / np.sqrt(blocks) if branch_scale is None else checks.number(
        f, "branch_scale", branch_scale, low=0.0)
    rng = generator(f, seed, None)
    dtype = float_dtype(f, dtype)

    def normed(conv):
        return [conv, BatchNorm(width, momentum=BN_MOMENTUM, dtype=dtype)] if batchnorm \
            else [conv]

    layers = [*normed(Conv2D(1, width, 3, stride=2, pad=1, init="he", rng=rng, dtype=dtype)),
              ReLU(), MaxPool2D(2)]
    for _ in range(blocks):
        second = Conv2D(width, width, 3, pad=1, init="he", rng=rng, dtype=dtype)
        second.K *= scale
        branch = [*normed(Conv2D(width, width, 3, pad=1, init="he", rng=rng, dtype=dtype)),
                  ReLU(), *normed(second)]
        layers += [Residual(branch, skip=skip), ReLU()]
    layers += [GlobalAvgPool2D(), Dense(width, 10, init="glorot", rng=rng, dtype=dtype)]
    return Sequential(layers)


def weight_layers(model):
    """The layers with weights (Conv2D, Dense, ...), first to last, also inside Residual
    blocks: the ones the depth of a network counts (not BatchNorm's scales and shifts)."""
    found = []
    for layer in model.layers:
        if isinstance(layer, Residual):
            found += weight_layers(layer.branch)
        elif layer.params() and not isinstance(layer, BatchNorm):
            found.append(layer)
    return found


def gradient_norms(model):
    """The norm of each weight layer's weight gradient (K or W, biases left out), first layer
    first: what the last backward left in grads()."""
    return np.array([np.linalg.norm(layer.grads()[0]) for layer in weight_layers(model)])


class GradientNorms(Callback):
    """Records gradient_norms(model) after every `every`-th batch into self.norms
    [records, layers] and the batch number into self.batches."""

    def __init__(self, every=1):
        self.every = every
        self.norms, self.batches, self._count = [], [], 0

    def on_train_begin(self, state):
        self.norms, self.batches, self._count = [], [], 0

    def on_batch_end(self, state):
        self._count += 1
        if self._count % self.every == 0:
            self.norms.append(gradient_norms(state.model))
            self.batches.append(self._count)


class LossPerBatch(Callback):
    """Records the loss on a fixed probe set (X, y) before training and after every
    `every`-th step: a smoother curve than single batches, more often than fit's epochs."""

    def __init__(self, X, y, every=10):
        self.X, self.y, self.every = X, y, every
        self.losses, self.batches, self._count = [], [], 0

    def on_train_begin(self, state):
        self.losses, self.batches, self._count = [], [], 0
        self._record(state)

    def _record(self, state):
        self.losses.append(evaluate(state.model, softmax_cross_entropy, self.X, self.y)[0])
        self.batches.append(self._count)

    def on_batch_end(self, state):
        self._count += 1
        if self._count % self.every == 0:
            self._record(state)



def mnist_train_test(n_train, n_test, *, seed=0, digits=None, dtype=np.float64):
    """(X, y, X_test, y_test): class-balanced MNIST samples, standardized with the training
    sample's mean and std, as [n, 1, 28, 28]. digits: keep only these digits (labels stay
    the digits themselves)."""
    out = []
    mean = std = None
    for kind, n in (("train", n_train), ("test", n_test)):
        images, labels = load_mnist(kind)
        if digits is not None:
            keep = np.isin(labels, digits)
            images, labels = images[keep], labels[keep]
        rows = stratified_indices(labels, n, seed=seed)
        images, labels = images[rows], labels[rows]
        if mean is None:
            mean, std = float(images.mean()), float(images.std())
        out += [standardize(images, mean, std, dtype=dtype), labels]
    return tuple(out)


@dataclass
class DeepRun:
    """One training run of deep_cnn: probe losses every `every` steps (first at step 0), the
    gradient norm of each weight layer at the same steps, and the final test accuracy."""

    depth: int
    skip: bool
    batchnorm: bool
    batches: list
    losses: list
    norms: np.ndarray  # [records, weight layers]
    test_accuracy: float


def train_deep(depth, skip, *, batchnorm=False, n_train=2000, epochs=3, batch_size=32,
               lr=3e-3, seed=0, every=8, width=8, branch_scale=None, data=None):
    """Train deep_cnn(depth, skip, batchnorm) with Adam(lr) and record a DeepRun: the loss on
    100 training images and every layer's gradient norm every `every` steps (the losses in
    inference mode: with batch norm, through its running averages).
    data: (X, y, X_test, y_test) to reuse, else mnist_train_test(n_train, 500)."""
    X, y, X_test, y_test = data if data is not None else mnist_train_test(n_train, 500)
    model = deep_cnn(depth, skip=skip, batchnorm=batchnorm, width=width, seed=seed,
                     branch_scale=branch_scale)
    losses = LossPerBatch(X[:100], y[:100], every=every)
    norms = GradientNorms(every=every)
    with one_numba_thread():
        fit(model, softmax_cross_entropy, Adam(lr), X, y, epochs=epochs,
            batch_size=batch_size, seed=seed, callbacks=[losses, norms], progress=False)
        accuracy = evaluate(model, softmax_cross_entropy, X_test, y_test)[1]
    first = np.zeros(len(weight_layers(model)))  # no gradient yet at step 0
    return DeepRun(depth, skip, batchnorm, losses.batches, losses.losses,
                   np.array([first] + norms.norms), accuracy)

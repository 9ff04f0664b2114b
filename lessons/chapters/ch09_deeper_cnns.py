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
    small_cnn(classes)                       the small CNN of the transfer and augmentation runs
    transfer_run(...)                        digits 0-4 -> 5-9: from scratch, frozen, fine-tuned
    augmentation_run(...), leakage_run(...)
    draw_augmentation(rng, n, ...)           the random transforms, drawn in Python
"""
import contextlib
import copy
from dataclasses import dataclass

import numba
import numpy as np

from lessons.chapters.ch08_cnn import conv_params, dense_params, receptive_field, standardize
from lessons.data import load_mnist, stratified_indices
from lessons.kernels import augment_images, checks, softmax_cross_entropy
from lessons.layers import (
    BatchNorm, Conv2D, Dense, Flatten, GlobalAvgPool2D, Layer, MaxPool2D, ReLU, Residual,
    Sequential, float_dtype, generator,
)
from lessons.optim import Adam
from lessons.train import Callback, evaluate, fit

# --- counting ------------------------------------------------------------------------------------

def vgg_stack(n_layers, channels, k=3):
    """(stacked parameters, one-kernel parameters, receptive field) for n_layers stride-1
    k x k convolutions of `channels` -> `channels` against a single convolution whose kernel
    covers the same field. Biases included; VGG's argument for 3 x 3 kernels."""
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


# --- transfer learning and augmentation ----------------------------------------------------------

class Frozen(Layer):
    """A layer whose weights no optimizer sees: forward and backward as the layer's, params()
    and grads() empty. Transfer learning freezes the pretrained layers this way."""

    def __init__(self, layer):
        self.layer, self.name = layer, None

    numba_threads = True

    def forward(self, X, training=False):
        return self.layer.forward(X, training=training)

    def backward(self, dY):
        return self.layer.backward(dY)

    def output_shape(self, input_shape):
        return self.layer.output_shape(input_shape)

    def __repr__(self):
        return f"Frozen({self.layer!r})"


def small_cnn(classes=10, *, width=8, seed=0, dtype=np.float64):
    """Conv2D(1 -> width, 3x3, pad 1) -> ReLU -> MaxPool 2 -> Conv2D(width -> 2 width) -> ReLU
    -> MaxPool 2 -> Flatten -> Dense(2 width * 7 * 7 -> classes). The 'features' are all but
    the last layer."""
    rng = generator("small_cnn", seed, None)
    return Sequential([
        Conv2D(1, width, 3, pad=1, init="he", rng=rng, dtype=dtype), ReLU(), MaxPool2D(2),
        Conv2D(width, 2 * width, 3, pad=1, init="he", rng=rng, dtype=dtype), ReLU(),
        MaxPool2D(2), Flatten(),
        Dense(2 * width * 49, classes, init="glorot", rng=rng, dtype=dtype),
    ])


def with_new_head(model, classes, *, freeze, seed=0):
    """A copy of the layers of `model` but its last (frozen or not), and a new Dense head for
    `classes` classes: a pretrained network reused for another task. `model` itself is left
    as it was, so several runs can start from the same pretrained weights."""
    body = copy.deepcopy(model.layers[:-1])
    old = model.layers[-1]
    head = Dense(old.n_in, classes, init="glorot", seed=seed, dtype=old.W.dtype)
    return Sequential([Frozen(layer) if freeze else layer for layer in body] + [head])


def unfrozen(model):
    """The same layers (the same objects, weights and all) with every Frozen one thawed."""
    return Sequential([layer.layer if isinstance(layer, Frozen) else layer
                       for layer in model.layers])


def train_adam(model, X, y, *, epochs, seed, lr=1e-3, batch_size=32):
    """fit with softmax cross-entropy and Adam(lr), on one Numba thread, no progress bar:
    how this chapter trains its small networks."""
    with one_numba_thread():
        return fit(model, softmax_cross_entropy, Adam(lr), X, y, epochs=epochs,
                   batch_size=batch_size, seed=seed, progress=False)


TRANSFER_WAYS = ("scratch", "frozen", "fine-tuned", "fine-tuned at once")


def transfer_run(*, n_pretrain=4000, n_labelled=500, n_test=1000, pretrain_epochs=3,
                 epochs=4, lr=1e-3, head_lr=1e-2, tune_lr=5e-4, seed=0):
    """Pretrain small_cnn on n_pretrain images of the digits 0-4 (pretrain_epochs, Adam(lr)),
    then learn the digits 5-9 from n_labelled images, `epochs` epochs each way:

        "scratch"             a fresh small_cnn, Adam(lr);
        "frozen"              the pretrained layers frozen (Frozen), only a new Dense head
                              learns, Adam(head_lr): 785 x 5 weights can take a large rate;
        "fine-tuned"          the usual recipe: the head first, as "frozen", for epochs // 2
                              epochs, then every layer at the lower rate tune_lr;
        "fine-tuned at once"  every layer from the start at lr, the new head still random.

    Returns {way: test accuracy on n_test test images of 5-9}."""
    Xa, ya, _, _ = mnist_train_test(n_pretrain, 10, seed=seed, digits=[0, 1, 2, 3, 4])
    Xb, yb, Xb_test, yb_test = mnist_train_test(n_labelled, n_test, seed=seed + 1,
                                                digits=[5, 6, 7, 8, 9])
    yb, yb_test = yb - 5, yb_test - 5
    pretrained = small_cnn(5, seed=seed)
    train_adam(pretrained, Xa, ya, epochs=pretrain_epochs, seed=seed, lr=lr)
    models = {"scratch": small_cnn(5, seed=seed + 1)}
    train_adam(models["scratch"], Xb, yb, epochs=epochs, seed=seed, lr=lr)
    models["frozen"] = with_new_head(pretrained, 5, freeze=True, seed=seed + 1)
    train_adam(models["frozen"], Xb, yb, epochs=epochs, seed=seed, lr=head_lr)
    head_first = with_new_head(pretrained, 5, freeze=True, seed=seed + 1)
    train_adam(head_first, Xb, yb, epochs=epochs // 2, seed=seed, lr=head_lr)
    models["fine-tuned"] = unfrozen(head_first)
    train_adam(models["fine-tuned"], Xb, yb, epochs=epochs - epochs // 2, seed=seed + 1,
               lr=tune_lr)
    models["fine-tuned at once"] = with_new_head(pretrained, 5, freeze=False, seed=seed + 1)
    train_adam(models["fine-tuned at once"], Xb, yb, epochs=epochs, seed=seed, lr=lr)
    return {way: evaluate(models[way], softmax_cross_entropy, Xb_test, yb_test)[1]
            for way in TRANSFER_WAYS}


def draw_augmentation(rng, n, *, max_shift=2.0, max_degrees=10.0, flip=False):
    """(angles[n], shifts[n, 2], flips[n]) drawn from the np.random.Generator rng: angles
    uniform in +-max_degrees, shifts uniform whole pixels in +-max_shift (down, right),
    flips with probability 1/2 if flip (never for digits: a mirrored 3 is no 3)."""
    f = "draw_augmentation"
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{f}: rng must be a np.random.Generator, got {type(rng).__name__}")
    n = checks.number(f, "n", n, low=1, integer=True)
    max_shift = checks.number(f, "max_shift", max_shift, low=0.0)
    max_degrees = checks.number(f, "max_degrees", max_degrees, low=0.0, high=180.0)
    angles = rng.uniform(-max_degrees, max_degrees, n)
    shifts = rng.integers(-int(max_shift), int(max_shift) + 1, (n, 2)).astype(np.float64)
    flips = rng.integers(0, 2, n).astype(bool) if checks.flag(f, "flip", flip) else \
        np.zeros(n, bool)
    return angles, shifts, flips


def augment(X, rng, **limits):
    """X[n, 1, H, W] with one random transform per image (draw_augmentation's limits)."""
    angles, shifts, flips = draw_augmentation(rng, len(X), **limits)
    return augment_images(X[:, 0], angles, shifts, flips)[:, None].astype(X.dtype)


def augmentation_run(*, n_train=500, n_test=1000, epochs=5, seed=0):
    """Test accuracy of small_cnn trained on n_train MNIST images as they are, and on the
    same images plus one fresh random variant of each, drawn every epoch (shift +-2 pixels,
    rotation +-10 degrees). Returns {"plain": accuracy, "augmented": accuracy}."""
    X, y, X_test, y_test = mnist_train_test(n_train, n_test, seed=seed)
    background = float(X.min())  # standardized 0 pixel: what the border must be filled with
    results = {}
    plain = small_cnn(10, seed=seed)
    train_adam(plain, X, y, epochs=epochs, seed=seed)
    results["plain"] = evaluate(plain, softmax_cross_entropy, X_test, y_test)[1]
    model = small_cnn(10, seed=seed)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        Xa = augment(X - background, rng) + background
        train_adam(model, np.concatenate([X, Xa]), np.concatenate([y, y]), epochs=1,
               seed=seed + epoch)
    results["augmented"] = evaluate(model, softmax_cross_entropy, X_test, y_test)[1]
    return results


def leakage_run(*, n=200, copies=4, n_test=1000, epochs=5, seed=0):
    """The leakage trap. n digits, each with `copies` augmented variants (shift +-1 pixel,
    rotation +-5 degrees: near-copies), n (copies + 1) images; train small_cnn on 80 % of
    them and validate on the rest, split two ways:
    "augment, then split" (the images split at random: variants of one digit on both
    sides) and "split, then augment" (the n digits split first, each with its variants).
    Returns {way: (validation accuracy, accuracy on n_test real test digits)}."""
    X, y, X_test, y_test = mnist_train_test(n, n_test, seed=seed)
    background = float(X.min())
    rng = np.random.default_rng(seed)
    variants = [X] + [augment(X - background, rng, max_shift=1, max_degrees=5) + background
                      for _ in range(copies)]
    X_all, y_all = np.concatenate(variants), np.tile(y, copies + 1)
    digit = np.tile(np.arange(n), copies + 1)  # which original each image comes from
    n_val_digits = n // 5
    val_digits = rng.permutation(n)[:n_val_digits]
    splits = {"augment, then split": rng.permutation(len(X_all))[:n_val_digits * (copies + 1)],
              "split, then augment": np.flatnonzero(np.isin(digit, val_digits))}
    results = {}
    for way, val in splits.items():
        train = np.setdiff1d(np.arange(len(X_all)), val)
        model = small_cnn(10, seed=seed)
        train_adam(model, X_all[train], y_all[train], epochs=epochs, seed=seed)
        results[way] = (evaluate(model, softmax_cross_entropy, X_all[val], y_all[val])[1],
                        evaluate(model, softmax_cross_entropy, X_test, y_test)[1])
    return results

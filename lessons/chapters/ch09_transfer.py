"""Chapter 09, Deeper CNNs: transfer learning and data augmentation (Ekman's Chapter 8).

    small_cnn(classes)                       the small CNN of the transfer and augmentation runs
    Frozen(layer), with_new_head, unfrozen   pretrained layers frozen, a new head, thawed again
    transfer_run(...)                        digits 0-4 -> 5-9: from scratch, frozen, fine-tuned
    draw_augmentation(rng, n, ...)           the random transforms, drawn in Python
    augmentation_run(...), leakage_run(...)  augmentation's effect, and the leak of augmenting
                                             before the split

The data come from lessons.chapters.ch09_deeper_cnns.mnist_train_test.
"""
import copy

import numpy as np

from lessons.chapters.ch09_deeper_cnns import mnist_train_test, one_numba_thread
from lessons.kernels import augment_images, checks, softmax_cross_entropy
from lessons.layers import Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU, Sequential, generator
from lessons.optim import Adam
from lessons.train import evaluate, fit


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

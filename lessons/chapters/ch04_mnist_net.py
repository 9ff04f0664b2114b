"""Chapter 04, Multiclass Classification: Ekman's MNIST net.

The Python side of the 784-25-10 network (tanh hidden layer, logistic outputs, half sum of
squared errors): seeded initial weights, standardized inputs and one-hot targets, and a fit
loop that draws every epoch's order from a seeded generator and calls the fused kernels of
lessons.kernels.mlp. Measured on this course's 2-core machines (float32, one core): an epoch
over the 60,000 training images takes about 0.25 s, and after one epoch at lr 0.01 the test
accuracy was 0.9149-0.9185 for seeds 0-4 (the book printed 0.9157 for its seed; float64
agrees within 0.0003).
"""
from typing import NamedTuple

import numpy as np

from lessons.kernels import checks
from lessons.kernels import mlp_minibatch_epoch, mlp_predict, mlp_sgd_epoch
from lessons.train import History, progress_bar

# The book's network and run (Snippets 4-3 to 4-8).
N_INPUTS, N_HIDDEN, N_OUTPUTS = 784, 25, 10
BOOK_LR = 0.01
BOOK_EPOCH1_TEST_ACCURACY = 0.9157  # printed for "epoch no 0" with np.random.seed(7)
INIT_RANGE = 0.1  # weights start uniform in (-0.1, 0.1), biases at 0


class Prepared(NamedTuple):
    """Network-ready data: X[n, 784] standardized, T[n, 10] one-hot, the labels[n] they came
    from, and the (mean, std) used, which the test set must reuse."""

    X: np.ndarray
    T: np.ndarray
    labels: np.ndarray
    mean: float
    std: float


def init_weights(seed, n_inputs=N_INPUTS, n_hidden=N_HIDDEN, n_outputs=N_OUTPUTS,
                 dtype=np.float32):
    """(W1[n_hidden, n_inputs + 1], W2[n_outputs, n_hidden + 1]): U(-0.1, 0.1), biases 0.

    Column 0 of each matrix holds the bias weights, which start at zero as in the book's
    layer_w. Drawn from np.random.default_rng(seed): W1 first, then W2.
    """
    f = "init_weights"
    seed = checks.number(f, "seed", seed, low=0, integer=True)
    sizes = [checks.number(f, name, value, low=1, integer=True) for name, value in
             (("n_inputs", n_inputs), ("n_hidden", n_hidden), ("n_outputs", n_outputs))]
    if np.dtype(dtype) not in checks.FLOATS:
        raise TypeError(f"{f}: dtype must be float32 or float64, got {np.dtype(dtype)}")
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = np.zeros((n_out, n_in + 1), dtype=dtype)
        W[:, 1:] = rng.uniform(-INIT_RANGE, INIT_RANGE, size=(n_out, n_in))
        weights.append(W)
    return tuple(weights)


def one_hot(labels, n_classes=N_OUTPUTS, dtype=np.float32):
    """T[n, n_classes]: row i is all 0 except a 1 in column labels[i]."""
    n_classes = checks.number("one_hot", "n_classes", n_classes, low=1, integer=True)
    labels = checks.labels("one_hot", "labels", labels, n_classes=n_classes)
    T = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    T[np.arange(labels.shape[0]), labels] = 1
    return T


def prepare(images, labels, mean=None, std=None, dtype=np.float32):
    """Images[n, 28, 28] (or [n, 784]) and labels[n] -> Prepared(X, T, labels, mean, std).

    X = (pixels - mean) / std with ONE scalar mean and std over all pixels, as the book does.
    Leave mean and std as None for the training set (they are computed from it); pass the
    training set's for the test set: statistics taken from test data would leak it into
    training.

    The numbers are NumPy's own (`pixels.mean()`, `pixels.std()`, then subtract and divide),
    bit for bit, but computed in one float64 copy of the pixels: for the 60,000 training
    images that is 376 MB at the peak instead of 752 MB (see `sum_of_squares`).
    """
    f = "prepare"
    given = images
    images = checks.array(f, "images", images, ndim=None, dtype=np.float64,
                            shape="[n, rows, cols] or [n, pixels]")
    if images.ndim not in (2, 3):
        raise ValueError(f"{f}: images must be [n, rows, cols] or [n, pixels], "
                         f"got shape {images.shape}")
    labels = checks.labels(f, "labels", labels, n_classes=N_OUTPUTS)
    if labels.shape[0] != images.shape[0]:
        raise ValueError(f"{f}: {labels.shape[0]} labels for {images.shape[0]} images")
    if (mean is None) != (std is None):
        raise ValueError(f"{f}: give both mean and std (the training set's), or neither")
    # the caller's images are never modified: X is our own float64 copy
    X = images.reshape(images.shape[0], -1)
    if np.shares_memory(X, given):
        X = X.copy()
    if mean is None:
        mean = float(X.mean())
        X -= mean  # np.std subtracts the same float64 mean, element by element
        std = float(np.sqrt(sum_of_squares(X.reshape(-1)) / X.size))
    else:
        mean = checks.number(f, "mean", mean)
        X -= mean
    std = checks.number(f, "std", std, low=0.0, low_open=True)
    X /= std
    X = X.astype(dtype, copy=False)
    return Prepared(X, one_hot(labels, dtype=dtype), labels, mean, std)


def sum_of_squares(x, leaf=1 << 16):
    """np.add.reduce(x * x) for a contiguous 1-D float64 x, bit for bit, with no x-sized
    temporary. NumPy sums pairwise: a block longer than 128 splits at n // 2, rounded down to
    a multiple of 8, and each half is summed the same way. Splitting exactly there down to
    `leaf` elements (at least 128: NumPy sums a block of up to 128 in one go) and letting
    NumPy sum each leaf performs the very same additions (tests/chapters/ch04 checks it
    against np.add.reduce on MNIST and on random lengths; nbval's two runs check chapter 04's
    printed numbers, which depend on it, on two instruction sets).
    """
    n = x.shape[0]
    if n <= leaf:
        return np.add.reduce(x * x)
    half = n // 2
    half -= half % 8
    return sum_of_squares(x[:half], leaf) + sum_of_squares(x[half:], leaf)


def check_prepared(func, name, data):
    """data, if it is the Prepared data prepare() returns; else a TypeError naming func and
    name (raw arrays would reach the kernels unstandardized and without one-hot targets)."""
    if not isinstance(data, Prepared):
        raise TypeError(f"{func}: {name} must be the Prepared data prepare() returns, "
                        f"got {type(data).__name__}")
    return data


def network_accuracy(W1, W2, data):
    """Fraction of data.X whose predicted digit (argmax of the outputs) equals its label."""
    data = check_prepared("network_accuracy", "data", data)
    return float(np.mean(mlp_predict(W1, W2, data.X) == data.labels))


def fit(W1, W2, train, test, *, epochs, lr=BOOK_LR, seed=0, batch_size=1, average_both=True,
        progress=True):
    """Train W1, W2 in place for `epochs` epochs; returns a lessons.train.History whose
    `accuracy` is the training accuracy of each epoch, counted during the pass (before each
    update, as the book does), and `val_accuracy` the accuracy on `test` after the epoch.

    train, test: Prepared data (see prepare). Every epoch visits the training rows in the
    order np.random.default_rng(seed).permutation(n) draws next, so a seed fixes the run.
    batch_size=1 is the book's per-example rule (Chapter 4); larger sizes are Appendix F's
    minibatches, which skip the last n % batch_size rows of each epoch, and
    average_both=False reproduces the appendix's code, which averages only the output
    layer's gradient. The progress bar (tqdm) advances once per epoch and shows the latest
    accuracies; progress=False, or TQDM_DISABLE=1 in the environment, hides it (the rule of
    lessons.train.progress).
    """
    f = "fit"
    epochs = checks.number(f, "epochs", epochs, low=1, integer=True)
    seed = checks.number(f, "seed", seed, low=0, integer=True)
    batch_size = checks.number(f, "batch_size", batch_size, low=1, integer=True)
    train, test = check_prepared(f, "train", train), check_prepared(f, "test", test)
    n = train.X.shape[0]
    counted = n if batch_size == 1 else (n // batch_size) * batch_size
    rng = np.random.default_rng(seed)
    history = History(metrics=("accuracy", "val_accuracy"))
    bar = progress_bar(range(1, epochs + 1), progress=progress, desc="epochs", unit="epoch")
    for epoch in bar:
        order = rng.permutation(n)
        if batch_size == 1:
            n_correct = mlp_sgd_epoch(W1, W2, train.X, train.T, order, lr)
        else:
            n_correct = mlp_minibatch_epoch(W1, W2, train.X, train.T, order, batch_size, lr,
                                            average_both)
        history.record(epoch, {"accuracy": n_correct / counted,
                               "val_accuracy": network_accuracy(W1, W2, test)})
        bar.set_postfix(train=f"{history.accuracy[-1]:.4f}",
                        test=f"{history.val_accuracy[-1]:.4f}")
    return history

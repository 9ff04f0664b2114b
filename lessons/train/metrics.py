"""Chapter 04, Multiclass Classification: judging a classifier.

    accuracy(output, targets)             the fraction of outputs that name the right class

    confusion_matrix(labels, predicted)   C[k, j] = how many examples of class k were called j
    class_frequencies(labels)             p[k], the fraction of examples in class k
    shuffled_label_accuracy(labels)       sum_k p[k]^2, the accuracy of guessing by shuffling

The last one is the baseline any classifier must beat (Chollet, section 3.5): predictions that
carry no information about the example, drawn with the class frequencies p (for instance the
labels themselves, shuffled), agree with the true label with probability sum_k p[k]^2.
For the 10 nearly balanced MNIST digits that is about 0.10; for a skewed problem it is higher
(Chollet's 46 Reuters topics: 0.19), which is why "better than 1 / k" is not the bar.
"""
import numpy as np

from lessons.kernels import checks


def _n_classes(func, n_classes):
    if n_classes is None:
        return None
    return checks.number(func, "n_classes", n_classes, low=1, integer=True)


def confusion_matrix(labels, predicted, n_classes=None):
    """C[n_classes, n_classes] (int64): C[k, j] counts the examples of true class k that were
    predicted as j.

    Row k sums to the number of examples of class k; the diagonal holds the correct ones, so
    trace(C) / n is the accuracy. n_classes defaults to 1 + the largest class seen.
    """
    f = "confusion_matrix"
    n_classes = _n_classes(f, n_classes)
    labels = checks.labels(f, "labels", labels, n_classes=n_classes)
    predicted = checks.labels(f, "predicted", predicted, n_classes=n_classes)
    if predicted.shape != labels.shape:
        raise ValueError(f"{f}: {labels.shape[0]} labels but {predicted.shape[0]} predictions "
                         f"(one prediction per example)")
    k = n_classes or int(max(labels.max(), predicted.max())) + 1
    return np.bincount(labels * k + predicted, minlength=k * k).reshape(k, k)


def class_frequencies(labels, n_classes=None):
    """p[n_classes]: the fraction of the labels in each class (sums to 1)."""
    f = "class_frequencies"
    n_classes = _n_classes(f, n_classes)
    labels = checks.labels(f, "labels", labels, n_classes=n_classes)
    return np.bincount(labels, minlength=n_classes or 0) / labels.shape[0]


def shuffled_label_accuracy(labels, n_classes=None):
    """sum_k p[k]^2: the expected accuracy of predictions that know nothing about the input
    and are distributed like `labels` (for example the same labels, shuffled)."""
    p = class_frequencies(labels, n_classes)
    return float(np.sum(p * p))


def accuracy(output, targets):
    """Fraction of correct predictions (Chapter 04) of output[B, ...] against targets with
    B rows: argmax of each output row against integer labels 0..K-1 or one-hot rows; for 0/1
    targets, output > 0.5 against the target."""
    f = "accuracy"
    output = checks.array(f, "output", output, ndim=None, shape="[B, ...]")
    if output.ndim == 0:
        raise ValueError(f"{f}: output must be [B, ...], one row per example, got a scalar")
    targets = checked_targets(f, "targets", targets, len(output), "output", output.dtype)
    kind = target_kind(f, output.shape, targets, "targets", "output")
    if kind is None:
        raise ValueError(f"{f}: targets of shape {targets.shape} are not classes for an "
                         f"output of shape {output.shape} (expected integer labels [B], "
                         f"one-hot rows or 0/1 values)")
    c, j = count_correct(output, targets, kind)
    return c / j


def count_correct(out, y, kind):
    """(number correct, number judged) for one batch."""
    if kind == "labels":
        return int(np.sum(np.argmax(out, axis=1) == y)), len(y)
    if kind == "onehot":
        return int(np.sum(np.argmax(out, axis=1) == np.argmax(y, axis=1))), len(y)
    out, y = out.reshape(len(out), -1), y.reshape(len(y), -1)  # "binary": 0/1 per output
    return int(np.sum((out > 0.5) == (y > 0.5))), y.size


def checked_targets(func, name, y, n, x_name, dtype):
    """y with one target per row of x_name (n rows): integer labels as they are, any other
    targets as a checked float array of `dtype`."""
    checked = checks.array(func, name, y, ndim=None, shape="[n, ...]", dtype=dtype)
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        y = checked
    if y.ndim == 0 or len(y) != n:
        raise ValueError(f"{func}: {x_name} has {n} rows but {name} has "
                         f"{'no rows' if y.ndim == 0 else len(y)} (one target per example)")
    return y


def kind_of(out_shape, y):
    """'labels', 'onehot', 'binary' or None (regression) for outputs [B, ...] and targets y."""
    width = out_shape[1] if len(out_shape) == 2 else None
    if np.issubdtype(y.dtype, np.integer) and y.ndim == 1 and width and width >= 2:
        return "labels"
    if not np.all((y == 0) | (y == 1)):
        return None
    if y.ndim == 2 and y.shape[1:] == out_shape[1:] and width >= 2 and np.all(y.sum(axis=1) == 1):
        return "onehot"
    if y[0].size == int(np.prod(out_shape[1:])):  # one 0/1 target per output value
        return "binary"
    return None


def target_kind(func, out_shape, y, y_name, out_name):
    """kind_of, and for class labels a check that each indexes a column of the output."""
    kind = kind_of(out_shape, y)
    if kind == "labels" and (y.min() < 0 or y.max() >= out_shape[1]):
        raise ValueError(f"{func}: {y_name} holds class labels in [{y.min()}, {y.max()}] but "
                         f"{out_name} has {out_shape[1]} columns, so labels must be "
                         f"0..{out_shape[1] - 1}")
    return kind

"""Chapter 04, Fully Connected Networks Applied to Multiclass Classification: judging a classifier.

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

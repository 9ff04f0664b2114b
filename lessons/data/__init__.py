"""Datasets. Nothing here touches the network.

- `toy`: logic gates and blobs for the perceptron (bias column, targets -1/+1).
- `generators`: seeded 2-D problems (XOR, moons, circles, spirals) with labels 0..k-1.
- `sklearn_sets`: scikit-learn's bundled digits, iris, breast cancer, diabetes; `standardize`.
- `mnist`: the full MNIST shipped in the package, Fashion-MNIST, any IDX folder.
- `idx`: the IDX file reader behind them.
"""
from lessons.data.generators import circles, moons, spirals, xor_points
from lessons.data.idx import read_idx
from lessons.data.mnist import (
    FASHION_CLASSES,
    load_fashion_mnist,
    load_idx_dataset,
    load_mnist,
    mnist_subset,
    stratified_indices,
)
from lessons.data.sklearn_sets import breast_cancer, diabetes, digits, iris, standardize
from lessons.data.toy import GATES, blobs, gate

__all__ = [
    "GATES", "gate", "blobs",
    "xor_points", "moons", "circles", "spirals",
    "digits", "iris", "breast_cancer", "diabetes", "standardize",
    "read_idx", "load_idx_dataset", "load_mnist", "load_fashion_mnist", "mnist_subset",
    "stratified_indices", "FASHION_CLASSES",
]
from lessons.data.sales import BOOK_MONTHS, load_book_sales  # noqa: E402  Chapter 10
from lessons.data.text import PLAYS, load_play  # noqa: E402  Chapter 11

__all__ += ["BOOK_MONTHS", "load_book_sales", "PLAYS", "load_play"]

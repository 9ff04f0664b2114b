"""scikit-learn's bundled data sets as plain arrays, and standardisation done right.

Chapter 04 (digits as a small MNIST) and Chapter 06, Regression and Regularization
(diabetes, the stand-in for Boston housing). The data ship inside the
scikit-learn wheel, so nothing is downloaded; scikit-learn is imported only when a loader is
first called (it takes about a second).

`standardize` computes the mean and standard deviation on the *training* rows only and applies
those same numbers to validation and test rows: statistics taken from the test set would leak
information about it into training.
"""
import numpy as np

from lessons.kernels import checks


def digits(*, images=False):
    """1,797 handwritten digits of 8 x 8 pixels (values 0..16): (X[1797, 64] or [1797, 8, 8], y).

    y holds the digits 0..9 (int64).
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = bunch.images if checks.flag("digits", "images", images) else bunch.data
    return np.array(X, dtype=np.float64), np.array(bunch.target, dtype=np.int64)


def iris():
    """Fisher's iris flowers: X[150, 4] (sepal/petal length and width in cm), y[150] in 0..2."""
    from sklearn.datasets import load_iris

    bunch = load_iris()
    return np.array(bunch.data, dtype=np.float64), np.array(bunch.target, dtype=np.int64)


def breast_cancer():
    """Wisconsin diagnostic breast cancer: X[569, 30] cell-nucleus measurements, y[569].

    y = 0 malignant (212 cases), 1 benign (357).
    """
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    return np.array(bunch.data, dtype=np.float64), np.array(bunch.target, dtype=np.int64)


def diabetes():
    """Diabetes progression: X[442, 10] (age, sex, BMI, blood pressure, six serum values) in
    their original units, y[442] a disease-progression score one year later (float64).

    scikit-learn's default pre-scales X; this returns the raw values so that the chapter can
    standardise them itself.
    """
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes(scaled=False)
    return np.array(bunch.data, dtype=np.float64), np.array(bunch.target, dtype=np.float64)


def standardize(X_train, *X_others, per_feature=True):
    """Scale with the training statistics: [(X_train - mean) / std, (X_other - mean) / std, ...].

    per_feature=True: one mean and std per column (axis 0), the usual choice for tabular data.
    per_feature=False: a single mean and std over all values, as Ekman does for MNIST pixels.
    A column that is constant in training (std 0, e.g. MNIST's corner pixels) is only
    centred, not divided by zero. Returns a list with one array per argument.
    """
    f = "standardize"
    X_train = checks.array(f, "X_train", X_train, ndim=None, shape="[n, ...]")
    if X_train.ndim == 0:
        raise ValueError(f"{f}: X_train must have at least one dimension, got a scalar")
    others = []
    for i, X in enumerate(X_others):
        X = checks.array(f, f"X_others[{i}]", X, ndim=X_train.ndim, dtype=X_train.dtype,
                           allow_empty=True)
        if X.shape[1:] != X_train.shape[1:]:
            raise ValueError(
                f"{f}: X_others[{i}] has rows of shape {X.shape[1:]} but X_train's rows have "
                f"shape {X_train.shape[1:]}"
            )
        others.append(X)
    axis = 0 if per_feature else None
    mean = X_train.mean(axis=axis)
    std = X_train.std(axis=axis)
    std = np.where(std > 0, std, 1.0).astype(X_train.dtype)
    return [(X - mean) / std for X in (X_train, *others)]

"""Boston housing (Harrison and Rubinfeld 1978), shipped in the package: Chapter 06.

506 census tracts of Boston, 13 features and the median home value MEDV in $1000s; the csv
and its README (source, licence, the history of the B column) are in data/boston_housing/.

`load_boston_split()` makes Keras' `boston_housing.load_data()` split offline: Keras shuffles
the 506 rows with np.random.seed(113) and keeps the first 404 for training, the other 102
for testing. The test set then starts with the targets 7.2, 18.8, 19.0, 27.0, as in Ekman's
printed predictions.

The B column is B = 1000 (Bk - 0.63)^2, Bk the proportion of Black residents of the tract:
a feature engineered from race by the 1978 study (which assumed buyers pay to avoid, then
past 63 %, to seek Black neighbours). scikit-learn removed its Boston loader for this reason.
drop=("B",) trains without it.
"""
import csv
from pathlib import Path

import numpy as np

from lessons.kernels import checks

BOSTON_DIR = Path(__file__).with_name("boston_housing")
BOSTON_CSV = BOSTON_DIR / "boston_housing.csv"
FEATURES = ("CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO",
            "B", "LSTAT")
DESCRIPTIONS = {
    "CRIM": "per-capita crime rate",
    "ZN": "share of residential land zoned for lots over 25,000 sq ft",
    "INDUS": "share of non-retail business acres",
    "CHAS": "1 if the tract bounds the Charles River, else 0",
    "NOX": "nitric-oxide concentration (parts per 10 million)",
    "RM": "average number of rooms per dwelling",
    "AGE": "share of owner-occupied units built before 1940",
    "DIS": "weighted distance to five Boston employment centres",
    "RAD": "index of accessibility to radial highways",
    "TAX": "property-tax rate per $10,000",
    "PTRATIO": "pupil-teacher ratio",
    "B": "1000 (Bk - 0.63)^2, Bk the proportion of Black residents (race-derived)",
    "LSTAT": "% lower status of the population",
}


def load_boston():
    """All 506 rows in the original order: (X[506, 13] float64, y[506] MEDV, FEATURES)."""
    with open(BOSTON_CSV, newline="") as f:
        rows = list(csv.reader(f))
    header, values = rows[0], np.array(rows[1:], dtype=np.float64)
    if tuple(header) != FEATURES + ("MEDV",) or values.shape != (506, 14):
        raise RuntimeError(f"load_boston: {BOSTON_CSV} is not the shipped 506 x 14 table; "
                           f"reinstall dl-lessons (its package data holds data/boston_housing/)")
    return values[:, :13].copy(), values[:, 13].copy(), FEATURES


def keras_order(n=506, seed=113):
    """The row order Keras' boston_housing.load_data() uses: np.random.seed(seed), then
    np.random.shuffle(np.arange(n)) (the legacy global generator, as Keras calls it)."""
    n = checks.number("keras_order", "n", n, low=1, integer=True)
    seed = checks.number("keras_order", "seed", seed, low=0, integer=True)
    return np.random.RandomState(seed).permutation(n)


def load_boston_split(*, drop=(), test_split=0.2):
    """Keras' split: ((X_train[404, d], y_train), (X_test[102, d], y_test), feature names).

    drop: feature names to leave out, e.g. ("B",). Features are raw (not standardised).
    """
    f = "load_boston_split"
    drop = tuple(drop) if not isinstance(drop, str) else (drop,)
    for name in drop:
        checks.choice(f, "drop", name, FEATURES)
    test_split = checks.number(f, "test_split", test_split, low=0.0, low_open=True, high=1.0)
    X, y, names = load_boston()
    keep = [i for i, name in enumerate(names) if name not in drop]
    X = X[:, keep]
    order = keras_order(len(y))
    X, y = X[order], y[order]
    n_train = int(len(y) * (1 - test_split))
    return ((X[:n_train], y[:n_train]), (X[n_train:], y[n_train:]),
            tuple(names[i] for i in keep))

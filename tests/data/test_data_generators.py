"""Seeded 2-D generators (XOR, moons, circles, spirals) and scikit-learn's bundled sets with
`standardize`: shapes, label sets, seeding, geometry, bad input."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.data import (
    breast_cancer,
    circles,
    diabetes,
    digits,
    iris,
    moons,
    spirals,
    standardize,
    xor_points,
)

GENERATORS = {
    "xor_points": (xor_points, {}, 2),
    "moons": (moons, {}, 2),
    "circles": (circles, {}, 2),
    "spirals3": (spirals, {"k": 3}, 3),
    "spirals5": (spirals, {"k": 5, "turns": 1.5}, 5),
}


@pytest.mark.parametrize("name", list(GENERATORS))
@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 300), seed=st.integers(0, 2**31), noise=st.floats(0.0, 1.0))
def test_shapes_dtypes_and_balanced_labels(name, n, seed, noise):
    make, kwargs, k = GENERATORS[name]
    X, y = make(n, noise=noise, seed=seed, **kwargs)
    assert X.shape == (n, 2) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.all(np.isfinite(X))
    counts = np.bincount(y, minlength=k)
    assert len(counts) == k and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", list(GENERATORS))
def test_seeded(name):
    make, kwargs, _ = GENERATORS[name]
    X1, y1 = make(100, seed=3, **kwargs)
    X2, y2 = make(100, seed=3, **kwargs)
    X3, _ = make(100, seed=4, **kwargs)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert set(y1[:10].tolist()) != {y1[0]}  # shuffled: classes are interleaved


def test_without_noise_points_sit_on_their_shapes():
    X, y = xor_points(40, noise=0.0)
    assert set(map(tuple, X.tolist())) == {(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)}
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))

    X, y = circles(50, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.hypot(*X.T), np.where(y == 0, 1.0, 0.3))

    X, y = moons(50, noise=0.0)
    centre = np.where(y[:, None] == 0, [0.0, 0.0], [1.0, 0.5])
    np.testing.assert_allclose(np.hypot(*(X - centre).T), 1.0)
    assert np.all(X[y == 0, 1] >= 0) and np.all(X[y == 1, 1] <= 0.5)

    X, y = spirals(60, k=3, noise=0.0, turns=1.0)
    r = np.hypot(*X.T)
    assert r.max() <= 1.0
    arm_angle = np.arctan2(X[:, 1], X[:, 0]) - 2 * np.pi * (y / 3 + r)
    np.testing.assert_allclose(np.cos(arm_angle), 1.0, atol=1e-9)


def test_points_are_plain_features_without_bias_column():
    X, _ = moons(50)
    assert not np.all(X[:, 0] == 1.0)


@pytest.mark.parametrize("call, error, message", [
    (lambda: moons(0), ValueError, "moons: n must be >= 1"),
    (lambda: moons(10.5), TypeError, "moons: n must be an integer"),
    (lambda: circles(10, noise=-0.1), ValueError, "circles: noise must be >= 0"),
    (lambda: xor_points(10, noise=float("nan")), ValueError, "xor_points: noise must be finite"),
    (lambda: spirals(10, seed=-1), ValueError, "spirals: seed must be >= 0"),
    (lambda: spirals(10, k=1), ValueError, "spirals: k must be >= 2"),
    (lambda: spirals(10, turns=0), ValueError, "spirals: turns must be > 0"),
    (lambda: circles(10, factor=1.0), ValueError, "circles: factor must be < 1"),
    (lambda: circles(10, factor=0.0), ValueError, "circles: factor must be > 0"),
    (lambda: moons("100"), TypeError, "moons: n must be an integer"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_sklearn_sets_as_arrays():
    X, y = digits()
    assert X.shape == (1797, 64) and X.max() == 16 and set(y.tolist()) == set(range(10))
    assert digits(images=True)[0].shape == (1797, 8, 8)
    X, y = iris()
    assert X.shape == (150, 4) and np.bincount(y).tolist() == [50, 50, 50]
    X, y = breast_cancer()
    assert X.shape == (569, 30) and np.bincount(y).tolist() == [212, 357]
    X, y = diabetes()
    assert X.shape == (442, 10) and y.dtype == np.float64
    assert X[:, 0].min() >= 18  # raw ages in years, not scikit-learn's pre-scaled values
    for X, y in (digits(), iris(), breast_cancer(), diabetes()):
        assert X.dtype == np.float64 and X.flags.writeable and len(X) == len(y)


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train = rng.normal([5.0, -3.0, 7.0], [2.0, 0.5, 0.0], size=(200, 3))
    test = rng.normal([5.0, -3.0, 7.0], [2.0, 0.5, 0.0], size=(50, 3)) + 1.0
    train_s, test_s = standardize(train, test)
    np.testing.assert_allclose(train_s[:, :2].mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(train_s[:, :2].std(0), 1.0)
    np.testing.assert_allclose(train_s[:, 2], 0.0, atol=1e-12)  # constant column: centred only
    expected = (test - train.mean(0)) / np.where(train.std(0) > 0, train.std(0), 1.0)
    np.testing.assert_allclose(test_s, expected)


def test_standardize_with_global_statistics_keeps_float32():
    images = np.random.default_rng(1).random((10, 4, 4), dtype=np.float32)
    (scaled,) = standardize(images, per_feature=False)
    assert scaled.dtype == np.float32 and scaled.shape == images.shape
    assert abs(float(scaled.mean())) < 1e-5 and abs(float(scaled.std()) - 1.0) < 1e-5


def test_standardize_bad_input():
    with pytest.raises(ValueError, match=r"X_others\[0\] has rows of shape \(2,\)"):
        standardize(np.ones((4, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="X_train contains NaN"):
        standardize(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="at least one dimension"):
        standardize(3.0)
    with pytest.raises(TypeError, match="X_train must be a numeric array"):
        standardize("abc")

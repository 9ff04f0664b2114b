"""Chapter 06: the chapter's public functions refuse bad input with a message that names the
function and the argument (never a raw numpy or Python error from deep inside)."""
import numpy as np
import pytest

from lessons.chapters import ch06_regression as ch06
from lessons.data.boston import load_boston_split


@pytest.fixture(scope="module")
def data():
    (X, y), _, _ = ch06.boston_standardized()
    (X_raw, y_raw), _, _ = load_boston_split()
    return X, y, X_raw, y_raw


@pytest.mark.parametrize("call, error, message", [
    (lambda X, y, Xr, yr: ch06.fit_regression(X, y, 64),
     TypeError, "fit_regression: hidden must be a tuple of layer widths such as (64, 64), or (64,) "
                "for one layer; got the number 64"),
    (lambda X, y, Xr, yr: ch06.fit_regression(X, y[:10], (4,)),
     ValueError, "fit_regression: y has 10 targets but X has 404 rows"),
    (lambda X, y, Xr, yr: ch06.fit_regression(X, y, (4,), validation=X),
     TypeError, "fit_regression: validation must be a pair (X_val, y_val), got ndarray"),
    (lambda X, y, Xr, yr: ch06.fit_regression(X, y, (4,), validation=(X[:5, :3], y[:5])),
     ValueError, "fit_regression: X_val has 3 columns but X has 13"),
    (lambda X, y, Xr, yr: ch06.fit_regression(X, y, (4,), validation=(X[:5], y[:4])),
     ValueError, "fit_regression: y_val has 4 targets but X_val has 5 rows"),
    (lambda X, y, Xr, yr: ch06.kfold(Xr, yr, hidden=64),
     TypeError, "kfold: hidden must be a tuple of layer widths"),
    (lambda X, y, Xr, yr: ch06.kfold(Xr[:40], yr[:30]),
     ValueError, "kfold: y has 30 targets but X_raw has 40 rows"),
    (lambda X, y, Xr, yr: ch06.kfold(Xr, [str(v) for v in yr]),
     TypeError, "kfold: y must be a numeric array [n], got dtype <U4"),
    (lambda X, y, Xr, yr: ch06.kfold(Xr[:10], yr[:10], k=11),
     ValueError, "kfold: k must be a whole number in 2..10, got 11"),
    (lambda X, y, Xr, yr: ch06.least_squares(X, y[:10]),
     ValueError, "least_squares: y_train has 10 targets but X_train has 404 rows"),
    (lambda X, y, Xr, yr: ch06.least_squares_predict(np.zeros(13), X),
     ValueError, "least_squares_predict: w has 13 weights but X has 13 columns"),
    (lambda X, y, Xr, yr: ch06.mae([], []),
     ValueError, "mae: y is empty"),
    (lambda X, y, Xr, yr: ch06.mae(y[:3], y[:4]),
     ValueError, "mae: prediction has shape (3,) but y has (4,)"),
])
def test_bad_input_names_the_function_and_argument(data, call, error, message):
    with pytest.raises(error) as info:
        call(*data)
    assert message in str(info.value)


def test_a_list_of_targets_is_fine(data):
    X, y, X_raw, y_raw = data
    run = ch06.fit_regression(X, list(y), (4,), epochs=1, record=False)
    assert np.isfinite(run.mae(X, y))
    scores, curve = ch06.kfold(X_raw, list(y_raw), k=2, hidden=(4,), epochs=1)
    assert len(scores) == 2 and len(curve) == 1
    assert ch06.mae([np.inf], [1.0]) == np.inf  # a diverged model's MAE, not an error

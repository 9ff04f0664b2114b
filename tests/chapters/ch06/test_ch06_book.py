"""Chapter 06: Ekman's, Chollet's and Tavenard's numbers, and the bands of the issue.

Table 6-2 is run for two seeds (0 and 1) as the chapter quotes them. Single runs move by about
±0.2 from seed to seed, more than the calibration's bands are wide, so each band is checked on
the mean of the two seeds; each single run is checked against a band twice as wide (the spread
measured over seeds 0-5). The chapter's text lists which single runs fall outside the narrow
bands.
"""
import numpy as np
import pytest

from lessons.chapters import ch06_regression as ch06
from lessons.data.boston import load_boston_split
from lessons.kernels.regression import n_params


@pytest.fixture(scope="module")
def boston():
    return ch06.boston_standardized()


@pytest.fixture(scope="module")
def table():
    rows = ch06.table_6_2(seeds=(0, 1))
    return {(r.name[0], r.seed): r for r in rows}


def test_keras_split_and_first_targets():
    (X, y), (Xt, yt), names = load_boston_split()
    assert X.shape == (404, 13) and Xt.shape == (102, 13) and len(names) == 13
    assert yt[:4].tolist() == [7.2, 18.8, 19.0, 27.0]  # Ekman L3740-3743
    assert y[:4].tolist() == [15.2, 42.3, 50.0, 21.1]
    (Xb, _), _, names_b = load_boston_split(drop=("B",))
    assert Xb.shape == (404, 12) and "B" not in names_b


def test_parameter_counts():
    assert [n_params(s) for s in ((13, 1), (13, 64, 64, 1), (13, 128, 128, 64, 1))] == \
        [14, 5121, 26625]


def test_least_squares_mae(boston):
    (X, y), (Xt, yt), _ = boston
    w = ch06.least_squares(X, y)
    assert round(ch06.mae(ch06.least_squares_predict(w, X), y), 3) == 3.352
    assert round(ch06.mae(ch06.least_squares_predict(w, Xt), yt), 3) == 3.464


def _mean(table, conf, attr):
    return np.mean([getattr(table[(conf, s)], attr) for s in (0, 1)])


@pytest.mark.slow
@pytest.mark.parametrize("conf, attr, band", [
    ("1", "test_mae", (10.20, 10.25)),           # book 10.24
    ("2", "test_mae", (2.49, 2.73)),             # book 2.54
    ("2", "running_train_mae", (0.48, 0.68)),    # book 0.647 (Keras' logged value)
    ("3", "train_mae", (1.50, 1.54)),            # book 1.50
    ("3", "test_mae", (2.56, 2.60)),             # book 2.61
    ("4", "test_mae", (2.46, 2.78)),             # book 2.56
])
def test_table_6_2_bands_on_the_mean_of_two_seeds(table, conf, attr, band):
    assert band[0] <= _mean(table, conf, attr) <= band[1]


@pytest.mark.slow
@pytest.mark.parametrize("conf, attr, band", [
    ("1", "test_mae", (10.10, 10.35)),
    ("2", "test_mae", (2.25, 2.85)),
    ("2", "running_train_mae", (0.40, 0.80)),
    ("3", "train_mae", (1.35, 1.70)),
    ("3", "test_mae", (2.35, 2.80)),
    ("4", "test_mae", (2.35, 2.90)),
    ("5", "test_mae", (2.0, 2.7)),               # book 2.36
    ("6", "test_mae", (2.0, 2.7)),               # book 2.31
])
def test_table_6_2_single_runs_within_the_seed_spread(table, conf, attr, band):
    for seed in (0, 1):
        assert band[0] <= getattr(table[(conf, seed)], attr) <= band[1], seed


@pytest.mark.slow
def test_dropout_training_mae_is_higher_with_dropout_on(table):
    # the book's 2.30 / 2.04 / 2.38 were logged with dropout on; with it off they are far lower
    for conf in "456":
        for seed in (0, 1):
            r = table[(conf, seed)]
            assert r.running_train_mae > r.train_mae + 0.5
            assert 1.5 <= r.running_train_mae <= 2.6
            assert 0.8 <= r.train_mae <= 1.7


@pytest.mark.slow
def test_the_linear_model_is_under_trained(table, boston):
    # 10.2 against least squares' 3.46: Adam at lr 1e-3 cannot bring the bias to 22.4 in time
    (X, y), _, _ = boston
    run = ch06.fit_regression(X, y, (), seed=0, record=False)
    assert 11 < run.params[-1] < 14 and ch06.least_squares(X, y)[0] > 22
    assert table[("1", 0)].test_mae > 2.5 * 3.464


def test_seeded_runs_repeat_exactly(boston):
    (X, y), _, _ = boston
    a = ch06.fit_regression(X, y, (8,), epochs=5, dropout=0.2, seed=3, record=False)
    b = ch06.fit_regression(X, y, (8,), epochs=5, dropout=0.2, seed=3, record=False)
    np.testing.assert_array_equal(a.params, b.params)


def test_early_stopping_restores_the_best_epoch(boston):
    (X, y), _, _ = boston
    n = int(0.7 * len(y))
    run = ch06.fit_regression(X[:n], y[:n], (64, 64), seed=0, patience=10,
                              validation=(X[n:], y[n:]))
    assert run.stopped_epoch == run.best_epoch + 10 < 500
    assert run.mae(X[n:], y[n:]) == pytest.approx(min(run.val_mae), abs=1e-12)


def test_kfold_matches_the_published_edition():
    (X_raw, y), _, _ = load_boston_split()
    scores, curve = ch06.kfold(X_raw, y, k=4, hidden=(64, 64), epochs=80, seed=0)
    assert len(scores) == 4 and len(curve) == 80
    assert 2.2 <= np.mean(scores) <= 2.6  # published: [2.08, 2.12, 2.91, 2.43], mean 2.38
    assert max(scores) - min(scores) > 0.3  # the folds disagree: why K-fold


def test_kfold_indices_cover_every_row_once():
    folds = ch06.kfold_indices(404, 4)
    assert [len(v) for _, v in folds] == [101] * 4
    assert sorted(np.concatenate([v for _, v in folds]).tolist()) == list(range(404))
    for tr, va in folds:
        assert not set(tr) & set(va) and len(tr) + len(va) == 404


def test_chollet_printed_targets_are_the_lstat_column():
    table = ch06.lstat_erratum()
    matches = [n for n, v in table.items() if np.allclose(v, ch06.CHOLLET_PRINTED_TARGETS)]
    assert matches == ["LSTAT"]

"""Chapter 06: the exercise checks accept the worked solutions and reject the usual mistakes
with a specific message and the next hint."""
import numpy as np
import pytest

from lessons.exercises import ch06 as ex
from lessons.solutions import ch06 as sol


@pytest.fixture(autouse=True)
def fresh_attempts():
    for exercise in (ex.COUNT, ex.L2, ex.KFOLD):
        exercise.attempts = 0


def test_solutions_pass(capsys):
    assert ex.check_parameter_count(sol.parameter_count)
    assert ex.check_l2_gradient(sol.l2_gradient)
    assert ex.check_kfold(sol.kfold)
    out = capsys.readouterr().out
    assert out.count("✔") == 3 and "✘" not in out


@pytest.mark.parametrize("check", [ex.check_parameter_count, ex.check_l2_gradient,
                                   ex.check_kfold])
def test_placeholder_gets_the_first_hint(check, capsys):
    assert not check(...)
    out = capsys.readouterr().out
    assert "✘" in out and "Hint 1/3" in out and "lessons.solutions import ch06" in out


@pytest.mark.parametrize("fn, message", [
    (lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])), "biases are missing"),
    (lambda s: sum((a + 1) * (b + 1) for a, b in zip(s[:-1], s[1:])), "not the inputs"),
    (lambda s: 1 / 0, "ZeroDivisionError"),
    (lambda s: np.array(sol.parameter_count(s)), "expected a whole number, got array(14)"),
    (lambda s: [14, 1], "expected a whole number, got [14, 1]"),
])
def test_parameter_count_mistakes(fn, message, capsys):
    assert not ex.check_parameter_count(fn)
    assert message in capsys.readouterr().out


def test_parameter_count_accepts_a_count_computed_with_a_float():
    # a count that went through / (14.0) is the right count, as in chapters 07-14
    assert ex.check_parameter_count(lambda s: float(sol.parameter_count(s)))


@pytest.mark.parametrize("fn, message", [
    (lambda w, lam: lam * w, "the 2 of w"),
    (lambda w, lam: lam * np.sign(w), "L1"),
    (lambda w, lam: 2 * lam, "shape"),
    (lambda w, lam: None, "None"),
])
def test_l2_mistakes(fn, message, capsys):
    assert not ex.check_l2_gradient(fn)
    assert message in capsys.readouterr().out


@pytest.mark.parametrize("fn, message", [
    (lambda n, k: sol.kfold(n, k)[:-1], "folds, expected"),
    (lambda n, k: [(np.arange(n), np.arange(n)[i::k]) for i in range(k)], "exactly once"),
    # Chollet's split: blocks of n // k rows, the remainder always in training
    (lambda n, k: [(np.r_[np.arange(n)[:i * (n // k)], np.arange(n)[(i + 1) * (n // k):]],
                    np.arange(n)[i * (n // k):(i + 1) * (n // k)]) for i in range(k)],
     "n = 10, k = 3: that is Chollet's split, blocks of n // k = 3 rows, so the last n % k "
     "rows ([9]) never validate"),
    (lambda n, k: [(np.setdiff1d(np.arange(n), v), v) for v in
                   (np.arange(i * n // k, min((i + 1) * n // k + 1, n)) for i in range(k))],
     "never: []; more than once: [101, 202, 303]"),
    (lambda n, k: [(va, tr) for tr, va in sol.kfold(n, k)],
     "each pair is (val_rows, train_rows); return them as (train_rows, val_rows)"),
    (lambda n, k: [(np.where(~np.isin(np.arange(n), va)), va) for _, va in sol.kfold(n, k)],
     "fold 0's train_rows: got shape (1, 303), expected a 1-D array of row indices (np.where "
     "returns a tuple"),
    (lambda n, k: [(np.isin(np.arange(n), tr), va) for tr, va in sol.kfold(n, k)],
     "fold 0's train_rows: got a boolean mask; return the row indices"),
    (lambda n, k: [(tr, va + 0.5) for tr, va in sol.kfold(n, k)],
     "fold 0's val_rows: got array([  0.5,"),
    (lambda n, k: [(tr,) for tr, _ in sol.kfold(n, k)], "expected a list of (train_rows"),
    (lambda n, k: 42, "expected a list"),
])
def test_kfold_mistakes(fn, message, capsys):
    assert not ex.check_kfold(fn)
    assert message in capsys.readouterr().out


def test_kfold_accepts_the_training_rows_in_any_order(capsys):
    def after_then_before(n, k):
        return [(np.r_[(i + 1) * n // k:n, 0:i * n // k], np.arange(i * n // k, (i + 1) * n // k))
                for i in range(k)]

    assert ex.check_kfold(after_then_before)
    assert "✔" in capsys.readouterr().out


def test_multi_hot_solution_and_mistakes(capsys):
    ex.MULTI_HOT.attempts = 0
    assert ex.check_multi_hot(sol.vectorize_sequences)
    assert "✔" in capsys.readouterr().out

    def counts(sequences, V):
        X = np.zeros((len(sequences), V))
        for i, s in enumerate(sequences):
            np.add.at(X[i], s, 1.0)
        return X

    for fn, message in [(counts, "bag of counts"),
                        (lambda s, V: np.zeros((V, len(s))), "Expected shape"),
                        (lambda s, V: np.zeros((len(s), V)), "row 0"),
                        (lambda s, V: "x", "Expected an array")]:
        assert not ex.check_multi_hot(fn)
        assert message in capsys.readouterr().out

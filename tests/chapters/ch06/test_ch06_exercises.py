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
])
def test_parameter_count_mistakes(fn, message, capsys):
    assert not ex.check_parameter_count(fn)
    assert message in capsys.readouterr().out


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
    (lambda n, k: [(np.r_[np.arange(n)[:i * (n // k)], np.arange(n)[(i + 1) * (n // k):]],
                    np.arange(n)[i * (n // k):(i + 1) * (n // k)]) for i in range(k)],
     "never: [9]"),
    (lambda n, k: 42, "expected a list"),
])
def test_kfold_mistakes(fn, message, capsys):
    assert not ex.check_kfold(fn)
    assert message in capsys.readouterr().out


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

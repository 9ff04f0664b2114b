"""Chapter 08: the exercise checks accept the worked solutions, reject the usual mistakes with a
specific message and the next hint, and survive a learner's broken code."""
import pytest

from lessons.exercises import ch08 as ex
from lessons.solutions import ch08 as sol


@pytest.fixture(autouse=True)
def fresh_attempts():
    for exercise in (ex.PARAMS, ex.SHAPE, ex.FIELD):
        exercise.attempts = 0


def test_solutions_pass(capsys):
    assert ex.check_conv_params(sol.conv_params)
    assert ex.check_conv_pool_shape(sol.conv_pool_shape)
    assert ex.check_receptive_field(sol.receptive_field)
    out = capsys.readouterr().out
    assert out.count("✔") == 3 and "✘" not in out


def test_book_numbers():
    assert sol.conv_params(1, 32, 5) == 832  # Weidman: 800 weights + 32 biases
    assert sol.conv_params(3, 64, 5) == 4864 and sol.conv_params(64, 64, 3) == 36928  # Ekman
    assert sol.conv_pool_shape((1, 28, 28), 32, 4, 0, 2) == (32, 12, 12)  # Skansi
    assert sol.conv_pool_shape((6, 14, 14), 16, 5, 0, 2) == (16, 5, 5)  # LeNet-5
    assert [sol.receptive_field(n, 3) for n in (1, 2, 3)] == [3, 5, 7]  # Ekman, Chapter 8


@pytest.mark.parametrize("check", [ex.check_conv_params, ex.check_conv_pool_shape,
                                   ex.check_receptive_field])
def test_placeholder_gets_the_first_hint(check, capsys):
    assert not check(...)
    out = capsys.readouterr().out
    assert "✘" in out and "Hint 1/3" in out and "lessons.solutions import ch08" in out


@pytest.mark.parametrize("fn, message", [
    (lambda ci, co, k: co * ci * k * k, "add one bias"),
    (lambda ci, co, k: co * ci * (k * k + 1), "not per"),
    (lambda ci, co, k: co * (k * k + 1), "spans all 6 input channels"),
    (lambda ci, co, k: co * (ci * k * k + 1) + 1, "the answer is 832"),
    (lambda ci, co, k: co * (ci * k * k + 1) + 0.5, "whole number"),
    (lambda ci, co, k: 1 / 0, "ZeroDivisionError"),
    (lambda ci, co, k: ..., "still returns ..."),
])
def test_conv_params_feedback(fn, message, capsys):
    assert not ex.check_conv_params(fn)
    out = capsys.readouterr().out
    assert "✘" in out and message in out


@pytest.mark.parametrize("fn, message", [
    (lambda s, f, k, p, q: (s[0], (s[1] + 2 * p - k + 1) // q, (s[2] + 2 * p - k + 1) // q),
     "makes 32 channels"),
    (lambda s, f, k, p, q: (f, s[1] + 2 * p - k + 1, s[2] + 2 * p - k + 1), "pooling is missing"),
    (lambda s, f, k, p, q: (f, (s[1] + 2 * p - k) // q, (s[2] + 2 * p - k) // q), "k + 1"),
    (lambda s, f, k, p, q: (f, -(-(s[1] + 2 * p - k + 1) // q), -(-(s[2] + 2 * p - k + 1) // q)),
     "round down"),
    (lambda s, f, k, p, q: (f, (s[1] - k + 1) // q, (s[2] - k + 1) // q), "padding is missing"),
    (lambda s, f, k, p, q: (f, 1.5, 2), "three whole numbers"),
    (lambda s, f, k, p, q: 7, "tuple"),
])
def test_conv_pool_shape_feedback(fn, message, capsys):
    assert not ex.check_conv_pool_shape(fn)
    out = capsys.readouterr().out
    assert "✘" in out and message in out


@pytest.mark.parametrize("fn, message", [
    (lambda n, k: n * k, "adds k − 1"),
    (lambda n, k: k ** n, "addition, not product"),
    (lambda n, k: n * (k - 1), "start from the 1 pixel"),
    (lambda n, k: 2 * n + 1 if k == 3 else 0, "the answer is 9"),
    (lambda n, k: 3.5, "whole number"),
    (lambda n, k: 3.0, "you return 3.0"),
    (lambda n, k: [][0], "IndexError"),
])
def test_receptive_field_feedback(fn, message, capsys):
    assert not ex.check_receptive_field(fn)
    out = capsys.readouterr().out
    assert "✘" in out and message in out


def test_hints_advance_then_repeat(capsys):
    for _ in range(4):
        ex.check_receptive_field(lambda n, k: n * k)
    out = capsys.readouterr().out
    assert "Hint 1/3" in out and "Hint 2/3" in out and out.count("Hint 3/3") == 2

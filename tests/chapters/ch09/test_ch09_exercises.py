"""Chapter 09: the exercise checks accept the worked solutions, reject the usual mistakes with a
specific message and the next hint, and survive a learner's broken code."""
import numpy as np
import pytest

from lessons.exercises import ch09 as ex
from lessons.solutions import ch09 as sol


@pytest.fixture(autouse=True)
def fresh_attempts():
    for exercise in (ex.SEPARABLE, ex.BLOCK, ex.RESIDUAL):
        exercise.attempts = 0


def test_solutions_pass(capsys):
    assert ex.check_separable_params(sol.separable_params)
    assert ex.check_basic_block_params(sol.basic_block_params)
    assert ex.check_residual_backward(sol.residual_backward)
    out = capsys.readouterr().out
    assert out.count("✔") == 3 and "✘" not in out


def test_book_numbers():
    assert sol.separable_params(32, 64, 3) == 2432
    assert sol.basic_block_params(64, 64) == 73_984 and sol.basic_block_params(64, 128) == 230_144


@pytest.mark.parametrize("check", [ex.check_separable_params, ex.check_basic_block_params,
                                   ex.check_residual_backward])
def test_placeholder_gets_the_first_hint(check, capsys):
    assert not check(...)
    out = capsys.readouterr().out
    assert "✘" in out and "Hint 1/3" in out and "lessons.solutions import ch09" in out


def _no_zeros(dY, x_shape, stride):
    dX = np.ones(x_shape)
    dX[:, :, ::stride, ::stride] = dY[:, :x_shape[1]]
    return dX, dY


@pytest.mark.parametrize("check, fn, message", [
    (ex.check_separable_params, lambda M, N, K: M * K * K + 1 + N * M + 1, "the book's formula"),
    (ex.check_separable_params, lambda M, N, K: M * K * K + N * M, "biases are missing"),
    (ex.check_separable_params, lambda M, N, K: N * (M * K * K + 1), "normal convolution"),
    (ex.check_separable_params, lambda M, N, K: 2.5, "whole number"),
    (ex.check_basic_block_params, lambda a, b: 9 * a * b + 9 * b * b, "batch norm"),
    (ex.check_basic_block_params,
     lambda a, b: sol.basic_block_params(a, b) + 2 * b + (b if a != b else 0), "no bias"),
    (ex.check_basic_block_params,
     lambda a, b: 9 * a * b + 9 * b * b + 4 * b, "projection"),
    (ex.check_residual_backward, lambda d, x, s: (np.zeros(x), d), "all zeros"),
    (ex.check_residual_backward, lambda d, x, s: (np.zeros(x), 2 * d), "dFX is off"),
    (ex.check_residual_backward, _no_zeros, "must get 0"),
    (ex.check_residual_backward, lambda d, x, s: 3, "a pair"),
    (ex.check_residual_backward, lambda d, x, s: (np.zeros(3), d), "shape"),
    (ex.check_residual_backward, lambda d, x, s: 1 / 0, "ZeroDivisionError"),
])
def test_mistakes_get_a_specific_message(check, fn, message, capsys):
    assert not check(fn)
    assert message in capsys.readouterr().out

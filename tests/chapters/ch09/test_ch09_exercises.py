"""Chapter 09: the exercise checks accept the worked solutions, reject the usual mistakes with a
specific message and the next hint, and survive a learner's broken code; the residual backward
written by a learner (check_kernel) trains the chapter's residual network."""
import numpy as np
import pytest

from lessons.chapters import ch09_deeper_cnns as ch
from lessons.exercises import ch09 as ex
from lessons.exercises.kernels import _EXERCISES, check_kernel
from lessons.kernels import use
from lessons.solutions import ch09 as sol
from lessons.solutions import kernels as S


@pytest.fixture(autouse=True)
def fresh_attempts():
    for exercise in (ex.SEPARABLE, ex.BLOCK, _EXERCISES["residual_add_backward"]):
        exercise.attempts = 0


def test_solutions_pass(capsys):
    assert ex.check_separable_params(sol.separable_params)
    assert ex.check_basic_block_params(sol.basic_block_params)
    assert check_kernel("residual_add_backward", S.residual_add_backward)
    out = capsys.readouterr().out
    assert out.count("✔") == 3 and "✘" not in out


def test_book_numbers():
    assert sol.separable_params(32, 64, 3) == 2432
    assert sol.basic_block_params(64, 64) == 73_984 and sol.basic_block_params(64, 128) == 230_144


@pytest.mark.parametrize("check", [ex.check_separable_params, ex.check_basic_block_params])
def test_placeholder_gets_the_first_hint(check, capsys):
    assert not check(...)
    out = capsys.readouterr().out
    assert "✘" in out and "Hint 1/3" in out and "lessons.solutions import ch09" in out


def _stub(dY, x_shape, stride):  # the notebook's cell as it ships
    raise NotImplementedError


def _no_zeros(dY, x_shape, stride):
    dX = np.ones(x_shape, dtype=dY.dtype)
    dX[:, :, ::stride, ::stride] = dY[:, :x_shape[1]]
    return dX, dY.copy()


def _corner(dY, x_shape, stride):
    dX = np.zeros(x_shape, dtype=dY.dtype)
    dX[:, :, :dY.shape[2], :dY.shape[3]] = dY[:, :x_shape[1]]
    return dX, dY.copy()


def _branch_channels_only(dY, x_shape, stride):
    dX, dFX = S.residual_add_backward(dY, x_shape, stride)
    dFX[:, x_shape[1]:] = 0
    return dX, dFX


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
])
def test_mistakes_get_a_specific_message(check, fn, message, capsys):
    assert not check(fn)
    assert message in capsys.readouterr().out


def test_counts_computed_with_floats_are_right():
    # 2432.0 from a / is the right count (the same policy in chapters 06-14)
    assert ex.check_separable_params(lambda M, N, K: float(sol.separable_params(M, N, K)))
    assert ex.check_basic_block_params(lambda a, b: float(sol.basic_block_params(a, b)))


@pytest.mark.parametrize("fn, message", [
    (_stub, "still raises NotImplementedError"),
    (lambda d, x, s: (np.zeros(x), d.copy()), "dX is all zeros"),
    (lambda d, x, s: (S.residual_add_backward(d, x, s)[0], 2 * d), "expected dFX"),
    (_no_zeros, "expected dX"),
    (_corner, "top-left corner"),
    (_branch_channels_only, "all of dY goes into it"),
    (lambda d, x, s: 3, "must return the 2 values"),
    (lambda d, x, s: (np.zeros(3), d), "shape"),
    (lambda d, x, s: 1 / 0, "ZeroDivisionError"),
])
def test_residual_backward_mistakes_get_a_specific_message(fn, message, capsys):
    assert not check_kernel("residual_add_backward", fn)
    out = capsys.readouterr().out
    assert message in out and "Hint" in out, out


def test_the_residual_network_trains_through_the_learners_kernel():
    """The notebook's cell after check_kernel: the same run with the learner's backward."""
    data = ch.mnist_train_test(300, 100)
    calls = []

    def counted(dY, x_shape, stride):
        calls.append(stride)
        return S.residual_add_backward(dY, x_shape, stride)
    with use(residual_add_backward=counted):
        mine = ch.train_deep(8, True, data=data, epochs=1)
    course = ch.train_deep(8, True, data=data, epochs=1)
    assert len(calls) == 3 * 10  # three blocks, ten batches of 32 (the last one of 12)
    np.testing.assert_allclose(mine.losses, course.losses, rtol=1e-12)
    with use(residual_add_backward=lambda d, x, s: (np.zeros(x), d.copy())):
        no_shortcut = ch.train_deep(8, True, data=data, epochs=1)
    assert not np.allclose(no_shortcut.losses, course.losses)

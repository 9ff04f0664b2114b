"""Chapter 02: the exercise checks accept the worked solutions, reject the usual mistakes with
a specific message and the next hint, and survive a learner's broken code."""
import numpy as np
import pytest

from lessons.exercises import ch02 as ex
from lessons.solutions import ch02 as sol


@pytest.fixture(autouse=True)
def fresh_attempts():
    for exercise in (ex.STABLE, ex.GRADIENT, ex.UPDATES, ex.MOMENTUM):
        exercise.attempts = 0


def test_solutions_pass(capsys):
    assert ex.check_largest_stable_lr(sol.LARGEST_STABLE_LR)
    assert ex.check_mse_gradient(sol.MSE_GRADIENT)
    assert ex.check_updates_per_epoch(sol.UPDATES_PER_EPOCH)
    assert ex.check_momentum_step(sol.momentum_step)
    out = capsys.readouterr().out
    assert out.count("✔") == 4 and "✘" not in out
    assert "-1.7139" in out


@pytest.mark.parametrize("check", [ex.check_largest_stable_lr, ex.check_mse_gradient,
                                   ex.check_updates_per_epoch, ex.check_momentum_step])
def test_placeholder_gets_the_first_hint(check, capsys):
    assert check(...) is None or not check(...)
    out = capsys.readouterr().out
    assert "✘" in out and "Hint 1/3" in out and "lessons.solutions import ch02" in out


def test_stable_lr_feedback(capsys):
    assert not ex.check_largest_stable_lr(0.5)
    assert "runs away" in capsys.readouterr().out
    assert not ex.check_largest_stable_lr(0.05)
    out = capsys.readouterr().out
    assert "still converges" in out and "Hint 2/3" in out
    assert not ex.check_largest_stable_lr(-1)
    assert not ex.check_largest_stable_lr("big")
    assert not ex.check_largest_stable_lr(float("nan"))
    assert not ex.check_largest_stable_lr(True)
    assert ex.check_largest_stable_lr(np.float32(0.1))


def test_gradient_feedback(capsys):
    assert not ex.check_mse_gradient((-2.5, -5.0))
    assert "factor 2" in capsys.readouterr().out
    assert not ex.check_mse_gradient((5.0, 10.0))
    assert "wrong sign" in capsys.readouterr().out
    assert not ex.check_mse_gradient((1.0, 2.0, 3.0))
    assert not ex.check_mse_gradient("minus five")
    assert ex.check_mse_gradient(np.array([-5.0, -10.0]))


def test_updates_feedback(capsys):
    assert not ex.check_updates_per_epoch(6)
    assert "last, smaller minibatch" in capsys.readouterr().out
    assert not ex.check_updates_per_epoch(6.25)
    assert not ex.check_updates_per_epoch(8)
    assert ex.check_updates_per_epoch(np.int64(7))


def test_momentum_feedback(capsys):
    def book(p, v, g, lr, m):
        v = m * v + lr * g
        return p + m * v - lr * g, v

    assert not ex.check_momentum_step(book)
    assert "book's printed rule" in capsys.readouterr().out

    def sign_fixed_only(p, v, g, lr, m):  # the velocity's sign fixed, the position line kept
        v = m * v - lr * g
        return p + m * v - lr * g, v

    assert not ex.check_momentum_step(sign_fixed_only)
    out = capsys.readouterr().out
    assert "Nesterov momentum" in out and "p_new = p + v_new" in out
    assert not ex.check_momentum_step(lambda p, v, g, lr, m: (p - 2 * lr * g, v))
    assert "expected" in capsys.readouterr().out
    # plain descent gets p right from rest (v = 0) but keeps no velocity
    assert not ex.check_momentum_step(lambda p, v, g, lr, m: (p - lr * g, v))
    assert "velocity" in capsys.readouterr().out
    assert not ex.check_momentum_step(lambda p, v, g, lr, m: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert not ex.check_momentum_step(lambda p, v, g, lr, m: None)
    assert not ex.check_momentum_step("v = m v - lr g")


def test_velocity_must_be_returned(capsys):
    def forgets_velocity(p, v, g, lr, m):
        v_new = m * v - lr * g
        return p + v_new, v
    assert not ex.check_momentum_step(forgets_velocity)
    assert "velocity" in capsys.readouterr().out


def test_hints_advance_and_then_repeat(capsys):
    for _ in range(5):
        ex.check_updates_per_epoch(8)
    out = capsys.readouterr().out
    assert [f"Hint {k}/3" in out for k in (1, 2, 3)] == [True, True, True]
    assert out.count("Hint 3/3") == 3


def test_a_huge_integer_is_feedback_not_an_overflow(capsys):
    # issue 8: check_largest_stable_lr(10**400) raised OverflowError
    assert not ex.check_largest_stable_lr(10**400)
    assert "too large" in capsys.readouterr().out

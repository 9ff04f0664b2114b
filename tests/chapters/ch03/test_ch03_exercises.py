"""Chapter 03: the exercise checks accept the worked solutions, reject the usual mistakes with
a specific message and the next hint, and survive a learner's broken code."""
import numpy as np
import pytest

from lessons.exercises import ch03 as ex
from lessons.solutions import ch03 as sol


@pytest.fixture(autouse=True)
def fresh_attempts():
    for exercise in (ex.DERIVATIVE, ex.ERRORS, ex.PASSES, ex.SHARED):
        exercise.attempts = 0


def test_solutions_pass(capsys):
    assert ex.check_sigmoid_derivative(sol.sigmoid_derivative)
    assert ex.check_error_terms(sol.ERR_F, sol.ERR_G)
    assert ex.check_forward_passes(sol.FORWARD_PASSES)
    assert ex.check_shared_weight_gradient(sol.shared_weight_gradient)
    out = capsys.readouterr().out
    assert out.count("✔") == 4 and "✘" not in out


def test_solution_error_terms_match_the_kernels():
    assert (sol.ERR_F, sol.ERR_G) == pytest.approx(ex.book_error_terms(), abs=1e-15)


@pytest.mark.parametrize("check", [ex.check_sigmoid_derivative, ex.check_forward_passes,
                                   ex.check_shared_weight_gradient])
def test_placeholder_gets_the_first_hint(check, capsys):
    assert not check(...)
    out = capsys.readouterr().out
    assert "✘" in out and "Hint 1/3" in out and "lessons.solutions import ch03" in out


def test_error_terms_placeholder(capsys):
    assert not ex.check_error_terms(..., ...)
    assert "Replace ... with a number for err_f" in capsys.readouterr().out
    assert not ex.check_error_terms(sol.ERR_F, ...)
    assert "err_g" in capsys.readouterr().out


def test_derivative_feedback(capsys):
    assert not ex.check_sigmoid_derivative(lambda y: 1 - y * y)
    assert "tanh's derivative" in capsys.readouterr().out
    assert not ex.check_sigmoid_derivative(lambda y: (1 / (1 + np.exp(-y))) * (1 - 1 / (1 + np.exp(-y))))
    assert "not z" in capsys.readouterr().out
    assert not ex.check_sigmoid_derivative(lambda y: y)
    assert "0.25" in capsys.readouterr().out
    assert not ex.check_sigmoid_derivative(lambda y: 0.25)
    assert "shape" in capsys.readouterr().out
    assert not ex.check_sigmoid_derivative(lambda y: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
    assert not ex.check_sigmoid_derivative("y (1 - y)")
    assert not ex.check_sigmoid_derivative(lambda y: ...)
    out = capsys.readouterr().out
    assert "still returns ..." in out and "Hint" in out


def test_error_terms_feedback(capsys):
    f_val, g_val = ex.book_error_terms()
    assert not ex.check_error_terms(-f_val, g_val)
    assert "wrong sign" in capsys.readouterr().out
    params = ex.unpack(ex.BOOK_WEIGHTS)
    g, f = (v.item() for v in ex.forward(params, np.array([ex.ERROR_X])))
    assert not ex.check_error_terms(f - ex.ERROR_Y, g_val)
    assert "missing the sigmoid's derivative" in capsys.readouterr().out
    assert not ex.check_error_terms(f_val, f_val * 0.5)
    assert "missing tanh'" in capsys.readouterr().out
    assert not ex.check_error_terms(f_val, f_val * (1 - g * g))
    assert "missing the weight" in capsys.readouterr().out
    assert not ex.check_error_terms(f_val, 0.1)
    assert "err_g = 0.1000000 is off" in capsys.readouterr().out
    assert not ex.check_error_terms(0.3, 0.1)
    assert "err_f = 0.3000000 is off" in capsys.readouterr().out
    assert not ex.check_error_terms("0.13", g_val)
    assert not ex.check_error_terms(float("nan"), g_val)
    assert not ex.check_error_terms(True, g_val)
    assert ex.check_error_terms(np.float32(round(f_val, 7)), round(g_val, 7))
    assert not ex.check_error_terms(round(f_val, 4), round(g_val, 4))  # 0.1297, 0.0447
    assert "Close, but rounded" in capsys.readouterr().out


def test_forward_passes_feedback(capsys):
    for wrong, says in ((9, "unnudged loss"), (18, "central difference"),
                        (7, "bias weights"), (2, "not it")):
        assert not ex.check_forward_passes(wrong)
        assert says in capsys.readouterr().out
    assert not ex.check_forward_passes(10.0)
    assert not ex.check_forward_passes(True)
    assert ex.check_forward_passes(np.int64(10))


def test_shared_weight_feedback(capsys):
    def overwrites(w, x1, x2, t):
        h1, h2 = np.tanh(w * x1), np.tanh(w * x2)
        dy = h1 + h2 - t
        dw = dy * (1 - h1 * h1) * x1
        dw = dy * (1 - h2 * h2) * x2  # `=` instead of `+=`: the first path is lost
        return dw

    assert not ex.check_shared_weight_gradient(overwrites)
    assert "one path's share" in capsys.readouterr().out
    assert not ex.check_shared_weight_gradient(lambda w, x1, x2, t: -sol.shared_weight_gradient(w, x1, x2, t))
    assert "finite differences give" in capsys.readouterr().out
    assert not ex.check_shared_weight_gradient(lambda w, x1, x2, t: (1.0, 2.0))
    assert "one number" in capsys.readouterr().out
    assert not ex.check_shared_weight_gradient(lambda w, x1, x2, t: None)
    assert not ex.check_shared_weight_gradient(lambda w, x1, x2, t: {}["x"])
    assert "KeyError" in capsys.readouterr().out


def test_hints_advance_and_then_repeat(capsys):
    for _ in range(5):
        ex.check_forward_passes(9)
    out = capsys.readouterr().out
    assert [f"Hint {k}/3" in out for k in (1, 2, 3)] == [True, True, True]
    assert out.count("Hint 3/3") == 3

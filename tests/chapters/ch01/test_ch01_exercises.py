"""Chapter 01, The Perceptron: the exercise checks accept the solutions and coach wrong answers."""
import numpy as np
import pytest

from lessons.exercises import ch01 as ex
from lessons.solutions import ch01 as sol


@pytest.fixture(autouse=True)
def fresh_hints():
    """Hints advance per failed attempt; start every test from hint 1."""
    for exercise in (ex.NOR, ex.LINE, ex.LR, ex.RULE):
        exercise.attempts = 0


def test_solutions_pass(capsys):
    assert ex.check_nor_weights(sol.NOR_WEIGHTS)
    assert ex.check_boundary_line(sol.BOUNDARY_SLOPE, sol.BOUNDARY_INTERCEPT)
    assert ex.check_updates_at_lr_1(sol.UPDATES_AT_LR_1)
    assert ex.check_update_rule(sol.update)
    out = capsys.readouterr().out
    assert out.count("✔") == 4 and "✘" not in out


def test_nor_check_names_the_wrong_rows_and_gives_hints_in_turn(capsys):
    first = ex.check_nor_weights((0.2, 0.6, 0.6))  # OR, not NOR: every row is wrong
    assert not first and first.message.count("want") == 4 and "Hint 1/3" in first.message
    second = ex.check_nor_weights((-0.2, -0.6, 0.6))
    assert not second and "Hint 2/3" in second.message
    assert "(+1, +1) gives -1" not in second.message  # that row is right
    assert "from lessons.solutions import ch01" in capsys.readouterr().out


@pytest.mark.parametrize("answer", [..., None, (1, 2), "abc", (0.0, np.nan, 0.0)])
def test_nor_check_explains_malformed_answers(answer):
    assert not ex.check_nor_weights(answer)
    assert ex.NOR.attempts == 1


def test_any_nor_weights_pass_not_just_the_solution():
    assert ex.check_nor_weights((-1.0, -1.0, -1.0))
    assert not ex.check_nor_weights((0.0, 0.0, 0.0))  # z = 0 gives +1 on every row


def test_boundary_line_check():
    assert not ex.check_boundary_line(1.2, 1.8)
    result = ex.check_boundary_line(-1.2, -1.8)
    assert not result and "intercept" in result.message and "slope" not in result.message
    assert not ex.check_boundary_line(..., ...)
    assert not ex.check_boundary_line("a", 1)
    assert ex.check_boundary_line(-6 / 5, 9 / 5)


def test_updates_at_lr_1_check():
    assert ex.updates_at(0.1) == ex.updates_at(1.0) == 3
    assert "fewer" in ex.check_updates_at_lr_1(30).message
    assert "more" in ex.check_updates_at_lr_1(1).message
    assert not ex.check_updates_at_lr_1(3.0)  # a whole number is asked for
    assert not ex.check_updates_at_lr_1(True)
    assert not ex.check_updates_at_lr_1(...)
    assert ex.check_updates_at_lr_1(np.int64(3))


def test_update_rule_check_catches_the_usual_mistakes():
    def with_np_sign(w, x, target, lr):  # the book's erratum: z = 0 is "neither"
        return w + target * lr * x if np.sign(w @ x) != target else w.copy()

    def always_updates(w, x, target, lr):
        return w + target * lr * x

    def forgets_lr(w, x, target, lr):
        return w + target * x if (1.0 if w @ x >= 0 else -1.0) != target else w.copy()

    def in_place_only(w, x, target, lr):
        w += target * lr * x

    def crashes(w, x, target, lr):
        raise RuntimeError("oops")

    for wrong in (with_np_sign, always_updates, forgets_lr):
        result = ex.check_update_rule(wrong)
        assert not result and "expected" in result.message
    assert "returned None" in ex.check_update_rule(in_place_only).message
    assert "RuntimeError: oops" in ex.check_update_rule(crashes).message
    assert not ex.check_update_rule(...)


def test_rule_cases_include_table_2_1_and_z_zero():
    cases = ex._rule_cases()
    deltas = [ex.reference_update(w, x, t, lr) - w for w, x, t, lr in cases[:3]]
    assert np.allclose(deltas, [[0.1, 0, 0], [-0.1, 0, -0.15], [0.1, -0.15, 0]], atol=1e-12)
    assert any(np.dot(w, x) == 0.0 for w, x, _, _ in cases)


def test_update_rule_returning_a_string_is_feedback_not_a_crash(capsys):
    # issue 8: check_update_rule(lambda w, x, t, lr: 'abc') raised ValueError
    assert not ex.check_update_rule(lambda w, x, t, lr: "abc")
    out = capsys.readouterr().out
    assert "✘" in out and "'abc'" in out

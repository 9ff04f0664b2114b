"""Chapter 07: the exercise checks accept the worked solutions, reject the usual mistakes with a
specific message and the next hint, and survive a learner's broken code."""
import math

import numpy as np
import pytest

from lessons.exercises import ch07 as ex
from lessons.solutions import ch07 as sol


@pytest.fixture(autouse=True)
def fresh_attempts():
    for exercise in (ex.SIZE, ex.HAND, ex.EDGE):
        exercise.attempts = 0


def test_solutions_pass(capsys):
    assert ex.check_output_size(sol.output_size)
    assert ex.check_conv1d_by_hand(sol.Y3, sol.DW0, sol.DX4)
    assert ex.check_vertical_edge_kernel(sol.VERTICAL_EDGE)
    out = capsys.readouterr().out
    assert out.count("✔") == 3 and "✘" not in out


def test_hand_answers_come_from_the_kernels():
    assert ex.hand_answers() == (3.0, 6.0, 1.0) == (sol.Y3, sol.DW0, sol.DX4)


@pytest.mark.parametrize("check", [ex.check_output_size, ex.check_vertical_edge_kernel])
def test_placeholder_gets_the_first_hint(check, capsys):
    assert not check(...)
    out = capsys.readouterr().out
    assert "✘" in out and "Hint 1/3" in out and "lessons.solutions import ch07" in out


@pytest.mark.parametrize("fn, message", [
    (lambda n, k, s, p: (n + 2 * p - k) // s, "one short"),
    (lambda n, k, s, p: (n + p - k) // s + 1, "both sides"),
    (lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1, "round down"),
    (lambda n, k, s, p: n + 2 * p - k + 1, "stride is missing"),
    (lambda n, k, s, p: (n + 2 * p - k) / s + 1, "not a whole number"),
    (lambda n, k, s, p: n, "the answer is 26"),
    (lambda n, k, s, p: 1 / 0, "ZeroDivisionError"),
    (lambda n, k, s, p: ..., "still returns ..."),
    (lambda n, k, s, p: "26", "whole number"),
])
def test_output_size_feedback(fn, message, capsys):
    assert not ex.check_output_size(fn)
    out = capsys.readouterr().out
    assert message in out and "Hint 1/3" in out


def test_output_size_accepts_floats_that_are_whole():
    assert ex.check_output_size(lambda n, k, s, p: float((n + 2 * p - k) // s + 1))


@pytest.mark.parametrize("answer, message", [
    ((9, 6, 1), "true convolution"),
    ((11, 6, 1), "padding shifts"),
    ((3, 3, 1), "counts only 3 positions"),
    ((3, 7, 1), "dL/dw[0] = 7 is off"),
    ((3, 6, 2), "inner cell"),
    ((3, 6, 3), "opposite directions"),
    ((3, 6, 0), "dL/dx[4] = 0 is off"),
    ((5, 6, 1), "y[3] = 5 is off"),
])
def test_hand_feedback(answer, message, capsys):
    assert not ex.check_conv1d_by_hand(*answer)
    assert message in capsys.readouterr().out


def test_hand_wrong_answers_are_what_the_messages_say():
    x, w = np.array(ex.HAND_X), np.array(ex.HAND_W)
    assert np.dot(w[::-1], np.pad(x, 1)[3:6]) == 9  # flipped kernel
    assert np.dot(w, np.pad(x, 1)[4:7]) == 11        # the window one cell too far right
    assert x[:3].sum() == 3 and w.sum() == 2 and w[0] + w[1] == 3


@pytest.mark.parametrize("bad", [..., None])
def test_hand_placeholder_asks_for_a_number(bad, capsys):
    assert not ex.check_conv1d_by_hand(bad, 6, 1)
    assert "Replace ... in y3 with a number." in capsys.readouterr().out


@pytest.mark.parametrize("bad, shown", [("3", "'3'"), (np.array([3.0]), "array([3.])"),
                                        (float("nan"), "nan"), (True, "True")])
def test_hand_rejects_non_numbers(bad, shown, capsys):
    # an array or a string is no leftover ...: say what is wrong with it
    assert not ex.check_conv1d_by_hand(3, bad, 1)
    out = capsys.readouterr().out
    assert f"dw0 must be one finite number, got {shown}." in out and "Replace" not in out


def test_hand_accepts_numpy_numbers():
    assert ex.check_conv1d_by_hand(np.float32(3), np.int64(6), 1.0)


@pytest.mark.parametrize("K, message", [
    (sol.VERTICAL_EDGE.T, "transposed"),
    (np.zeros((3, 3)), "no response"),
    (np.full((3, 3), 1 / 9), "flat patch"),
    ([[0, 1, 0], [1, -4, 1], [0, 1, 0]], "every direction"),
    ([[1, 0, -1], [1, 0, -1]], "shape (2, 3)"),
    ([[1, 0, np.inf], [1, 0, -1], [1, 0, -1]], "finite"),
    ("vertical", "3 x 3 array"),
    ([[1, 0, 0], [1, 0, 0], [1, 0, 0]], "weights sum to 3"),
])
def test_edge_feedback(K, message, capsys):
    assert not ex.check_vertical_edge_kernel(K)
    assert message in capsys.readouterr().out


@pytest.mark.parametrize("K", [[[1, 0, -1], [2, 0, -2], [1, 0, -1]],
                               [[-1, 1, 0], [-1, 1, 0], [-1, 1, 0]],
                               [[0, 0, 0], [-1, 0, 1], [0, 0, 0]]])
def test_other_vertical_edge_kernels_pass(K):
    assert ex.check_vertical_edge_kernel(K)


@pytest.mark.parametrize("scale", [1e308, -1e308])
def test_a_kernel_whose_responses_overflow_does_not_pass(scale, capsys):
    # issue 8: np.full((3, 3), 1e308) passed, because inf > 0.1 * inf is False
    assert not ex.check_vertical_edge_kernel(np.full((3, 3), scale))
    assert "too large" in capsys.readouterr().out

"""Chapter 05 exercises: the solutions pass, typical wrong answers fail with a hint."""
import math
import re

import numpy as np
import pytest

from lessons.exercises import ch05 as ex
from lessons.solutions import ch05 as sol


@pytest.fixture(autouse=True)
def fresh_attempts():
    for exercise in (ex.GLOROT, ex.DELTAS, ex.ADAM_STEP, ex.BN_BACKWARD):
        exercise.attempts = 0


def failed_with_hint(result, *words):
    assert result is not None and not result.passed
    assert re.search(r"Hint [123]/3: ", result.message)
    assert "lessons.solutions import ch05" in result.message
    for word in words:
        assert word in result.message
    return True


def test_solutions_pass(capsys):
    assert ex.check_glorot_limit(sol.GLOROT_LIMIT)
    assert ex.check_glorot_limit(0.0861)  # four digits are enough
    assert ex.check_output_deltas(sol.MSE_DELTA, sol.CE_DELTA)
    assert ex.check_adam_first_step(sol.ADAM_FIRST_STEP)
    assert ex.check_batchnorm_backward(sol.batchnorm_backward)
    assert capsys.readouterr().out.count("✔") == 5


def test_wrong_numbers():
    assert failed_with_hint(ex.check_glorot_limit(math.sqrt(2 / 784)), "He's sigma")
    assert failed_with_hint(ex.check_glorot_limit(math.sqrt(6 / 810)), "bias")
    # chapter 05 prints "Glorot's a is 0.086": three decimals are too few to judge
    assert failed_with_hint(ex.check_glorot_limit(0.086), "0.086 is close: give a to 4 decimal "
                                                          "places or more")
    assert failed_with_hint(ex.check_glorot_limit(0.0862), "off in the 4th decimal")
    assert failed_with_hint(ex.check_output_deltas(-sol.MSE_DELTA, sol.CE_DELTA), "sign")
    assert failed_with_hint(ex.check_output_deltas(sol.MSE_DELTA, 0.99), "cross-entropy")
    assert failed_with_hint(ex.check_adam_first_step(0.25), "SGD")
    assert failed_with_hint(ex.check_adam_first_step(...), "Replace ...")


def test_batchnorm_backward_wrong_answers():
    def naive(dY, X_hat, inv_std, gamma):
        return dY * gamma * inv_std, (dY * X_hat).sum(0), dY.sum(0)

    def mean_not_sum(dY, X_hat, inv_std, gamma):
        dX, dgamma, dbeta = sol.batchnorm_backward(dY, X_hat, inv_std, gamma)
        return dX, dgamma / len(dY), dbeta

    assert failed_with_hint(ex.check_batchnorm_backward(naive), "constants")
    assert failed_with_hint(ex.check_batchnorm_backward(mean_not_sum), "sums")
    assert failed_with_hint(ex.check_batchnorm_backward(lambda *a: (1, 2)), "three arrays")
    assert failed_with_hint(ex.check_batchnorm_backward(lambda *a: 1 / 0), "ZeroDivisionError")
    assert failed_with_hint(ex.check_batchnorm_backward(...), "Pass your function")
    assert failed_with_hint(ex.check_batchnorm_backward(
        lambda dY, X_hat, inv_std, gamma: (np.zeros((2, 2)), gamma, gamma)), "shape")

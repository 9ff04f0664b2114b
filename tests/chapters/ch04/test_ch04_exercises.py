"""Chapter 04 exercises: the solutions pass, typical wrong answers fail with a hint."""
import re

import numpy as np
import pytest

from lessons.exercises import ch04 as ex
from lessons.solutions import ch04 as sol


@pytest.fixture(autouse=True)
def fresh_attempts():
    for exercise in (ex.ONE_HOT, ex.STANDARDIZE, ex.UPDATES, ex.BASELINE):
        exercise.attempts = 0


def failed_with_hint(result, *words):
    assert result is not None and not result.passed
    assert re.search(r"Hint [123]/3: ", result.message)
    assert "lessons.solutions import ch04" in result.message
    for word in words:
        assert word in result.message
    return True


def test_solutions_pass(capsys):
    assert ex.check_one_hot(sol.one_hot)
    assert ex.check_standardize(sol.standardize)
    assert ex.check_minibatch_updates(sol.UPDATES_PER_EPOCH, sol.TOTAL_UPDATES)
    assert ex.check_shuffled_baseline(sol.SHUFFLED_BASELINE)
    assert capsys.readouterr().out.count("✔") == 4


def test_one_hot_wrong_answers():
    assert failed_with_hint(ex.check_one_hot(lambda y, k: np.zeros((k, len(y)))), "swapped?")
    assert failed_with_hint(ex.check_one_hot(lambda y, k: 1 - sol.one_hot(y, k)), "swapped")
    assert failed_with_hint(ex.check_one_hot(lambda y, k: np.eye(k)[::-1][y]), "got rows")
    assert failed_with_hint(ex.check_one_hot(lambda y, k: 1 / 0), "ZeroDivisionError")
    assert failed_with_hint(ex.check_one_hot(...), "Pass your function")
    assert "Hint 3/3" in ex.check_one_hot(...).message  # one more hint per try
    assert "Hint 3/3" in ex.check_one_hot(...).message  # the last one repeats


def test_one_hot_must_use_n_classes_not_the_largest_label():
    # labels [0, 2] of a 5-class problem: np.eye(labels.max() + 1) gives 3 columns
    result = ex.check_one_hot(lambda y, k: np.eye(y.max() + 1)[y])
    assert failed_with_hint(result, "labels [0, 2] and n_classes = 5", "(2, 3), expected (2, 5)",
                            "n_classes columns, not the largest label + 1")


def test_standardize_wrong_answers():
    def own_statistics(train, test):
        return ((train - train.mean()) / train.std(), (test - test.mean()) / test.std())

    def per_pixel(train, test):
        m, s = train.mean(axis=0), train.std(axis=0)
        return (train - m) / s, (test - m) / s

    def scaled(train, test):
        return train / 255, test / 255

    assert failed_with_hint(ex.check_standardize(own_statistics), "OWN", "leaks")
    assert failed_with_hint(ex.check_standardize(per_pixel), "per pixel")
    assert failed_with_hint(ex.check_standardize(scaled), "training set")
    assert failed_with_hint(ex.check_standardize(lambda a, b: a), "two arrays")


def test_update_count_wrong_answers():
    assert failed_with_hint(ex.check_minibatch_updates(938, 2814), "incomplete batch")
    assert failed_with_hint(ex.check_minibatch_updates(937, 937), "total")
    assert failed_with_hint(ex.check_minibatch_updates(937.5, 2812), "whole number")
    assert failed_with_hint(ex.check_minibatch_updates(..., 1), "Replace")
    assert failed_with_hint(ex.check_minibatch_updates(469, 2345), "is not it")


def test_baseline_wrong_answers():
    assert failed_with_hint(ex.check_shuffled_baseline(1 / 3), "balanced")
    assert failed_with_hint(ex.check_shuffled_baseline(0.5), "biggest class")
    assert failed_with_hint(ex.check_shuffled_baseline("a lot"), "Expected a number")
    assert failed_with_hint(ex.check_shuffled_baseline(0.2), "is not it")
    assert ex.check_shuffled_baseline(np.float32(0.38))


def test_the_notebook_placeholders_ask_for_code():
    def one_hot(labels, n_classes):
        T = ...
        return T

    assert failed_with_hint(ex.check_one_hot(one_hot), "Replace ...")
    assert failed_with_hint(ex.check_standardize(lambda a, b: (..., ...)), "Replace ...")
    assert failed_with_hint(ex.check_shuffled_baseline(...), "Replace ...")

"""Exercise.count: the one check behind every "how many parameters / positions" exercise."""
import pytest

from lessons.exercises import Exercise

CASES = ((2, 3), (4, 1))


def _area(a, b):
    return a * b


def _check(fn, capsys):
    """check_area(fn) as a chapter would write it, and what it printed."""
    exercise = Exercise("area", ["Multiply the sides."], "ch00")

    @exercise.check
    def check_area(fn):
        exercise.count(fn, ("a", "b"), CASES, _area, [
            (lambda a, b: a + b, ": you added a = {a} and b = {b}"),
            (lambda a, b: 2 * a * b, ", twice the answer")])
        return exercise.feedback(True)

    passed = check_area(fn)
    return passed, capsys.readouterr().out


@pytest.mark.parametrize("fn", [_area, lambda a, b: float(a * b)])
def test_the_right_count_passes_as_an_int_or_a_whole_float(fn, capsys):
    passed, out = _check(fn, capsys)
    assert passed and "✔" in out


@pytest.mark.parametrize("fn, message", [
    (lambda a, b: a + b, "a = 2, b = 3: you return 5: you added a = 2 and b = 3."),
    (lambda a, b: 2 * a * b, "a = 2, b = 3: you return 12, twice the answer."),
    (lambda a, b: 6 if a == 2 else 5, "a = 4, b = 1: you return 5: you added a = 4 and b = 1."),
    (lambda a, b: 7, "a = 2, b = 3: you return 7; the answer is 6."),
    (lambda a, b: a * b + 0.5, "a = 2, b = 3: expected a whole number, got 6.5."),
    (lambda a, b: [6], "a = 2, b = 3: expected a whole number, got [6]."),
    (lambda a, b: 1 / 0, "your function raised ZeroDivisionError"),
])
def test_the_first_wrong_case_gets_the_first_matching_words_and_a_hint(fn, message, capsys):
    passed, out = _check(fn, capsys)
    assert not passed
    assert message in out and "Hint 1/1: Multiply the sides." in out

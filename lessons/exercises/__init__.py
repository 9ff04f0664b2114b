"""Exercises: `check_...` helpers that give feedback offline, hints before answers.

Each chapter's module (`lessons.exercises.ch01`, ...) defines its checks with `Exercise`.
A wrong answer prints what is off and the next hint; the worked solutions live in
`lessons.solutions`, which a learner imports only when they choose to.
"""
import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The outcome of one check: `passed`, and the message printed for the learner."""

    exercise: str
    passed: bool
    message: str

    def __str__(self):
        mark = "✔" if self.passed else "✘"
        return f"{mark} {self.exercise}: {self.message}"

    def __bool__(self):
        return self.passed


class Exercise:
    """An exercise with hints given one per failed attempt (the last one repeats)."""

    def __init__(self, name, hints, solution):
        self.name, self.hints, self.solution = name, tuple(hints), solution
        self.attempts = 0

    def feedback(self, passed, detail=""):
        """Print and return Feedback; on failure the detail is followed by the next hint."""
        if passed:
            message = detail or "correct."
        else:
            hint = self.hints[min(self.attempts, len(self.hints) - 1)]
            self.attempts += 1
            message = f"{detail} Hint {min(self.attempts, len(self.hints))}/{len(self.hints)}: {hint}"
            message += f" (Stuck? `from lessons.solutions import {self.solution}`.)"
        result = Feedback(self.name, passed, message.strip())
        print(result)
        return result

    def number(self, x, what):
        """x as a finite float, or None after printing what is wrong with the answer."""
        if x is ... or x is None:
            self.feedback(False, f"Replace ... with {what}.")
            return None
        if isinstance(x, bool):
            self.feedback(False, f"Expected {what}, got {x!r}.")
            return None
        try:
            value = float(x)
        except (TypeError, ValueError):
            self.feedback(False, f"Expected {what}, got {x!r}.")
            return None
        if not math.isfinite(value):
            self.feedback(False, f"Expected a finite number, got {x!r}.")
            return None
        return value

    def call(self, fn, *args, as_array=False):
        """fn(*args) (as a float array if asked), or None after printing the learner's error
        or a leftover `...`: the learner's code must never crash the check."""
        try:
            value = fn(*args)
            if value is ...:
                self.feedback(False, "Your function still returns ...: replace it with your "
                                     "formula.")
                return None
            return np.asarray(value, dtype=float) if as_array else value
        except Exception as error:
            self.feedback(False, f"your function raised {type(error).__name__}: {error}.")
            return None

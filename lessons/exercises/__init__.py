"""Exercises: `check_...` helpers that give feedback offline, hints before answers.

Each chapter's module (`lessons.exercises.ch01`, ...) defines its checks with `Exercise`.
A wrong answer prints what is off and the next hint; the worked solutions live in
`lessons.solutions`, which a learner imports only when they choose to.
"""
from dataclasses import dataclass


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

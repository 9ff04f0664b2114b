"""Exercises: `check_...` helpers that give feedback offline, hints before answers.

Each chapter's module (`lessons.exercises.ch01`, ...) defines its checks with `Exercise`.
A wrong answer prints what is off and the next hint; the worked solutions live in
`lessons.solutions`, which a learner imports only when they choose to.

A check must never crash, whatever the learner gives it: a string, an integer too large for a
float, a ragged list, a complex number, a generator, a function that raises or returns None.
Every answer is read through the helpers below (`Exercise.number`, `.whole`, `.array`,
`.items`, `.call`, and `shown` for messages). A helper that cannot use an answer prints why,
with the next hint, and ends the check, which returns that Feedback like any other: decorate
every check with `@EXERCISE.check`.
"""
import functools
import itertools
import math
import numbers
import reprlib
from dataclasses import dataclass

import numpy as np

_LONGEST = 60  # characters of a learner's value shown in a message


def shown(value):
    """A learner's value as message text: short (long values abbreviated) and never failing.

    Numbers print as str (28.5, not np.float64(28.5)), integers with thousands separators.
    The value's own repr may raise, and Python refuses to print an int of over 4,300 digits.
    """
    try:
        if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
            text = f"{value:,}"
        elif isinstance(value, numbers.Number):
            text = str(value)
        else:
            text = reprlib.repr(value)
    except Exception:
        return f"a {type(value).__name__} that cannot be printed"
    if len(text) > _LONGEST:
        half = (_LONGEST - 3) // 2
        text = f"{text[:half]}...{text[-half:]}"
    return text


def is_whole(x):
    """True for an int or NumPy integer (not a bool)."""
    return isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))


def is_whole_value(x):
    """is_whole(x), or a float holding a whole number: a count computed with / (86528.0) is
    the right count."""
    return is_whole(x) or (isinstance(x, (float, np.floating)) and float(x).is_integer())


def numbers_in(x):
    """(x as a float array, None), or (None, a description of x) when x is not numbers:
    None, ..., a bool, a string, complex values, a ragged list, a generator, an integer too
    large for a float, or anything whose conversion raises (it may run the learner's own
    code). NaN and inf are kept: the caller decides about them."""
    if x is None or x is ... or isinstance(x, (str, bytes, bool, np.bool_)):
        return None, shown(x)
    try:
        if np.iscomplexobj(x):  # converting would silently drop the imaginary part
            return None, shown(x)
        return np.asarray(x, dtype=float), None
    except OverflowError:
        return None, f"a number too large for a float ({shown(x)})"
    except Exception:
        return None, shown(x)


def first_items(value, n):
    """The first n + 1 items of value as a tuple (so a wrong count shows), or None if it
    cannot be iterated. Reads no further: an endless generator cannot hang a check."""
    try:
        return tuple(itertools.islice(value, n + 1))
    except Exception:
        return None


def _text(error):
    try:
        return str(error)
    except Exception:
        return "(its message cannot be printed)"


class _Stop(Exception):
    """Raised by Exercise's helpers after they printed why an answer cannot be checked."""

    def __init__(self, feedback):
        super().__init__(feedback.message)
        self.feedback = feedback


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

    def check(self, func):
        """Decorator for a check function: when a helper refuses the answer (after printing
        why and the next hint), the check returns that Feedback."""
        @functools.wraps(func)
        def run(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except _Stop as stop:
                return stop.feedback
        return run

    def stop(self, detail):
        """Print detail as a failed attempt (with the next hint) and end the check."""
        raise _Stop(self.feedback(False, detail))

    def given(self, x, what):
        """x, unless it is still the placeholder ... (or None)."""
        if x is ... or x is None:
            self.stop(f"Replace ... with {what}.")
        return x

    def number(self, x, what):
        """x as a finite float."""
        value, wrong = numbers_in(self.given(x, what))
        if wrong or value.shape != ():
            self.stop(f"Expected {what}, got {wrong or shown(x)}.")
        if not math.isfinite(value):
            self.stop(f"Expected a finite number, got {shown(x)}.")
        return float(value)

    def whole(self, x, what):
        """x, an int or NumPy integer."""
        if not is_whole(self.given(x, what)):
            self.stop(f"Expected a whole number, got {shown(x)}.")
        return x

    def count(self, fn, names, cases, want, mistakes=()):
        """Ends the check at the first case where the learner's fn(*case) is not the count
        want(*case) (of parameters, of positions...). A float holding the right whole number
        is right: a count computed with / (16640.0) is the count. The message names the
        case's arguments (`names`) and what fn returned, then the words of the first of
        `mistakes` whose count it matches: (count, words) pairs, count a function of the
        case's arguments, words formatted with them by name ("{k}"); else the right count."""
        for case in cases:
            got, right = self.call(fn, *case), want(*case)
            if is_whole_value(got) and got == right:
                continue
            args = dict(zip(names, case))
            where = ", ".join(f"{name} = {value}" for name, value in args.items())
            if not is_whole_value(got):
                self.stop(f"{where}: expected a whole number, got {shown(got)}.")
            words = next((words for count, words in mistakes if got == count(*case)),
                         "; the answer is {right:,}")
            self.stop(f"{where}: you return {shown(got)}{words.format(**args, right=right)}.")

    def array(self, x, what, *, shape=None, placeholder=None):
        """x as a float array of finite numbers (of `shape`, if given). placeholder: what
        replaces ... in the message for a leftover ... (default: what)."""
        arr, wrong = numbers_in(self.given(x, placeholder or what))
        if wrong:
            self.stop(f"Expected {what}, got {wrong}.")
        if shape is not None and arr.shape != shape:
            self.stop(f"Expected {what}, got shape {arr.shape}.")
        if not np.all(np.isfinite(arr)):
            self.stop(f"Every value must be a finite number, got {shown(x)}.")
        return arr

    def items(self, value, n, what):
        """value unpacked into its n items (a tuple, list or other iterable of exactly n)."""
        got = first_items(value, n)
        if got is None or len(got) != n:
            self.stop(f"Expected {what}, got {shown(value)}.")
        return got

    def call(self, fn, *args, placeholder=None):
        """fn(*args), the learner's function: its error, a None or a leftover ... ends the
        check with a message. placeholder: what replaces a returned ... (default: "your
        formula")."""
        try:
            value = fn(*args)
        except Exception as error:  # the learner's code: report it, never crash the check
            self.stop(f"your function raised {type(error).__name__}: {_text(error)}.")
        if value is ...:
            self.stop(f"Replace ... with {placeholder}." if placeholder else
                      "Your function still returns ...: replace it with your formula.")
        if value is None:
            self.stop("Your function returned None: end it with `return` and your answer.")
        return value

"""Chapter 10, RNNs: worked solutions to `lessons.exercises.ch10`. Hints first!"""
from lessons.solutions.kernels import rnn_backward  # noqa: F401  (check_kernel's)


def rnn_parameters(n, m):
    """Each unit: m input weights, n recurrent weights, one bias."""
    return n * (n + m + 1)


VANISHING_FACTOR = 0.9 ** 50  # the same weight on every step back: w_r^n

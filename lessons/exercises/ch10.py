"""Chapter 10, RNNs: exercises with offline feedback.

    check_rnn_parameters(fn)        your `fn(n, m)`: the parameters of a recurrent layer
    check_vanishing_factor(x)       what 50 steps of w_r = 0.9 leave of an error (Ekman's w_r^n)

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch10`. Writing BPTT yourself is `check_kernel("rnn_backward",
fn)` (lessons.exercises.kernels): your rnn_backward against the course's on Ekman's w_r^n and
random sequences; once it passes, the chapter trains its RNN on it (train_sales_rnn inside
`with use(rnn_backward=fn):`).
"""
from lessons.exercises import Exercise, shown

PARAMS = Exercise("recurrent layer parameters", [
    "Each of the n units has one weight per input (m), one per recurrent input (the n "
    "outputs of the layer at the previous step) and a bias.",
    "Per unit: m + n + 1 weights. Ekman's SimpleRNN(128) on 1 input: 128 · (1 + 128 + 1).",
    "return n * (n + m + 1)",
], "ch10")

VANISH = Exercise("the vanishing factor", [
    "Along a path back through time the error is multiplied by the same recurrent weight "
    "at every step (Ekman: w_r^n).",
    "50 steps back: 0.9 multiplied by itself 50 times.",
    "0.9 ** 50, about 0.005: half a percent of the error is left.",
], "ch10")


@PARAMS.check
def check_rnn_parameters(fn):
    """fn(n, m) must give the parameters of a recurrent layer of n units on m inputs."""
    if fn is ... or not callable(fn):
        return PARAMS.feedback(False, "Pass your function: check_rnn_parameters(fn).")
    PARAMS.count(fn, ("n", "m"), ((128, 1), (4, 3), (1, 1), (64, 10)),
                 lambda n, m: n * (n + m + 1), [
        (lambda n, m: n * (n + m), ", without the biases"),
        (lambda n, m: n * (m + 1), ", without the recurrent weights")])
    return PARAMS.feedback(True, "n (n + m + 1): 16,640 for Ekman's SimpleRNN(128) on one "
                                 "input, plus 129 for the Dense(1) head = 16,769.")


@VANISH.check
def check_vanishing_factor(x):
    """x: what is left of an error after 50 steps back through a recurrent weight of 0.9."""
    value = VANISH.number(x, "a number")
    want = 0.9 ** 50
    if abs(value - want) <= 0.05 * want:  # within 5 %: 0.005, 0.0052 and 0.00515 all pass
        return VANISH.feedback(True, f"0.9^50 = {want:.5f}; and 1.1^50 = "
                                     f"{1.1 ** 50:.0f}: the other way it explodes.")
    if abs(value - 100 * want) <= 5 * want:
        return VANISH.feedback(False, f"{shown(x)} looks like a percentage; give the "
                                      f"fraction (a percentage divided by 100).")
    if abs(value - 0.9 * 50) < 1e-6:
        return VANISH.feedback(False, "You multiplied 0.9 by 50; the factor repeats.")
    return VANISH.feedback(False, f"{shown(x)} is not it.")

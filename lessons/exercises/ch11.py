"""Chapter 11, LSTM, GRU and Text Autocompletion: exercises with offline feedback.

    check_lstm_parameters(fn)     your `fn(n, m)`: the parameters of an LSTM layer
    check_beam_example(kept)      the two continuations a width-2 beam keeps, with their
                                  probabilities, as a dict
    check_temperature(p)          [0.6, 0.3, 0.1] at temperature 0.5

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch11`.
"""
import numpy as np

from lessons.exercises import Exercise, shown

# Exercise 2: after "Th" e 50%, a 30%, i 20%; then e -> " " 60%, r 30%; a -> t 70%, n 20%;
# i -> s 90%, n 5%.
FIRST = {"e": 0.5, "a": 0.3, "i": 0.2}
SECOND = {"e": {" ": 0.6, "r": 0.3}, "a": {"t": 0.7, "n": 0.2}, "i": {"s": 0.9, "n": 0.05}}
PROBS = (0.6, 0.3, 0.1)
TEMPERATURE = 0.5

LSTM = Exercise("LSTM parameters", [
    "An LSTM layer has four gates (input, forget, candidate, output); each is a dense "
    "layer on the concatenation [h, x] with a bias.",
    "One gate: n units, each with n + m inputs and a bias: n (n + m + 1). Four of them.",
    "return n * 4 * (n + m + 1)",
], "ch11")

BEAM = Exercise("beam search by hand", [
    "Beam width 2: after the first step keep the two most likely letters (e and a); i is "
    "pruned, however good its continuations.",
    "Extend each kept beam by its two best letters and multiply: e' ' = 0.5 x 0.6, er = "
    "0.5 x 0.3, at = 0.3 x 0.7, an = 0.3 x 0.2. Keep the two largest products.",
    "{'e ': 0.3, 'at': 0.21}. Note that 'is' (0.2 x 0.9 = 0.18) would beat 'er' but was "
    "pruned at step 1.",
], "ch11")

TEMP = Exercise("temperature", [
    "Divide each log-probability by T, exponentiate, and normalise to sum 1.",
    "exp(log p / T) = p^(1/T): at T = 0.5 that is p squared, then normalised.",
    "[0.36, 0.09, 0.01] / 0.46 = [0.7826, 0.1957, 0.0217].",
], "ch11")


@LSTM.check
def check_lstm_parameters(fn):
    """fn(n, m) must give n · 4 · (n + m + 1)."""
    if fn is ... or not callable(fn):
        return LSTM.feedback(False, "Pass your function: check_lstm_parameters(fn).")
    LSTM.count(fn, ("n", "m"), ((128, 40), (3, 2), (1, 1), (128, 128)),
               lambda n, m: n * 4 * (n + m + 1), [
        (lambda n, m: n * (n + m + 1), ", one gate's worth: there are four"),
        (lambda n, m: n * 4 * (n + m), ", without the biases")])
    return LSTM.feedback(True, "N·4·(N + M + 1) (Ekman L5488): 86,528 for LSTM(128) on a "
                               "40-character vocabulary, four times a simple RNN layer.")


def beam_answer():
    scores = {first + second: FIRST[first] * p for first in sorted(FIRST, key=FIRST.get,
                                                                     reverse=True)[:2]
              for second, p in SECOND[first].items()}
    return dict(sorted(scores.items(), key=lambda kv: -kv[1])[:2])


@BEAM.check
def check_beam_example(kept):
    """kept: {continuation: probability} for the two beams kept after two steps."""
    if not isinstance(BEAM.given(kept, "a dict of two continuations"), dict):
        BEAM.stop(f"Expected a dict like {{'xy': 0.1, 'zw': 0.05}}, got {shown(kept)}.")
    want = beam_answer()
    keys = set(map(str, kept))
    if "is" in keys:
        return BEAM.feedback(False, "'is' is more probable than some kept beams, but i was "
                                    "pruned at the first step.")
    if keys != set(want):
        return BEAM.feedback(False, f"You keep {sorted(keys)}; those are not the two beams.")
    for key, p in want.items():
        value = BEAM.number(kept[key], f"the probability of {key!r}")
        if abs(value - p) > 1e-6:
            return BEAM.feedback(False, f"{key!r}: {shown(value)} is not its probability.")
    return BEAM.feedback(True, "'e ' (0.30) and 'at' (0.21); 'is' (0.18) would have beaten "
                               "'er' (0.15) but never got the chance: beam search is greedy "
                               "about what it prunes.")


def tempered():
    p = np.array(PROBS) ** (1 / TEMPERATURE)
    return p / p.sum()


@TEMP.check
def check_temperature(p):
    """p: the three probabilities at temperature 0.5."""
    got = TEMP.array(p, "three probabilities", shape=(3,), placeholder="your three numbers")
    want = tempered()
    with np.errstate(all="ignore"):  # 1e308s must not warn: they are simply wrong
        return _temperature_feedback(got, want, p)


def _temperature_feedback(got, want, p):
    if np.allclose(got, want, atol=1e-3):
        return TEMP.feedback(True, f"{np.round(want, 4).tolist()}: a lower temperature "
                                   f"sharpens the distribution toward the argmax.")
    if np.allclose(got, np.array(PROBS) ** 2, atol=1e-3):
        return TEMP.feedback(False, "Squared, yes; now normalise them to sum 1.")
    if np.allclose(got / got.sum() if got.sum() else got,
                   (np.array(PROBS) ** 0.5) / np.sum(np.array(PROBS) ** 0.5), atol=1e-3):
        return TEMP.feedback(False, "That is T = 2 (flatter): divide the logs by T = 0.5.")
    return TEMP.feedback(False, f"{shown(p)} is not it.")

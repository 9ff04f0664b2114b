"""Chapter 11: beam search on Ekman's worked example, and its bad input."""
import numpy as np
import pytest

from lessons.decoding import beam_search

# Ekman Fig. 11-3 (L5616-5620): after "What ", t 20% and d 15%; after t: i 40%, y 10%; after
# d: a 80%, o 10%. The rest of each distribution is spread over other letters, each less
# likely than the two named ones (so that they are the top two, as in the book).
ALPHABET = "tdiyaobcefghjklmnpqrsuvwxz"
OTHERS = "bcefghjklmnpq"  # 13 letters


def distribution(named):
    p = np.zeros(len(ALPHABET))
    for ch, v in named.items():
        p[ALPHABET.index(ch)] = v
    rest = [ALPHABET.index(ch) for ch in OTHERS]
    p[rest] = (1.0 - sum(named.values())) / len(rest)
    return p


FIRST = distribution({"t": 0.20, "d": 0.15})
AFTER = {"t": distribution({"i": 0.4, "y": 0.1}), "d": distribution({"a": 0.8, "o": 0.1})}


def ekman_step(states, tokens):
    rows = [FIRST if tok is None else AFTER.get(ALPHABET[tok], FIRST) for tok in tokens]
    with np.errstate(divide="ignore"):  # letters the example never names: log 0 = -inf
        return np.log(np.array(rows)), list(states)


def test_ekmans_worked_example_keeps_da_and_ti():
    result = beam_search(ekman_step, None, beam_width=2, steps=2)
    words = ["".join(ALPHABET[i] for i in seq) for _, seq in result.beams]
    assert words == ["da", "ti"]
    assert np.exp(result.beams[0][0]) == pytest.approx(0.12, abs=1e-12)  # 0.15 x 0.8
    assert np.exp(result.beams[1][0]) == pytest.approx(0.08, abs=1e-12)  # 0.2 x 0.4
    first = result.levels[0]
    assert [ALPHABET[c.token] for c in first if c.kept] == ["t", "d"]
    second = result.levels[1]
    assert len(second) == 4 and sum(c.kept for c in second) == 2
    dropped = {("td"[c.parent] + ALPHABET[c.token], round(float(np.exp(c.logp)), 6))
               for c in second if not c.kept}
    assert dropped == {("ty", 0.02), ("do", 0.015)}
    # the less likely first letter (d, 15%) leads the better sequence: not greedy


def test_beam_width_1_is_greedy_and_ties_are_reproducible():
    def step(states, tokens):
        return np.log(np.full((len(states), 3), 1 / 3)), list(states)

    result = beam_search(step, None, beam_width=1, steps=3)
    assert result.beams[0][1] == (0, 0, 0)
    assert beam_search(step, None, 2, 3).beams == beam_search(step, None, 2, 3).beams


@pytest.mark.parametrize("kwargs,message", [
    (dict(beam_width=0), "beam_width"), (dict(steps=0), "steps"),
    (dict(temperature=0.0), "temperature"),
])
def test_bad_input(kwargs, message):
    args = dict(step=ekman_step, start_state=None, beam_width=2, steps=2) | kwargs
    with pytest.raises(ValueError, match=message):
        beam_search(**args)


def test_step_must_return_one_row_per_beam():
    with pytest.raises(ValueError, match="rows"):
        beam_search(lambda s, t: (np.zeros((3, 4)), s), None, 2, 2)
    with pytest.raises(TypeError, match="step must be a function"):
        beam_search(None, None, 2, 2)

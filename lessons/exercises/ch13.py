"""Chapter 13, Seq2seq and Attention: exercises with offline feedback.

    check_attention_weights(a)   the dot-attention weights of q = [1, 1] over three states
    check_context(c)             the context vector those weights give
    check_decoder_input(ids)     the decoder's input under teacher forcing for target 4 2 7
    check_kernel("dot_attention_backward", fn)   write the attention's backward pass yourself
                                 (lessons.exercises.kernels)

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch13` (and `lessons.solutions.kernels` for the kernel).
"""
import numpy as np

from lessons.exercises import Exercise, numbers_in, shown

QUERY = np.array([1.0, 1.0])
STATES = np.array([[1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])  # s_1, s_2, s_3
TARGET = (4, 2, 7)
START = 10


def attention_answer():
    e = STATES @ QUERY
    a = np.exp(e - e.max())
    return a / a.sum()


WEIGHTS = Exercise("attention weights", [
    "First the scores: e_i = q . s_i for each of the three encoder states.",
    "The scores are [2, 0, 1]; the weights are their softmax: exp(e_i) / sum_j exp(e_j).",
    "exp([2, 0, 1]) = [7.389, 1, 2.718], sum 11.107: [0.6652, 0.0900, 0.2447].",
], "ch13")

CONTEXT = Exercise("context vector", [
    "The context is the weighted sum of the encoder states: c = sum_i a_i s_i.",
    "With a = [0.6652, 0.0900, 0.2447]: c = 0.6652 [1, 1] + 0.0900 [0, 0] + 0.2447 [1, 0].",
    "c = [0.6652 + 0.2447, 0.6652] = [0.9100, 0.6652].",
], "ch13")

FORCING = Exercise("teacher forcing", [
    "The decoder predicts y_t from the symbols before it; at t = 0 there are none, so it "
    "reads START (10 here).",
    "Its input is the target shifted right by one step: START, then every target symbol but "
    "the last.",
    "[10, 4, 2]: it reads 10 and should say 4, reads 4 and should say 2, reads 2 and should "
    "say 7.",
], "ch13")


@WEIGHTS.check
def check_attention_weights(a):
    """a: the three attention weights of q = [1, 1] over s = [1, 1], [0, 0], [1, 0]."""
    got = WEIGHTS.array(a, "three weights", shape=(3,), placeholder="your three weights")
    want = attention_answer()
    if np.allclose(got, want, atol=1e-3):
        return WEIGHTS.feedback(True, f"{np.round(want, 4).tolist()}: most weight on s_1, the "
                                      f"state most like the query, and some on everything.")
    if np.allclose(got, STATES @ QUERY, atol=1e-3):
        return WEIGHTS.feedback(False, "Those are the scores; the weights are their softmax.")
    if np.allclose(got, [2 / 3, 0, 1 / 3], atol=1e-3):
        return WEIGHTS.feedback(False, "Divided by their sum without exp: the softmax "
                                       "exponentiates first.")
    return WEIGHTS.feedback(False, f"{shown(a)} is not it.")


@CONTEXT.check
def check_context(c):
    """c: the context vector sum_i a_i s_i (two numbers)."""
    got = CONTEXT.array(c, "two numbers", shape=(2,), placeholder="your context vector")
    want = attention_answer() @ STATES
    if np.allclose(got, want, atol=1e-3):
        return CONTEXT.feedback(True, f"{np.round(want, 4).tolist()}: a blend of the states, "
                                      f"mostly s_1, recomputed at every decoder step.")
    if np.allclose(got, STATES.mean(axis=0), atol=1e-3):
        return CONTEXT.feedback(False, "That is the plain average: weight each state by its "
                                       "attention weight.")
    return CONTEXT.feedback(False, f"{shown(c)} is not it.")


@FORCING.check
def check_decoder_input(ids):
    """ids: the decoder's input symbols for the target 4 2 7 (START = 10)."""
    values, wrong = numbers_in(FORCING.given(ids, "a list of symbols"))
    if wrong or values.ndim != 1 or not np.all(np.isfinite(values)):
        FORCING.stop(f"Expected a list of whole numbers, got {wrong or shown(ids)}.")
    got = values.tolist()
    if got == [START, *TARGET[:-1]]:
        return FORCING.feedback(True, "[10, 4, 2]: the true previous symbol at every step, "
                                      "whatever the decoder would have said (teacher forcing); "
                                      "at inference it reads its own choices instead.")
    if got == list(TARGET):
        return FORCING.feedback(False, "That is the target itself: the decoder would read the "
                                       "symbol it has to predict.")
    if got == [START, *TARGET]:
        return FORCING.feedback(False, "One too many: the last target symbol is never read.")
    return FORCING.feedback(False, f"{shown(ids)} is not it.")

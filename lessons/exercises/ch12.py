"""Chapter 12, Language Models and Embeddings: exercises with offline feedback.

    check_bigram(p)            P(cat | the) in "the cat sat on the mat and the cat ran"
    check_sgns_grad_v(fn)      your `fn(v, U, labels)`: the gradient of the SGNS loss with
                               respect to the centre word's vector v
    check_jaccard(j)           the Jaccard similarity of two short sentences

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch12`.
"""
import numpy as np

from lessons.exercises import Exercise, shown
from lessons.kernels import sgns_loss_grad

BIGRAM_TEXT = "the cat sat on the mat and the cat ran"
JACCARD_PAIR = ("the king is dead", "long live the king")

BIGRAM = Exercise("a bigram probability", [
    "P(cat | the) = count(the, cat) / count(the followed by anything).",
    "'the' is followed three times: by cat, mat and cat.",
    "2 / 3.",
], "ch12")

GRAD_V = Exercise("the SGNS gradient for the centre word", [
    "For each target row u_t with label l_t (1 for the context word, 0 for a negative), "
    "the score is s_t = u_t · v and the loss term's derivative in s_t is sigmoid(s_t) - l_t.",
    "The chain rule: dL/dv = sum over t of (sigmoid(u_t · v) - l_t) u_t, i.e. "
    "(sigmoid(U @ v) - labels) @ U.",
    "return (1 / (1 + np.exp(-(U @ v))) - labels) @ U",
], "ch12")

JACCARD = Exercise("Jaccard similarity", [
    "Make a set of the words of each sentence; Jaccard = |intersection| / |union|.",
    "Shared: 'the' and 'king'. All words: the, king, is, dead, long, live.",
    "2 / 6 = 0.333.",
], "ch12")


@BIGRAM.check
def check_bigram(p):
    """p: P(cat | the) in BIGRAM_TEXT."""
    got = BIGRAM.number(p, "a probability")
    if abs(got - 2 / 3) < 1e-3:
        return BIGRAM.feedback(True, "2/3: a bigram model is a table of such ratios "
                                     "(Ekman's Table 12-1), and a pair never seen gets 0.")
    if abs(got - 2 / 10) < 1e-3:
        return BIGRAM.feedback(False, "That is count(the, cat) over all words: divide by the "
                                      "pairs that start with 'the'.")
    return BIGRAM.feedback(False, f"{shown(p)} is not it.")


def _centre_problem():
    rng = np.random.default_rng(12)
    v = rng.normal(size=4)
    U = rng.normal(size=(4, 4))            # row 0: the context word, rows 1-3: negatives
    labels = np.array([1.0, 0.0, 0.0, 0.0])
    return v, U, labels


def sgns_grad_v_answer(v, U, labels):
    """The kernel's answer: sgns_loss_grad on one pair whose target rows are U."""
    W_in = np.zeros_like(U)
    W_in[0] = v                            # the centre is word 0; its targets are U's rows
    _, dW_in, _ = sgns_loss_grad(W_in, U, [0], [0], [[1, 2, 3]])
    return dW_in[0]


@GRAD_V.check
def check_sgns_grad_v(fn):
    """fn(v[d], U[1 + k, d], labels[1 + k]) -> dL/dv[d]."""
    if fn is ... or not callable(fn):
        return GRAD_V.feedback(False, "Pass your function: check_sgns_grad_v(fn).")
    v, U, labels = _centre_problem()
    want = sgns_grad_v_answer(v, U, labels)
    got = GRAD_V.array(GRAD_V.call(fn, v.copy(), U.copy(), labels.copy()), "a vector of 4",
                       shape=(4,))
    if np.allclose(got, want, atol=1e-8):
        return GRAD_V.feedback(True, "the same as sgns_loss_grad's dW_in row: the centre "
                                     "moves toward its context word and away from the "
                                     "negatives, each weighted by how wrong its score is.")
    if np.allclose(got, -want, atol=1e-8):
        return GRAD_V.feedback(False, "The sign is flipped: the gradient is "
                                      "(sigmoid(s) - label) u, not (label - sigmoid(s)) u.")
    return GRAD_V.feedback(False, f"For this v and U you return {shown(got)}; the kernel "
                                  f"gives {np.round(want, 4).tolist()}.")


@JACCARD.check
def check_jaccard(j):
    """j: the Jaccard similarity of the two sentences of JACCARD_PAIR."""
    got = JACCARD.number(j, "a number between 0 and 1")
    if abs(got - 2 / 6) < 1e-3:
        return JACCARD.feedback(True, "1/3: two words of six shared. Word order and meaning "
                                      "do not enter (the book's meat/vegetables caveat).")
    if abs(got - 2 / 8) < 1e-3:
        return JACCARD.feedback(False, "You counted 'the' and 'king' twice in the union: "
                                       "a union of sets has each word once.")
    return JACCARD.feedback(False, f"{shown(j)} is not it.")

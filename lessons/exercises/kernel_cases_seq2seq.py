"""check_kernel's cases for the attention kernel of chapter 13: dot_attention_backward, the
decoder's dot-product attention over the encoder's states (see lessons.exercises.kernel_cases)."""
import numpy as np

from lessons import reference as R
from lessons.exercises.kernel_cases import (
    Case, Mistake, Spec, in_float32, numeric_gradients, seeded, small,
)


def _case(title, Q, S, dC):
    A, _ = R.dot_attention_forward(Q, S)
    return Case(title, (Q, S, A, dC))


def _cases():
    rng = seeded(31)

    def random(title, Tq, Ts, B, n, seed):
        r = seeded(seed)
        return _case(title, r.normal(size=(Tq, B, n)), r.normal(size=(Ts, B, n)),
                     r.normal(size=(Tq, B, n)))

    cases = [
        _case("one query, two encoder states, one of them the query itself",
              np.array([[[1.0, 0.0]]]), np.array([[[1.0, 0.0]], [[0.0, 1.0]]]),
              np.array([[[1.0, 0.0]]])),
        _case("Ts = 1: one encoder state takes all the weight (the scores get no gradient)",
              small(rng, 2, 1, 3) / 3, small(rng, 1, 1, 3) / 3, small(rng, 2, 1, 3)),
        _case("small numbers: Tq = 2, Ts = 3, a batch of 2, n = 2",
              small(rng, 2, 2, 2) / 3, small(rng, 3, 2, 2) / 3, small(rng, 2, 2, 2)),
        random("random shapes: Tq = 5, Ts = 4, B = 3, n = 6", 5, 4, 3, 6, 32),
        random("more queries than states: Tq = 7, Ts = 2, B = 1, n = 3", 7, 2, 1, 3, 33),
    ]
    return cases + [in_float32(cases[3]), _gradient_case()]


def _gradient_case():
    rng = seeded(34)
    Q, S, G = rng.normal(size=(3, 2, 4)), rng.normal(size=(5, 2, 4)), rng.normal(size=(3, 2, 4))
    expected = numeric_gradients(lambda Q, S: np.sum(R.dot_attention_forward(Q, S)[1] * G),
                                 (Q, S), (0, 1))
    A, _ = R.dot_attention_forward(Q, S)
    return Case("gradient check: finite differences of sum(context(Q, S) * dC)", (Q, S, A, G),
                expected, gradient=True)


def _without_softmax(Q, S, A, dC):
    """The scores' gradient taken as dA itself, as if A were the scores."""
    dA = np.einsum("tbj,ibj->tbi", dC, S)
    dS = np.einsum("tbi,tbj->ibj", A, dC) + np.einsum("tbi,tbj->ibj", dA, Q)
    return np.einsum("tbi,ibj->tbj", dA, S), dS


def _keys_only(Q, S, A, dC):
    """dS without the values' share A dC: S used as keys only."""
    dQ, dS = R.dot_attention_backward(Q, S, A, dC)
    return dS - np.einsum("tbi,tbj->ibj", A, dC)


DOT_ATTENTION_BACKWARD = Spec(
    "dot_attention_backward", ("Q", "S", "A", "dC"), ("dQ", "dS"),
    R.dot_attention_backward, _cases,
    hints=(
        "Three steps back: C = sum_i A[t, b, i] S[i, b] (the values), A = softmax(e) over i, "
        "e[t, b, i] = Q[t, b] . S[i, b] (the keys). S is used twice, so dS has two shares.",
        "dA[t, b, i] = dC[t, b] . S[i, b]; through the softmax, de = A * (dA - sum_i A * dA) "
        "(np.einsum('tbj,ibj->tbi', dC, S) gives dA).",
        "dQ[t, b] = sum_i de[t, b, i] S[i, b]; dS[i, b] = sum_t (A[t, b, i] dC[t, b] + "
        "de[t, b, i] Q[t, b]). Return (dQ, dS) in the inputs' dtype.",
    ),
    mistakes=(
        Mistake("dQ", lambda *a: _without_softmax(*a)[0],
                "the softmax was skipped: de = A * (dA - sum_i A dA), not dA itself."),
        Mistake("dS", _keys_only,
                "dS misses the values' share: S is also summed into the context, so it "
                "receives A[t, b, i] * dC[t, b] too."),
    ),
)

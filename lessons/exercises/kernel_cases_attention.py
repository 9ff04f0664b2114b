"""check_kernel's cases for chapter 14's attention backward (see lessons.exercises.kernel_cases)."""
import numpy as np

from lessons import reference as R
from lessons.exercises.kernel_cases import (
    Case, Mistake, Spec, in_float32, numeric_gradients, seeded, small,
)


def _case(title, Q, K, V, dO, *, causal=False, scale=None):
    s = float(1.0 / np.sqrt(Q.shape[3])) if scale is None else scale  # a Python float keeps
    # a float32 case float32 (an np.float64 scale would turn the twin's answer float64)
    _, A = R.attention_forward(Q, K, V, causal=causal, scale=s)
    return Case(title, (Q, K, V, A, dO, s))


def _cases():
    rng = seeded(41)

    def random(title, B, H, T, dk, dv, seed, causal=False):
        r = seeded(seed)
        return _case(title, r.normal(size=(B, H, T, dk)), r.normal(size=(B, H, T, dk)),
                     r.normal(size=(B, H, T, dv)), r.normal(size=(B, H, T, dv)), causal=causal)

    one = np.ones((1, 1, 1, 1))
    cases = [
        _case("one position: A = [[1]], so dV = dO and no gradient reaches Q or K",
              one, one, 2 * one, 3 * one),
        _case("two positions, one feature, small whole numbers, scale 1",
              small(rng, 1, 1, 2, 1) / 2, small(rng, 1, 1, 2, 1) / 2,
              small(rng, 1, 1, 2, 1), small(rng, 1, 1, 2, 1), scale=1.0),
        _case("three positions, d_k = 2, the causal mask (A is lower triangular)",
              small(rng, 1, 1, 3, 2) / 3, small(rng, 1, 1, 3, 2) / 3, small(rng, 1, 1, 3, 2),
              small(rng, 1, 1, 3, 2), causal=True),
        random("random shapes: B = 2, H = 3 heads, T = 5, d_k = 4, d_v = 3", 2, 3, 5, 4, 3, 42),
        random("a decoder: B = 1, H = 2, T = 6, d_k = 2, causal", 1, 2, 6, 2, 2, 43, causal=True),
    ]
    return cases + [in_float32(cases[3]), _gradient_case()]


def _gradient_case():
    rng = seeded(44)
    Q, K, V = rng.normal(size=(1, 2, 4, 3)), rng.normal(size=(1, 2, 4, 3)), rng.normal(size=(1, 2, 4, 2))
    G = rng.normal(size=(1, 2, 4, 2))
    s = float(1.0 / np.sqrt(3))
    expected = numeric_gradients(
        lambda Q, K, V: np.sum(R.attention_forward(Q, K, V, causal=True, scale=s)[0] * G),
        (Q, K, V), (0, 1, 2))
    _, A = R.attention_forward(Q, K, V, causal=True, scale=s)
    return Case("gradient check: finite differences of sum(attention(Q, K, V) * dO), causal",
                (Q, K, V, A, G, s), expected, gradient=True)


def _without_softmax_jacobian(Q, K, V, A, dO, scale):
    """dS = dA: the softmax's backward forgotten (as if A = S)."""
    dA = dO @ np.swapaxes(V, -1, -2)
    return scale * dA @ K, scale * np.swapaxes(dA, -1, -2) @ Q


def _without_scale(Q, K, V, A, dO, scale):
    return R.attention_backward(Q, K, V, A, dO, 1.0)


ATTENTION_BACKWARD = Spec(
    "attention_backward", ("Q", "K", "V", "A", "dO", "scale"), ("dQ", "dK", "dV"),
    R.attention_backward, _cases,
    hints=(
        "Work back through the three steps of the forward, per batch entry and head: "
        "O = A V, A = softmax(S) row by row, S = scale Q K^T. Start with dV = A^T dO and "
        "dA = dO V^T (use np.swapaxes(x, -1, -2) for the transpose of the last two axes).",
        "The softmax backward, row by row: dS = A * (dA - sum_j A[..., j] dA[..., j]) (keep the "
        "row sum with keepdims=True). Masked weights are 0 in A, so they get dS = 0 by "
        "themselves.",
        "Then dQ = scale * dS @ K and dK = scale * dS^T @ Q. Return (dQ, dK, dV), in the "
        "inputs' dtype.",
    ),
    mistakes=(
        Mistake("dQ", lambda *a: _without_softmax_jacobian(*a)[0],
                "dS = dA: the softmax's backward is missing (multiply by A and subtract the "
                "row sum of A * dA)."),
        Mistake("dQ", lambda *a: _without_scale(*a)[0],
                "the scale is missing: S = scale Q K^T, so dQ and dK carry the factor scale."),
        Mistake("dK", lambda *a: _without_scale(*a)[1],
                "the scale is missing: S = scale Q K^T, so dQ and dK carry the factor scale."),
    ),
)

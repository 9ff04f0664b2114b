"""Chapter 14, The Transformer: exercises with offline feedback.

    check_block_parameters(fn)      your `fn(D, F)`: the parameters of one transformer block
    check_positional_encoding(fn)   your `fn(T, d)`: Ekman's sinusoidal code, P[T, d]
    check_bert_counts(counts)       BERT's masking of 2,000 characters: how many of each kind
    check_kernel("attention_backward", fn)   (lessons.exercises.kernels) write the backward

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch14`.
"""
import numpy as np

from lessons.chapters.ch14_transformer import block_parameters
from lessons.exercises import Exercise, is_whole_value, shown
from lessons.reference import positional_encoding

N_CHARS = 2000

BLOCK = Exercise("transformer block parameters", [
    "A block has multi-head attention (Q, K, V projections and the output mixing Wo, each "
    "D x D with a bias of D), two layer norms (gamma and beta, D each) and a two-layer "
    "feed-forward network D -> F -> D with biases.",
    "The heads do not change the count: H heads of D / H columns are one D x D matrix. "
    "Attention: 4 (D^2 + D). Layer norms: 2 * 2D. FFN: D F + F + F D + D.",
    "return 4 * (D * D + D) + 4 * D + 2 * D * F + F + D",
], "ch14")

PE = Exercise("positional encoding", [
    "Make P = np.zeros((T, d)) and fill it column by column: position pos, element i.",
    "Ekman L7826: even i: sin(pos / 10000 ** (i / d)); odd i: cos(pos / 10000 ** ((i - 1) / d)).",
    "pos = np.arange(T)[:, None]; i = np.arange(d)[None, :]; angle = pos / 10000 ** ((i - i % 2) "
    "/ d); return np.where(i % 2 == 0, np.sin(angle), np.cos(angle))",
], "ch14")

BERT = Exercise("BERT's masking", [
    "BERT chooses 15 % of the positions; the loss is taken on those only.",
    "Of the chosen ones, 80 % are replaced by [MASK], 10 % by a random symbol, 10 % are left "
    "as they were.",
    "2,000 characters: 300 chosen; 240 [MASK], 30 random, 30 unchanged.",
], "ch14")


@BLOCK.check
def check_block_parameters(fn):
    """fn(D, F): the parameters of one pre-LN block of width D with a feed-forward of F."""
    if fn is ... or not callable(fn):
        return BLOCK.feedback(False, "Pass your function: check_block_parameters(fn).")
    # the layer norms' 4D, the biases' 4D (attention) and F + D (feed-forward)
    BLOCK.count(fn, ("D", "F"), ((32, 128), (512, 2048), (4, 1), (6, 10)),
                block_parameters, [
        (lambda D, F: block_parameters(D, F) - 4 * D, ", without the two layer norms"),
        (lambda D, F: block_parameters(D, F) - 4 * D - F - D, ", without any bias"),
        (lambda D, F: block_parameters(D, F) - 8 * D - F - D,
         ", without biases or layer norms")])
    return BLOCK.feedback(True, "4(D^2 + D) + 4D + 2DF + F + D: 12,704 for the chapter's "
                                "D = 32, F = 128 block, 3,152,384 for the original base "
                                "transformer's D = 512, F = 2048 (its post-LN block has "
                                "the same count).")


@PE.check
def check_positional_encoding(fn):
    """fn(T, d) -> P[T, d], Ekman's sinusoids."""
    if fn is ... or not callable(fn):
        return PE.feedback(False, "Pass your function: check_positional_encoding(fn).")
    for T, d in ((4, 2), (10, 6), (50, 16), (3, 5)):
        got = PE.array(PE.call(fn, T, d), f"an array P[{T}, {d}]")
        want = positional_encoding(T, d)
        if got.shape != want.shape:
            return PE.feedback(False, f"T = {T}, d = {d}: your P has shape {got.shape}, not "
                                      f"{want.shape}.")
        if not np.allclose(got, want, atol=1e-9):
            detail = f"T = {T}, d = {d}: P differs first at {_first_difference(got, want)}"
            if np.allclose(got[:, ::2], want[:, ::2], atol=1e-9):
                detail += " (the even columns are right: look at the odd ones)"
            return PE.feedback(False, detail + ".")
    return PE.feedback(True, "every sin/cos pair turns at its own rate, from every 2 pi "
                             "positions (i = 0) to every 2 pi 10,000 positions.")


def _first_difference(got, want):
    pos, i = (int(k) for k in np.argwhere(~np.isclose(got, want, atol=1e-9))[0])
    return f"P[{pos}, {i}]: {got[pos, i]:.6g} where {want[pos, i]:.6g} was expected"


@BERT.check
def check_bert_counts(counts):
    """counts: (chosen, [MASK], random, unchanged) for 2,000 characters."""
    what = "four numbers: chosen, [MASK], random, unchanged"
    got = BERT.items(BERT.given(counts, what), 4, what)
    want = (300, 240, 30, 30)
    for name, value, w in zip(("chosen", "[MASK]", "random", "unchanged"), got, want):
        if not is_whole_value(value):
            return BERT.feedback(False, f"{name}: expected a whole number, got {shown(value)}.")
        if value != w:
            note = " (that is 80 % of all 2,000: the split applies to the chosen 15 %)" \
                if name == "[MASK]" and value == 1600 else ""
            return BERT.feedback(False, f"{name}: {shown(value)} is not it{note}.")
    return BERT.feedback(True, "300 chosen (the loss counts those only), 240 [MASK], 30 "
                               "random, 30 unchanged: the model cannot tell which unmasked "
                               "characters it will be asked about, so it must model them all.")

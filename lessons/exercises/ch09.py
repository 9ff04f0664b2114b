"""Chapter 09, Deeper CNNs: exercises with offline feedback.

    check_separable_params(fn)     your `fn(M, N, K)`: the weights and biases of a depthwise
                                   separable K x K convolution from M to N channels
    check_basic_block_params(fn)   your `fn(c_in, c_out)`: the parameters of a ResNet basic
                                   block (two 3 x 3 convolutions with batch norm, no conv
                                   biases, a 1 x 1 projection when the channels change)

The residual addition's backward is a "write it yourself" kernel:
`check_kernel("residual_add_backward", fn)` (lessons.exercises.kernels).

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch09`.
"""
from lessons.chapters.ch09_deeper_cnns import separable_counts
from lessons.exercises import Exercise

SEPARABLE = Exercise("depthwise separable parameters", [
    "Two layers: a depthwise one (one K × K kernel for each of the M input channels, each with "
    "a bias) and a pointwise 1 × 1 one (N kernels of M weights, each with a bias).",
    "Depthwise: M · K² weights and M biases. Pointwise: N · M weights and N biases.",
    "M · (K² + 1) + N · (M + 1): for M = 32, N = 64, K = 3 that is 320 + 2,112 = 2,432, "
    "against 18,496 for the normal convolution.",
], "ch09")

BLOCK = Exercise("ResNet basic block parameters", [
    "A basic block is conv 3 × 3 (c_in → c_out), batch norm, ReLU, conv 3 × 3 (c_out → c_out), "
    "batch norm; the convolutions have no bias (the batch norm's shift plays that role).",
    "Batch norm learns 2 numbers per channel (a scale and a shift). When c_in ≠ c_out the "
    "shortcut is a 1 × 1 convolution c_in → c_out (no bias) with its own batch norm.",
    "9 c_in c_out + 9 c_out² + 4 c_out, plus c_in c_out + 2 c_out when the channels change: "
    "(64, 64) gives 73,984 and (64, 128) gives 230,144.",
], "ch09")

_SEPARABLE_CASES = ((32, 64, 3), (1, 1, 3), (3, 16, 5), (64, 128, 3), (128, 128, 1), (8, 4, 7))
_BLOCK_CASES = ((64, 64), (64, 128), (128, 256), (256, 512), (8, 8), (3, 16))


def basic_block_params(c_in, c_out):
    """The answer for exercise 2 (the checks' oracle)."""
    convs = 9 * c_in * c_out + 9 * c_out * c_out + 4 * c_out
    return convs + (c_in * c_out + 2 * c_out if c_in != c_out else 0)


@SEPARABLE.check
def check_separable_params(fn):
    """fn(M, N, K) must give the weights and biases of a depthwise K x K convolution on M
    channels followed by a pointwise (1 x 1) convolution from M to N channels."""
    if fn is ... or not callable(fn):
        return SEPARABLE.feedback(False, "Pass your function: check_separable_params(fn).")
    SEPARABLE.count(fn, ("M", "N", "K"), _SEPARABLE_CASES,
                    lambda M, N, K: separable_counts(M, N, K, 1, 1).separable_weights, [
        (lambda M, N, K: separable_counts(M, N, K, 1, 1).book_weights,
         ", the book's formula: it counts the depthwise step as one kernel of M · K² weights "
         "and one bias, but there are M kernels of K², each with a bias"),
        (lambda M, N, K: separable_counts(M, N, K, 1, 1).normal_weights,
         ", the normal convolution's count"),
        (lambda M, N, K: M * K * K + N * M, ": the biases are missing")])
    return SEPARABLE.feedback(True, "M (K² + 1) + N (M + 1) on every case: 2,432 instead of "
                                    "18,496 for 32 → 64 channels, 3 × 3.")


@BLOCK.check
def check_basic_block_params(fn):
    """fn(c_in, c_out) must give the parameters of a ResNet-34 basic block."""
    if fn is ... or not callable(fn):
        return BLOCK.feedback(False, "Pass your function: check_basic_block_params(fn).")

    def plain(c_in, c_out):  # the two convolutions' weights, nothing else
        return 9 * c_in * c_out + 9 * c_out * c_out

    def projection(c_in, c_out):  # the 1 x 1 shortcut's weights, when the channels change
        return c_in * c_out if c_in != c_out else 0

    norms = ": batch norm's 2 numbers per channel are missing"
    BLOCK.count(fn, ("c_in", "c_out"), _BLOCK_CASES, basic_block_params, [
        (lambda c_in, c_out: basic_block_params(c_in, c_out) + 2 * c_out
         + (c_out if c_in != c_out else 0),
         ": the convolutions carry no bias in ResNet (batch norm's shift replaces it)"),
        (plain, norms),
        (lambda c_in, c_out: plain(c_in, c_out) + projection(c_in, c_out), norms),
        (lambda c_in, c_out: plain(c_in, c_out) + 4 * c_out if c_in != c_out else None,
         ": the channels change, so the shortcut is a 1 × 1 projection with its batch norm")])
    return BLOCK.feedback(True, "on every case: (64, 64) has 73,984 and (64, 128) 230,144, the "
                                "numbers resnet34_layers adds up to 21,797,672.")

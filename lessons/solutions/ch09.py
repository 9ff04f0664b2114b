"""Chapter 09, Deeper CNNs: worked solutions to `lessons.exercises.ch09`. Hints first!"""


def separable_params(M, N, K):
    """Depthwise: one K x K kernel and one bias per input channel, M (K^2 + 1). Pointwise:
    a 1 x 1 convolution, N kernels of M weights and a bias each, N (M + 1)."""
    return M * (K * K + 1) + N * (M + 1)


def basic_block_params(c_in, c_out):
    """Two 3 x 3 convolutions without bias (9 c_in c_out and 9 c_out^2) and two batch norms
    (2 c_out each); when the channels change, a 1 x 1 projection (c_in c_out) and its batch
    norm (2 c_out) on the shortcut."""
    total = 9 * c_in * c_out + 2 * c_out + 9 * c_out * c_out + 2 * c_out
    if c_in != c_out:
        total += c_in * c_out + 2 * c_out
    return total

"""Chapter 08, Training CNNs: worked solutions to `lessons.exercises.ch08`. Hints first!"""


def conv_params(c_in, c_out, k):
    """Each of the c_out kernels has k x k weights on each of the c_in input maps, and one
    bias; the image size does not matter (the kernel is shared by every position)."""
    return c_out * (c_in * k * k + 1)


def conv_pool_shape(shape, out_channels, k, pad, pool):
    """Stride-1 convolution: n + 2 pad - k + 1 positions per side and out_channels maps;
    then a non-overlapping pool x pool max pool: // pool per side, channels kept."""
    _, h, w = shape
    h, w = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    return (out_channels, h // pool, w // pool)


def receptive_field(n_layers, k):
    """The first layer sees k pixels per side; each further stride-1 layer reaches k - 1
    pixels further (half on each side)."""
    return 1 + n_layers * (k - 1)

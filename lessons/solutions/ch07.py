"""Chapter 07, Convolution: worked solutions to `lessons.exercises.ch07`. Hints first!"""
import numpy as np


def output_size(n, k, stride, pad):
    """Window starts 0, s, 2s, ... up to n + 2 pad - k (the last window must fit): count them."""
    return (n + 2 * pad - k) // stride + 1


# x = [2, 0, 1, 3, 4] padded to [0, 2, 0, 1, 3, 4, 0]; w = [1, 2, -1]; L = sum(y).
# y[3] = w . x_pad[3:6] = 1*1 + 2*3 - 1*4
Y3 = 1 * 1 + 2 * 3 + (-1) * 4
# dL/dw[0] = sum over the 5 outputs o of x_pad[o + 0] = 0 + 2 + 0 + 1 + 3
DW0 = 0 + 2 + 0 + 1 + 3
# x[4] = x_pad[5] is reached by (o, p) = (4, 1) and (3, 2): w[1] + w[2]
DX4 = 2 + (-1)

# Left column minus right column; every row and the whole kernel sum to 0.
VERTICAL_EDGE = np.array([[1.0, 0.0, -1.0],
                          [1.0, 0.0, -1.0],
                          [1.0, 0.0, -1.0]])

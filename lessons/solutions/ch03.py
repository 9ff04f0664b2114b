"""Chapter 03, Sigmoid Neurons and Backpropagation: worked solutions to
`lessons.exercises.ch03`. Hints first!"""
import numpy as np


def sigmoid_derivative(y):
    """S'(z) = S(z) (1 - S(z)), and y already is S(z)."""
    return y * (1 - y)


# Forward pass for x = (0.5, -0.3), y = 0 with the book's weights (0.3, 0.6, -0.1, -0.2, 0.5):
# z_g = 0.3 + 0.6 * 0.5 - 0.1 * -0.3 = 0.63, g = tanh(0.63); z_f = -0.2 + 0.5 g, f = S(z_f).
_g = np.tanh(0.3 + 0.6 * 0.5 + -0.1 * -0.3)
_f = 1 / (1 + np.exp(-(-0.2 + 0.5 * _g)))
ERR_F = -(0.0 - _f) * _f * (1 - _f)    # e'(f) times S' read from f
ERR_G = ERR_F * 0.5 * (1 - _g * _g)    # sent back along w_gf1 = 0.5, times tanh' read from g

# 3 neurons with a bias and 2 inputs each: 9 weights. One forward pass for the loss as it is,
# then one per nudged weight: 9 + 1.
FORWARD_PASSES = 10


def shared_weight_gradient(w, x1, x2, t):
    """de/dw for y = tanh(w x1) + tanh(w x2), e = (y - t)^2 / 2: the two paths add up."""
    h1, h2 = np.tanh(w * x1), np.tanh(w * x2)
    dy = h1 + h2 - t
    dw = 0.0
    dw += dy * (1 - h1 * h1) * x1  # path through neuron 1
    dw += dy * (1 - h2 * h2) * x2  # path through neuron 2
    return dw

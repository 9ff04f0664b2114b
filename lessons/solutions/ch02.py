"""Chapter 02, Gradient-Based Learning: worked solutions to `lessons.exercises.ch02`. Hints first!"""

# On 0.5 x² + 10 y² one step maps x -> (1 - lr) x and y -> (1 - 20 lr) y. Both shrink while
# |1 - 2a lr| < 1, that is lr < 1/a; y (a = 10) is the stricter: lr < 0.1. At lr = 0.1 the
# factor for y is exactly -1, so y bounces between +0.8 and -0.8 forever.
LARGEST_STABLE_LR = 0.1

# L(w) = (w . x - y)², residual r = 0.5 * 1 + (-1) * 2 - 1 = -2.5, gradient 2 r x.
MSE_GRADIENT = (2 * -2.5 * 1.0, 2 * -2.5 * 2.0)  # (-5.0, -10.0)

# ceil(200 / 32) = 7: six minibatches of 32 and a last one of 8 examples.
UPDATES_PER_EPOCH = 7


def momentum_step(p, v, g, lr, m):
    """Classical momentum: the velocity collects downhill steps -lr * g, then moves p."""
    v_new = m * v - lr * g
    return p + v_new, v_new

"""Chapter 05, Toward Deep Learning: worked solutions to `lessons.exercises.ch05`. Hints first!"""
import math

import numpy as np

# fan_in = 784 pixels, fan_out = 25 neurons: a = sqrt(6 / 809), about 0.0861.
GLOROT_LIMIT = math.sqrt(6 / (784 + 25))

# y = 1, y_hat = 0.01. MSE: (y_hat - y) y_hat (1 - y_hat); cross-entropy: y_hat - y.
MSE_DELTA = (0.01 - 1) * 0.01 * 0.99  # -0.0098
CE_DELTA = 0.01 - 1  # -0.99

# m_hat = g and v_hat = g^2 at t = 1, so the step is lr g / (|g| + eps): lr, for any g.
ADAM_FIRST_STEP = 0.001


def batchnorm_backward(dY, X_hat, inv_std, gamma):
    """dbeta and dgamma are sums over the batch; dX carries the chain rule through the batch
    mean and variance, folded into the two sums."""
    n = dY.shape[0]
    dbeta = dY.sum(axis=0)
    dgamma = (dY * X_hat).sum(axis=0)
    dX = gamma * inv_std * (dY - dbeta / n - X_hat * dgamma / n)
    return dX, dgamma, dbeta

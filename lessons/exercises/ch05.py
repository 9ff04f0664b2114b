"""Chapter 05, Toward Deep Learning: exercises.

    check_glorot_limit(a)                   the Glorot limit of Ekman's hidden layer
    check_output_deltas(mse, ce)            dL/dz of a saturated, wrong sigmoid output
    check_adam_first_step(size)             how far Adam's first step moves a weight
    check_batchnorm_backward(fn)            write it yourself: batch norm's backward pass

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch05`.
"""
import math

import numpy as np

from lessons.exercises import Exercise, shown
from lessons.gradcheck import numerical_gradient, relative_error
from lessons.reference.normalization import batchnorm_backward, batchnorm_forward

N_IN, N_HIDDEN = 784, 25

GLOROT = Exercise("Glorot's limit", [
    "glorot_uniform draws from U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).",
    "Ekman's hidden layer has fan_in = 784 inputs (785 with the bias, which starts at 0 and "
    "does not count) and fan_out = 25 neurons.",
    "a = sqrt(6 / (784 + 25)) = sqrt(6 / 809).",
], "ch05")

DELTAS = Exercise("output deltas", [
    "For a logistic output y_hat = S(z): MSE gives dL/dz = (y_hat - y) * y_hat * (1 - y_hat); "
    "cross-entropy gives y_hat - y (Eq. 5-2).",
    "Here y = 1 and y_hat = 0.01: the neuron is saturated at the wrong end.",
    "MSE: (0.01 - 1) * 0.01 * 0.99; cross-entropy: 0.01 - 1.",
], "ch05")

ADAM_STEP = Exercise("Adam's first step", [
    "At t = 1, m = (1 - beta1) g and v = (1 - beta2) g^2, and the bias correction divides "
    "them by (1 - beta1) and (1 - beta2).",
    "So m_hat = g and v_hat = g^2: the step is lr * g / (|g| + eps).",
    "With lr = 0.001 and |g| = 250 (much larger than eps), the step's size is lr.",
], "ch05")

BN_BACKWARD = Exercise("batch norm backward", [
    "Return three arrays: dX[N, F], dgamma[F] and dbeta[F]. y = gamma x_hat + beta, so "
    "dbeta = dY.sum(axis=0) and dgamma = (dY * X_hat).sum(axis=0).",
    "dL/dx_hat = dY * gamma. Each x_i also moves the batch mean and variance, so dX is not "
    "just dL/dx_hat * inv_std: two more terms subtract the batch's average effect.",
    "dX = gamma * inv_std * (dY - dbeta / N - X_hat * dgamma / N), with N the batch size.",
], "ch05")


@GLOROT.check
def check_glorot_limit(a):
    """The limit a of glorot_uniform for Ekman's 784 -> 25 hidden layer."""
    value = GLOROT.number(a, "a number")
    want = math.sqrt(6 / (N_IN + N_HIDDEN))
    if math.isclose(value, math.sqrt(6 / (N_IN + 1 + N_HIDDEN)), rel_tol=1e-5):
        return GLOROT.feedback(False, "that counts the bias input; fan_in is the 784 pixels.")
    if math.isclose(value, want, rel_tol=4e-4):  # 0.0861 passes; 785 inputs is 6e-4 off
        return GLOROT.feedback(True, f"a = {want:.4f}: close to Ekman's hand-picked 0.1, "
                                     f"which is why his network trained at all.")
    if math.isclose(value, math.sqrt(2 / N_IN), rel_tol=1e-3):
        return GLOROT.feedback(False, "that is He's sigma (for ReLU), not Glorot's limit.")
    if math.isclose(value, want, rel_tol=1e-2):
        if round(value, 3) == value:  # too few digits to tell 784 inputs from 785
            return GLOROT.feedback(False, f"{shown(value)} is close: give a to 4 decimal "
                                          f"places or more.")
        return GLOROT.feedback(False, f"{shown(value)} is close, but off in the 4th decimal.")
    return GLOROT.feedback(False, f"{shown(value)} is not it.")


@DELTAS.check
def check_output_deltas(mse, ce):
    """dL/dz for y = 1, y_hat = 0.01, under MSE (half squared error) and cross-entropy."""
    got_mse = DELTAS.number(mse, "the MSE delta")
    got_ce = DELTAS.number(ce, "the cross-entropy delta")
    want_mse, want_ce = (0.01 - 1) * 0.01 * 0.99, 0.01 - 1
    if not math.isclose(got_mse, want_mse, rel_tol=1e-3):
        if math.isclose(got_mse, -want_mse, rel_tol=1e-3):
            return DELTAS.feedback(False, "the MSE delta has the wrong sign: y_hat is too low, "
                                          "so raising z lowers the loss (dL/dz < 0).")
        return DELTAS.feedback(False, f"the MSE delta {shown(got_mse)} is off.")
    if not math.isclose(got_ce, want_ce, rel_tol=1e-3):
        return DELTAS.feedback(False, f"the MSE delta is right; the cross-entropy one "
                                      f"{shown(got_ce)} is off.")
    return DELTAS.feedback(True, f"MSE {want_mse:.4f} against cross-entropy {want_ce:.2f}: a "
                                 f"hundred times stronger push where the output is most wrong.")


@ADAM_STEP.check
def check_adam_first_step(size):
    """How far Adam's first step (lr 0.001, default betas) moves a weight whose gradient
    is 250."""
    value = ADAM_STEP.number(size, "a number")
    if math.isclose(abs(value), 1e-3, rel_tol=1e-3):
        return ADAM_STEP.feedback(True, "0.001 = lr, whatever the gradient's size: Adam's "
                                        "first steps are lr long in every coordinate.")
    if math.isclose(abs(value), 0.25, rel_tol=1e-3):
        return ADAM_STEP.feedback(False, "lr * g is plain SGD's step; Adam divides by sqrt(v_hat).")
    if math.isclose(abs(value), 1e-3 * 0.1 / math.sqrt(0.001), rel_tol=1e-2):
        return ADAM_STEP.feedback(False, "that is the step without the bias correction.")
    return ADAM_STEP.feedback(False, f"{shown(value)} is not it.")


def _bn_case(seed, n=6, f=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(2.0, 3.0, size=(n, f))
    gamma, beta = rng.normal(size=f), rng.normal(size=f)
    return X, gamma, beta, rng.normal(size=(n, f))


@BN_BACKWARD.check
def check_batchnorm_backward(fn):
    """Your fn(dY, X_hat, inv_std, gamma) -> (dX, dgamma, dbeta) for X[N, F], checked against
    the NumPy twin and against finite differences of the forward pass."""
    if fn is ... or not callable(fn):
        BN_BACKWARD.stop("Pass your function (replace ... with its name).")
    for seed in (0, 1):
        X, gamma, beta, dY = _bn_case(seed)
        _, X_hat, inv_std = batchnorm_forward(X, gamma, beta)
        out = BN_BACKWARD.call(fn, dY.copy(), X_hat.copy(), inv_std.copy(), gamma.copy(),
                               placeholder="your code: return dX, dgamma, dbeta")
        what = "three arrays: (dX, dgamma, dbeta)"
        got = [BN_BACKWARD.array(a, what) for a in BN_BACKWARD.items(out, 3, what)]
        want = batchnorm_backward(dY, X_hat, inv_std, gamma)
        for name, g, w in zip(("dX", "dgamma", "dbeta"), got, want):
            if g.shape != w.shape:
                return BN_BACKWARD.feedback(False, f"{name} has shape {g.shape}, expected "
                                                   f"{w.shape}.")
        if not np.allclose(got[2], want[2]) or not np.allclose(got[1], want[1]):
            return BN_BACKWARD.feedback(False, "dgamma or dbeta is off (they are sums over "
                                               "the batch).")
        if not np.allclose(got[0], want[0], atol=1e-9):
            naive = dY * gamma * inv_std
            if np.allclose(got[0], naive):
                return BN_BACKWARD.feedback(False, "dX treats the batch mean and variance as "
                                                   "constants; they depend on every x_i.")
            return BN_BACKWARD.feedback(False, "dX is off.")
    numeric = numerical_gradient(lambda x: float(np.sum(batchnorm_forward(x, gamma, beta)[0]
                                                        * dY)), X.copy())
    error = relative_error(got[0], numeric)
    return BN_BACKWARD.feedback(True, f"dX, dgamma and dbeta match the twin, and dX matches "
                                      f"finite differences (relative error {error:.0e}).")

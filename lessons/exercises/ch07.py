"""Chapter 07, Convolution: exercises with offline feedback.

    check_output_size(fn)                  your `fn(n, k, stride, pad)`: positions along one side
    check_conv1d_by_hand(y3, dw0, dx4)     a 1D convolution's output and two gradients, by hand
    check_vertical_edge_kernel(K)          a 3 x 3 kernel that answers vertical edges only

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch07`.
"""
import math

import numpy as np

from lessons.exercises import Exercise, is_whole, is_whole_value, numbers_in, shown
from lessons.kernels import conv1d_backward, conv1d_forward, conv2d_forward

HAND_X = (2.0, 0.0, 1.0, 3.0, 4.0)  # the input of exercise 2 ...
HAND_W = (1.0, 2.0, -1.0)           # ... its kernel, with pad 1 and stride 1, loss = sum(y)
HAND_PAD = 1

SIZE = Exercise("output size", [
    "Pad first: the padded side is n + 2·pad long (zeros on both sides).",
    "The first window starts at 0; the last start must leave room for k cells: it is at most "
    "n + 2·pad − k, and starts are stride apart.",
    "Count the starts 0, s, 2s, ... up to n + 2·pad − k: (n + 2·pad − k) // stride + 1.",
], "ch07")

HAND = Exercise("1D convolution by hand", [
    "Pad x with one zero on each side: [0, 2, 0, 1, 3, 4, 0]; y[o] = Σ_p w[p]·x_pad[o + p] "
    "(no flip: this is cross-correlation).",
    "With L = sum(y), dL/dw[p] = Σ_o x_pad[o + p]: the input cells w[p] touched, padding zeros "
    "included. dL/dx[i] = the sum of the weights that touched x[i].",
    "x[4] sits at x_pad[5]; which (o, p) with o + p = 5 and o in 0..4 exist? Add those w[p].",
], "ch07")

EDGE = Exercise("vertical-edge kernel", [
    "A flat patch has no edge: the kernel's weights must sum to 0, so it answers 0 there.",
    "A vertical edge is a change from left to right: give the left column one sign and the "
    "right column the other.",
    "Keep every row's sum 0 too (then a horizontal edge cancels): [[1, 0, -1], [1, 0, -1], "
    "[1, 0, -1]] is one answer; Sobel's [[1, 0, -1], [2, 0, -2], [1, 0, -1]] another.",
], "ch07")

_SIZE_CASES = ((28, 3, 1, 0), (28, 3, 1, 1), (28, 5, 2, 2), (32, 5, 2, 1), (10, 3, 1, 0),
               (8, 3, 1, 0), (7, 2, 2, 0), (6, 3, 2, 0), (227, 11, 4, 0), (5, 5, 1, 0),
               (9, 4, 3, 1))



@SIZE.check
def check_output_size(fn):
    """fn(n, k, stride, pad) must give the number of output positions along one side."""
    if fn is ... or not callable(fn):
        return SIZE.feedback(False, "Pass your function: check_output_size(fn).")
    for n, k, s, p in _SIZE_CASES:
        got = SIZE.call(fn, n, k, s, p)
        want = (n + 2 * p - k) // s + 1
        if not (is_whole(got) or isinstance(got, (float, np.floating))):
            return SIZE.feedback(False, f"Expected a whole number, got {shown(got)}.")
        whole = is_whole_value(got)
        if got == want and whole:
            continue
        case = f"n = {n}, k = {k}, stride = {s}, pad = {p}"
        if not whole:
            detail = f"{case}: you return {shown(got)}, not a whole number (use // )."
        elif got == want - 1:
            detail = f"{case}: you return {got}, one short: count the first window too (+ 1)."
        elif got == (n + p - k) // s + 1:
            detail = f"{case}: you return {got}: the padding goes on both sides (2·pad)."
        elif got == math.ceil((n + 2 * p - k) / s) + 1:
            detail = f"{case}: you return {got}: round down, a window must fit entirely."
        elif got == n + 2 * p - k + 1:
            detail = f"{case}: you return {got}: the stride is missing."
        else:
            detail = f"{case}: you return {shown(got)}; the answer is {want}."
        return SIZE.feedback(False, detail)
    return SIZE.feedback(True, "(n + 2·pad − k) // stride + 1 on every case, from Skansi's "
                               "10 -> 8 to AlexNet's 227 -> 55.")


def hand_answers():
    """(y[3], dL/dw[0], dL/dx[4]) for exercise 2, computed by the kernels with L = sum(y)."""
    X = np.array(HAND_X)[None, None]
    K = np.array(HAND_W)[None, None]
    y = conv1d_forward(X, K, np.zeros(1), 1, HAND_PAD)
    dX, dK, _ = conv1d_backward(X, K, np.ones_like(y), 1, HAND_PAD)
    return float(y[0, 0, 3]), float(dK[0, 0, 0]), float(dX[0, 0, 4])


def _number(x):
    """x as a finite float, or None."""
    value, wrong = numbers_in(x)
    return None if wrong or value.shape != () or not np.isfinite(value) else float(value)


@HAND.check
def check_conv1d_by_hand(y3, dw0, dx4):
    """x = [2, 0, 1, 3, 4], w = [1, 2, -1], pad 1, stride 1, L = sum(y): give y[3], dL/dw[0]
    and dL/dx[4]."""
    values = [_number(v) for v in (y3, dw0, dx4)]
    for name, raw, value in zip(("y3", "dw0", "dx4"), (y3, dw0, dx4), values):
        if value is None:
            if raw is ... or raw is None:
                return HAND.feedback(False, f"Replace ... in {name} with a number.")
            return HAND.feedback(False, f"{name} must be one finite number, got "
                                        f"{shown(raw)}.")
    want = hand_answers()
    close = lambda a, b: abs(a - b) < 1e-9  # noqa: E731
    got_y, got_w, got_x = values
    if all(close(g, w) for g, w in zip(values, want)):
        return HAND.feedback(True, f"y[3] = {want[0]:g}, dL/dw[0] = {want[1]:g}, "
                                   f"dL/dx[4] = {want[2]:g}: the kernels agree.")
    xp = np.pad(np.array(HAND_X), HAND_PAD)
    w = np.array(HAND_W)
    if not close(got_y, want[0]):
        if close(got_y, float(np.dot(w[::-1], xp[3:6]))):
            return HAND.feedback(False, f"y[3] = {got_y:g} is the true convolution (the kernel "
                                        f"flipped); a conv layer does not flip.")
        if close(got_y, float(np.dot(w, xp[4:7]))):
            return HAND.feedback(False, f"y[3] = {got_y:g} starts at x[3]; output 3 starts "
                                        f"at x_pad[3], which is x[2] (the padding shifts).")
        return HAND.feedback(False, f"y[3] = {got_y:g} is off.")
    if not close(got_w, want[1]):
        if close(got_w, float(np.sum(np.array(HAND_X)[0:3]))):
            return HAND.feedback(False, f"dL/dw[0] = {got_w:g} counts only 3 positions: with "
                                        f"pad 1 there are 5 outputs, and w[0] touches one cell "
                                        f"per output.")
        return HAND.feedback(False, f"y[3] is right; dL/dw[0] = {got_w:g} is off.")
    if close(got_x, float(w.sum())):
        return HAND.feedback(False, f"dL/dx[4] = {got_x:g} is an inner cell's answer; x[4] is "
                                    f"the last cell, and fewer windows reach it.")
    if close(got_x, w[0] + w[1]):
        return HAND.feedback(False, f"dL/dx[4] = {got_x:g}: the weights that reach the last "
                                    f"cell are the kernel's right-hand ones (indices move in "
                                    f"opposite directions).")
    return HAND.feedback(False, f"y[3] and dL/dw[0] are right; dL/dx[4] = {got_x:g} is off.")


def _edge_images():
    """A vertical step (dark left, bright right), a horizontal step and a flat patch, 12 x 12."""
    vertical = np.zeros((12, 12))
    vertical[:, 6:] = 1.0
    return vertical, vertical.T.copy(), np.full((12, 12), 0.7)


def _responses(K):
    stack = np.stack(_edge_images())[:, None]
    Y = conv2d_forward(stack, K[None, None], np.zeros(1), 1, 0)
    return [float(np.max(np.abs(y))) for y in Y[:, 0]]


@EDGE.check
def check_vertical_edge_kernel(K):
    """K[3, 3] must answer a vertical step edge, and neither a horizontal one nor a flat patch
    (|response| <= 10 % of the vertical edge's)."""
    K = EDGE.array(K, "a 3 x 3 array of numbers", shape=(3, 3), placeholder="your 3 x 3 kernel")
    vertical, horizontal, flat = _responses(K)
    if not np.all(np.isfinite((vertical, horizontal, flat))):
        # inf > 0.1 * inf is False: an overflowing kernel would pass every comparison below
        return EDGE.feedback(False, "Your weights are too large: the responses overflow to "
                                    "inf. Use weights of an ordinary size, such as ±1.")
    if vertical < 1e-9:
        if horizontal > 1e-9:
            return EDGE.feedback(False, "It answers horizontal edges and not vertical ones: "
                                        "that is the transposed kernel.")
        return EDGE.feedback(False, "It gives 0 on the vertical edge: no response at all.")
    if flat > 0.1 * vertical:
        return EDGE.feedback(False, f"It answers a flat patch ({flat:.4f} vs {vertical:.4f} on "
                                    f"the edge): its weights sum to {K.sum():.4f}, not 0.")
    if horizontal > 0.1 * vertical:
        return EDGE.feedback(False, f"It also answers a horizontal edge ({horizontal:.4f} vs "
                                    f"{vertical:.4f}): it finds edges of every direction. "
                                    f"Row sums {np.round(K.sum(axis=1), 4).tolist()} must be 0.")
    return EDGE.feedback(True, f"|response| {vertical:.4f} on the vertical edge, "
                               f"{horizontal:.4f} on the horizontal one, {flat:.4f} on a flat "
                               f"patch.")

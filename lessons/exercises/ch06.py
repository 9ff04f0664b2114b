"""Chapter 06, Regression and Regularization: exercises with offline feedback.

    check_parameter_count(fn)    your `fn(sizes)`: weights and biases of a dense network
    check_l2_gradient(fn)        your `fn(w, lam)`: the gradient of lam * sum(w^2)
    check_kfold(fn)              your `fn(n, k)`: K folds as (train, validation) rows
    check_multi_hot(fn)          your `fn(sequences, V)`: Chollet's vectorize_sequences

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch06`.
"""
import collections

import numpy as np

from lessons.chapters.ch06_regression import kfold_indices
from lessons.exercises import Exercise, first_items, numbers_in, shown

COUNT = Exercise("parameter count", [
    "A dense layer from n_in to n_out units has a weight per (input, unit) pair: n_in · n_out.",
    "Each unit also has a bias: add n_out per layer.",
    "Sum (n_in + 1) · n_out over consecutive pairs of sizes: (13, 64, 64, 1) gives "
    "14·64 + 65·64 + 65·1.",
], "ch06")

L2 = Exercise("L2 gradient", [
    "The penalty is lam · Σ w_i²; differentiate one term lam · w_i² with respect to w_i.",
    "d/dw (lam · w²) = 2 · lam · w: the 2 comes down from the square.",
    "Return 2 * lam * w, an array shaped like w (Keras applies it to biases too in Ekman's "
    "code, since he sets bias_regularizer).",
], "ch06")

KFOLD = Exercise("K-fold split", [
    "Fold i validates on one contiguous block of about n / k rows and trains on all the others.",
    "Block i runs from i·n // k to (i + 1)·n // k; integer division spreads the remainder.",
    "Return [(train_rows, val_rows) for i in range(k)] with train_rows = the rows before the "
    "block followed by the rows after it.",
], "ch06")

MULTI_HOT = Exercise("multi-hot words", [
    "Start from np.zeros((len(sequences), V)): one row per passage, one column per word id.",
    "Row i gets a 1 in each column that sequence i lists: X[i, sequence] = 1.0 sets them all "
    "at once (NumPy's fancy indexing).",
    "A word said twice is still a 1, not a 2: multi-hot records which words occur, not how "
    "often. Chollet: results[i, sequence] = 1.",
], "ch06")

_COUNT_CASES = ((13, 1), (13, 64, 64, 1), (13, 128, 128, 64, 1), (784, 25, 10), (2, 2, 1))


@COUNT.check
def check_parameter_count(fn):
    """fn(sizes) must give the number of weights and biases of the dense network `sizes`."""
    if fn is ... or not callable(fn):
        return COUNT.feedback(False, "Pass your function: check_parameter_count(fn).")

    def layers(sizes):
        return list(zip(sizes[:-1], sizes[1:]))

    COUNT.count(fn, ("sizes",), [(sizes,) for sizes in _COUNT_CASES],
                lambda sizes: sum((a + 1) * b for a, b in layers(sizes)), [
        (lambda sizes: sum(a * b for a, b in layers(sizes)),
         ", the weights alone; the biases are missing"),
        (lambda sizes: sum((a + 1) * (b + 1) for a, b in layers(sizes)),
         ": only the units receive a bias, not the inputs")])
    return COUNT.feedback(True, "14, 5,121 and 26,625: Ekman's linear model, his 64/64 network and "
                                "the 128/128/64 one of Table 6-2.")


@L2.check
def check_l2_gradient(fn):
    """fn(w, lam) must return d/dw of lam * sum(w^2)."""
    if fn is ... or not callable(fn):
        return L2.feedback(False, "Pass your function: check_l2_gradient(fn).")
    w = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -0.25]])
    for lam in (0.1, 0.01):
        got = L2.call(fn, w.copy(), lam)
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return L2.feedback(False, f"Expected an array shaped like w, got {shown(got)}.")
        if got.shape != w.shape:
            return L2.feedback(False, f"Expected shape {w.shape} (one value per weight), got "
                                      f"{got.shape}.")
        if np.allclose(got, 2 * lam * w):
            continue
        if np.allclose(got, lam * w):
            detail = f"lam = {lam}: you return lam · w, half the gradient: the 2 of w² is missing."
        elif np.allclose(got, 2 * lam * np.sign(w)) or np.allclose(got, lam * np.sign(w)):
            detail = f"lam = {lam}: that is the L1 penalty's gradient (a sign), not L2's."
        else:
            detail = f"lam = {lam}: you return {shown(got)}, expected 2 · lam · w."
        return L2.feedback(False, detail)
    return L2.feedback(True, "2 · lam · w: every step also pulls each weight towards 0 by "
                             "lr · 2 · lam · w, hence the name weight decay.")


def _rows(x):
    """(x as a sorted list of row indices, None), or (None, what is wrong) if x is not a 1-D
    array of whole numbers."""
    if getattr(x, "dtype", None) == bool:
        return None, "got a boolean mask; return the row indices (np.flatnonzero(mask))"
    arr, wrong = numbers_in(x)
    if wrong:
        return None, f"got {wrong}"
    if arr.ndim != 1:
        tuple_note = (" (np.where returns a tuple of arrays: take its [0], or use "
                      "np.flatnonzero)" if isinstance(x, tuple) else "")
        return None, f"got shape {arr.shape}, expected a 1-D array of row indices{tuple_note}"
    if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
        return None, f"got {shown(x)}, expected whole numbers (row indices)"
    return sorted(arr.astype(np.int64).tolist()), None


@KFOLD.check
def check_kfold(fn):
    """fn(n, k) must return k (train_rows, val_rows) pairs: fold i validates on the i-th of k
    contiguous blocks, [i n // k, (i + 1) n // k), and trains on every other row (any order)."""
    if fn is ... or not callable(fn):
        return KFOLD.feedback(False, "Pass your function: check_kfold(fn).")
    for n, k in ((404, 4), (10, 3), (7, 7)):
        case = f"n = {n}, k = {k}"
        folds = first_items(KFOLD.call(fn, n, k), k)
        pairs = [first_items(fold, 2) for fold in folds or ()]
        if folds is None or any(p is None or len(p) != 2 for p in pairs):
            return KFOLD.feedback(False, f"{case}: expected a list of (train_rows, val_rows) "
                                         f"pairs.")
        if len(folds) != k:
            return KFOLD.feedback(False, f"{case}: you return {len(folds)}"
                                         f"{' or more' if len(folds) > k else ''} folds, "
                                         f"expected {k}.")
        got = []
        for i, pair in enumerate(pairs):
            rows = []
            for name, x in zip(("train_rows", "val_rows"), pair):
                sorted_rows, wrong = _rows(x)
                if wrong:
                    return KFOLD.feedback(False, f"{case}: fold {i}'s {name}: {wrong}.")
                rows.append(sorted_rows)
            got.append(tuple(rows))
        want = [(tr.tolist(), va.tolist()) for tr, va in kfold_indices(n, k)]
        if got == want:
            continue
        if got == [(va, tr) for tr, va in want]:
            detail = (f"{case}: each pair is (val_rows, train_rows); return them as "
                      f"(train_rows, val_rows).")
        elif any(sorted(tr + va) != list(range(n)) for tr, va in got):
            detail = (f"{case}: in some fold, train and validation rows together are "
                      f"not every row exactly once.")
        elif all(va == list(range(i * (n // k), (i + 1) * (n // k)))
                 for i, (_, va) in enumerate(got)):
            detail = (f"{case}: that is Chollet's split, blocks of n // k = {n // k} rows, so "
                      f"the last n % k rows ({shown(list(range(k * (n // k), n)))}) never "
                      f"validate: they train in every fold. This exercise spreads them so that "
                      f"every row validates exactly once.")
        elif sorted(r for _, va in got for r in va) != list(range(n)):
            times = collections.Counter(r for _, va in got for r in va)
            detail = (f"{case}: not every row validates exactly once (never: "
                      f"{shown([r for r in range(n) if r not in times])}; more than once: "
                      f"{shown(sorted(r for r, c in times.items() if c > 1))}).")
        else:
            i = next(i for i in range(k) if got[i] != want[i])
            detail = (f"{case}: fold {i} validates on {shown(got[i][1])}, expected "
                      f"{shown(want[i][1])}.")
        return KFOLD.feedback(False, detail)
    return KFOLD.feedback(True, "every row validates exactly once, and trains in the k - 1 "
                                "other folds.")


@MULTI_HOT.check
def check_multi_hot(fn):
    """fn(sequences, V) must return X[len(sequences), V] with X[i, w] = 1 if sequence i holds
    word id w, else 0 (Chollet's vectorize_sequences)."""
    if fn is ... or not callable(fn):
        return MULTI_HOT.feedback(False, "Pass your function: check_multi_hot(fn).")
    sequences = [[3, 1, 4, 1, 5], [9, 2, 6], [5, 3, 5, 8, 9, 7, 9, 3], [0]]
    V = 12
    want = np.zeros((len(sequences), V))
    for i, seq in enumerate(sequences):
        want[i, seq] = 1.0
    got, what = numbers_in(MULTI_HOT.call(fn, [list(s) for s in sequences], V))
    if got is None:
        return MULTI_HOT.feedback(False, f"Expected an array X[4, 12] of numbers, got {what}.")
    if got.shape != want.shape:
        return MULTI_HOT.feedback(False, f"Expected shape {want.shape} (one row per sequence, "
                                         f"one column per word id), got {got.shape}.")
    if np.array_equal(got, want):
        return MULTI_HOT.feedback(True, "each row is the set of words of its passage: 10,000 "
                                        "columns, a few dozen ones, order and counts forgotten.")
    counts = np.zeros_like(want)
    for i, seq in enumerate(sequences):
        np.add.at(counts[i], seq, 1.0)
    if np.array_equal(got, counts):
        detail = ("you count the words (row 2 holds a 2 for each of 3, 5 and 9, said twice): "
                  "that is a bag of counts; multi-hot keeps a 1 for each word that occurs.")
    else:
        i = int(np.argmax(np.any(got != want, axis=1)))
        detail = (f"row {i} (sequence {sequences[i]}) is {shown(got[i].tolist())}, expected "
                  f"{shown(want[i].tolist())}.")
    return MULTI_HOT.feedback(False, detail)

"""Chapter 04, Multiclass Classification: exercises.

    check_one_hot(one_hot)              your `one_hot(labels, n_classes) -> T[n, n_classes]`
    check_standardize(standardize)      your `standardize(train, test) -> (train_s, test_s)`
    check_minibatch_updates(per_epoch, total)   Appendix F's loop: 60,000 images, batch 64
    check_shuffled_baseline(accuracy)   the accuracy of shuffled labels for a skewed problem

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch04`.
"""
import math

import numpy as np

from lessons.exercises import Exercise, shown

N_TRAIN, BATCH, EPOCHS = 60000, 64, 3
SKEWED_COUNTS = (500, 300, 200)  # a three-class problem for the baseline exercise

ONE_HOT = Exercise("one-hot encoding", [
    "Start from np.zeros((len(labels), n_classes)): n_classes columns, even when the largest "
    "class never occurs in labels; each row gets a single 1.",
    "Row i needs its 1 in column labels[i]: T[np.arange(n), labels] = 1 sets all rows at once.",
    "Check your rows with np.argmax(T, axis=1): it must give the labels back.",
], "ch04")

STANDARDIZE = Exercise("standardize with training statistics", [
    "Compute ONE mean and ONE standard deviation, over all pixels of the TRAINING images only.",
    "Apply (x - mean) / std with those same two numbers to both the training and the test set.",
    "The test set must not influence anything: never call .mean() or .std() on it.",
], "ch04")

UPDATES = Exercise("minibatch updates", [
    "One weight update per minibatch. How many complete batches of 64 fit in 60,000 images?",
    "60,000 / 64 = 937.5. Appendix F's loop skips the incomplete last batch (it does not pad).",
    "937 updates per epoch, and the total is that times the number of epochs.",
], "ch04")

BASELINE = Exercise("shuffled-label baseline", [
    "Shuffled labels know nothing about the example: a guess is right when two independent "
    "draws from the class frequencies agree.",
    "With class frequencies p_k, that probability is the sum over k of p_k * p_k.",
    "Here p = (0.5, 0.3, 0.2): square each and add them up.",
], "ch04")


def _function(exercise, func):
    """func, if it is a function (else say so and end the check)."""
    if func is ... or not callable(func):
        exercise.stop("Pass your function (replace ... with its name).")
    return func


def reference_one_hot(labels, n_classes):
    T = np.zeros((len(labels), n_classes))
    T[np.arange(len(labels)), labels] = 1
    return T


@ONE_HOT.check
def check_one_hot(one_hot):
    """Your one_hot(labels, n_classes) must return T[n, n_classes] with T[i, labels[i]] = 1."""
    one_hot = _function(ONE_HOT, one_hot)
    cases = [(np.array([5, 0, 4, 1, 9]), 10), (np.array([2, 2, 0]), 3), (np.array([0, 2]), 5),
             (np.array([0]), 1)]
    for labels, k in cases:
        got = ONE_HOT.array(ONE_HOT.call(one_hot, labels.copy(), k,
                                         placeholder="your code: the array T"), "an array T")
        want = reference_one_hot(labels, k)
        if got.shape != want.shape:
            if got.shape == want.shape[::-1]:
                hint = " (rows and columns swapped?)"
            elif got.shape == (len(labels), labels.max() + 1):
                hint = (": there must be n_classes columns, not the largest label + 1 (a "
                        "batch need not hold every class)")
            else:
                hint = ""
            return ONE_HOT.feedback(False, f"for labels {labels.tolist()} and n_classes = {k} "
                                           f"the shape is {got.shape}, expected {want.shape}"
                                           f"{hint}.")
        if not np.array_equal(got, want):
            if np.array_equal(got, 1 - want):
                return ONE_HOT.feedback(False, "0s and 1s are swapped.")
            return ONE_HOT.feedback(False, f"for labels {labels.tolist()} got rows "
                                           f"{got.astype(int).tolist()}.")
    return ONE_HOT.feedback(True, "every row has a single 1, in the label's column; "
                                  "argmax of a row gives the label back.")


def _statistics_cases():
    rng = np.random.default_rng(4)
    train = rng.integers(0, 256, (30, 4, 4)).astype(np.uint8)
    test = np.clip(rng.integers(0, 256, (10, 4, 4)) * 0.6 + 40, 0, 255).astype(np.uint8)
    return train, test


@STANDARDIZE.check
def check_standardize(standardize):
    """Your standardize(train_pixels, test_pixels) -> (train_s, test_s): one global mean and
    std, both taken from the training pixels, applied to both sets."""
    train, test = _statistics_cases()
    placeholder = "your code: return the two standardized arrays"
    out = STANDARDIZE.call(_function(STANDARDIZE, standardize), train.copy(), test.copy(),
                           placeholder=placeholder)
    got_train, got_test = (
        STANDARDIZE.array(a, "two arrays: (train_s, test_s)", placeholder=placeholder)
        for a in STANDARDIZE.items(out, 2, "two arrays: (train_s, test_s)"))
    mean, std = train.astype(float).mean(), train.astype(float).std()
    want_train, want_test = (train - mean) / std, (test - mean) / std
    if got_train.shape != train.shape or got_test.shape != test.shape:
        return STANDARDIZE.feedback(False, f"keep the shapes: got {got_train.shape} and "
                                           f"{got_test.shape}, expected {train.shape} and "
                                           f"{test.shape}.")
    if not np.allclose(got_train, want_train, atol=1e-6):
        per_pixel = (train - train.mean(axis=0)) / train.std(axis=0)
        if np.allclose(got_train, per_pixel, atol=1e-6):
            return STANDARDIZE.feedback(False, "that is a mean and std per pixel; the book "
                                               "uses one scalar mean and std over all pixels.")
        return STANDARDIZE.feedback(False, "the training set is not (x - mean) / std with its "
                                           "own mean and std.")
    if not np.allclose(got_test, want_test, atol=1e-6):
        own = (test - test.astype(float).mean()) / test.astype(float).std()
        if np.allclose(got_test, own, atol=1e-6):
            return STANDARDIZE.feedback(False, "the test set was standardized with its OWN "
                                               "statistics: that leaks the test set into the "
                                               "preprocessing.")
        return STANDARDIZE.feedback(False, "the test set is not standardized with the "
                                           "training mean and std.")
    return STANDARDIZE.feedback(True, f"training mean {mean:.4f} and std {std:.4f} applied to "
                                      f"both sets; the test set's mean after standardizing is "
                                      f"{want_test.mean():.4f}, not 0, and that is fine.")


@UPDATES.check
def check_minibatch_updates(per_epoch, total):
    """Appendix F's loop over 60,000 images in minibatches of 64 for 3 epochs: how many
    weight updates per epoch, and in total?"""
    per_epoch = UPDATES.whole(per_epoch, "the updates per epoch")
    total = UPDATES.whole(total, "the total number of updates")
    want = N_TRAIN // BATCH
    if per_epoch == math.ceil(N_TRAIN / BATCH):
        return UPDATES.feedback(False, f"{per_epoch} counts the last, incomplete batch; "
                                       f"Appendix F's loop skips it.")
    if per_epoch != want:
        return UPDATES.feedback(False, f"{shown(per_epoch)} updates per epoch is not it.")
    if total != want * EPOCHS:
        return UPDATES.feedback(False, f"{per_epoch} per epoch is right, but {shown(total)} is "
                                       f"not the total over {EPOCHS} epochs.")
    return UPDATES.feedback(True, f"{want} per epoch (the last 32 images of each epoch are "
                                  f"skipped), {want * EPOCHS} in all. lessons.train.fit would "
                                  f"train on them: {math.ceil(N_TRAIN / BATCH)} per epoch.")


@BASELINE.check
def check_shuffled_baseline(accuracy):
    """Classes with 500, 300 and 200 examples: the expected accuracy of shuffled labels."""
    value = BASELINE.number(accuracy, "a number between 0 and 1")
    p = np.array(SKEWED_COUNTS) / sum(SKEWED_COUNTS)
    want = float(np.sum(p * p))
    if math.isclose(value, want, abs_tol=1e-3):
        return BASELINE.feedback(True, f"{want:.4f}: higher than 1/3, because the big class "
                                       f"is guessed right often. A classifier must beat this, "
                                       f"not 1/3.")
    if math.isclose(value, 1 / len(p), abs_tol=1e-3):
        return BASELINE.feedback(False, "1/3 would hold for balanced classes; these are not.")
    if math.isclose(value, p.max(), abs_tol=1e-3):
        return BASELINE.feedback(False, "0.5 is what ALWAYS guessing the biggest class "
                                        "scores; shuffled labels guess each class as often "
                                        "as it occurs.")
    return BASELINE.feedback(False, f"{value:.4f} is not it.")

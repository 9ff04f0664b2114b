"""Chapter 04 metrics: confusion matrix, class frequencies, the shuffled-label baseline."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.train.metrics import class_frequencies, confusion_matrix, shuffled_label_accuracy


def test_confusion_matrix_by_hand():
    labels = [0, 0, 1, 2, 2, 2]
    predicted = [0, 1, 1, 2, 0, 2]
    C = confusion_matrix(labels, predicted)
    assert C.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert C.dtype == np.int64
    assert confusion_matrix([1], [1], n_classes=4).shape == (4, 4)


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 200), k=st.integers(1, 12), seed=st.integers(0, 2**32 - 1))
def test_rows_sum_to_class_counts_and_trace_counts_the_correct(n, k, seed):
    rng = np.random.default_rng(seed)
    labels, predicted = rng.integers(0, k, n), rng.integers(0, k, n)
    C = confusion_matrix(labels, predicted, n_classes=k)
    assert C.shape == (k, k)
    assert C.sum(axis=1).tolist() == np.bincount(labels, minlength=k).tolist()
    assert C.sum(axis=0).tolist() == np.bincount(predicted, minlength=k).tolist()
    assert np.trace(C) == np.sum(labels == predicted)


def test_frequencies_and_the_baseline():
    labels = np.array([0] * 6 + [1] * 3 + [2])
    assert class_frequencies(labels).tolist() == [0.6, 0.3, 0.1]
    assert class_frequencies(labels, n_classes=4).tolist() == [0.6, 0.3, 0.1, 0.0]
    assert shuffled_label_accuracy(labels) == pytest.approx(0.36 + 0.09 + 0.01)
    assert shuffled_label_accuracy(np.arange(10)) == pytest.approx(0.1)  # balanced: 1 / k


def test_the_baseline_is_what_shuffling_gives():
    rng = np.random.default_rng(0)
    labels = rng.choice(5, size=20000, p=[0.5, 0.2, 0.15, 0.1, 0.05])
    hits = np.mean([np.mean(rng.permutation(labels) == labels) for _ in range(20)])
    assert hits == pytest.approx(shuffled_label_accuracy(labels), abs=0.005)


@pytest.mark.parametrize("args, error, message", [
    (([0, 1], [0]), ValueError, "2 labels but 1 predictions"),
    (([0.0, 1.0], [0, 1]), TypeError, "labels must hold integer classes"),
    (([0, 1], [0, -1]), ValueError, "predicted must be classes 0, 1"),
    (([], []), ValueError, "non-empty 1-D"),
    (([[0, 1]], [[0, 1]]), ValueError, "non-empty 1-D"),
    (([0, 5], [0, 1], 3), ValueError, r"labels must be classes 0..2, got values in \[0, 5\]"),
    (([0, 1], [0, 1], 0), ValueError, "n_classes must be >= 1"),
])
def test_bad_input_is_refused(args, error, message):
    with pytest.raises(error, match=message):
        confusion_matrix(*args)


def test_frequency_input_is_checked():
    with pytest.raises(TypeError, match="class_frequencies"):
        class_frequencies(np.array([0.5]))
    with pytest.raises(ValueError, match="shuffled_label_accuracy|class_frequencies"):
        shuffled_label_accuracy([])

"""Chapter 04, Multiclass Classification: worked solutions
to `lessons.exercises.ch04`. Hints first!"""
import numpy as np


def one_hot(labels, n_classes):
    """T[n, n_classes]: all 0 except T[i, labels[i]] = 1 (fancy indexing sets every row)."""
    T = np.zeros((len(labels), n_classes))
    T[np.arange(len(labels)), labels] = 1
    return T


def standardize(train_pixels, test_pixels):
    """One mean and one std over all TRAINING pixels, applied to both sets (the book's way).
    The test set's own statistics are never computed: they would leak it into training."""
    mean = train_pixels.astype(float).mean()
    std = train_pixels.astype(float).std()
    return (train_pixels - mean) / std, (test_pixels - mean) / std


# 60,000 / 64 = 937.5: Appendix F's loop runs only complete batches, 937 per epoch, and
# skips the 32 images left over; 3 epochs make 3 * 937 updates.
UPDATES_PER_EPOCH = 60000 // 64  # 937
TOTAL_UPDATES = 3 * UPDATES_PER_EPOCH  # 2,811

# p = (500, 300, 200) / 1000 = (0.5, 0.3, 0.2); sum of squares 0.25 + 0.09 + 0.04.
SHUFFLED_BASELINE = 0.5**2 + 0.3**2 + 0.2**2  # 0.38

"""NumPy twins: Chapter 08, Training CNNs: inverted dropout."""


def inverted_dropout(X, bits, keep_prob):
    """Chapter 08. Units whose 32-bit draw is under round(keep_prob 2^32) are kept and scaled."""
    keep = bits < min(round(keep_prob * 2 ** 32), 2 ** 32)
    return X * keep / keep_prob

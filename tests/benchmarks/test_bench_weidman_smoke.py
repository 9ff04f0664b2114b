"""benchmarks/bench_weidman.py runs at a tiny size and prints a complete table (no timings
are asserted), and its NumPy-twin step trains the same network as the layers do."""

import numpy as np
import pytest

from _benchmarks import load

bench = load("bench_weidman")


def test_tiny_report_has_every_row_and_the_target_line():
    report = bench.main(["--n", "120", "--batch", "60", "--twin-batches", "1",
                         "--torch-batches", "1", "--no-torch"])
    rows = [line for line in report.splitlines() if line.startswith("| Weidman CNN")]
    assert [r.split("|")[2].strip() for r in rows] == [bench.LESSONS, bench.TWIN, bench.IM2COL]
    assert "(target >= 30x)" in report and "10 minutes per epoch" in report


@pytest.mark.parametrize("im2col", [False, True])
def test_twin_step_lowers_the_loss_on_a_repeated_batch(im2col):
    X, y = bench.data(60)
    step = bench.twin_stepper(seed=0, im2col=im2col)
    losses = [step(X, y) for _ in range(5)]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


def test_numpy_im2col_convolution_matches_the_kernels():
    import _numpy_im2col

    from lessons import kernels
    rng = np.random.default_rng(0)
    for n, c, h, f, k, pad in [(3, 2, 7, 4, 3, 1), (2, 1, 9, 3, 5, 2), (2, 3, 6, 2, 3, 0)]:
        X, K = rng.normal(size=(n, c, h, h)), rng.normal(size=(f, c, k, k))
        b = rng.normal(size=f)
        Y, cols = _numpy_im2col.conv_forward(X, K, b, pad)
        np.testing.assert_allclose(Y, kernels.conv2d_forward(X, K, b, 1, pad), atol=1e-12)
        dY = rng.normal(size=Y.shape)
        for got, want in zip(_numpy_im2col.conv_backward(X.shape, K, cols, dY, pad),
                             kernels.conv2d_backward(X, K, dY, 1, pad)):
            np.testing.assert_allclose(got, want, atol=1e-12)

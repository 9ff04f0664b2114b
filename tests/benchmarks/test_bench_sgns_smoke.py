"""benchmarks/bench_sgns.py runs at tiny sizes and prints its table. No timing is asserted."""
from _benchmarks import load

bench = load("bench_sgns")


def test_bench_sgns_prints_the_table():
    report = bench.main(["--pairs", "300", "--twin-pairs", "50", "--repeat", "1", "--no-torch"])
    assert "SGNS epoch, 300 Shakespeare pairs" in report
    assert "kernel sgns_epoch" in report and "NumPy twin, BLAS 1 thread" in report


def test_the_twin_and_the_kernel_train_the_same_weights():
    import numpy as np
    from lessons import kernels, reference
    W_in, W_out, *pairs = bench.sgns_case(200)
    a, b = (W_in.copy(), W_out.copy()), (W_in.copy(), W_out.copy())
    kernels.sgns_epoch(*a, *pairs, 0.025)
    reference.sgns_epoch(*b, *pairs, 0.025)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, atol=1e-12)

"""benchmarks/bench_recurrent.py runs at tiny sizes and prints both tables. No timing is
asserted."""
from _benchmarks import load

bench = load("bench_recurrent")


def test_bench_recurrent_prints_both_tables():
    report = bench.main(["--hidden", "8", "--batch", "2", "--steps", "3", "--inputs", "4",
                         "--chars", "600", "--repeat", "1", "--no-torch"])
    assert "(a) LSTM forward + backward" in report and "(b) character model" in report
    assert "NumPy twin, BLAS 2 threads" in report


def test_the_twin_step_is_the_kernels_step():
    import numpy as np
    case = bench.lstm_case(4, 2, 3, 2, np.float64)
    for a, b in zip(bench.kernel_step(*case), bench.twin_step(*case)):
        np.testing.assert_allclose(a, b, atol=1e-12)

"""benchmarks/bench_attention.py runs at tiny sizes and prints both tables. No timing is
asserted."""
import numpy as np

from _benchmarks import load

bench = load("bench_attention")


def test_bench_attention_prints_both_tables():
    report = bench.main(["--batch", "2", "--T", "8", "--d", "8", "--heads", "2", "--window", "4",
                         "--repeat", "1", "--no-torch"])
    assert "(a) attention forward + backward" in report and "(b) one training step" in report
    assert "NumPy twins, BLAS 1 thread" in report


def test_the_twin_rows_compute_what_the_kernels_compute():
    case = bench.attention_case(2, 5, 8, 2, np.float64)
    for a, b in zip(bench.attention_step(bench.kernels, *case),
                    bench.attention_step(bench.reference, *case)):
        np.testing.assert_allclose(a, b, atol=1e-12)
    model, _, ids, targets = bench.training_case(2, 6)
    loss, grads = model.loss_and_grads(ids, targets)
    with bench.twin_kernels():
        twin_loss, twin_grads = model.loss_and_grads(ids, targets)
    assert abs(loss - twin_loss) < 1e-12
    for g, t in zip(grads, twin_grads):
        np.testing.assert_allclose(g, t, atol=1e-10)

"""benchmarks/bench_depth_lab.py runs at a tiny size and prints a complete table (no timings
are asserted), and its PyTorch network is deep_cnn's, weight for weight."""

import numpy as np
import pytest

from _benchmarks import load

bench = load("bench_depth_lab")
TINY = ["--n", "64", "--depth", "6", "--batch", "32", "--rounds", "2", "--round-batches", "1"]


def test_tiny_report_has_every_row():
    torch = bench.import_torch()
    report = bench.main(TINY + ([] if torch else ["--no-torch"]))
    rows = [line.split("|")[2].strip() for line in report.splitlines()
            if line.startswith("| depth 6")]
    threads = [bench.TORCH.format(1, ""), bench.TORCH.format(2, "s")] if torch else []
    assert rows == [bench.EPOCH, bench.LESSONS, bench.LESSONS_2] + threads
    assert ("target >= 1.0" in report) == bool(torch)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_pytorch_network_computes_what_deep_cnn_computes(dtype):
    torch = pytest.importorskip("torch")
    args = bench.parse(TINY + ["--dtype", dtype])
    X, y = bench.data(96, np.dtype(dtype))
    model = bench.network(args)
    ours = model.forward(X)
    with torch.no_grad():
        theirs = bench.torch_network(torch, model)(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(theirs, ours, rtol=1e-4 if dtype == "float32" else 1e-10,
                               atol=1e-5 if dtype == "float32" else 1e-12)
    # and three Adam steps later both still agree
    tolerance = 1e-4 if dtype == "float32" else 1e-10
    assert bench.difference_after_steps(torch, X, y, args) < tolerance

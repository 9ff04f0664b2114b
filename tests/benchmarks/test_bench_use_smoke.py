"""benchmarks/bench_use.py runs at a tiny size and prints its table. No timing is asserted."""
from _benchmarks import load

from lessons.kernels import registry

bench = load("bench_use")


def test_table_has_both_rows_for_both_batches_and_the_lookup():
    report = bench.main(["--steps", "1", "--repeat", "1"])
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in report.splitlines()
            if line.startswith("| batch")]
    assert [(r[0], r[1]) for r in rows] == [(f"batch {b}", name) for b in (32, 128)
                                            for name in (bench.COURSE, bench.LEARNER)]
    assert "ns per registry.swapped(name)" in report
    assert registry.swapped("dense_backward") is None  # the learner's row put the course's back

"""What "bring your own kernel" costs the course's own hot path, and what a learner's kernel costs.

    python benchmarks/bench_use.py               # ~20 s
    python benchmarks/bench_use.py --steps 5 --repeat 1

One SGD step of a 784-256-10 network (Dense, ReLU, Dense, softmax_cross_entropy, float32,
batch 32 and 128, BLAS on one thread), the step the chapters train with:
    - the course's kernels: since lessons.kernels.use exists, every swappable kernel on the
      path asks the registry first whether a learner's kernel is swapped in (a dictionary
      lookup; `lookup` below times one). Run this script on a checkout from before the
      registry (PYTHONPATH=that/checkout) for the "before" row: the difference is the cost;
    - the learner's dense_backward and softmax_cross_entropy (lessons.solutions.kernels,
      plain NumPy and Python loops) swapped in with use(...).
Times are the calling thread's CPU time (BLAS is on one thread, so the whole step runs in it;
the steadier number on a busy machine), the best of --repeat rounds, interleaved, per step;
never a pass/fail.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import best_of, machine_header, markdown_table  # noqa: E402

from lessons import kernels  # noqa: E402
from lessons.layers import Dense, ReLU, Sequential  # noqa: E402
from lessons.optim import SGD  # noqa: E402

COURSE = "course kernels"
LEARNER = "learner's dense_backward + softmax_cross_entropy (use)"


def _step(model, optimizer, X, labels):
    def run():
        _, d_out = kernels.softmax_cross_entropy(model.forward(X, training=True), labels)
        model.backward_params(d_out)
        optimizer.step(model.params(), model.grads())
    return run


def _lookup_ns(repeat):
    """ns of one registry.swapped(name) call, or None before the registry existed."""
    try:
        from lessons.kernels.registry import swapped
    except ImportError:
        return None
    n = 100_000
    timed = best_of(lambda: [swapped("dense_backward") for _ in range(n)], repeat=repeat)
    return timed.seconds / n * 1e9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50, help="steps per timed run")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (best kept)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    rows = []
    with threadpool_limits(1):
        for batch in (32, 128):
            X = rng.normal(size=(batch, 784)).astype(np.float32)
            labels = rng.integers(0, 10, batch)
            model = Sequential([Dense(784, 256, seed=0, dtype=np.float32), ReLU(),
                                Dense(256, 10, seed=1, dtype=np.float32)])
            step = _step(model, SGD(0.01), X, labels)
            impls = {COURSE: step}
            if hasattr(kernels, "use"):
                from lessons.solutions import kernels as mine

                def learner(step=step):
                    with kernels.use(dense_backward=mine.dense_backward,
                                     softmax_cross_entropy=mine.softmax_cross_entropy):
                        step()
                impls[LEARNER] = learner
            best = {name: float("inf") for name in impls}
            for _ in range(args.repeat):  # interleaved: load falls on every row alike
                for name, run in impls.items():
                    timed = best_of(lambda run=run: [run() for _ in range(args.steps)],
                                    repeat=1)
                    best[name] = min(best[name], timed.cpu_seconds / args.steps)
            for name, seconds in best.items():
                rows.append((f"batch {batch}", name, f"{seconds * 1e6:.0f}",
                             f"{seconds / best[COURSE]:.2f}"))
    lookup = _lookup_ns(args.repeat)
    report = "\n".join([
        machine_header(),
        "",
        markdown_table(["case", "implementation", "us per step (thread CPU)",
                        "x course kernels"], rows),
        "",
        "registry lookup: " + ("none (no registry in this checkout)" if lookup is None else
                               f"{lookup:.0f} ns per registry.swapped(name); a step makes 3 "
                               f"(softmax_cross_entropy, two Dense backward_params)"),
    ])
    print(report)
    return report


if __name__ == "__main__":
    main()

"""One epoch of the perceptron rule (Chapter 01, The Perceptron) over 10^6 samples, four ways.

    python benchmarks/bench_perceptron.py                  # the full run (about 7 GB of memory)
    python benchmarks/bench_perceptron.py --n 20000 --n784 2000   # a quick look

Two cases: 2-D inputs (X[n, 3] float64, the bias column included) and 784-D inputs
(X[n, 785] float32, MNIST-sized rows: 3.1 GB for 10^6 of them, and as much again for the
copy gathered into visiting order, about 7 GB at the peak). Every implementation starts from
w = 0 and visits the rows in the same seeded random order, except scikit-learn, which cannot
take an order and shuffles with its own seeded RNG.

- Numba: `perceptron_epoch_unchecked`, compiled before timing; also the public
  `perceptron_epoch` (which validates its input first) and the kernel on rows gathered into
  visiting order beforehand (the same sequence, read sequentially instead of at random).
- NumPy: the twin `lessons.reference.perceptron_epoch`, one Python iteration per sample.
- Python: lists of floats and two inner loops, timed on a slice and scaled linearly.
- scikit-learn: `Perceptron(max_iter=1, tol=None, shuffle=True, fit_intercept=False)`;
  `fit` includes input validation (a finiteness scan of X, dtype and order checks, np.unique of
  y), its own shuffle of an index array, and one epoch of SGD with the perceptron loss. It
  updates when y * z <= 0, which differs from ours only at z = 0 exactly. `partial_fit` on the
  pre-gathered rows with shuffle=False is its cheapest sequential epoch.
"""
import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import Measurement, best_of, machine_header, ratio, ratio_table, scaled  # noqa: E402

from lessons import reference  # noqa: E402
from lessons.kernels import perceptron_epoch  # noqa: E402
from lessons.kernels.raw import perceptron_epoch_unchecked  # noqa: E402

NUMBA = "Numba kernel"
NUMBA_PUBLIC = "Numba perceptron_epoch (validated)"
NUMBA_SEQ = "Numba kernel, rows pre-gathered"
NUMPY = "NumPy per-sample loop"
PYTHON = "pure Python lists"
SKLEARN = "scikit-learn fit"
SKLEARN_SEQ = "scikit-learn partial_fit, rows pre-gathered"
IMPLEMENTATIONS = (NUMBA, NUMBA_PUBLIC, NUMBA_SEQ, NUMPY, PYTHON, SKLEARN, SKLEARN_SEQ)
CASE_2D = "2-D, float64"
CASE_784 = "784-D, float32"
CHUNK = 65_536  # rows generated per step, so the 3 GB case needs no second 3 GB temporary


def make_data(n, d, dtype, seed):
    """X[n, d + 1] (column 0 is the bias input 1), y[n] in {-1, +1}, a visiting order[n].

    The labels come from a random hyperplane plus Gaussian noise on z (30% of its spread), so
    the data are linearly separable except near the plane and every epoch keeps updating.
    """
    rng = np.random.default_rng(seed)
    w_true = rng.standard_normal(d + 1)
    X = np.empty((n, d + 1), dtype=dtype)
    y = np.empty(n, dtype=dtype)
    spread = np.sqrt(w_true[0] ** 2 + w_true[1:] @ w_true[1:])
    for start in range(0, n, CHUNK):
        rows = slice(start, min(start + CHUNK, n))
        m = rows.stop - rows.start
        X[rows, 0] = 1.0
        X[rows, 1:] = rng.standard_normal((m, d), dtype=np.float32 if dtype == np.float32
                                          else np.float64)
        z = X[rows] @ w_true.astype(dtype) + 0.3 * spread * rng.standard_normal(m)
        y[rows] = np.where(z >= 0.0, 1.0, -1.0)
    return X, y, rng.permutation(n)


def python_epoch(w, X, y, order, lr):
    """The perceptron rule on Python lists: w and X[i] are lists of floats."""
    n_updates = 0
    for i in order:
        x = X[i]
        z = 0.0
        for wj, xj in zip(w, x):
            z += wj * xj
        if (1.0 if z >= 0.0 else -1.0) != y[i]:
            step = y[i] * lr
            for j in range(len(w)):
                w[j] += step * x[j]
            n_updates += 1
    return n_updates


def sklearn_fit(X, y, lr, seed):
    from sklearn.linear_model import Perceptron

    model = Perceptron(max_iter=1, tol=None, shuffle=True, random_state=seed, eta0=lr,
                       fit_intercept=False)
    return model.fit(X, y)


def sklearn_partial_fit(X, y, lr):
    from sklearn.linear_model import Perceptron

    model = Perceptron(shuffle=False, eta0=lr, fit_intercept=False)
    return model.partial_fit(X, y, classes=np.array([-1.0, 1.0], dtype=X.dtype))


def measure_case(case, X, y, order, lr, *, repeat, slow_repeat, numpy_slice, python_slice,
                 seed):
    """Time every implementation on one data set; returns (measurements, agreement line)."""
    n, d = X.shape
    dtype = X.dtype.type
    fresh = lambda: (np.zeros(d, dtype=dtype),)  # noqa: E731  (every run starts from w = 0)
    results = []

    def add(name, timed, runs, sliced=None, note=None):
        """Record a row; without a note, the run returned its number of updates: show it."""
        def whole(seconds):
            return scaled(seconds, sliced, n) if sliced else seconds
        note = note if note is not None else f"{timed.result:,} updates"
        results.append(Measurement(case, name, whole(timed.seconds), n, runs, sliced, note,
                                   whole(timed.cpu_seconds)))
        return timed.result

    add(NUMBA, best_of(lambda w: perceptron_epoch_unchecked(w, X, y, order, lr), setup=fresh,
                       repeat=repeat), repeat)

    add(NUMBA_PUBLIC, best_of(lambda w: perceptron_epoch(w, X, y, order, lr), setup=fresh,
                              repeat=repeat),
        repeat, note="checks shapes, dtypes, finiteness, index range")

    X_seq, y_seq = np.ascontiguousarray(X[order]), np.ascontiguousarray(y[order])
    in_turn = np.arange(n)
    add(NUMBA_SEQ, best_of(lambda w: perceptron_epoch_unchecked(w, X_seq, y_seq, in_turn, lr),
                           setup=fresh, repeat=repeat),
        repeat, note="same sequence, sequential reads; gather not timed")

    m = min(numpy_slice, n)
    numpy_updates = add(NUMPY, best_of(
        lambda w: reference.perceptron_epoch(w, X, y, order[:m], lr),
        setup=fresh, repeat=slow_repeat, warmup=0), slow_repeat, m)

    k = min(python_slice, n)
    rows = X[order[:k]].tolist()
    labels = y[order[:k]].tolist()
    python_updates = add(PYTHON, best_of(
        lambda w: python_epoch(w, rows, labels, range(k), lr),
        setup=lambda: ([0.0] * d,), repeat=slow_repeat, warmup=0), slow_repeat, k)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: one epoch is what we asked for
        add(SKLEARN, best_of(lambda: sklearn_fit(X, y, lr, seed), repeat=repeat), repeat,
            note="validation + own shuffle + 1 epoch; own order")
        add(SKLEARN_SEQ, best_of(lambda: sklearn_partial_fit(X_seq, y_seq, lr), repeat=repeat),
            repeat, note="validation + 1 epoch in visiting order")

    agreement = []
    for label, count, size in (("NumPy", numpy_updates, m), ("Python", python_updates, k)):
        numba_count = perceptron_epoch_unchecked(np.zeros(d, dtype=dtype), X, y, order[:size], lr)
        verdict = "same" if numba_count == count else "different"
        agreement.append(f"{label} {count:,} vs Numba {numba_count:,} on the first {size:,}"
                         f" ({verdict})")
    return results, f"- {case} updates: " + "; ".join(agreement)


def targets(results):
    """The issue's two target lines, from the 2-D case."""
    by_name = {m.implementation: m for m in results if m.case == CASE_2D}

    def both(slow, fast):
        slow, fast = by_name[slow], by_name[fast]
        return f"{ratio(slow, fast):.1f}x", f"{ratio(slow, fast, cpu=True):.1f}x in thread CPU time"

    sk, sk_cpu = both(SKLEARN, NUMBA)
    np_, np_cpu = both(NUMPY, NUMBA)
    seq, seq_cpu = both(SKLEARN_SEQ, NUMBA_SEQ)
    return [
        f"Numba vs scikit-learn (2-D): {sk} (target >= 10x); {sk_cpu}",
        f"Numba vs NumPy per-sample loop (2-D): {np_} (target >= 100x); {np_cpu}",
        f"Like for like, both reading rows in visiting order (2-D): scikit-learn partial_fit vs "
        f"Numba {seq}; {seq_cpu}",
    ]


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=10**6, help="samples in the 2-D case")
    p.add_argument("--n784", type=int, default=10**6,
                   help="samples in the 784-D case (0 skips it; 10^6 needs about 7 GB)")
    p.add_argument("--repeat", type=int, default=5, help="best of this many runs (fast ones)")
    p.add_argument("--slow-repeat", type=int, default=3,
                   help="best of this many runs for the NumPy and pure-Python loops")
    p.add_argument("--numpy-slice", type=int, default=10**6,
                   help="samples the NumPy loop runs; fewer are scaled linearly to n")
    p.add_argument("--python-slice", type=int, default=10**5,
                   help="samples the pure-Python loop runs in the 2-D case, scaled to n")
    p.add_argument("--python-slice784", type=int, default=10**4,
                   help="samples the pure-Python loop runs in the 784-D case, scaled to n784")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv=None):
    """Run the benchmark, print the Markdown report and return it."""
    args = parse(argv)
    common = dict(repeat=args.repeat, slow_repeat=args.slow_repeat,
                  numpy_slice=args.numpy_slice, seed=args.seed)
    results, checks = [], []
    cases = [(CASE_2D, args.n, 2, np.float64, args.python_slice),
             (CASE_784, args.n784, 784, np.float32, args.python_slice784)]
    for case, n, d, dtype, python_slice in cases:
        if n <= 0:
            continue
        X, y, order = make_data(n, d, dtype, args.seed)
        rows, check = measure_case(case, X, y, order, args.lr, python_slice=python_slice,
                                   **common)
        results += rows
        checks.append(check)
        del X, y, order
    report = "\n\n".join([
        f"### One perceptron epoch (n = {args.n:,} for 2-D, {args.n784:,} for 784-D)",
        machine_header(),
        ratio_table(results, NUMBA),
        "\n".join(checks),
        "\n".join(targets(results)),
    ])
    print(report)
    return report


if __name__ == "__main__":
    main()

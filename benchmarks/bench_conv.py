"""Convolution and max-pool benchmarks at LeNet-like sizes (Chapter 07 kernels), float32.

    python benchmarks/bench_conv.py            # full size, about a minute
    python benchmarks/bench_conv.py --batch 128 --only-3x3   # chapter 09's 3x3 shapes, batch 128
    python benchmarks/bench_conv.py --tiny --repeat 1 --no-torch   # what the smoke test runs
    python benchmarks/bench_conv.py --alone   # chapter 09's 3x3 shapes, each run alone

For each case, forward + backward of one batch (batch 32 by default):
    conv 1->8 5x5 on 28x28, conv 1->16 5x5 on 28x28 (valid), conv 16->32 3x3 on 14x14 (pad 1),
    chapter 09's 3x3 shapes conv 32->64 and 64->64 on 7x7 (pad 1), and 2x2 max pooling of
    [32, 8, 24, 24] (the first conv's output). --only-3x3 runs the three 3x3 shapes alone.
Implementations:
    - lessons kernels: the validated conv2d_forward + conv2d_backward (maxpool2d_forward +
      maxpool2d_backward), what a learner calls;
    - the same Numba kernels called directly, without the input checks (what Conv2D and
      MaxPool2D call), BLAS held to one thread: for 3x3 kernels at stride 1 (every 3x3 shape
      here) Winograd F(2x2, 3x3), 16 products per block of images (4, up to 16 at 7x7), the
      blocks shared among the threads; otherwise im2col, prange over the images, one small
      product per image;
    - for the 3x3 shapes, the same with the kernels' gradient by the product the kernels did
      not choose (BLAS where blas_runs_avx512() is False, else our loop): issue 13's A/B;
    - at full size only (--tiny leaves them out), two variants without checks, defined here
      since no chapter calls them: the forward as one product over the whole batch (a column
      matrix of N*OH*OW columns, BLAS threading it; the backward is the lessons kernel), and
      direct loops with no im2col and no BLAS (prange over (image, filter) and (image,
      channel));
    - the NumPy twins of lessons.reference (one output position at a time);
    - the convolution by im2col in plain NumPy, one product over the batch
      (benchmarks/_numpy_im2col.py: Weidman's method, vectorised);
    - PyTorch eager on the CPU (F.conv2d / F.max_pool2d and autograd's backward), if installed.
All run with 1 and then 2 threads (threadpoolctl for BLAS, numba.set_num_threads,
torch.set_num_threads). Every time is the best of several rounds; each round runs every
implementation once in turn (interleaved), so that load from other processes on this shared
2-core machine falls on all rows alike; with 2 threads each timed call follows an untimed
one of the same implementation, so that no implementation pays for the threads the one
before it left spinning.

--alone measures issue 13's target instead: chapter 09's three 3x3 shapes at batch 32 and 128,
the Numba kernels without checks against PyTorch eager, with 1 and 2 threads, each in a
Python process of its own (PyTorch not even imported for ours), the best of 30 back-to-back
calls; every process runs twice, in alternating rounds, and the table keeps the better. With
two threads, the interleaved rounds above charge each implementation for the spinning threads
of the one before; alone, nothing else runs in the process.
"""
import argparse
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _numpy_im2col as numpy_im2col  # noqa: E402
from _timing import (  # noqa: E402
    TORCH_MISSING, Measurement, best_of, import_torch, machine_header, markdown_table, ratio,
    ratio_table, torch_note,
)

from lessons import kernels, reference  # noqa: E402
from lessons.kernels import raw as cores  # noqa: E402
from lessons.kernels.threads import blas_runs_avx512, one_blas_thread  # noqa: E402

LESSONS = "lessons kernels (validated)"
RAW = "Numba kernels, no input checks"
TWINS = "NumPy twins"
NUMPY_IM2COL = "NumPy im2col"
WHOLE_BATCH = "forward as one product over the batch, no checks"
DIRECT = "direct loops, prange, no BLAS, no checks"
GROUPED = "im2col over groups of 8 images, no checks"
GROUP = 8  # images per product: cols of 8 images of 16 channels at 14 x 14 are 0.9 MB
TORCH = "PyTorch eager"
# the Winograd backward's other way to compute the kernels' gradient than the one it takes here
OTHER_GRAD = f"the same, dK's product by {'our loop' if blas_runs_avx512() else 'BLAS'}"

# (label, C, H, F, k, pad); the max-pool case pools the first conv's output
CONV_SHAPES = [("conv 1->8 5x5 on 28x28", 1, 28, 8, 5, 0),
               ("conv 1->16 5x5 on 28x28", 1, 28, 16, 5, 0),
               ("conv 16->32 3x3 on 14x14, pad 1", 16, 14, 32, 3, 1),
               ("conv 32->64 3x3 on 7x7, pad 1", 32, 7, 64, 3, 1),
               ("conv 64->64 3x3 on 7x7, pad 1", 64, 7, 64, 3, 1)]
TINY_SHAPES = [("conv 1->2 3x3 on 8x8", 1, 8, 2, 3, 0),
               ("conv 2->3 3x3 on 6x6, pad 1", 2, 6, 3, 3, 1)]


# Not cached: each calls the course's kernels in lessons/kernels, and Numba would check a cached
# copy against this file only, so it could keep running their old code after they change.
@numba.njit
def whole_batch_forward(X, K, b, pad):
    """Stride-1 Y from one product K[F, C*kh*kw] @ cols[C*kh*kw, N*OH*OW] over the whole
    batch, BLAS free to thread it (what conv.py did before its per-image products)."""
    N, C, H, W = X.shape
    F, _, kh, kw = K.shape
    OH, OW = H + 2 * pad - kh + 1, W + 2 * pad - kw + 1
    Xp = cores.pad(X, pad, pad)
    cols = np.empty((C * kh * kw, N * OH * OW), dtype=X.dtype)
    for n in range(N):
        cores.im2col(Xp[n], kh, kw, 1, 1, OH, OW, cols, n * OH * OW)
    Yf = np.dot(np.ascontiguousarray(K).reshape(F, C * kh * kw), cols)
    Y = np.empty((N, F, OH, OW), dtype=X.dtype)
    for n in range(N):
        for f in range(F):
            Y[n, f] = Yf[f, n * OH * OW:(n + 1) * OH * OW].reshape(OH, OW) + b[f]
    return Y


@numba.njit(parallel=True)
def direct_forward(X, K, b, pad):
    """Stride-1 Y = b + sum over c, u, v of K[f, c, u, v] times the shifted input plane."""
    N, C, H, W = X.shape
    F, _, kh, kw = K.shape
    Xp = cores.pad(X, pad, pad)
    OH, OW = H + 2 * pad - kh + 1, W + 2 * pad - kw + 1
    Y = np.empty((N, F, OH, OW), dtype=X.dtype)
    for q in numba.prange(N * F):
        n, f = q // F, q % F
        Y[n, f] = b[f]
        for c in range(C):
            for u in range(kh):
                for v in range(kw):
                    for i in range(OH):
                        for j in range(OW):
                            Y[n, f, i, j] += K[f, c, u, v] * Xp[n, c, i + u, j + v]
    return Y


@numba.njit(parallel=True)
def direct_backward(X, K, dY, pad):
    """Stride-1 (dX, dK, db) by the scatter and the sums of the module docstring of conv.py."""
    N, C, H, W = X.shape
    F, _, kh, kw = K.shape
    OH, OW = dY.shape[2], dY.shape[3]
    Xp = cores.pad(X, pad, pad)
    dK = np.zeros(K.shape, dtype=X.dtype)
    for q in numba.prange(F * C):
        f, c = q // C, q % C
        for u in range(kh):
            for v in range(kw):
                for n in range(N):
                    for i in range(OH):
                        for j in range(OW):
                            dK[f, c, u, v] += dY[n, f, i, j] * Xp[n, c, i + u, j + v]
    dXp = np.zeros(Xp.shape, dtype=X.dtype)
    for q in numba.prange(N * C):
        n, c = q // C, q % C
        for f in range(F):
            for u in range(kh):
                for v in range(kw):
                    for i in range(OH):
                        for j in range(OW):
                            dXp[n, c, i + u, j + v] += K[f, c, u, v] * dY[n, f, i, j]
    db = np.zeros(F, dtype=X.dtype)
    for f in range(F):
        db[f] = dY[:, f].sum()
    return np.ascontiguousarray(dXp[:, :, pad:pad + H, pad:pad + W]), dK, db


@numba.njit(parallel=True)
def grouped_forward(X, K, b, pad, G):
    """Stride-1 Y, G images per product: K[F, C*kh*kw] @ cols[C*kh*kw, G*OH*OW], the groups
    shared among the threads (BLAS on one thread); small maps (7 x 7: 49 columns an image)
    give BLAS products too thin to run at speed."""
    N, C, H, W = X.shape
    F, _, kh, kw = K.shape
    OH, OW = H + 2 * pad - kh + 1, W + 2 * pad - kw + 1
    P = OH * OW
    Xp, Kf = cores.pad(X, pad, pad), np.ascontiguousarray(K).reshape(F, C * kh * kw)
    Y = np.empty((N, F, OH, OW), dtype=X.dtype)
    for g in numba.prange((N + G - 1) // G):
        first, last = g * G, min(N, g * G + G)
        cols = np.empty((C * kh * kw, (last - first) * P), dtype=X.dtype)
        for n in range(first, last):
            cores.im2col(Xp[n], kh, kw, 1, 1, OH, OW, cols, (n - first) * P)
        Yg = np.dot(Kf, cols)
        for n in range(first, last):
            for f in range(F):
                Y[n, f] = Yg[f, (n - first) * P:(n - first + 1) * P].reshape(OH, OW) + b[f]
    return Y


@numba.njit(parallel=True)
def grouped_backward(X, K, dY, pad, G):
    """Stride-1 (dX, dK, db), G images per product: dK^T += cols dY^T per group (the groups'
    shares added in a fixed order), dcols = K^T dY, col2im image by image."""
    N, C, H, W = X.shape
    F, _, kh, kw = K.shape
    OH, OW = dY.shape[2], dY.shape[3]
    P = OH * OW
    Xp, Kf = cores.pad(X, pad, pad), np.ascontiguousarray(K).reshape(F, C * kh * kw)
    groups = (N + G - 1) // G
    dKTs = np.empty((groups, C * kh * kw, F), dtype=X.dtype)
    dX = np.empty((N, C, H, W), dtype=X.dtype)
    for g in numba.prange(groups):
        first, last = g * G, min(N, g * G + G)
        cols = np.empty((C * kh * kw, (last - first) * P), dtype=X.dtype)
        dYg = np.empty((F, (last - first) * P), dtype=X.dtype)
        for n in range(first, last):
            cores.im2col(Xp[n], kh, kw, 1, 1, OH, OW, cols, (n - first) * P)
            for f in range(F):
                dYg[f, (n - first) * P:(n - first + 1) * P] = dY[n, f].ravel()
        dKTs[g] = np.dot(cols, np.ascontiguousarray(dYg.T))
        dcols = np.dot(Kf.T, dYg)
        for n in range(first, last):
            dn = cores.col2im(np.ascontiguousarray(dcols[:, (n - first) * P:(n - first + 1) * P]),
                              H + 2 * pad, W + 2 * pad, kh, kw, 1, 1, OH, OW)
            dX[n] = dn[:, pad:pad + H, pad:pad + W]
    dKT = dKTs[0].copy()
    for g in range(1, groups):
        dKT += dKTs[g]
    db = np.zeros(F, dtype=X.dtype)
    for n in range(N):
        for f in range(F):
            db[f] += dY[n, f].sum()
    return dX, np.ascontiguousarray(dKT.T).reshape(F, C, kh, kw), db


def conv_runs(X, K, b, pad, torch, variants):
    """{implementation: a no-argument function doing forward + backward of one batch}."""
    dY = np.ones((X.shape[0], K.shape[0]) + tuple(
        n + 2 * pad - k + 1 for n, k in zip(X.shape[2:], K.shape[2:])), dtype=X.dtype)

    def lessons():
        kernels.conv2d_forward(X, K, b, 1, pad)
        return kernels.conv2d_backward(X, K, dY, 1, pad)

    def raw():
        with one_blas_thread():
            cores.conv2d_forward_unchecked(X, K, b, 1, 1, pad, pad)
            return cores.conv2d_backward_unchecked(X, K, dY, 1, 1, pad, pad, True,
                                                   blas_runs_avx512())

    def other_grad():
        with one_blas_thread():
            cores.conv2d_forward_unchecked(X, K, b, 1, 1, pad, pad)
            return cores.conv2d_backward_unchecked(X, K, dY, 1, 1, pad, pad, True,
                                                   not blas_runs_avx512())

    def twin():
        reference.conv2d_forward(X, K, b, 1, pad)
        return reference.conv2d_backward(X, K, dY, 1, pad)

    def whole_batch():
        whole_batch_forward(X, K, b, pad)
        with one_blas_thread():
            return cores.conv2d_backward_unchecked(X, K, dY, 1, 1, pad, pad, True,
                                                   blas_runs_avx512())

    def direct():
        direct_forward(X, K, b, pad)
        return direct_backward(X, K, dY, pad)

    def grouped():
        with one_blas_thread():
            grouped_forward(X, K, b, pad, GROUP)
            return grouped_backward(X, K, dY, pad, GROUP)

    def numpy_im2col_run():
        _, cols = numpy_im2col.conv_forward(X, K, b, pad)
        return numpy_im2col.conv_backward(X.shape, K, cols, dY, pad)

    runs = {LESSONS: lessons, RAW: raw}
    if K.shape[2:] == (3, 3):  # Winograd's path (stride 1 throughout)
        runs[OTHER_GRAD] = other_grad
    if variants:
        runs.update({WHOLE_BATCH: whole_batch, DIRECT: direct, GROUPED: grouped})
    runs[TWINS] = twin
    runs[NUMPY_IM2COL] = numpy_im2col_run
    if torch is not None:
        tX, tK, tb = (torch.tensor(a, requires_grad=True) for a in (X, K, b))
        tdY = torch.tensor(dY)

        def eager():
            for t in (tX, tK, tb):
                t.grad = None
            torch.nn.functional.conv2d(tX, tK, tb, padding=pad).backward(tdY)
            return tX.grad, tK.grad, tb.grad

        runs[TORCH] = eager
    return runs


def pool_runs(X, torch):
    Y, _ = reference.maxpool2d_forward(X, 2)
    dY = np.ones_like(Y)

    def lessons():
        _, argmax = kernels.maxpool2d_forward(X, 2)
        return kernels.maxpool2d_backward(dY, argmax, X.shape)

    def raw():
        _, argmax = cores.maxpool2d_forward_unchecked(X, 2, 2)
        return cores.maxpool2d_backward_unchecked(dY, argmax, X.shape[2], X.shape[3])

    def twin():
        _, argmax = reference.maxpool2d_forward(X, 2)
        return reference.maxpool2d_backward(dY, argmax, X.shape)

    runs = {LESSONS: lessons, RAW: raw, TWINS: twin}
    if torch is not None:
        tX, tdY = torch.tensor(X, requires_grad=True), torch.tensor(dY)

        def eager():
            tX.grad = None
            torch.nn.functional.max_pool2d(tX, 2).backward(tdY)
            return tX.grad

        runs[TORCH] = eager
    return runs


def cases(args, torch):
    """[(case label, {implementation: run})] for every shape, plus max pooling."""
    rng = np.random.default_rng(args.seed)
    out, first = [], None
    shapes = TINY_SHAPES if args.tiny else CONV_SHAPES
    if args.only_3x3:
        shapes = [shape for shape in shapes if shape[4] == 3]
    for label, C, H, F, k, pad in shapes:
        X = rng.standard_normal((args.batch, C, H, H)).astype(np.float32)
        K = (0.1 * rng.standard_normal((F, C, k, k))).astype(np.float32)
        b = rng.standard_normal(F).astype(np.float32)
        out.append((label, conv_runs(X, K, b, pad, torch, not args.tiny)))
        if first is None:
            first = reference.conv2d_forward(X, K, b, 1, pad)
    if not args.only_3x3:
        out.append((f"max-pool 2x2 of {list(first.shape)}", pool_runs(first, torch)))
    return out


def set_threads(threads, torch):
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    if torch is not None:
        torch.set_num_threads(threads)


def measure(args, torch):
    """Measurements for every (threads, case, implementation), timed interleaved."""
    rows, agreement = [], []
    for threads in (1, 2):
        set_threads(threads, torch)
        with threadpool_limits(threads):
            all_cases = cases(args, torch)
            best = {}
            for _ in range(args.repeat):
                for label, runs in all_cases:
                    for name, run in runs.items():
                        # with 2 threads, an untimed call first every time: the implementation
                        # before this one leaves its worker threads spinning for a while
                        # (OpenBLAS's, OpenMP's), which took a core from the next and doubled
                        # PyTorch's time (benchmarks/README.md)
                        warmup = 1 if threads > 1 or label not in best else 0
                        timed = best_of(run, repeat=1, warmup=warmup)
                        key = (label, name)
                        if key not in best or timed.seconds < best[key].seconds:
                            best[key] = timed
            for label, runs in all_cases:
                case = f"{label}, {threads} thread{'s' if threads > 1 else ''}"
                for name in runs:
                    t = best[(label, name)]
                    rows.append(Measurement(case, name, t.seconds, args.batch, args.repeat,
                                            cpu_seconds=t.cpu_seconds))
                if threads == 1:
                    agreement.append(f"- {label}: largest difference from the NumPy twin's "
                                     f"gradients {largest_difference(runs):.1e} (float32)")
    set_threads(2, torch)
    return rows, agreement


def largest_difference(runs):
    want = runs[TWINS]()
    want = want if isinstance(want, tuple) else (want,)
    worst = 0.0
    for name, run in runs.items():
        got = run()
        got = got if isinstance(got, tuple) else (got,)
        for g, w in zip(got, want):
            g = g.detach().numpy() if hasattr(g, "detach") else g
            worst = max(worst, float(np.max(np.abs(g - w))))
    return worst


def target_lines(rows):
    lines = []
    for m in rows:
        if m.implementation != TORCH:
            continue
        ours = next(r for r in rows if r.case == m.case and r.implementation == LESSONS)
        raw = next(r for r in rows if r.case == m.case and r.implementation == RAW)
        what = "max-pool" if m.case.startswith("max-pool") else "conv"
        lines.append(f"- PyTorch / Numba {what} fwd+bwd at {m.case}: {ratio(m, ours):.2f} "
                     f"(validated), {ratio(m, raw):.2f} (no checks) (target: within 1.5x, "
                     f"i.e. >= 0.67)")
    return lines


ALONE_BATCHES, ALONE_CALLS, ALONE_ROUNDS = (32, 128), 30, 2


def one_alone(label, name, batch, threads, calls):
    """Seconds of the best of `calls` forward + backward passes of one 3x3 shape, in this
    process, which runs nothing else (the child of alone())."""
    torch = import_torch() if name == TORCH else None
    set_threads(threads, torch)
    C, H, F, pad = next((C, H, F, pad) for shape, C, H, F, k, pad in CONV_SHAPES
                        if shape == label)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, C, H, H)).astype(np.float32)
    K = (0.1 * rng.standard_normal((F, C, 3, 3))).astype(np.float32)
    b = rng.standard_normal(F).astype(np.float32)
    with threadpool_limits(threads):
        run = conv_runs(X, K, b, pad, torch, variants=False)[name]
        return best_of(run, repeat=calls, warmup=3).seconds


def alone(repeat_rounds=ALONE_ROUNDS, calls=ALONE_CALLS):
    """The Markdown table of issue 13's target: ours and PyTorch's ms per batch, each the
    better of `repeat_rounds` processes of its own, and PyTorch / ours."""
    shapes = [shape[0] for shape in CONV_SHAPES if shape[4] == 3]
    best = {}
    for _ in range(repeat_rounds):
        for label in shapes:
            for batch in ALONE_BATCHES:
                for threads in (1, 2):
                    for name in (RAW, TORCH):
                        out = subprocess.run(
                            [sys.executable, __file__, "--one", label, name, str(batch),
                             str(threads), str(calls)],
                            capture_output=True, text=True, check=True)
                        key = (label, batch, threads, name)
                        best[key] = min(best.get(key, np.inf), float(out.stdout.split()[-1]))
    rows = []
    for label in shapes:
        for batch in ALONE_BATCHES:
            row = [label.removeprefix("conv "), str(batch)]
            for threads in (1, 2):
                ours, theirs = (best[(label, batch, threads, name)] for name in (RAW, TORCH))
                row += [f"{1e3 * ours:.2f}", f"{1e3 * theirs:.2f}", f"{theirs / ours:.2f}"]
            rows.append(row)
    headers = ["shape", "batch", "ours, 1 thread", "PyTorch, 1 thread", "PyTorch / ours",
               "ours, 2 threads", "PyTorch, 2 threads", "PyTorch / ours"]
    return markdown_table(headers, rows)


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--repeat", type=int, default=15, help="best of this many rounds")
    p.add_argument("--tiny", action="store_true", help="tiny shapes (the smoke test)")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    p.add_argument("--only-3x3", action="store_true", help="the 3x3 shapes only (chapter 09)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--alone", action="store_true",
                   help="issue 13's table: each 3x3 shape alone in a process, ours and PyTorch")
    p.add_argument("--one", nargs=5, metavar=("SHAPE", "IMPLEMENTATION", "BATCH", "THREADS",
                                               "CALLS"), help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None):
    """Run the benchmark, print the Markdown report and return it."""
    args = parse(argv)
    if args.one:
        label, name, *numbers = args.one
        print(one_alone(label, name, *map(int, numbers)))
        return None
    if args.alone:
        torch = import_torch()
        if torch is None:
            sys.exit(TORCH_MISSING)
        report = "\n\n".join([
            "### Chapter 09's 3x3 convolutions, each alone, forward + backward, float32 (ms)",
            machine_header() + f"\n- {torch_note(torch, False)}", alone()])
        print(report)
        return report
    torch = None if args.no_torch else import_torch()
    rows, agreement = measure(args, torch)
    report = "\n\n".join([
        f"### Convolution and max-pool, forward + backward, batch {args.batch}, float32",
        machine_header() + f"\n- {torch_note(torch, args.no_torch)}",
        ratio_table(rows, LESSONS, unit="image", per="batch"),
        "\n".join(agreement + target_lines(rows)),
    ])
    print(report)
    return report


if __name__ == "__main__":
    main()

"""One epoch of Weidman's CNN on full MNIST: lessons (Numba) vs its NumPy twin vs PyTorch.

    python benchmarks/bench_weidman.py                  # full epoch: 60,000 images, batch 60
    python benchmarks/bench_weidman.py --n 600 --twin-batches 2 --torch-batches 2

The model (Chapter 08, lessons.chapters.ch08_cnn.weidman_cnn): Conv2D(1 -> 32, 5 x 5, pad 2) -> tanh ->
dropout (keep 0.8) -> flatten (25,088) -> Dense(10), softmax cross-entropy, SGD lr 0.01 with
momentum 0.9, batch 60 (Weidman's 1,000 batches per epoch). Weidman reports about 10 minutes
per epoch for his NumPy code. Timed:

- lessons: lessons.train.fit for one whole epoch (the layers call the Numba kernels);
- NumPy twin: the same step written with lessons.reference's twins (im2col-free loops over
  output positions with tensordot), timed on --twin-batches batches and extrapolated;
- NumPy im2col: the same step with the convolution as one im2col product per batch in NumPy
  (benchmarks/_numpy_im2col.py, the method of Weidman's code), timed likewise;
- PyTorch eager (CPU), if installed: the same network, timed on --torch-batches batches and
  extrapolated (a whole epoch when --torch-batches covers it).

Target from the issue: the lessons epoch at least 30x faster than its NumPy twin.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _numpy_im2col as numpy_im2col  # noqa: E402
from _timing import (  # noqa: E402
    Measurement, import_torch, machine_header, ratio, ratio_table, scaled, torch_note,
)

from lessons import reference as R  # noqa: E402
from lessons.chapters.ch08_cnn import WEIDMAN_EPOCH_MINUTES, standardize, weidman_cnn  # noqa: E402
from lessons.data import load_mnist  # noqa: E402
from lessons.kernels import softmax_cross_entropy  # noqa: E402
from lessons.kernels.dropout import dropout_bits  # noqa: E402
from lessons.optim import SGD  # noqa: E402
from lessons.train import fit  # noqa: E402

LESSONS = "lessons (Numba kernels via layers, fit)"
TWIN = "NumPy twin (lessons.reference)"
IM2COL = "NumPy im2col (Weidman's method, vectorised)"
TORCH = "PyTorch eager"
LR, MOMENTUM, KEEP = 0.01, 0.9, 0.8


def data(n, dtype=np.float32):
    """The first n MNIST training images as [n, 1, 28, 28], standardized with their own mean
    and std, and their labels (bench_depth_lab.py uses it too)."""
    images, labels = load_mnist("train")
    images, labels = images[:n], labels[:n]
    mean, std = float(images.mean()), float(images.std())
    return standardize(images, mean, std, dtype=dtype), labels.astype(np.int64)


def time_lessons(X, y, batch, seed):
    """Seconds for one fit epoch over X, after an untimed two-batch fit (kernel loading)."""
    fit(weidman_cnn(seed=seed, dtype=np.float32), softmax_cross_entropy, SGD(LR), X[:2 * batch],
        y[:2 * batch], epochs=1, batch_size=batch, seed=seed, progress=False)
    model = weidman_cnn(seed=seed, dtype=np.float32)
    start = time.perf_counter()
    history = fit(model, softmax_cross_entropy, SGD(LR, momentum=MOMENTUM), X, y, epochs=1,
                  batch_size=batch, seed=seed, progress=False)
    return time.perf_counter() - start, history.loss[-1]


def twin_stepper(seed, im2col=False):
    """Weidman's training step with the NumPy twins; parameters drawn like weidman_cnn's.
    im2col=True: the convolution by im2col in NumPy (benchmarks/_numpy_im2col.py) instead of
    the twins' loop over output positions."""
    model = weidman_cnn(seed=seed, dtype=np.float32)
    params = [p.copy() for p in model.params()]  # K[32, 1, 5, 5], b[32], W[25088, 10], c[10]
    velocity = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(seed)

    def step(X, labels):
        K, b, W, c = params
        if im2col:
            Z, cols = numpy_im2col.conv_forward(X, K, b, 2)
        else:
            Z = R.conv2d_forward(X, K, b, 1, 2)
        A = R.tanh(Z)
        bits = dropout_bits(rng, A.shape)  # the draws the Dropout layer makes
        F = R.inverted_dropout(A, bits, KEEP).reshape(len(X), -1)
        loss, d_out = R.softmax_cross_entropy(R.dense_forward(F, W, c), labels)
        dF, dW, dc = R.dense_backward(F, W, d_out)
        dZ = R.tanh_backward(A, R.inverted_dropout(dF.reshape(A.shape), bits, KEEP))
        if im2col:
            _, dK, db = numpy_im2col.conv_backward(X.shape, K, cols, dZ, 2, input_grad=False)
        else:
            _, dK, db = R.conv2d_backward(X, K, dZ, 1, 2)
        for p, g, v in zip(params, (dK, db, dW, dc), velocity):
            v *= MOMENTUM
            v -= LR * g
            p += v
        return loss
    return step


def torch_stepper(torch, seed):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 32, 5, padding=2), torch.nn.Tanh(),
                                torch.nn.Dropout(1 - KEEP), torch.nn.Flatten(),
                                torch.nn.Linear(32 * 28 * 28, 10))
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    def step(X, labels):
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(X), labels)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def time_batches(step, X, y, batch, n_batches, convert=lambda a: a):
    """Seconds for n_batches steps (after one untimed warm-up step)."""
    step(convert(X[:batch]), convert(y[:batch]))
    start = time.perf_counter()
    for k in range(n_batches):
        rows = slice(k * batch, (k + 1) * batch)
        step(convert(X[rows]), convert(y[rows]))
    return time.perf_counter() - start


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=60_000, help="training images (one epoch)")
    p.add_argument("--batch", type=int, default=60)
    p.add_argument("--twin-batches", type=int, default=20, help="batches timed for the twin")
    p.add_argument("--torch-batches", type=int, default=200, help="batches timed for PyTorch")
    p.add_argument("--seed", type=int, default=20190402)
    p.add_argument("--no-torch", action="store_true")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    # PyTorch before any Numba kernel runs: imported after Numba has started its OpenMP
    # threads, PyTorch's own took 40x longer with 2 threads (bench_depth_lab.py)
    torch = None if args.no_torch else import_torch()
    X, y = data(args.n)
    n, case = len(X), f"Weidman CNN, n={len(X):,}, batch {args.batch}"
    seconds, loss = time_lessons(X, y, args.batch, args.seed)
    rows = [Measurement(case, LESSONS, seconds, n, note=f"epoch loss {loss:.4f}")]
    k = min(args.twin_batches, n // args.batch)
    twin = time_batches(twin_stepper(args.seed), X, y, args.batch, k)
    rows.append(Measurement(case, TWIN, scaled(twin, k * args.batch, n), n,
                            timed_units=k * args.batch))
    k = min(args.twin_batches, n // args.batch)
    im2col = time_batches(twin_stepper(args.seed, im2col=True), X, y, args.batch, k)
    rows.append(Measurement(case, IM2COL, scaled(im2col, k * args.batch, n), n,
                            timed_units=k * args.batch))
    if torch is not None:
        torch.set_num_threads(2)
        k = min(args.torch_batches, n // args.batch)
        seconds = time_batches(torch_stepper(torch, args.seed), X, y, args.batch, k,
                               convert=torch.from_numpy)
        rows.append(Measurement(case, TORCH, scaled(seconds, k * args.batch, n), n,
                                timed_units=k * args.batch, note=f"torch {torch.__version__}"))
    lines = ["### One epoch of Weidman's CNN (Chapter 08), float32", "", machine_header(), "",
             ratio_table(rows, LESSONS, unit="image"), ""]
    by = {m.implementation: m for m in rows}
    lines.append(f"- lessons vs its NumPy twin: {ratio(by[TWIN], by[LESSONS]):.1f}x faster "
                 f"(target >= 30x); vs NumPy im2col: {ratio(by[IM2COL], by[LESSONS]):.1f}x")
    if TORCH in by:
        lines.append(f"- PyTorch eager / lessons: {ratio(by[TORCH], by[LESSONS]):.2f} "
                     f"(above 1: ours is faster)")
    else:
        lines.append(f"- {torch_note(None, args.no_torch)}")
    lines.append(f"- Weidman's NumPy code: about {WEIDMAN_EPOCH_MINUTES} minutes per epoch "
                 f"(his book); lessons: {by[LESSONS].seconds * n / args.n:.1f} s here")
    report = "\n".join(lines)
    print(report)
    return report


if __name__ == "__main__":
    main()

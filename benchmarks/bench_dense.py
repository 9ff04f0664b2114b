"""Dense-network benchmarks: a 784-256-10 training step, and an epoch of Ekman's 784-25-10 net.

    python benchmarks/bench_dense.py              # full size (about 1.5 GB of memory, ~2 min)
    python benchmarks/bench_dense.py --n 2000 --twin-slice 200 --steps 5 --peak-n 256 --repeat 1

(a) One SGD step of a 784-256-10 network (relu hidden layer, softmax cross-entropy, float32)
    at batch 32 and 128, with BLAS limited to 1 and then 2 threads (threadpoolctl, and
    torch.set_num_threads for PyTorch):
    - lessons layers: Sequential([Dense, ReLU, Dense]) with softmax_cross_entropy and
      optim.SGD, what the chapters train with: Dense checks its input and calls the kernels,
      and a training step skips dL/dX of the first layer (as PyTorch does for data that
      needs no gradient);
    - lessons kernels: the public, validated dense_forward, relu, softmax_cross_entropy,
      dense_backward, relu_backward and sgd_step (Chapter 03), one call per stage;
    - the same Numba kernels called directly, without the input checks;
    - the NumPy twins of lessons.reference;
    - PyTorch eager on the CPU (nn.Linear, F.cross_entropy, torch.optim.SGD), if installed.
    The validated-kernel and twin rows also compute dX for the first layer (dense_backward
    returns it), about 1/6 of the step's multiply-adds; the layers and raw rows skip it.
(b) One epoch of the per-example 784-25-10 trainer (Chapter 04) over the full MNIST training
    set: the Numba kernel in float32 and float64, the validated mlp_sgd_epoch, and the NumPy
    twin, which is timed on a slice (--twin-slice rows) and extrapolated linearly. Its
    GFLOP/s are compared with a large matrix product timed in the same run (the machine's
    BLAS peak for 1 and 2 threads): the trainer runs on one core.

Every time is the best of several rounds, and each round runs every implementation once in
turn (interleaved), so that load from other processes on this shared 2-core machine falls on
all rows alike. (a) reports per step (--steps steps per timed run).
"""
import argparse
import sys
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import (  # noqa: E402
    TORCH_MISSING, Measurement, Timed, best_of, import_torch, machine_header, markdown_table,
    ratio, ratio_table, scaled, torch_note,
)

from lessons import kernels, reference  # noqa: E402
from lessons.data import load_mnist  # noqa: E402
from lessons.kernels.raw import (  # noqa: E402
    dense_backward_unchecked, dense_forward_unchecked, dense_param_grads_unchecked,
    mlp_sgd_epoch_unchecked, relu_backward_unchecked, relu_unchecked,
    softmax_cross_entropy_unchecked, sgd_step_unchecked,
)
from lessons.layers import Dense, ReLU, Sequential  # noqa: E402
from lessons.optim import SGD  # noqa: E402
from lessons.chapters.ch04_mnist_net import init_weights, prepare  # noqa: E402

LAYERS = "lessons layers (Dense, ReLU, SGD)"
LESSONS = "lessons kernels (validated)"
RAW = "Numba kernels, no input checks"
TWINS = "NumPy twins"
TORCH = "PyTorch eager"
STEP_IMPLEMENTATIONS = (LAYERS, LESSONS, RAW, TWINS, TORCH)

EPOCH32 = "Numba kernel, float32"
EPOCH_PUBLIC = "Numba mlp_sgd_epoch (validated), float32"
EPOCH64 = "Numba kernel, float64"
TWIN32 = "NumPy twin, float32"
TWIN64 = "NumPy twin, float64"
SIZES = (784, 256, 10)
MLP_SIZES = (784, 25, 10)


# --- (a) one training step of 784-256-10 ---------------------------------------------------

def init_dense(seed, dtype=np.float32):
    """[W1, b1, W2, b2] for 784-256-10 in the course's layout (W[n_in, n_out]), He-uniform."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        limit = np.sqrt(6.0 / n_in)
        params += [rng.uniform(-limit, limit, (n_in, n_out)).astype(dtype),
                   np.zeros(n_out, dtype=dtype)]
    return params


def lessons_step(params, X, labels, lr):
    W1, b1, W2, b2 = params
    Z1 = kernels.dense_forward(X, W1, b1)
    A1 = kernels.relu(Z1)
    loss, dZ2 = kernels.softmax_cross_entropy(kernels.dense_forward(A1, W2, b2), labels)
    dA1, dW2, db2 = kernels.dense_backward(A1, W2, dZ2)
    _, dW1, db1 = kernels.dense_backward(X, W1, kernels.relu_backward(Z1, dA1))
    for param, grad in zip(params, (dW1, db1, dW2, db2)):
        kernels.sgd_step(param, grad, lr)
    return loss


def raw_step(params, X, labels, lr):
    """The same kernels, called directly: what the step costs without the input checks."""
    W1, b1, W2, b2 = params
    Z1 = dense_forward_unchecked(X, W1, b1)
    A1 = relu_unchecked(Z1.reshape(-1)).reshape(Z1.shape)
    loss, dZ2 = softmax_cross_entropy_unchecked(dense_forward_unchecked(A1, W2, b2), labels)
    dA1, dW2, db2 = dense_backward_unchecked(A1, W2, dZ2)
    dZ1 = relu_backward_unchecked(Z1.reshape(-1), dA1.reshape(-1)).reshape(Z1.shape)
    dW1, db1 = dense_param_grads_unchecked(X, dZ1)
    for param, grad in zip(params, (dW1, db1, dW2, db2)):
        sgd_step_unchecked(param.reshape(-1), grad.reshape(-1), lr)
    return loss


def layers_stepper(params, X, labels, lr):
    """A Sequential holding copies of params, and its training step (as lessons.train runs it)."""
    W1, b1, W2, b2 = params
    model = Sequential([Dense(784, 256, seed=0, dtype=np.float32), ReLU(),
                        Dense(256, 10, seed=0, dtype=np.float32)])
    for target, value in zip(model.params(), (W1, b1, W2, b2)):
        target[...] = value
    opt = SGD(lr)

    def step():
        loss, d_out = kernels.softmax_cross_entropy(model.forward(X, training=True), labels)
        model.backward(d_out, input_grad=False)
        opt.step(model.params(), model.grads())
        return loss
    step.params = model.params  # [W1, b1, W2, b2], as the other steps update theirs
    return step


def twin_step(params, X, labels, lr):
    W1, b1, W2, b2 = params
    Z1 = reference.dense_forward(X, W1, b1)
    A1 = reference.relu(Z1)
    loss, dZ2 = reference.softmax_cross_entropy(reference.dense_forward(A1, W2, b2), labels)
    dA1, dW2, db2 = reference.dense_backward(A1, W2, dZ2)
    _, dW1, db1 = reference.dense_backward(X, W1, reference.relu_backward(Z1, dA1))
    for param, grad in zip(params, (dW1, db1, dW2, db2)):
        reference.sgd_step(param, grad, lr)
    return loss


def torch_stepper(torch, params, X, labels, lr):
    """A PyTorch model holding copies of params, and its step(): zero_grad, forward,
    cross-entropy, backward, SGD."""
    W1, b1, W2, b2 = params
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10))
    with torch.no_grad():  # nn.Linear keeps weight[n_out, n_in]: the transpose of ours
        for layer, W, b in ((model[0], W1, b1), (model[2], W2, b2)):
            layer.weight.copy_(torch.from_numpy(W.T.copy()))
            layer.bias.copy_(torch.from_numpy(b))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(labels)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(Xt), yt)
        loss.backward()
        opt.step()
        return loss.item()
    return step


class Entry(NamedTuple):
    """One implementation to time: run(*setup()) in a `threads`-thread BLAS, `rounds` times."""

    key: tuple
    run: Callable
    setup: Callable
    threads: int
    rounds: int
    warmup: int = 1


def interleaved_best(entries, torch=None):
    """{key: Timed} with the best wall and thread CPU time of each entry over its rounds.

    Round r times every entry once, in turn, so a burst of load from other processes slows
    one run of each implementation rather than every run of one of them: the ratios then
    compare runs made seconds apart.
    """
    best = {}
    for r in range(max(e.rounds for e in entries)):
        for e in entries:
            if r >= e.rounds:
                continue
            with threadpool_limits(e.threads):
                if torch is not None:
                    torch.set_num_threads(e.threads)
                timed = best_of(e.run, setup=e.setup, repeat=1, warmup=e.warmup if r == 0 else 0)
            if e.key in best:
                old = best[e.key]
                timed = Timed(min(old.seconds, timed.seconds),
                              min(old.cpu_seconds, timed.cpu_seconds), timed.result)
            best[e.key] = timed
    return best


def step_entries(batch, threads, args, torch):
    """The step implementations for one (batch, threads) case, and their first-step losses."""
    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((batch, SIZES[0])).astype(np.float32)
    labels = rng.integers(0, SIZES[-1], batch)
    case = f"B={batch}, {threads} thread{'s' if threads > 1 else ''}"
    lr = 0.01

    def fresh(step):
        def make_step():
            params = init_dense(args.seed)
            return lambda: step(params, X, labels, lr)
        return make_step

    makers = {LAYERS: lambda: layers_stepper(init_dense(args.seed), X, labels, lr),
              LESSONS: fresh(lessons_step), RAW: fresh(raw_step), TWINS: fresh(twin_step)}
    if torch is not None:
        makers[TORCH] = lambda: torch_stepper(torch, init_dense(args.seed), X, labels, lr)
    entries, losses = [], {}
    with threadpool_limits(threads):
        for name, make_step in makers.items():
            losses[name] = make_step()()
            entries.append(Entry((case, name, batch),
                                 lambda step: [step() for _ in range(args.steps)],
                                 lambda make_step=make_step: (make_step(),), threads,
                                 args.repeat))
    return entries, losses


def measure_steps(args, torch):
    """Rows of table (a), timed interleaved; returns (measurements, loss-agreement lines)."""
    entries, checks = [], []
    for threads in (1, 2):
        for batch in args.batches:
            more, losses = step_entries(batch, threads, args, torch)
            entries += more
            if threads == 1:
                spread = max(losses.values()) - min(losses.values())
                checks.append(f"- B={batch}: first-step loss {losses[LAYERS]:.6f}, largest "
                              f"difference between implementations {spread:.1e}")
    best = interleaved_best(entries, torch)
    k = args.steps
    rows = [Measurement(case, name, best[e.key].seconds / k, batch, args.repeat,
                        cpu_seconds=best[e.key].cpu_seconds / k)
            for e in entries for case, name, batch in [e.key]]
    return rows, checks


# --- (b) one epoch of the per-example 784-25-10 trainer ------------------------------------

def mlp_flops(n_in, n_hidden, n_out):
    """Floating-point operations per example (a multiply-add counts 2): both layers' forward
    sums, the hidden error W2^T do, and both outer-product updates; tanh, logistic and the
    elementwise error terms are left out."""
    w1, w2 = n_hidden * (n_in + 1), n_out * (n_hidden + 1)
    return 2 * w1 + 2 * w2 + 2 * n_out * n_hidden + 2 * w1 + 2 * w2


def matmul_peak(n, dtype, threads, repeat):
    """GFLOP/s of an n x n matrix product (2 n^3 operations) with BLAS on `threads` threads."""
    rng = np.random.default_rng(0)
    A, B = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    with threadpool_limits(threads):
        timed = best_of(lambda: A @ B, repeat=repeat)
    return 2 * n**3 / timed.seconds / 1e9


def measure_epoch(args):
    """Rows of table (b), timed interleaved; returns (measurements, agreement line)."""
    images, labels = load_mnist("train")
    images, labels = images[:args.n], labels[:args.n]
    data = {dtype: prepare(images, labels, dtype=dtype) for dtype in (np.float32, np.float64)}
    n, lr = len(labels), 0.01
    order = np.random.default_rng(args.seed).permutation(n)
    m = min(args.twin_slice, n)
    case = f"784-25-10, n={n:,}"

    def entry(name, run, dtype, threads, rounds, warmup=1):
        d = data[dtype]
        return Entry((name, dtype), lambda W1, W2: run(W1, W2, d),
                     lambda: init_weights(args.seed, dtype=dtype), threads, rounds, warmup)

    entries, notes, sliced = [], {}, {}
    for dtype, name in ((np.float32, EPOCH32), (np.float64, EPOCH64)):
        entries.append(entry(name, lambda W1, W2, d, lr_=dtype(lr): mlp_sgd_epoch_unchecked(
            W1, W2, d.X, d.T, order, lr_), dtype, 1, args.repeat))
    entries.append(entry(EPOCH_PUBLIC, lambda W1, W2, d: kernels.mlp_sgd_epoch(
        W1, W2, d.X, d.T, order, lr), np.float32, 1, args.repeat))
    notes[EPOCH_PUBLIC] = "checks shapes, one-hot T, finiteness, indices"
    for threads in (1, 2):
        for dtype, name in ((np.float32, TWIN32), (np.float64, TWIN64)):
            name = f"{name}, BLAS {threads} thread{'s' if threads > 1 else ''}"
            sliced[name] = m
            entries.append(entry(name, lambda W1, W2, d: reference.mlp_sgd_epoch(
                W1, W2, d.X, d.T, order[:m], lr), dtype, threads, args.slow_repeat, warmup=0))
    best = interleaved_best(entries)
    rows = []
    for e in entries:
        name, _ = e.key
        timed, part = best[e.key], sliced.get(name)
        whole = (lambda s: scaled(s, part, n)) if part else (lambda s: s)
        rows.append(Measurement(case, name, whole(timed.seconds), n, e.rounds, part,
                                notes.get(name, ""), whole(timed.cpu_seconds)))
    agreement = []
    for dtype, name in ((np.float32, TWIN32), (np.float64, TWIN64)):
        W1, W2 = init_weights(args.seed, dtype=dtype)
        d = data[dtype]
        count = mlp_sgd_epoch_unchecked(W1, W2, d.X, d.T, order[:m], dtype(lr))
        twin = best[(f"{name}, BLAS 1 thread", dtype)].result
        verdict = "same" if count == twin else "different"
        agreement.append(f"{np.dtype(dtype).name}: Numba {count:,}, twin {twin:,} ({verdict})")
    return rows, (f"- correct predictions counted on the first {m:,} examples: "
                  + "; ".join(agreement))


# --- report --------------------------------------------------------------------------------

def step_targets(rows):
    lines = []
    for m in rows:
        if m.implementation == TORCH:
            layers = next(r for r in rows if r.case == m.case and r.implementation == LAYERS)
            ours = next(r for r in rows if r.case == m.case and r.implementation == LESSONS)
            raw = next(r for r in rows if r.case == m.case and r.implementation == RAW)
            lines.append(f"- {m.case}: PyTorch eager / lessons = {ratio(m, layers):.2f} (layers), "
                         f"{ratio(m, ours):.2f} (validated kernels), {ratio(m, raw):.2f} (no "
                         f"checks); above 1 means ours is faster (target: >= 1)")
    return lines


def epoch_lines(rows, peaks, n):
    flops = mlp_flops(*MLP_SIZES) * n
    by_name = {m.implementation: m for m in rows}
    lines = []
    for name, dtype in ((EPOCH32, "float32"), (EPOCH64, "float64")):
        rate = flops / by_name[name].seconds / 1e9
        peak = peaks[(dtype, 1)]
        lines.append(f"- {name}: {rate:.1f} GFLOP/s ({mlp_flops(*MLP_SIZES):,} per example), "
                     f"{100 * rate / peak:.0f}% of the 1-thread {dtype} matmul peak")
    twin = by_name[f"{TWIN32}, BLAS 1 thread"]
    fast = by_name[EPOCH32]
    lines.append(f"- per-example trainer vs its NumPy twin (float32, BLAS 1 thread): "
                 f"{ratio(twin, fast):.1f}x (target >= 20x); {ratio(twin, fast, cpu=True):.1f}x "
                 f"in thread CPU time")
    return lines


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batches", type=int, nargs="+", default=[32, 128])
    p.add_argument("--steps", type=int, default=50, help="training steps per timed run")
    p.add_argument("--n", type=int, default=60000, help="MNIST training rows in the epoch")
    p.add_argument("--twin-slice", type=int, default=3000,
                   help="rows the NumPy twin trains on, scaled linearly to n")
    p.add_argument("--peak-n", type=int, default=2048, help="size of the peak matmul")
    p.add_argument("--repeat", type=int, default=7, help="best of this many runs (rounds)")
    p.add_argument("--slow-repeat", type=int, default=3, help="best of this many twin runs")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv=None):
    """Run both benchmarks, print the Markdown report and return it."""
    args = parse(argv)
    torch = None if args.no_torch else import_torch()
    step_rows, checks = measure_steps(args, torch)
    peaks = {(np.dtype(dtype).name, threads): matmul_peak(args.peak_n, dtype, threads,
                                                          args.repeat)
             for dtype in (np.float32, np.float64) for threads in (1, 2)}
    epoch_rows, agreement = measure_epoch(args)
    n = epoch_rows[0].units
    peak_table = markdown_table(
        ["dtype", "BLAS threads", f"GFLOP/s, {args.peak_n}^3 matmul"],
        [[dtype, str(threads), f"{rate:.1f}"] for (dtype, threads), rate in peaks.items()])
    report = "\n\n".join([
        "### (a) One SGD step, 784-256-10, relu + softmax cross-entropy, float32",
        machine_header() + f"\n- {torch_note(torch, args.no_torch)}",
        ratio_table(step_rows, LAYERS, unit="sample", per="step"),
        "\n".join(checks + step_targets(step_rows)),
        f"### (b) One epoch of the per-example 784-25-10 trainer (MNIST, n = {n:,}, lr 0.01)",
        ratio_table(epoch_rows, EPOCH32, unit="sample", per="epoch"),
        peak_table,
        "\n".join([agreement] + epoch_lines(epoch_rows, peaks, n)),
    ])
    print(report)
    return report


if __name__ == "__main__":
    main()

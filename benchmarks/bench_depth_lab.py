"""One epoch of chapter 09's deep CNN (the depth lab's network) on MNIST: lessons vs PyTorch.

    python benchmarks/bench_depth_lab.py                 # 60,000 images, depth 20, batch 32
    python benchmarks/bench_depth_lab.py --n 640 --rounds 2 --round-batches 5   # a quick look

The network (lessons.chapters.ch09_deeper_cnns.deep_cnn, what depth_lab trains):
Conv2D(1 -> 8, 3x3, stride 2, pad 1) -> ReLU -> MaxPool 2, then (depth - 2) / 2 residual
blocks [Conv2D 8 -> 8 3x3 pad 1 -> ReLU -> Conv2D 8 -> 8 3x3 pad 1] + shortcut -> ReLU on 7 x 7
maps, global average pooling, Dense(8 -> 10); softmax cross-entropy, Adam(3e-3), batch 32, in
the chapter's float64 (--dtype float32 for the other). Timed:

- lessons, one whole epoch: lessons.train.fit over all --n images, Numba on one thread as
  the chapter runs it (one_numba_thread: on a busy machine a second thread costs more than
  it shares), after an untimed two-batch fit that loads the kernels;
- then, in --rounds interleaved rounds of --round-batches batches (each round gives each
  implementation the same batches in turn; best round, extrapolated to the epoch): lessons
  the same way, lessons on 2 Numba threads, and PyTorch eager (CPU), if installed, with 1
  and with 2 threads: the same network built from torch.nn with lessons' initial weights
  copied in, the same Adam. Before timing, both take three steps on the same batches and the
  report prints how far apart their losses are, which shows the two networks are the same.

The ratios are PyTorch's time over ours in the interleaved rounds, at the same thread count
and at the chapter's setting: above 1, ours is faster (issue 13's target: >= 1.0).
"""
import argparse
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import (  # noqa: E402
    Measurement, import_torch, machine_header, ratio, ratio_table, scaled, torch_note,
)
from bench_weidman import data  # noqa: E402  (the first n MNIST images, standardized)

from lessons.chapters.ch09_deeper_cnns import deep_cnn, one_numba_thread  # noqa: E402
from lessons.kernels import softmax_cross_entropy  # noqa: E402
from lessons.layers import Conv2D, Dense, Residual  # noqa: E402
from lessons.optim import Adam  # noqa: E402
from lessons.train import fit  # noqa: E402

EPOCH = "lessons (layers, fit), 1 Numba thread, one whole epoch"
LESSONS = "lessons, the same, interleaved rounds"
LESSONS_2 = "lessons, 2 Numba threads, interleaved rounds"
TORCH = "PyTorch eager, {} thread{}"
LR = 3e-3


def network(args):
    return deep_cnn(args.depth, skip=True, width=args.width, seed=args.seed,
                    dtype=np.dtype(args.dtype))


def time_lessons(X, y, args):
    """Seconds for one fit epoch over X, and its last loss."""
    with one_numba_thread():
        fit(network(args), softmax_cross_entropy, Adam(LR), X[:2 * args.batch],
            y[:2 * args.batch], epochs=1, batch_size=args.batch, seed=args.seed, progress=False)
        start = time.perf_counter()
        history = fit(network(args), softmax_cross_entropy, Adam(LR), X, y, epochs=1,
                      batch_size=args.batch, seed=args.seed, progress=False)
        return time.perf_counter() - start, history.loss[-1]


def torch_network(torch, model):
    """deep_cnn's network in torch.nn, with its weights copied in (Dense's W is [in, out],
    torch's Linear weight [out, in])."""
    nn = torch.nn

    def convert(layer):
        if isinstance(layer, Conv2D):
            conv = nn.Conv2d(layer.K.shape[1], layer.K.shape[0], layer.K.shape[2],
                             stride=layer.stride, padding=layer.pad)
            conv.weight.data, conv.bias.data = torch.tensor(layer.K), torch.tensor(layer.b)
            return conv
        if isinstance(layer, Dense):
            dense = nn.Linear(*layer.W.shape)
            dense.weight.data = torch.tensor(np.ascontiguousarray(layer.W.T))
            dense.bias.data = torch.tensor(layer.b)
            return dense
        if isinstance(layer, Residual):
            return Shortcut(nn.Sequential(*map(convert, layer.branch.layers)))
        return {"ReLU": nn.ReLU, "MaxPool2D": lambda: nn.MaxPool2d(2),
                "GlobalAvgPool2D": lambda: nn.Sequential(nn.AdaptiveAvgPool2d(1),
                                                         nn.Flatten())}[type(layer).__name__]()

    class Shortcut(nn.Module):
        def __init__(self, branch):
            super().__init__()
            self.branch = branch

        def forward(self, x):
            return x + self.branch(x)

    return nn.Sequential(*map(convert, model.layers))


def torch_stepper(torch, model):
    """step(X, labels) -> loss: one Adam step of deep_cnn's network in PyTorch; the network
    is step.net."""
    net = torch_network(torch, model)
    # lessons' Adam adds eps to sqrt(v_hat), as torch does; its default eps is Keras' 1e-7
    opt = torch.optim.Adam(net.parameters(), lr=LR, eps=1e-7)

    def step(X, labels):
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(net(X), labels)
        loss.backward()
        opt.step()
        return loss.item()
    step.net = net
    return step


def difference_after_steps(torch, X, y, args, steps=3):
    """|lessons' loss - PyTorch's| on the first `steps` batches after an Adam step on each,
    from the same weights: how far apart the two networks are. (More than one step: Adam's
    first step is lr times the gradient's sign, whatever its size.)"""
    ours, optimizer = network(args), Adam(LR)
    step = torch_stepper(torch, ours)
    steps = max(1, min(steps, len(X) // args.batch))
    batches = slice(0, steps * args.batch)
    with one_numba_thread():
        for k in range(steps):  # fit would shuffle the batches
            rows = slice(k * args.batch, (k + 1) * args.batch)
            _, d_output = softmax_cross_entropy(ours.forward(X[rows]), y[rows])
            ours.backward(d_output)
            optimizer.step(ours.params(), ours.grads())
        loss_ours = softmax_cross_entropy(ours.forward(X[batches]), y[batches])[0]
    for k in range(steps):
        rows = slice(k * args.batch, (k + 1) * args.batch)
        step(torch.from_numpy(X[rows]), torch.from_numpy(y[rows]))
    with torch.no_grad():
        loss_torch = torch.nn.functional.cross_entropy(
            step.net(torch.from_numpy(X[batches])), torch.from_numpy(y[batches])).item()
    return abs(loss_ours - loss_torch)


def lessons_trainer(args, threads=1):
    """train(X, y) -> last loss: one fit epoch over X (a few batches) of one network and Adam
    kept from call to call, on `threads` Numba threads (the chapter: one)."""
    model, optimizer = network(args), Adam(LR)

    def train(X, y):
        saved = numba.get_num_threads()
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        try:
            return fit(model, softmax_cross_entropy, optimizer, X, y, epochs=1,
                       batch_size=args.batch, seed=args.seed, progress=False).loss[-1]
        finally:
            numba.set_num_threads(saved)
    return train


def torch_trainer(torch, args, threads):
    """The same for PyTorch on `threads` threads."""
    step = torch_stepper(torch, network(args))

    def train(X, y):
        torch.set_num_threads(threads)
        X, y = torch.from_numpy(X), torch.from_numpy(y)
        for k in range(0, len(X), args.batch):
            loss = step(X[k:k + args.batch], y[k:k + args.batch])
        return loss
    return train


def interleaved(trainers, X, y, args):
    """{name: best seconds for --round-batches batches}: each round gives every
    trainer the same next batches in turn, so load from other processes falls on all alike
    (two threads wait on each other at every operation, so a busy core hurts them most)."""
    size = args.round_batches * args.batch
    best = dict.fromkeys(trainers, float("inf"))
    for name, train in trainers.items():  # one untimed round: kernels, caches, allocations
        train(X[:args.batch], y[:args.batch])
    for r in range(args.rounds):
        rows = slice(r * size % max(len(X) - size + 1, 1), None)
        Xr, yr = X[rows][:size], y[rows][:size]
        for name, train in trainers.items():
            start = time.perf_counter()
            train(Xr, yr)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=60_000, help="training images (one epoch)")
    p.add_argument("--depth", type=int, default=20)
    p.add_argument("--width", type=int, default=8)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds, best of")
    p.add_argument("--round-batches", type=int, default=50, help="batches in a round")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-torch", action="store_true")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    # PyTorch first: imported after Numba has started its OpenMP threads, its own OpenMP
    # threads took 1.1 s a batch with 2 threads here instead of 25 ms (1 thread: unchanged)
    torch = None if args.no_torch else import_torch()
    X, y = data(args.n, np.dtype(args.dtype))
    n = len(X)
    case = f"depth {args.depth}, width {args.width}, n={n:,}, batch {args.batch}, {args.dtype}"
    seconds, loss = time_lessons(X, y, args)
    rows = [Measurement(case, EPOCH, seconds, n, note=f"last batch loss {loss:.3f}")]
    trainers = {LESSONS: lessons_trainer(args), LESSONS_2: lessons_trainer(args, threads=2)}
    lines = []
    if torch is not None:
        saved = torch.get_num_threads()
        lines.append(f"- the same network: from the same weights, after three Adam steps, the "
                     f"losses differ by {difference_after_steps(torch, X, y, args):.1e}")
        for threads in (1, 2):
            trainers[TORCH.format(threads, "s" if threads > 1 else "")] = torch_trainer(
                torch, args, threads)
    timed = min(args.round_batches * args.batch, n)
    for name, seconds in interleaved(trainers, X, y, args).items():
        # (no loss printed: the runs leave a plateau at ln 10 at different steps, their
        # rounding apart; from the same weights, 40 steps of ours and PyTorch's agree to 1e-6)
        rows.append(Measurement(case, name, scaled(seconds, timed, n), n, runs=args.rounds,
                                timed_units=timed))
    if torch is not None:
        torch.set_num_threads(saved)
        by = {m.implementation: m for m in rows}
        for theirs, ours in ((1, LESSONS), (2, LESSONS_2), (2, LESSONS)):
            m = by[TORCH.format(theirs, "s" if theirs > 1 else "")]
            lines.append(f"- {m.implementation} / {ours}: {ratio(m, by[ours]):.2f} "
                         f"(above 1: ours is faster; target >= 1.0)")
    lines.append(f"- {torch_note(torch, args.no_torch)}")
    report = "\n".join(["### One epoch of chapter 09's residual network (depth lab)", "",
                        machine_header(), "", ratio_table(rows, EPOCH, unit="image"), ""]
                       + lines)
    print(report)
    return report


if __name__ == "__main__":
    main()

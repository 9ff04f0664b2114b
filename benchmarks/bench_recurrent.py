"""Recurrent benchmarks (Chapters 10-11): an LSTM training step, and a character-model pass.

    python benchmarks/bench_recurrent.py                  # the issue's sizes
    python benchmarks/bench_recurrent.py --hidden 16 --steps 5 --chars 2000 --repeat 1

(a) One LSTM forward + backward over a sequence (hidden 128, batch 32, T 50, float32, 32
    inputs): the validated kernels lstm_forward + lstm_backward; their NumPy twins with BLAS on
    1 and on 2 threads; PyTorch eager (nn.LSTM, forward and backward, with the input's gradient
    as the kernels compute it) on 1 thread, if installed.
(b) One pass of the chapter's character model (Embedding(16), LSTM(64), Dense read-out,
    softmax cross-entropy; float64; 16-character chunks of 32 streams) over --chars characters
    of Hamlet: the kernels (CharLSTM.loss_and_grads) against the same step written with the
    NumPy twins and NumPy's softmax, BLAS on 1 thread.

Best of --repeat interleaved rounds (all rows take turns, so load from other processes on this
shared machine falls on all alike). Ratios only; nothing here is a pass/fail test.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import best_of, import_torch, machine_header, markdown_table, torch_note  # noqa: E402

from lessons import kernels, reference  # noqa: E402
from lessons.chapters import ch11_text  # noqa: E402
from lessons.data import load_play  # noqa: E402


def lstm_case(H, B, T, m, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(T, B, m)).astype(dtype)
    h0 = np.zeros((B, H), dtype)
    Wx = (rng.normal(size=(m, 4 * H)) / np.sqrt(m)).astype(dtype)
    Wh = (rng.normal(size=(H, 4 * H)) / np.sqrt(H)).astype(dtype)
    b = np.zeros(4 * H, dtype)
    dH = rng.normal(size=(T, B, H)).astype(dtype)
    return X, h0, Wx, Wh, b, dH


def kernel_step(X, h0, Wx, Wh, b, dH):
    out = kernels.lstm_forward(X, h0, h0, Wx, Wh, b)
    return kernels.lstm_backward(X, h0, h0, Wx, Wh, *out, dH)


def twin_step(X, h0, Wx, Wh, b, dH):
    out = reference.lstm_forward(X, h0, h0, Wx, Wh, b)
    return reference.lstm_backward(X, h0, h0, Wx, Wh, *out, dH)


def torch_step(torch, H, B, T, m):
    lstm = torch.nn.LSTM(m, H)
    X = torch.randn(T, B, m, requires_grad=True)  # dL/dX too, as lstm_backward returns it
    dH = torch.randn(T, B, H)

    def run():
        lstm.zero_grad()
        X.grad = None
        out, _ = lstm(X)
        out.backward(dH)
    return run


def twin_char_step(model, ids, targets, state):
    """CharLSTM.loss_and_grads with the NumPy twins and NumPy's softmax."""
    h0, c0 = state
    X = reference.embedding_forward(ids, model.E)
    H, C, G = reference.lstm_forward(X, h0, c0, model.Wx, model.Wh, model.b)
    Z = reference.time_dense_forward(H, model.Wy, model.by)
    T, B, V = Z.shape
    Z2 = Z.reshape(T * B, V)
    e = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    labels = targets.reshape(-1)
    loss = -np.mean(np.log(p[np.arange(T * B), labels]))
    p[np.arange(T * B), labels] -= 1.0
    dZ = (p / (T * B)).reshape(T, B, V)
    dH, dWy, dby = reference.time_dense_backward(H, model.Wy, dZ)
    grads = reference.lstm_backward(X, h0, c0, model.Wx, model.Wh, H, C, G, dH)
    dE = reference.embedding_backward(ids, grads[0], V)
    return loss, [dE, grads[3], grads[4], grads[5], dWy, dby], (H[-1], C[-1])


def char_pass(step, model, ids, T, B):
    S = ch11_text.streams(ids, B)
    state = model.zero_state(B)
    for start in range(0, len(S) - T - 1, T):
        chunk = S[start:start + T + 1]
        _, _, state = step(model, chunk[:-1], chunk[1:], state)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=50, help="time steps T of (a)")
    parser.add_argument("--inputs", type=int, default=32)
    parser.add_argument("--chars", type=int, default=40_000, help="characters in (b)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args(argv)
    torch = None if args.no_torch else import_torch()
    H, B, T, m = args.hidden, args.batch, args.steps, args.inputs
    case = lstm_case(H, B, T, m, np.float32)
    rows = {}
    runs = {"kernels (lstm_forward + lstm_backward)": lambda: kernel_step(*case)}
    with threadpool_limits(1):
        runs["NumPy twin, BLAS 1 thread"] = lambda: twin_step(*case)
    if torch is not None:
        torch.set_num_threads(1)
        runs["PyTorch eager, 1 thread"] = torch_step(torch, H, B, T, m)
    for _ in range(args.repeat):
        for name, run in runs.items():
            if name.startswith("NumPy twin"):
                with threadpool_limits(1):
                    t = best_of(run, repeat=1).seconds
            else:
                t = best_of(run, repeat=1).seconds
            rows[name] = min(rows.get(name, float("inf")), t)
        with threadpool_limits(2):
            t = best_of(lambda: twin_step(*case), repeat=1).seconds
        # OpenBLAS's second thread spins for a while after its last product: on 2 cores it
        # slowed the next round's first row (the kernels, measured 33 ms instead of 19)
        time.sleep(0.5)
        rows["NumPy twin, BLAS 2 threads"] = min(rows.get("NumPy twin, BLAS 2 threads",
                                                          float("inf")), t)
    base = rows["kernels (lstm_forward + lstm_backward)"]
    table_a = markdown_table(
        ["implementation", "ms per step", "x the kernels' time"],
        [[name, f"{t * 1e3:.2f}", f"{t / base:.2f}"] for name, t in rows.items()])

    text = ch11_text.prepare_text(load_play("hamlet"))
    vocab = ch11_text.Vocabulary(text)
    ids = vocab.encode(text)[:args.chars]
    model = ch11_text.CharLSTM(len(vocab), 64, seed=0)
    kernel_pass = best_of(lambda: char_pass(lambda mdl, *a: mdl.loss_and_grads(*a), model, ids,
                                            16, 32), repeat=args.repeat).seconds
    with threadpool_limits(1):
        twin_pass = best_of(lambda: char_pass(twin_char_step, model, ids, 16, 32),
                            repeat=args.repeat).seconds
    table_b = markdown_table(
        ["implementation", f"s per pass of {len(ids):,} characters", "x the kernels' time"],
        [["kernels (CharLSTM.loss_and_grads)", f"{kernel_pass:.3f}", "1.00"],
         ["NumPy twins, BLAS 1 thread", f"{twin_pass:.3f}", f"{twin_pass / kernel_pass:.2f}"]])
    report = "\n\n".join([
        machine_header(), f"- {torch_note(torch, args.no_torch)}",
        f"(a) LSTM forward + backward, hidden {H}, batch {B}, T {T}, {m} inputs, float32",
        table_a,
        "(b) character model (Embedding(16), LSTM(64), Hamlet, float64), one pass", table_b])
    print(report)
    return report


if __name__ == "__main__":
    main()

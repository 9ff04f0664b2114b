"""Attention benchmarks (Chapter 14): attention forward + backward, and a transformer training step.

    python benchmarks/bench_attention.py                  # the issue's sizes
    python benchmarks/bench_attention.py --batch 2 --T 8 --d 8 --heads 2 --repeat 1

(a) Scaled dot-product attention, forward and backward, causal, at B 32, T 64, d 64 split
    into 4 heads (d_k 16), float32: the kernels attention_forward + attention_backward; their
    NumPy twins with BLAS on 1 thread; PyTorch eager on 1 thread, if installed, both with its
    fused F.scaled_dot_product_attention and written as matmul, mask, softmax, matmul.
(b) One training step (forward, backward, Adam) of the chapter's character transformer (V 40,
    D 32, 4 heads, 2 pre-LN blocks, FFN 128, batch 32 windows of 32 characters, float64):
    Transformer.loss_and_grads on the kernels; the same model code with every kernel replaced
    by its NumPy twin (BLAS 1 thread); the same network in PyTorch eager, float64, 1 thread.

Best of --repeat interleaved rounds (all rows take turns, so load from other processes on this
shared machine falls on all alike). Ratios only; nothing here is a pass/fail test.
"""
import argparse
import sys
from pathlib import Path
from unittest import mock

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import best_of, import_torch, machine_header, markdown_table, torch_note  # noqa: E402

from lessons import kernels, reference  # noqa: E402
from lessons.chapters import ch14_transformer  # noqa: E402
from lessons.chapters.ch14_transformer import Transformer  # noqa: E402
from lessons.optim import Adam  # noqa: E402

# the kernels ch14_transformer calls, each replaced by its twin for the twin rows
TWINS = ("attention_backward", "attention_forward", "embedding_backward", "embedding_forward",
         "gelu", "gelu_backward", "layer_norm_backward", "layer_norm_forward", "merge_heads",
         "positional_encoding", "softmax_cross_entropy", "split_heads", "time_dense_backward",
         "time_dense_forward")


def attention_case(B, T, d, heads, dtype, seed=0):
    rng = np.random.default_rng(seed)
    shape = (B, heads, T, d // heads)
    return tuple(rng.normal(size=shape).astype(dtype) for _ in range(4))  # Q, K, V, dO


def attention_step(lib, Q, K, V, dO):
    O, A = lib.attention_forward(Q, K, V, causal=True)
    return lib.attention_backward(Q, K, V, A, dO)


def torch_attention(torch, Q, K, V, dO, fused):
    F = torch.nn.functional
    q, k, v = (torch.tensor(a, requires_grad=True) for a in (Q, K, V))
    g = torch.tensor(dO)
    T = Q.shape[2]
    mask = torch.ones(T, T, dtype=torch.bool).tril()

    def run():
        for t in (q, k, v):
            t.grad = None
        if fused:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            s = q @ k.transpose(-1, -2) / np.sqrt(Q.shape[3])
            out = torch.softmax(s.masked_fill(~mask, float("-inf")), dim=-1) @ v
        out.backward(g)
    return run


def twin_kernels():
    """A context in which ch14_transformer runs on the NumPy twins."""
    return mock.patch.multiple(ch14_transformer, **{n: getattr(reference, n) for n in TWINS})


def training_case(B, T, seed=0):
    model = Transformer(40, 32, 4, 2, 128, seed=seed)
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 40, size=(B, T + 1))
    return model, Adam(5e-3), ids[:, :-1], ids[:, 1:]


def training_step(model, optimizer, ids, targets):
    _, grads = model.loss_and_grads(ids, targets)
    optimizer.step(model.params(), grads)


def torch_transformer(torch, model, ids, targets):
    """The chapter's network in PyTorch (pre-LN, GELU, sinusoidal positions), float64."""
    nn, F = torch.nn, torch.nn.functional
    D, H, V, T = model.D, model.H, model.V, ids.shape[1]
    torch.manual_seed(0)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
            self.qkv, self.out = nn.Linear(D, 3 * D), nn.Linear(D, D)
            self.ff1, self.ff2 = nn.Linear(D, model.F), nn.Linear(model.F, D)

        def forward(self, x):
            B_ = x.shape[0]
            q, k, v = self.qkv(self.ln1(x)).split(D, dim=-1)
            q, k, v = (t.view(B_, T, H, D // H).transpose(1, 2) for t in (q, k, v))
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.out(a.transpose(1, 2).reshape(B_, T, D))
            return x + self.ff2(F.gelu(self.ff1(self.ln2(x))))

    net = nn.Sequential(*[Block() for _ in range(model.L)], nn.LayerNorm(D), nn.Linear(D, V))
    emb = nn.Embedding(V, D)
    net, emb = net.double(), emb.double()
    pe = torch.tensor(kernels.positional_encoding(T, D))
    opt = torch.optim.Adam([*net.parameters(), *emb.parameters()], lr=5e-3)
    x, y = torch.tensor(ids), torch.tensor(targets)

    def run():
        opt.zero_grad()
        logits = net(emb(x) * np.sqrt(D) + pe)
        F.cross_entropy(logits.reshape(-1, V), y.reshape(-1)).backward()
        opt.step()
    return run


def _interleaved(runs, repeat):
    best = {}
    for _ in range(repeat):
        for name, run in runs.items():
            if "NumPy" in name:
                with threadpool_limits(1):
                    t = best_of(run, repeat=1).seconds
            else:
                t = best_of(run, repeat=1).seconds
            best[name] = min(best.get(name, float("inf")), t)
    return best


def _table(best, base_name, unit):
    base = best[base_name]
    return markdown_table(
        ["implementation", unit, "x the kernels' time"],
        [[name, f"{t * 1e3:.2f}", f"{t / base:.2f}"] for name, t in best.items()])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--T", type=int, default=64, help="positions in (a)")
    parser.add_argument("--d", type=int, default=64, help="features in (a), split into heads")
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--window", type=int, default=32, help="characters per window in (b)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args(argv)
    torch = None if args.no_torch else import_torch()
    if torch is not None:
        torch.set_num_threads(1)

    case = attention_case(args.batch, args.T, args.d, args.heads, np.float32)
    runs = {"kernels (attention_forward + attention_backward)":
            lambda: attention_step(kernels, *case),
            "NumPy twins, BLAS 1 thread": lambda: attention_step(reference, *case)}
    if torch is not None:
        runs["PyTorch eager, fused scaled_dot_product_attention, 1 thread"] = \
            torch_attention(torch, *case, fused=True)
        runs["PyTorch eager, matmul + softmax + matmul, 1 thread"] = \
            torch_attention(torch, *case, fused=False)
    table_a = _table(_interleaved(runs, args.repeat),
                     "kernels (attention_forward + attention_backward)", "ms per call")

    model, optimizer, ids, targets = training_case(args.batch, args.window)
    twin_model, twin_optimizer, _, _ = training_case(args.batch, args.window)

    def twin_step():
        with twin_kernels():
            training_step(twin_model, twin_optimizer, ids, targets)
    runs = {"kernels (Transformer.loss_and_grads + Adam)":
            lambda: training_step(model, optimizer, ids, targets),
            "NumPy twins, BLAS 1 thread": twin_step}
    if torch is not None:
        runs["PyTorch eager, float64, 1 thread"] = torch_transformer(torch, model, ids, targets)
    table_b = _table(_interleaved(runs, args.repeat),
                     "kernels (Transformer.loss_and_grads + Adam)", "ms per step")
    report = "\n\n".join([
        machine_header(), f"- {torch_note(torch, args.no_torch)}",
        f"(a) attention forward + backward, causal, B {args.batch}, T {args.T}, d {args.d} in "
        f"{args.heads} heads, float32", table_a,
        f"(b) one training step of the chapter's transformer (28,072 parameters, batch "
        f"{args.batch} x {args.window} characters, float64)", table_b])
    print(report)
    return report


if __name__ == "__main__":
    main()

"""Skip-gram with negative sampling (Chapter 12): one SGNS epoch over Shakespeare pairs.

    python benchmarks/bench_sgns.py                       # 1,000,000 pairs, d 50, 5 negatives
    python benchmarks/bench_sgns.py --pairs 2000 --twin-pairs 200 --repeat 1 --no-torch

The same (centre, context, 5 negatives) pairs, drawn as the chapter draws them (subsampling
t = 1e-3, dynamic window 5, the unigram^0.75 table, seed 0), float64, d = 50:

- the kernel `sgns_epoch`: word2vec's loop, SGD one pair at a time, serial;
- its NumPy twin (`lessons.reference.sgns_epoch`), the same loop in NumPy, BLAS on 1 thread,
  timed on the first --twin-pairs pairs and scaled to --pairs;
- PyTorch eager on 1 thread, if installed: the way one writes it there, minibatches of
  --batch pairs (sparse embeddings, bmm, logsigmoid, backward, SGD step): the same pairs and
  arithmetic per pair, but each batch's pairs share one step (not the same algorithm; it needs
  batches to be fast at all, so the comparison is against the best it does).

Best of --repeat interleaved rounds; the weights are reset before every timed call. Ratios
only; nothing here is a pass/fail test.
"""
import argparse
import sys
from pathlib import Path

from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import best_of, import_torch, machine_header, markdown_table, torch_note  # noqa: E402

from lessons import kernels, reference  # noqa: E402
from lessons.chapters import ch12_embeddings as ch12  # noqa: E402


def sgns_case(n_pairs, d=50, seed=0):
    """(W_in, W_out, centers, contexts, negatives): the first n_pairs of an epoch's pairs and
    the chapter's starting weights (W_out random rather than zero, so every pair does work)."""
    vocab, ids = ch12.shakespeare_words()
    model = ch12.SGNS(vocab, d, seed=seed)
    centers, contexts = ch12.skipgram_pairs(ids, model.keep, model.window, model.rng)
    negatives = model.table[model.rng.integers(0, len(model.table), size=(len(centers), 5))]
    n = min(n_pairs, len(centers))
    W_out = (model.rng.random(model.W_in.shape) - 0.5) / d
    return model.W_in, W_out, centers[:n], contexts[:n], negatives[:n]


def torch_epoch(torch, W_in, W_out, centers, contexts, negatives, lr, batch):
    """SGNS over the pairs in minibatches of `batch`, PyTorch eager; returns run(setup args)."""
    c, x, n = (torch.from_numpy(a) for a in (centers, contexts, negatives))
    targets = torch.cat([x[:, None], n], dim=1)

    def run():
        emb_in = torch.nn.Embedding.from_pretrained(torch.from_numpy(W_in.copy()), freeze=False,
                                                    sparse=True)
        emb_out = torch.nn.Embedding.from_pretrained(torch.from_numpy(W_out.copy()),
                                                     freeze=False, sparse=True)
        opt = torch.optim.SGD([emb_in.weight, emb_out.weight], lr=lr)
        for s in range(0, len(c), batch):
            v = emb_in(c[s:s + batch])                         # [B, d]
            u = emb_out(targets[s:s + batch])                  # [B, 1 + k, d]
            score = torch.bmm(u, v[:, :, None])[:, :, 0]
            loss = -(torch.nn.functional.logsigmoid(score[:, 0]).sum()
                     + torch.nn.functional.logsigmoid(-score[:, 1:]).sum())
            opt.zero_grad()
            loss.backward()
            opt.step()
        return emb_in.weight
    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--twin-pairs", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1024, help="PyTorch's minibatch")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args(argv)
    torch = None if args.no_torch else import_torch()
    W_in, W_out, centers, contexts, negatives = sgns_case(args.pairs)
    P, lr = len(centers), 0.025
    t = min(args.twin_pairs, P)

    def fresh():
        return W_in.copy(), W_out.copy()

    runs = {"kernel sgns_epoch": (lambda A, B: kernels.sgns_epoch(
        A, B, centers, contexts, negatives, lr), P)}
    runs["NumPy twin, BLAS 1 thread"] = (lambda A, B: reference.sgns_epoch(
        A, B, centers[:t], contexts[:t], negatives[:t], lr), t)
    if torch is not None:
        torch.set_num_threads(1)
        torch_run = torch_epoch(torch, W_in, W_out, centers, contexts, negatives, lr, args.batch)
        runs[f"PyTorch eager, 1 thread, batches of {args.batch}"] = (lambda A, B: torch_run(), P)
    rows = {}
    for r in range(args.repeat):  # interleaved: load from other processes falls on all rows
        for name, (run, n) in runs.items():
            with threadpool_limits(1):
                seconds = best_of(run, setup=fresh, repeat=1, warmup=int(r == 0)).seconds
            rows[name] = min(rows.get(name, float("inf")), seconds * P / n)
    base = rows["kernel sgns_epoch"]
    table = markdown_table(
        ["implementation", f"s per {P:,} pairs", "pairs per second", "x the kernel's time"],
        [[name, f"{s:.3f}", f"{P / s:,.0f}", f"{s / base:.2f}"] for name, s in rows.items()])
    report = "\n\n".join([
        machine_header(), f"- {torch_note(torch, args.no_torch)}",
        f"SGNS epoch, {P:,} Shakespeare pairs, d 50, 5 negatives, float64 (the twin timed on "
        f"{t:,} pairs and scaled)", table])
    print(report)
    return report


if __name__ == "__main__":
    main()

"""Chapter 14, The Transformer: the chapter's experiments on the model of ch14_transformer.

- `softmax_entropy`: why sqrt(d_k): the attention weights' entropy with and without it;
- `train_reversal`: the positional-encoding ablation on reversing digit strings;
- `train_char_transformer` / `hamlet_transformer_run`: a decoder-only character model on
  *Hamlet*, the text and budget of chapter 11's LSTM;
- `bert_mask`: BERT's masked-language-model corruption (Devlin et al. 2018, Ekman App. D).
"""
import functools
import time

import numpy as np

from lessons.chapters.ch11_text import Vocabulary, encode_prefix, prepare_text
from lessons.chapters.ch14_transformer import Transformer
from lessons.kernels import attention_forward, checks, softmax_cross_entropy
from lessons.optim import Adam


# --- why sqrt(d_k) ------------------------------------------------------------------------------

def softmax_entropy(d_k, scaled, *, T=64, batches=4, seed=0):
    """Mean entropy (nats) of the attention weights of T random queries over T random keys
    (`batches` independent draws), entries standard normal (a freshly initialized layer's
    scale). A score q . k then has variance d_k; dividing by sqrt(d_k) brings it back to 1.
    The uniform distribution has entropy ln T; a one-hot (saturated) softmax has 0."""
    rng = np.random.default_rng(seed)
    Q, K = rng.normal(size=(2, batches, 1, T, d_k))
    _, A = attention_forward(Q, K, np.zeros((batches, 1, T, 1)), scale=None if scaled else 1.0)
    return float(-np.sum(A * np.log(np.where(A > 0, A, 1.0)), axis=-1).mean())


# --- the positional-encoding ablation -------------------------------------------------------

def reversal_batch(rng, B, n, k=10):
    """B strings of n digits (0..k-1) and their reversals: (ids[B, n], targets[B, n])."""
    ids = rng.integers(0, k, size=(B, n))
    return ids, np.ascontiguousarray(ids[:, ::-1])


def reversal_accuracy(model, n, *, seed, count=1000):
    """(token accuracy, sequence accuracy) on `count` fresh strings of n digits."""
    ids, targets = reversal_batch(np.random.default_rng(seed), count, n)
    logits, _ = model.forward(ids)
    right = logits.argmax(axis=-1) == targets
    return float(right.mean()), float(right.all(axis=1).mean())


def train_reversal(n=8, *, positional=True, steps=300, B=32, D=32, H=4, L=2, F=64, lr=3e-3,
                   seed=0):
    """An encoder (no causal mask: every position sees the whole input) trained to output the
    input reversed, position by position. Returns (model, token accuracy, sequence accuracy)
    on 1,000 new strings. Without the positional encoding the model cannot tell position i
    from position j: attention is a weighted mean over a *set*, so every position sees the
    same thing and only its own digit tells it apart."""
    model = Transformer(10, D, H, L, F, causal=False, positional=positional, seed=seed)
    rng = np.random.default_rng(seed + 100)
    optimizer = Adam(lr)
    for _ in range(steps):
        ids, targets = reversal_batch(rng, B, n)
        _, grads = model.loss_and_grads(ids, targets)
        optimizer.step(model.params(), grads)
    return (model, *reversal_accuracy(model, n, seed=seed + 1000))


# --- the character model -----------------------------------------------------------------------

def windows(ids, T):
    """ids cut into non-overlapping windows of T + 1 characters that share their ends:
    inputs[N, T] = ids[t .. t + T - 1], targets[N, T] = ids[t + 1 .. t + T]."""
    N = (len(ids) - 1) // T
    starts = np.arange(N) * T
    inputs = ids[starts[:, None] + np.arange(T)]
    return inputs, ids[starts[:, None] + np.arange(1, T + 1)]


def evaluate_lm(model, ids, T=64, B=64):
    """Mean cross-entropy (nats per character) of predicting each character of ids from the
    ones before it in its window of T (a fresh context every T characters)."""
    inputs, targets = windows(ids, T)
    total, count = 0.0, 0
    for start in range(0, len(inputs), B):
        logits, _ = model.forward(inputs[start:start + B])
        k = logits.shape[0] * T
        loss, _ = softmax_cross_entropy(logits.reshape(k, model.V),
                                        targets[start:start + B].reshape(-1))
        total, count = total + loss * k, count + k
    return total / count


def train_char_transformer(ids, V, *, T=32, B=32, passes=2, D=32, H=4, L=2, F=128, lr=5e-3,
                           seed=0, val_ids=None, every=50):
    """Next-character training (GPT's objective) on windows of T characters in a seeded
    random order, each character a target once per pass (chapter 11's budget: 2 passes, and
    its Adam learning rate, 0.005).
    Returns (model, history of (updates, mean training loss, validation loss or None),
    seconds spent training)."""
    model = Transformer(V, D, H, L, F, causal=True, seed=seed)
    optimizer = Adam(lr)
    inputs, targets = windows(ids, T)
    rng = np.random.default_rng(seed + 1)
    history, losses, updates = [], [], 0
    start = time.perf_counter()
    for _ in range(passes):
        order = rng.permutation(len(inputs))
        for b in range(0, len(order) - B + 1, B):
            rows = order[b:b + B]
            loss, grads = model.loss_and_grads(inputs[rows], targets[rows])
            optimizer.step(model.params(), grads)
            losses.append(loss)
            updates += 1
            if updates % every == 0:
                history.append((updates, float(np.mean(losses)), None))
                losses = []
    seconds = time.perf_counter() - start
    val = evaluate_lm(model, val_ids, T) if val_ids is not None else None
    history.append((updates, float(np.mean(losses)) if losses else history[-1][1], val))
    return model, history, seconds


@functools.lru_cache(maxsize=2)
def hamlet_transformer_run(T=32, passes=2, seed=0):
    """The chapter's run on chapter 11's split of *Hamlet* (95 % train, last 5 % validation),
    kept once per process."""
    from lessons.data import load_play
    text = prepare_text(load_play("hamlet"))
    vocab = Vocabulary(text)
    ids = vocab.encode(text)
    split = int(len(ids) * 0.95)
    model, history, seconds = train_char_transformer(ids[:split], len(vocab), T=T,
                                                     passes=passes, seed=seed,
                                                     val_ids=ids[split:])
    return dict(vocab=vocab, val_ids=ids[split:], model=model, history=history,
                seconds=seconds)


def sample_chars(model, vocab, prefix, n_chars, temperature, seed, context=32):
    """prefix followed by n_chars sampled characters (the last `context` characters read)."""
    f = "sample_chars"
    ids = list(encode_prefix(f, vocab, prefix))
    n_chars = checks.number(f, "n_chars", n_chars, low=0, integer=True)
    temperature = checks.number(f, "temperature", temperature, low=0.0, low_open=True)
    context = checks.number(f, "context", context, low=1, integer=True)
    rng = np.random.default_rng(seed)
    for _ in range(n_chars):
        logp = model.next_logp(ids[-context:]) / temperature
        p = np.exp(logp - logp.max())
        pick = int(np.searchsorted(np.cumsum(p / p.sum()), rng.random()))
        ids.append(min(pick, len(p) - 1))  # a cumulative sum that ends at 1 - 1e-16
    return vocab.decode(ids)


# --- BERT's masked language model ---------------------------------------------------------------

def bert_mask(ids, V, mask_id, rng, rate=0.15):
    """BERT's corruption (Devlin et al. 2018; Ekman L10794-10799): choose round(rate * n) of
    the n positions at random; of those, 80 % become [MASK], 10 % a random symbol (drawn
    uniformly from 0..V-1, so now and then the original itself), 10 % stay as they are.
    The loss is taken on the chosen positions only, against the original symbols.

    Returns (corrupted ids, chosen[bool, ids' shape], kind[int8]: 0 not chosen, 1 [MASK],
    2 random, 3 unchanged). All randomness comes from rng."""
    f = "bert_mask"
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{f}: rng must be a np.random.Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")
    ids = checks.indices(f, "ids", np.reshape(ids, -1), upper=max(V, mask_id + 1),
                         shape="[...] of integer symbols").reshape(np.shape(ids))
    rate = checks.number(f, "rate", rate, low=0.0, high=1.0)
    n = ids.size
    chosen = np.zeros(n, dtype=bool)
    chosen[rng.permutation(n)[:int(round(rate * n))]] = True
    u = rng.random(n)
    kind = np.where(chosen, np.where(u < 0.8, 1, np.where(u < 0.9, 2, 3)), 0).astype(np.int8)
    out = ids.reshape(-1).copy()
    out[kind == 1] = mask_id
    out[kind == 2] = rng.integers(0, V, size=int(np.sum(kind == 2)))
    return out.reshape(ids.shape), chosen.reshape(ids.shape), kind.reshape(ids.shape)


def train_mlm(ids, V, *, steps=150, T=32, B=32, D=32, H=4, L=2, F=128, lr=5e-3, seed=0,
              val_ids=None):
    """A tiny BERT: the same blocks without the causal mask, trained on BERT's objective
    (bert_mask, freshly drawn every step: RoBERTa's dynamic masking) over windows of T
    characters; symbol V is [MASK]. Returns (model, mean loss of the last 20 steps, loss on
    the chosen positions of val_ids masked once with a fixed seed)."""
    model = Transformer(V + 1, D, H, L, F, causal=False, seed=seed)
    optimizer = Adam(lr)
    inputs, _ = windows(ids, T)
    rng = np.random.default_rng(seed + 1)
    losses = []
    for _ in range(steps):
        rows = rng.integers(0, len(inputs), size=B)
        corrupted, chosen, _ = bert_mask(inputs[rows], V, V, rng)
        loss, grads = model.loss_and_grads(corrupted, inputs[rows], chosen)
        optimizer.step(model.params(), grads)
        losses.append(loss)
    val = None
    if val_ids is not None:
        val_inputs, _ = windows(val_ids, T)
        corrupted, chosen, _ = bert_mask(val_inputs, V, V, np.random.default_rng(seed + 2))
        logits, _ = model.forward(corrupted)
        val, _ = softmax_cross_entropy(logits[chosen], val_inputs[chosen])
    return model, float(np.mean(losses[-20:])), val

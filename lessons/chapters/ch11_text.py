"""Chapter 11, LSTM, GRU and Text Autocompletion (Ekman, Chapters 10-11 and Appendix H):
a character-level LSTM language model on a Shakespeare play, sampling and beam search.

The book trains two LSTM(128) layers on sliding 40-character windows of *Frankenstein* for 32
epochs (hours here). We train one LSTM layer on *Hamlet* the way a stream is read: the text
cut into B parallel streams, each read in chunks of T characters, the state carried from one
chunk to the next and the gradient cut at the chunk's start (truncated BPTT). Every character
is a target once per pass, instead of 40 / 3 times.
"""
import functools
import re

import numpy as np

from lessons.decoding import beam_search
from lessons.kernels import (
    clip_by_global_norm, embedding_backward, embedding_forward, lstm_backward, lstm_forward,
    sample_with_temperature, softmax_cross_entropy, time_dense_backward, time_dense_forward,
)
from lessons.kernels import checks
from lessons.optim import Adam


def prepare_text(text):
    """Ekman's preparation: lower case, line breaks and runs of spaces to one space."""
    return re.sub(r"\s+", " ", text.lower()).strip()


class Vocabulary:
    """The characters of a text, sorted; encode(str) -> int64 ids, decode(ids) -> str."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"Vocabulary.encode: {unknown!r} not in the vocabulary "
                             f"({''.join(self.chars)!r})")
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids):
        if np.size(ids) == 0:
            return ""
        ids = checks.indices("Vocabulary.decode", "ids", ids, upper=len(self),
                             shape="[n] of character ids")
        return "".join(self.chars[i] for i in ids.tolist())


def encode_prefix(func, vocab, prefix):
    """The ids of the text a model is to continue: at least one character, since the model
    predicts the next character from the last one it read (there is no start symbol)."""
    if not isinstance(prefix, str):
        raise TypeError(f"{func}: prefix must be a str, got {type(prefix).__name__}")
    if not prefix:
        raise ValueError(f"{func}: prefix is empty; give at least one character to continue "
                         f"(the model reads the last one to predict the next)")
    return vocab.encode(prefix)


def one_hot(ids, V):
    """ids[T, B] -> X[T, B, V] float64 with a 1 at each id."""
    X = np.zeros(ids.shape + (V,))
    np.put_along_axis(X, ids[..., None], 1.0, axis=-1)
    return X


def lstm_parameters(n, m):
    """Ekman's count for an LSTM layer of n units on m inputs: n · 4 · (n + m + 1)."""
    n = checks.number("lstm_parameters", "n", n, low=1, integer=True)
    m = checks.number("lstm_parameters", "m", m, low=1, integer=True)
    return n * 4 * (n + m + 1)


class CharLSTM:
    """Characters -> Embedding(d) -> LSTM(n) -> Dense(V) -> softmax, float64.

    E[V, d] one learned row per character (the lookup replaces one-hot input: one_hot(ids) @ E
    without the zeros), Wx[d, 4n], Wh[n, 4n], b[4n] (gates i, f, g, o; forget-gate bias 1,
    Ekman L5471: the carousel starts open), read-out Wy[n, V], by[V]. Glorot-uniform weights,
    E uniform in [-0.05, 0.05] (Keras' default), seeded.
    """

    def __init__(self, V, n=64, d=16, *, seed):
        rng = np.random.default_rng(checks.number("CharLSTM", "seed", seed, low=0, integer=True))
        self.V, self.n, self.d = V, n, d

        def glorot(a, b):
            return rng.uniform(-1, 1, size=(a, b)) * np.sqrt(6.0 / (a + b))

        self.E = rng.uniform(-0.05, 0.05, size=(V, d))
        self.Wx, self.Wh = glorot(d, 4 * n), glorot(n, 4 * n)
        self.b = np.zeros(4 * n)
        self.b[n:2 * n] = 1.0
        self.Wy, self.by = glorot(n, V), np.zeros(V)

    def params(self):
        return [self.E, self.Wx, self.Wh, self.b, self.Wy, self.by]

    @property
    def n_params(self):
        return sum(p.size for p in self.params())

    def zero_state(self, B):
        return np.zeros((B, self.n)), np.zeros((B, self.n))

    def forward(self, ids, state):
        """(logits[T, B, V], cache, new state) for character ids[T, B] from state (h0, c0)."""
        h0, c0 = state
        X = embedding_forward(ids, self.E)
        H, C, G = lstm_forward(X, h0, c0, self.Wx, self.Wh, self.b)
        return time_dense_forward(H, self.Wy, self.by), (X, h0, c0, H, C, G), (H[-1], C[-1])

    def loss_and_grads(self, ids, targets, state):
        """(mean cross-entropy in nats per character, grads, new state) for one chunk."""
        logits, (X, h0, c0, H, C, G), new_state = self.forward(ids, state)
        T, B, V = logits.shape
        loss, dZ = softmax_cross_entropy(logits.reshape(T * B, V), targets.reshape(-1))
        dH, dWy, dby = time_dense_backward(H, self.Wy, dZ.reshape(T, B, V))
        dX, _, _, dWx, dWh, db = lstm_backward(X, h0, c0, self.Wx, self.Wh, H, C, G, dH)
        dE = embedding_backward(ids, dX, V)  # the scatter-add: each character's rows summed
        return loss, [dE, dWx, dWh, db, dWy, dby], new_state

    def step_logp(self, states, tokens):
        """For beam search: log-probabilities of the next character for each (h, c) in states
        after reading tokens (ints); returns (logp[k, V], new states)."""
        h = np.concatenate([s[0] for s in states])
        c = np.concatenate([s[1] for s in states])
        logits, _, (h1, c1) = self.forward(np.array(tokens, dtype=np.int64)[None], (h, c))
        z = logits[0] - logits[0].max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return logp, [(h1[i:i + 1], c1[i:i + 1]) for i in range(len(states))]

    def read(self, ids):
        """The state after reading the prefix ids[:-1], ready to read ids[-1] next."""
        state = self.zero_state(1)
        if len(ids) > 1:
            _, _, state = self.forward(np.asarray(ids[:-1])[:, None], state)
        return state


def streams(ids, B):
    """ids cut into B equal streams, ids[B * L] -> [L, B] (time first)."""
    L = len(ids) // B
    return np.ascontiguousarray(ids[:L * B].reshape(B, L).T)


def evaluate(model, ids, B=16, T=256):
    """Mean cross-entropy (nats per character) of predicting ids[t + 1] from ids[..t], the
    text read as B streams in chunks of T with the state carried."""
    S = streams(ids, B)
    state, total, count = model.zero_state(B), 0.0, 0
    for start in range(0, len(S) - 1, T):
        chunk = S[start:start + T + 1]
        logits, _, state = model.forward(chunk[:-1], state)
        k = (len(chunk) - 1) * B
        loss, _ = softmax_cross_entropy(logits.reshape(k, model.V), chunk[1:].reshape(-1))
        total, count = total + loss * k, count + k
    return total / count


def train_char_lstm(ids, V, *, n=64, d=16, B=32, T=16, passes=2, lr=5e-3, max_norm=5.0, seed=0,
                    val_ids=None, every=50):
    """Truncated-BPTT training; returns (model, history) with rows (updates, mean training
    loss since the last row, validation loss or None)."""
    model = CharLSTM(V, n, d, seed=seed)
    optimizer = Adam(lr)
    S = streams(ids, B)
    history, losses, updates = [], [], 0
    for _ in range(passes):
        state = model.zero_state(B)
        for start in range(0, len(S) - T - 1, T):
            chunk = S[start:start + T + 1]
            loss, grads, state = model.loss_and_grads(chunk[:-1], chunk[1:], state)
            clip_by_global_norm(grads, max_norm)  # in place
            optimizer.step(model.params(), grads)
            losses.append(loss)
            updates += 1
            if updates % every == 0:
                history.append((updates, float(np.mean(losses)), None))
                losses = []
    val = evaluate(model, val_ids) if val_ids is not None else None
    history.append((updates, float(np.mean(losses)) if losses else history[-1][1], val))
    return model, history


def sample_text(model, vocab, prefix, n_chars, temperature, seed):
    """prefix followed by n_chars characters sampled one at a time (temperature; the uniform
    numbers drawn from np.random.default_rng(seed))."""
    f = "sample_text"
    ids = list(encode_prefix(f, vocab, prefix))
    n_chars = checks.number(f, "n_chars", n_chars, low=0, integer=True)
    temperature = checks.number(f, "temperature", temperature, low=0.0, low_open=True)
    rng = np.random.default_rng(seed)
    state = model.read(ids)
    for _ in range(n_chars):
        logp, (state,) = model.step_logp([state], [ids[-1]])
        ids.append(int(sample_with_temperature(logp, temperature, rng.random(1))[0]))
    return vocab.decode(ids)


def beam_complete(model, vocab, prefix, beam_width=8, steps=11, temperature=1.0):
    """Ekman's autocompletion: beam search from the prefix (the book: width 8, 11 letters).
    Returns the BeamResult."""
    ids = encode_prefix("beam_complete", vocab, prefix)
    start = model.read(ids)

    def step(states, tokens):
        tokens = [int(ids[-1]) if t is None else t for t in tokens]
        return model.step_logp(states, tokens)

    return beam_search(step, start, beam_width, steps, temperature)


@functools.lru_cache(maxsize=2)
def hamlet_run(n=64, passes=2, seed=0, T=16):
    """The chapter's run, kept once per process: vocabulary, ids (95% train, last 5%
    validation), the trained model and its history."""
    from lessons.data import load_play
    text = prepare_text(load_play("hamlet"))
    vocab = Vocabulary(text)
    ids = vocab.encode(text)
    split = int(len(ids) * 0.95)
    model, history = train_char_lstm(ids[:split], len(vocab), n=n, T=T, passes=passes,
                                     seed=seed, val_ids=ids[split:])
    return dict(text=text, vocab=vocab, train_ids=ids[:split], val_ids=ids[split:],
                model=model, history=history)


# --- a long dependency: remember the first symbol ---------------------------------------------

def first_symbol_task(rng, B, T, k=4):
    """B sequences of T one-hot symbols out of k; the target is the *first* symbol, to be
    given after the last step. Returns (X[T, B, k], targets[B])."""
    ids = rng.integers(0, k, size=(T, B))
    return one_hot(ids, k), ids[0].copy()


def train_first_symbol(cell, T, *, n=16, k=4, B=32, updates=600, lr=5e-3, keep_bias=3.0,
                       seed=0):
    """Train a recurrent layer ("rnn", "lstm" or "gru") of n units and a Dense(k) read-out on
    the last state to recall the first of T symbols; returns the accuracy on 1,000 fresh
    sequences (chance: 1 / k).

    keep_bias sets how much of its state a gated cell keeps per step at the start,
    sigma(keep_bias): the LSTM's forget-gate bias is +keep_bias, the GRU's update-gate bias
    -keep_bias (its old state is weighted by 1 - z). The simple RNN has no gate to set."""
    from lessons.kernels import (gru_backward, gru_forward, rnn_backward, rnn_forward)
    where = "train_first_symbol"
    blocks = {"rnn": 1, "lstm": 4, "gru": 3}
    gates = blocks[checks.choice(where, "cell", cell, blocks)]
    T = checks.number(where, "T", T, low=1, integer=True)
    keep_bias = checks.number(where, "keep_bias", keep_bias)
    rng = np.random.default_rng(checks.number(where, "seed", seed, low=0, integer=True))
    a = np.sqrt(6.0 / (k + gates * n))
    Wx = rng.uniform(-a, a, size=(k, gates * n))
    a = np.sqrt(6.0 / (n + gates * n))
    Wh = rng.uniform(-a, a, size=(n, gates * n))
    b = np.zeros(gates * n)
    if cell == "lstm":
        b[n:2 * n] = keep_bias  # forget gate f = sigma(keep_bias): the carousel starts open
    if cell == "gru":
        b[:n] = -keep_bias  # update gate z = sigma(-keep_bias): 1 - z = sigma(keep_bias) kept
    Wy, by = rng.uniform(-0.5, 0.5, size=(n, k)), np.zeros(k)
    params = [Wx, Wh, b, Wy, by]
    optimizer = Adam(lr)

    def run(X):
        h0 = np.zeros((X.shape[1], n))
        if cell == "rnn":
            H = rnn_forward(X, h0, Wx, Wh, b)
            return H, lambda dH: rnn_backward(X, h0, Wx, Wh, H, dH)[2:]
        if cell == "gru":
            H, G = gru_forward(X, h0, Wx, Wh, b)
            return H, lambda dH: gru_backward(X, h0, Wx, Wh, H, G, dH)[2:]
        H, C, G = lstm_forward(X, h0, h0, Wx, Wh, b)
        return H, lambda dH: lstm_backward(X, h0, h0, Wx, Wh, H, C, G, dH)[3:]

    for _ in range(updates):
        X, y = first_symbol_task(rng, B, T, k)
        H, backward = run(X)
        Z = time_dense_forward(H[-1:], Wy, by)[0]
        _, dZ = softmax_cross_entropy(Z, y)
        dHlast, dWy, dby = time_dense_backward(H[-1:], Wy, dZ[None])
        dH = np.zeros_like(H)
        dH[-1] = dHlast[0]
        grads = [*backward(dH), dWy, dby]
        clip_by_global_norm(grads, 5.0)  # in place
        optimizer.step(params, grads)
    X, y = first_symbol_task(np.random.default_rng(seed + 1000), 1000, T, k)
    H, _ = run(X)
    Z = time_dense_forward(H[-1:], Wy, by)[0]
    return float(np.mean(Z.argmax(axis=1) == y))

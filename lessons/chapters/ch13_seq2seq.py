"""Chapter 13, Seq2seq and Attention (Ekman, Chapter 14 and the first half of 15):
an LSTM encoder-decoder with a fixed context vector, the same with attention over the encoder's
states, teacher forcing, greedy and beam decoding.

Ekman translates French to English (fra.txt, 60,000 pairs, 20 epochs of a 2 x 256-unit model);
no such corpus ships offline, and the book reports no number. We use tasks whose difficulty
grows with length: reversing digit strings, and a small synthetic-grammar "translation".

The model (float32, every product in the recurrent kernels' fixed order, so a run prints the
same digits on every CPU):

    encoder:  source ids -> Embedding(d) -> LSTM(n) -> states S[Ts, B, n], last state s = S[-1]
    decoder:  [START, y_0 .. y_{T-2}] -> Embedding(d), concatenated with s at every step (Cho
              et al. 2014, Ekman Fig. 15-1) -> LSTM(n) from h0 = s -> states Q[Td, B, n]
    fixed:    logits = Q Wy + by                    everything about the source is in s
    attention (Luong: scores from the current state): (A, C) = attend(Q, S),
              logits = [C ; Q] Wy + by              the context is read afresh at every step

Training feeds the true previous symbol (teacher forcing, Ekman's START + shifted target, Fig.
14-1); decoding feeds back the model's own choice (greedy) or keeps the best few (beam search,
Chapter 11).
"""
import functools

import numpy as np

from lessons.decoding import beam_search
from lessons.kernels import (
    additive_attention_backward, additive_attention_forward, clip_by_global_norm,
    dot_attention_backward, dot_attention_forward, embedding_backward, embedding_forward,
    lstm_backward, lstm_forward, softmax_cross_entropy, time_dense_backward, time_dense_forward,
)
from lessons.kernels import checks
from lessons.optim import Adam

DTYPE = np.float32
DIGITS = 10
ATTENTION = (None, "dot", "additive")
LENGTH = 16     # the chapter's task: reverse 16 digits
UPDATES = 600   # Adam updates of batch 64 the notebook trains each model for


# --- data -------------------------------------------------------------------------------------

def reverse_task(rng, B, length):
    """B random digit strings of `length` digits and their reversals: (src, tgt), both [T, B]
    int64 (time first)."""
    src = rng.integers(0, DIGITS, size=(length, B))
    return src, src[::-1].copy()


def mixed_reverse_task(rng, B, longest=LENGTH):
    """A batch of one length drawn uniformly from 2 .. longest: one model for every length."""
    return reverse_task(rng, B, int(rng.integers(2, longest + 1)))


PAD, START, STOP = "<pad>", "<start>", "<stop>"
# A tiny English -> "French" grammar: the adjective follows the noun, negation is ne ... pas
# (Ekman 14.5's suggestion). Sentences: the [adj] noun verb the [adj] noun, or negated
# the [adj] noun does not verb the [adj] noun.
NOUNS = {"cat": "chat", "dog": "chien", "bird": "oiseau", "child": "enfant",
         "teacher": "professeur", "friend": "ami"}
ADJECTIVES = {"big": "grand", "small": "petit", "red": "rouge", "old": "vieux",
              "happy": "heureux"}
VERBS = {"sees": "voit", "likes": "aime", "follows": "suit", "calls": "appelle"}
# After "does not" English takes the base form ("does not see"), French keeps the same verb
# form ("ne voit pas"): the model must learn that two English words map to one French word.
BASE_FORMS = {"sees": "see", "likes": "like", "follows": "follow", "calls": "call"}


class Words:
    """A word vocabulary with PAD = 0, START = 1, STOP = 2; encode/decode lists of words."""

    def __init__(self, words):
        self.words = [PAD, START, STOP] + sorted(words)
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self):
        return len(self.words)

    def encode(self, words):
        unknown = [w for w in words if w not in self.index]
        if unknown:
            raise ValueError(f"Words.encode: {unknown} not in the vocabulary")
        return [self.index[w] for w in words]

    def decode(self, ids):
        out = []
        for i in ids:
            if int(i) == 2:
                break
            if int(i) > 2:
                out.append(self.words[int(i)])
        return out


ENGLISH = Words(["the", "does", "not", *NOUNS, *ADJECTIVES, *VERBS, *BASE_FORMS.values()])
FRENCH = Words(["le", "ne", "pas", *NOUNS.values(), *ADJECTIVES.values(), *VERBS.values()])


def grammar_pair(rng):
    """One sentence pair (English words, French words) drawn from the grammar."""
    def phrase():
        noun = str(rng.choice(list(NOUNS)))
        adj = str(rng.choice(list(ADJECTIVES))) if rng.random() < 0.5 else None
        en = ["the"] + ([adj] if adj else []) + [noun]
        fr = ["le", NOUNS[noun]] + ([ADJECTIVES[adj]] if adj else [])
        return en, fr
    (se, sf), (oe, of) = phrase(), phrase()
    verb = str(rng.choice(list(VERBS)))
    if rng.random() < 0.5:
        return se + ["does", "not", BASE_FORMS[verb]] + oe, sf + ["ne", VERBS[verb], "pas"] + of
    return se + [verb] + oe, sf + [VERBS[verb]] + of


GRAMMAR_SRC, GRAMMAR_TGT = 9, 10  # the longest English sentence, the longest French + STOP
GRAMMAR_UPDATES = 165  # short on purpose: the model still makes mistakes for beam search to fix


def grammar_task(rng, B):
    """B sentence pairs as (src, tgt) [T, B] ids: the source pre-padded (Ekman L7239), the
    target followed by STOP and post-padded."""
    src = np.zeros((GRAMMAR_SRC, B), dtype=np.int64)
    tgt = np.zeros((GRAMMAR_TGT, B), dtype=np.int64)
    for b in range(B):
        en, fr = grammar_pair(rng)
        ids = ENGLISH.encode(en)
        src[GRAMMAR_SRC - len(ids):, b] = ids
        ids = FRENCH.encode(fr + [STOP])
        tgt[:len(ids), b] = ids
    return src, tgt


# --- the model --------------------------------------------------------------------------------

class Seq2Seq:
    """Encoder-decoder LSTM, with attention None (a fixed context), "dot" or "additive".

    Vs, Vt: source and target vocabularies; the decoder's embedding has one more row, the
    START symbol (index Vt). n LSTM units, d embedding width, a additive-score units.
    """

    def __init__(self, Vs, Vt, *, n=32, d=16, attention="additive", a=16, seed=0, dtype=DTYPE):
        f = "Seq2Seq"
        if attention not in ATTENTION:
            raise ValueError(f"{f}: attention must be one of {ATTENTION}, got {attention!r}")
        rng = np.random.default_rng(checks.number(f, "seed", seed, low=0, integer=True))
        self.Vs, self.Vt, self.n, self.d, self.attention = Vs, Vt, n, d, attention
        self.dtype = dt = np.dtype(dtype)

        def glorot(r, c):
            return (rng.uniform(-1, 1, size=(r, c)) * np.sqrt(6.0 / (r + c))).astype(dt)

        def lstm_bias():
            b = np.zeros(4 * n, dt)
            b[n:2 * n] = 1.0  # the forget gate starts open, as in chapter 11
            return b

        self.p = dict(
            Es=(rng.uniform(-0.05, 0.05, size=(Vs, d))).astype(dt),
            Wxe=glorot(d, 4 * n), Whe=glorot(n, 4 * n), be=lstm_bias(),
            Et=(rng.uniform(-0.05, 0.05, size=(Vt + 1, d))).astype(dt),
            Wxd=glorot(d + n, 4 * n), Whd=glorot(n, 4 * n), bd=lstm_bias(),
            Wy=glorot(2 * n if attention else n, Vt), by=np.zeros(Vt, dt))
        if attention == "additive":
            self.p.update(Wq=glorot(n, a), Ws=glorot(n, a),
                          v=rng.uniform(-0.5, 0.5, size=a).astype(dt))

    @property
    def start(self):
        return self.Vt

    @property
    def n_params(self):
        return sum(p.size for p in self.p.values())

    def encode(self, src):
        """The encoder's states S[Ts, B, n] and what its backward pass needs."""
        p, B = self.p, src.shape[1]
        X = embedding_forward(src, p["Es"])
        z = np.zeros((B, self.n), self.dtype)
        S, C, G = lstm_forward(X, z, z, p["Wxe"], p["Whe"], p["be"])
        return S, (X, z, C, G)

    def attend(self, Q, S):
        """(A[Td, B, Ts], context[Td, B, n]), or (None, None) for a fixed context."""
        if self.attention == "dot":
            return dot_attention_forward(Q, S)
        if self.attention == "additive":
            return additive_attention_forward(Q, S, self.p["Wq"], self.p["Ws"], self.p["v"])
        return None, None

    def decode_steps(self, dec_in, S, state):
        """Decoder over dec_in[Td, B] from state (h, c): (logits, A, cache)."""
        p = self.p
        h0, c0 = state
        E = embedding_forward(dec_in, p["Et"])
        s = np.broadcast_to(S[-1], (len(dec_in),) + S[-1].shape)
        X = np.concatenate([E, s], axis=2)
        Q, C, G = lstm_forward(X, h0, c0, p["Wxd"], p["Whd"], p["bd"])
        A, ctx = self.attend(Q, S)
        R = Q if ctx is None else np.concatenate([ctx, Q], axis=2)
        return time_dense_forward(R, p["Wy"], p["by"]), A, (X, h0, c0, Q, C, G, R)

    def loss_and_grads(self, src, dec_in, tgt):
        """(mean cross-entropy per target symbol, {name: gradient}) for one teacher-forced batch."""
        p, n, d = self.p, self.n, self.d
        S, (Xe, z, Ce, Ge) = self.encode(src)
        logits, A, (X, h0, c0, Q, C, G, R) = self.decode_steps(dec_in, S, (S[-1], z))
        Td, B, V = logits.shape
        loss, dZ = softmax_cross_entropy(logits.reshape(Td * B, V), tgt.reshape(-1))
        dR, g = {}, {}
        dR, g["Wy"], g["by"] = time_dense_backward(R, p["Wy"], dZ.reshape(Td, B, V))
        dS = np.zeros_like(S)
        if self.attention is None:
            dQ = dR
        else:
            dQ = np.ascontiguousarray(dR[:, :, n:])
            dctx = np.ascontiguousarray(dR[:, :, :n])
            if self.attention == "dot":
                dQa, dS = dot_attention_backward(Q, S, A, dctx)
            else:
                dQa, dS, g["Wq"], g["Ws"], g["v"] = additive_attention_backward(
                    Q, S, p["Wq"], p["Ws"], p["v"], A, dctx)
            dQ = dQ + dQa
        dX, dh0, _, g["Wxd"], g["Whd"], g["bd"] = lstm_backward(
            X, h0, c0, p["Wxd"], p["Whd"], Q, C, G, dQ)
        g["Et"] = embedding_backward(dec_in, np.ascontiguousarray(dX[:, :, :d]), self.Vt + 1)
        ds = dh0  # the last encoder state: the decoder's h0 and its input at every step
        for t in range(Td):
            ds = ds + dX[t, :, d:]
        dS[-1] += ds
        dXe, _, _, g["Wxe"], g["Whe"], g["be"] = lstm_backward(
            Xe, z, z, p["Wxe"], p["Whe"], S, Ce, Ge, dS)
        g["Es"] = embedding_backward(src, dXe, self.Vs)
        return loss, g

    def step_logp(self, S, states, tokens):
        """One decoding step for k hypotheses of one source (S[Ts, 1, n]): the
        log-probabilities logp[k, Vt], the new states and the attention weights [k, Ts]."""
        k = len(states)
        Sk = np.ascontiguousarray(np.broadcast_to(S, (S.shape[0], k, self.n)))
        h = np.concatenate([s[0] for s in states])
        c = np.concatenate([s[1] for s in states])
        logits, A, (_, _, _, Q, C, _, _) = self.decode_steps(
            np.array(tokens, dtype=np.int64)[None], Sk, (h, c))
        z = logits[0].astype(np.float64)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        weights = None if A is None else A[0]
        return logp, [(Q[0, i:i + 1], C[0, i:i + 1]) for i in range(k)], weights


def decoder_input(model, tgt):
    """Teacher forcing: [START, y_0, .., y_{T-2}], the target shifted by one step."""
    return np.concatenate([np.full((1, tgt.shape[1]), model.start, np.int64), tgt[:-1]])


def greedy_decode(model, src, steps):
    """Feed back the most probable symbol at each step: (ids[steps, B], A[steps, B, Ts] or
    None), for a batch src[Ts, B]."""
    S, _ = model.encode(src)
    B = src.shape[1]
    state = (S[-1], np.zeros((B, model.n), model.dtype))
    token = np.full((1, B), model.start, np.int64)
    out, weights = [], []
    for _ in range(steps):
        logits, A, (_, _, _, Q, C, _, _) = model.decode_steps(token, S, state)
        token = logits.argmax(axis=2)
        out.append(token[0])
        weights.append(None if A is None else A[0])
        state = (Q[0], C[0])
    return np.array(out), (None if weights[0] is None else np.array(weights))


def beam_decode(model, src, steps, beam_width=3):
    """Beam search (Chapter 11) for one source src[Ts]: the BeamResult."""
    S, _ = model.encode(np.asarray(src, dtype=np.int64)[:, None])
    start = (S[-1], np.zeros((1, model.n), model.dtype))

    def step(states, tokens):
        tokens = [model.start if t is None else t for t in tokens]
        logp, new, _ = model.step_logp(S, states, tokens)
        return logp, new

    return beam_search(step, start, beam_width, steps)


def sequence_accuracy(pred, tgt):
    """The share of sequences (columns of [T, B]) with every symbol right."""
    return float(np.mean(np.all(pred == tgt, axis=0)))


def token_accuracy(pred, tgt):
    return float(np.mean(pred == tgt))


def teacher_forced_predictions(model, src, tgt):
    """The argmax at every step when the true previous symbol is fed (the audit's metric)."""
    S, _ = model.encode(src)
    z = np.zeros((src.shape[1], model.n), model.dtype)
    logits, _, _ = model.decode_steps(decoder_input(model, tgt), S, (S[-1], z))
    return logits.argmax(axis=2)


def train_seq2seq(task, *, attention="additive", updates=UPDATES, B=64, n=32, d=16, lr=1e-2,
                  max_norm=5.0, seed=0, every=50, Vs=DIGITS, Vt=DIGITS):
    """Adam on fresh batches from task(rng, B) -> (src, tgt); returns (model, history) with
    rows (updates, mean training loss since the last row)."""
    model = Seq2Seq(Vs, Vt, n=n, d=d, attention=attention, seed=seed)
    rng = np.random.default_rng(seed + 1)
    optimizer = Adam(lr)
    names = list(model.p)
    history, losses = [], []
    for u in range(1, updates + 1):
        src, tgt = task(rng, B)
        loss, g = model.loss_and_grads(src, decoder_input(model, tgt), tgt)
        grads = [g[k] for k in names]
        clip_by_global_norm(grads, max_norm)  # in place
        optimizer.step([model.p[k] for k in names], grads)
        losses.append(loss)
        if u % every == 0:
            history.append((u, float(np.mean(losses))))
            losses = []
    return model, history


def evaluate_reverse(model, length, n=500, seed=1000):
    """(greedy sequence accuracy, teacher-forced sequence accuracy, greedy token accuracy) on
    n fresh strings of `length` digits."""
    src, tgt = reverse_task(np.random.default_rng(seed), n, length)
    pred, _ = greedy_decode(model, src, length)
    forced = teacher_forced_predictions(model, src, tgt)
    return sequence_accuracy(pred, tgt), sequence_accuracy(forced, tgt), token_accuracy(pred, tgt)


def reverse_run(length=LENGTH, attention="additive", updates=UPDATES, seed=0):
    """A model trained to reverse `length` digits, kept once per process: (model, history).
    length None: trained on mixed lengths 2 .. LENGTH."""
    return _reverse_run(length, attention, updates, seed)  # one cache key however it is called


@functools.lru_cache(maxsize=16)
def _reverse_run(length, attention, updates, seed):
    if length is None:
        task = mixed_reverse_task
    else:
        def task(rng, B):
            return reverse_task(rng, B, length)
    return train_seq2seq(task, attention=attention, updates=updates, seed=seed)


def chapter_models(updates=UPDATES, seed=0):
    """{attention: model} for None (a fixed context) and "additive", each trained on
    reverse-LENGTH: the notebook's two models, which the widget shows."""
    return {a: reverse_run(LENGTH, a, updates, seed)[0] for a in (None, "additive")}


def accuracy_by_length(model, lengths, n=500, seed=1000):
    """Greedy sequence accuracy at each length (n fresh strings each)."""
    return [evaluate_reverse(model, L, n, seed)[0] for L in lengths]

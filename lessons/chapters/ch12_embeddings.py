"""Chapter 12, Language Models and Embeddings (Ekman, Chapters 12-13 and Appendix C): n-gram
language models, word2vec's skip-gram with negative sampling (SGNS) trained on Shakespeare,
nearest neighbours, analogies, a PCA map, and the ideas of wordpieces and FastText.

The book's worked example trains a word-level LSTM on *Frankenstein* and explores the
pretrained GloVe vectors. We count n-grams and train SGNS ourselves on the 42 Shakespeare texts
chapter 11 ships (about 0.8 M words): the embeddings are ours, from a corpus thousands of
times smaller than GloVe's 6 billion words, and the chapter measures what that buys
(neighbours) and what it does not (most analogies).
"""
import functools
import math
import os
import re
from collections import Counter
from pathlib import Path

import numpy as np

from lessons.data.text import PLAYS, load_play
from lessons.kernels import checks, cosine_top_k, sgns_epoch

# --- words and counts -----------------------------------------------------------------------

_SPEAKER = re.compile(r"^\s*[A-Z][A-Za-z']*(?: [A-Z][A-Za-z']*)*\.\s*$")  # "Ber.", "First Clown."
_HEADING = re.compile(r"^\s*(ACT|Act|SCENE|Scene)\b.*$")
_DIRECTION = re.compile(r"\[[^\]]*\]")                      # [Enter Horatio and Marcellus.]
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def words(text):
    """The lower-case words of a play's spoken text: speaker tags ("Ber."), act and scene
    headings and [stage directions] dropped; "o'er" and "tis" stay one word each."""
    text = _DIRECTION.sub(" ", text)
    lines = [line for line in text.splitlines()
             if not (_SPEAKER.match(line) or _HEADING.match(line))]
    return _WORD.findall("\n".join(lines).lower().replace("\u2019", "'"))


@functools.cache
def corpus(plays=PLAYS):
    """{play: its words} for the named works (all 42 by default; cached, do not change it)."""
    return {name: words(load_play(name)) for name in plays}


class Vocabulary:
    """The words seen at least min_count times, most frequent first (ties alphabetical);
    id len(words) stands for every other word ("<unk>") when unk=True."""

    def __init__(self, tokens, min_count=5):
        counts = Counter(tokens)
        kept = sorted((w for w, c in counts.items() if c >= min_count),
                      key=lambda w: (-counts[w], w))
        self.words, self.min_count = kept, min_count
        self.index = {w: i for i, w in enumerate(kept)}
        self.counts = np.array([counts[w] for w in kept], dtype=np.int64)

    @classmethod
    def of(cls, words):
        """The vocabulary of a list of distinct words, in that order (a pretrained table's)."""
        vocab = cls([], min_count=1)
        vocab.words, vocab.index = list(words), {w: i for i, w in enumerate(words)}
        vocab.counts = np.ones(len(words), dtype=np.int64)
        return vocab

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def id(self, word):
        if word not in self.index:
            raise KeyError(f"{word!r} is not in the vocabulary ({len(self)} words seen at "
                           f"least {self.min_count} times)")
        return self.index[word]

    def encode(self, tokens, unk=False):
        """int64 ids; with unk=True an unknown word becomes len(self), otherwise it is dropped
        (word2vec's way: the words either side become neighbours)."""
        if unk:
            return np.array([self.index.get(w, len(self)) for w in tokens], dtype=np.int64)
        return np.array([self.index[w] for w in tokens if w in self.index], dtype=np.int64)


def bigram_table(sentence):
    """Ekman's Table 12-1: {word: {next word: probability}} for the words of one sentence,
    counted over its consecutive pairs (lower case, punctuation dropped)."""
    tokens = _WORD.findall(sentence.lower())
    pairs = Counter(zip(tokens, tokens[1:]))
    firsts = Counter(a for a, _ in pairs.elements())
    table = {}
    for (a, b), n in pairs.items():
        table.setdefault(a, {})[b] = n / firsts[a]
    return table


class BigramLM:
    """A bigram language model with linear interpolation (Jelinek-Mercer smoothing):

        P(b | a) = lam * count(a, b) / count(a) + (1 - lam) * P(b),

    the unigram P(b) add-one smoothed over the vocabulary plus <unk>. With lam = 1 it is the
    plain maximum-likelihood table, which gives probability 0 to any pair it never saw."""

    def __init__(self, ids, V, lam=0.8):
        V = checks.number("BigramLM", "V", V, low=1, integer=True)
        self.V, self.lam = V + 1, checks.number("BigramLM", "lam", lam, low=0.0, high=1.0)
        ids = self._text("BigramLM", ids)
        self.unigram = (np.bincount(ids, minlength=self.V) + 1.0) / (len(ids) + self.V)
        codes, counts = np.unique(ids[:-1] * self.V + ids[1:], return_counts=True)
        self.pair_codes, self.pair_counts = codes, counts
        self.first_counts = np.bincount(ids[:-1], minlength=self.V)

    def prob(self, a, b):
        """P(b | a) for arrays of ids a, b."""
        codes = np.asarray(a) * self.V + np.asarray(b)
        at = np.searchsorted(self.pair_codes, codes).clip(max=len(self.pair_codes) - 1)
        seen = np.where(self.pair_codes[at] == codes, self.pair_counts[at], 0)
        first = self.first_counts[a]
        ml = np.divide(seen, first, out=np.zeros(len(codes)), where=first > 0)
        return self.lam * ml + (1.0 - self.lam) * self.unigram[b]

    def perplexity(self, ids):
        """exp(mean negative log-probability of each word given the one before): the
        number of equally likely words the model is, on average, choosing between."""
        ids = self._text("BigramLM.perplexity", ids)
        p = self.prob(ids[:-1], ids[1:])
        return _perplexity(p) if np.all(p > 0) else math.inf

    def unseen_fraction(self, ids):
        """The fraction of the text's consecutive pairs the training text never had."""
        ids = self._text("BigramLM.unseen_fraction", ids)
        codes = ids[:-1] * self.V + ids[1:]
        return float(np.mean(~np.isin(codes, self.pair_codes)))

    def _text(self, func, ids):
        """ids checked as a text of word ids 0..V (V: <unk>), at least one pair of words."""
        ids = checks.indices(func, "ids", ids, upper=self.V, shape="[n] of word ids")
        if len(ids) < 2:
            raise ValueError(f"{func}: ids holds one word; a bigram needs at least two")
        return ids


def unigram_perplexity(train_ids, test_ids, V):
    """The perplexity of the add-one unigram model (no history at all), for comparison."""
    p = (np.bincount(train_ids, minlength=V + 1) + 1.0) / (len(train_ids) + V + 1)
    return _perplexity(p[test_ids])


def _perplexity(p):
    """exp(-mean log p), summed exactly (math.fsum): the same digits on every CPU."""
    return math.exp(-math.fsum(map(math.log, p.tolist())) / len(p))


# Ekman's 2-D toy embedding (Table 12-3, L6443): gender on one axis, age on the other
TOY_2D = {"girl": np.array([0.9, 0.9]), "woman": np.array([0.9, -0.9]),
          "man": np.array([-0.9, -0.9]), "boy": np.array([-0.9, 0.9])}

# Two reviews with the book's counts (L6550): 17 distinct words between them, 5 shared
JACCARD_EXAMPLE = ("I loved the movie because the actors were great and the story was moving",
                   "The movie was long and I hated every single minute")


def jaccard(a, b):
    """(|A ∩ B|, |A ∪ B|) of the two texts' word sets (bag of words, counts ignored): the
    Jaccard similarity is their ratio."""
    A, B = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return len(A & B), len(A | B)


# --- skip-gram with negative sampling --------------------------------------------------------

def keep_probabilities(counts, t=1e-3):
    """word2vec's subsampling: a word of frequency f is kept with probability
    min(1, sqrt(t / f) + t / f), so "the" and "and" lose most of their copies. Computed with
    Python's math, one word at a time, so that every CPU gets the same bits."""
    total = float(np.sum(counts))
    return np.array([min(1.0, math.sqrt(t / (c / total)) + t / (c / total)) for c in counts])


def negative_table(counts, size=1_000_000, power=0.75):
    """word2vec's table for drawing negatives: word w fills a share of the slots
    proportional to count(w)^0.75 (rare words drawn more often than their counts alone would
    give). A uniform slot is then a draw from that distribution."""
    weights = [float(c) ** power for c in counts]
    cumulative = np.cumsum(weights)
    edges = cumulative / cumulative[-1] * size
    return np.searchsorted(edges, np.arange(size) + 0.5).astype(np.int64)


def skipgram_pairs(ids, keep, window, rng):
    """(centers, contexts) in text order: each word, kept with probability keep[word], is
    paired with the kept words up to b away on each side, b drawn from 1..window for each
    centre (word2vec's dynamic window: near words count more often)."""
    kept = ids[rng.random(len(ids)) < keep[ids]]
    n = len(kept)
    reach = rng.integers(1, window + 1, size=n)
    offsets = np.array([sign * o for o in range(1, window + 1) for sign in (-1, 1)], np.int32)
    other = np.arange(n, dtype=np.int32)[:, None] + offsets  # [n, 2 window], nearest first
    ok = (other >= 0) & (other < n) & (reach[:, None] >= np.abs(offsets))
    return np.broadcast_to(kept[:, None], other.shape)[ok], kept[other[ok]]


class SGNS:
    """word2vec's skip-gram with negative sampling, trained by `sgns_epoch`, float64.

    W_in starts uniform in [-0.5/d, 0.5/d] and W_out at zero (as in word2vec's C code); the
    learning rate falls linearly from lr to lr / 1000 over the whole run; each epoch draws a
    fresh subsample, fresh window sizes and fresh negatives from the seeded generator.
    Subsampling uses t = 1e-3, word2vec's default: with t = 1e-4 two epochs on this corpus left
    every vector pointing almost the same way (cosine 0.999 between any two words, measured).
    """

    def __init__(self, vocab, d=50, *, window=5, negatives=5, t=1e-3, lr=0.025, seed=0):
        self.vocab, self.d, self.window, self.k, self.lr = vocab, d, window, negatives, lr
        self.rng = np.random.default_rng(checks.number("SGNS", "seed", seed, low=0,
                                                       integer=True))
        V = len(vocab)
        self.W_in = (self.rng.random((V, d)) - 0.5) / d
        self.W_out = np.zeros((V, d))
        self.keep = keep_probabilities(vocab.counts, t)
        self.table = negative_table(vocab.counts)
        self.losses, self.snapshots = [], []

    def fit(self, ids, epochs, chunks=10, snapshot_rows=1000):
        """Train for `epochs` passes over ids (the corpus as vocabulary ids), each cut into
        `chunks` calls of sgns_epoch with the decaying rate. Keeps the mean loss of each chunk
        in `losses` and, before training and after each chunk, a copy of the input vectors of
        the `snapshot_rows` most frequent words in `snapshots` (for scrubbing through training)."""
        self.snapshots.append(self.W_in[:snapshot_rows].copy())
        for epoch in range(epochs):
            centers, contexts = skipgram_pairs(ids, self.keep, self.window, self.rng)
            slots = self.rng.integers(0, len(self.table), size=(len(centers), self.k),
                                      dtype=np.int32)  # the same draws as int64, half the memory
            bounds = np.linspace(0, len(centers), chunks + 1).astype(int)
            for c in range(chunks):
                progress = (epoch + c / chunks) / epochs
                lr = self.lr * max(1.0 - progress, 1e-3)
                s = slice(bounds[c], bounds[c + 1])
                self.losses.append(sgns_epoch(self.W_in, self.W_out, centers[s], contexts[s],
                                              self.table[slots[s]], lr))
                self.snapshots.append(self.W_in[:snapshot_rows].copy())
            self.pairs_per_epoch = len(centers)
        return self


def neighbours(E, vocab, word, k=5):
    """[(word, cosine similarity)] of the k nearest words to `word`, itself left out."""
    rows, sims = cosine_top_k(E, E[vocab.id(word)], k, exclude=[vocab.id(word)])
    return [(vocab.words[r], float(s)) for r, s in zip(rows, sims)]


def unit(v):
    """v / |v|, the length summed exactly (math.fsum): the same bits on every CPU."""
    return v / math.sqrt(math.fsum((v * v).tolist()))


def analogy(E, vocab, a, b, c, k=5):
    """a - b + c: [(word, cosine)] of the k words nearest to the offset of the unit vectors
    (king - man + woman), the three inputs left out (with them in, the answer is usually a
    itself: Ekman's caveat, L6457)."""
    ids = [vocab.id(w) for w in (a, b, c)]
    query = unit(E[ids[0]]) - unit(E[ids[1]]) + unit(E[ids[2]])
    rows, sims = cosine_top_k(E, query, k, exclude=ids)
    return [(vocab.words[r], float(s)) for r, s in zip(rows, sims)]


def analogy_rank(E, vocab, a, b, c, answer):
    """The rank (1 = first) of `answer` among all words for a - b + c, inputs left out."""
    ranked = analogy(E, vocab, a, b, c, k=len(vocab) - 3)
    return 1 + [w for w, _ in ranked].index(answer)


def pca_2d(E):
    """(coordinates[V, 2], explained variance ratio[2]): E centred and projected on its two
    principal axes, from NumPy's SVD (the signs fixed so that the largest coordinate of each
    axis is positive, which makes the map the same on every run)."""
    E = checks.array("pca_2d", "E", E, ndim=2, shape="[V, d]")
    if min(E.shape) < 2:
        raise ValueError(f"pca_2d: E has shape {E.shape}; two principal axes need at least "
                         f"2 rows and 2 columns")
    X = E - E.mean(axis=0)
    _, S, Vt = np.linalg.svd(X, full_matrices=False)
    axes = Vt[:2] * np.sign(Vt[:2][np.arange(2), np.argmax(np.abs(Vt[:2]), axis=1)])[:, None]
    return X @ axes.T, (S[:2] ** 2) / np.sum(S ** 2)


# --- the chapter's run -----------------------------------------------------------------------

KINSHIP_AND_TITLES = ("king", "queen", "father", "daughter", "lord", "lady", "brother", "son")


@functools.cache
def shakespeare_words():
    """(vocab, ids): the 42 texts as one stream of vocabulary ids (words seen at least 5
    times; the others dropped)."""
    tokens = [w for play in corpus().values() for w in play]
    vocab = Vocabulary(tokens)
    return vocab, vocab.encode(tokens)


@functools.cache
def shakespeare_sgns(seed=0, epochs=2):
    """The chapter's run (cached: the widget shows the same one): SGNS, d = 50, window 5, 5
    negatives, t = 1e-3, on every word of the 42 texts. Returns the trained SGNS."""
    vocab, ids = shakespeare_words()
    return SGNS(vocab, 50, seed=seed).fit(ids, epochs)


# --- subwords --------------------------------------------------------------------------------

def fasttext_ngrams(word, n_min=3, n_max=6):
    """FastText's character n-grams of `word`, with < and > marking its ends, plus the whole
    marked word: "where" -> <wh, whe, her, ere, re>, ..., <where> (Ekman, Appendix C)."""
    marked = f"<{word}>"
    grams = [marked[i:i + n] for n in range(n_min, n_max + 1)
             for i in range(len(marked) - n + 1)]
    return [g for g in grams if g != marked] + [marked]


def bpe_merges(word_counts, n_merges):
    """Byte-pair encoding, the frequency version of wordpieces: start from characters and
    merge, n_merges times, the most frequent adjacent pair of symbols (ties to the pair that
    sorts first). Returns (the merged pairs in order, {word: its symbols after them})."""
    split = {w: list(w) for w in word_counts}
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for w, symbols in split.items():
            for a, b in zip(symbols, symbols[1:]):
                pairs[a, b] += word_counts[w]
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        split = {w: _merge(symbols, best) for w, symbols in split.items()}
    return merges, split


def _merge(symbols, pair):
    """symbols with every adjacent occurrence of `pair` (left to right) joined into one."""
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def bpe_segment(word, merges):
    """`word` in the pieces the learned merges make of it, applied in the order learned. Any
    word works, seen or not: the single characters stay in the vocabulary."""
    symbols = list(word)
    for pair in merges:
        symbols = _merge(symbols, pair)
    return symbols


# --- the optional GloVe extra ----------------------------------------------------------------

GLOVE_PATH = Path(os.environ.get("DL_LESSONS_GLOVE",
                                 Path.home() / ".cache" / "dl-lessons" / "glove.6B.50d.txt"))


def load_glove(path=GLOVE_PATH, max_words=50_000):
    """(vectors[n, 50], Vocabulary) from the first max_words lines of a GloVe text file, or None
    when the file is not there: the course never downloads it. Put glove.6B.50d.txt (from
    nlp.stanford.edu/projects/glove, glove.6B.zip) at ~/.cache/dl-lessons/, or point the
    DL_LESSONS_GLOVE environment variable at it."""
    path = Path(checks.path("load_glove", "path", path))
    if not path.is_file():
        return None
    words_, rows = [], []
    with open(path, encoding="utf-8") as f:
        for line, _ in zip(f, range(max_words)):
            parts = line.rstrip().split(" ")
            words_.append(parts[0])
            rows.append(np.array(parts[1:], dtype=np.float64))
    return np.stack(rows), Vocabulary.of(words_)

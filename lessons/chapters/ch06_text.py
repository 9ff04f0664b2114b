"""Chapter 06, Regression and Regularization: overfitting in classification (Chollet 3.4-3.5),
"which play is this passage from?"

Chollet's IMDB reviews and Reuters newswires are downloads (Keras fetches them on first
use; the Reuters-21578 licence allows research use only), so they cannot ship with the
course. Shakespeare's plays do (lessons.data.text), and "which play is this passage from" keeps
every lesson of the two sections: a bag of words from a 10,000-word vocabulary, multi-hot
encoded; many classes of unequal size (Reuters' 46 topics), so the shuffled-label baseline is
sum p^2 and not 1 / k; a validation curve that peaks and then falls while the training
accuracy climbs to 1; the 64-8 bottleneck that loses accuracy; and a two-class version
(comedy or tragedy) for IMDB's binary workflow.

A passage is `length` consecutive words of what the characters say: the speakers' names,
the stage directions and the act and scene headings are removed first, so that the network
has to recognise the play from its words, not from a label printed beside them.

Randomness is drawn here, from np.random.default_rng(seed): the split, then each model's
initial weights (from the seed) and its visiting order (fit's seed).
"""
import functools
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from lessons.data.text import PLAYS, load_play
from lessons.kernels import binary_cross_entropy, checks, softmax_cross_entropy
from lessons.layers import Dense, MultiHotDense, ReLU, Sequential, Sigmoid
from lessons.optim import RMSprop
from lessons.train import evaluate, fit, shuffled_label_accuracy

# Eight plays, four comedies and four tragedies (the two classes of the IMDB-like version).
COMEDIES = ("as_you_like_it", "comedy_of_errors", "merchant_of_venice", "midsummer_nights_dream")
TRAGEDIES = ("hamlet", "julius_caesar", "lear", "macbeth")
WORKS = COMEDIES + TRAGEDIES

_START = re.compile(r"^(ACT|Act|PROLOGUE|Prologue|INDUCTION|Induction)\b", re.M)
_HEADING = re.compile(r"^\s*(ACT|Act|SCENE|Scene)\b.*$", re.M)
_DIRECTION = re.compile(r"\[[^\]]*\]")
# A speaker's name: a short capitalised line ending in "." after a blank line ("Ham.",
# "FIRST WITCH.", "LADY MACBETH.").
_SPEAKER = re.compile(r"(^|\n\s*\n)[ \t]*[A-Z][A-Za-z' ]{0,30}\.[ \t]*(?=\n)")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


@functools.lru_cache(maxsize=None)
def spoken_words(name):
    """The words the characters of play `name` speak, lower case, in order (a tuple): the
    text from the first act (or prologue) on, without speakers, stage directions and act or
    scene headings. Apostrophes inside a word stay ("o'er", "'tis" is "tis")."""
    text = load_play(name)
    start = _START.search(text)
    text = text[start.start():] if start else text
    text = _DIRECTION.sub(" ", text)
    text = _HEADING.sub(" ", text)
    text = _SPEAKER.sub(r"\1", text)
    return tuple(_WORD.findall(text.lower()))


def passages(works=WORKS, length=80):
    """(list of passages, labels int64): each play of `works` cut into consecutive
    `length`-word passages (the last partial one dropped); label k = works[k]."""
    works = tuple(checks.choice("passages", "works", w, PLAYS) for w in works)
    length = checks.number("passages", "length", length, low=1, integer=True)
    texts, labels = [], []
    for k, name in enumerate(works):
        words = spoken_words(name)
        for start in range(0, len(words) - length + 1, length):
            texts.append(words[start:start + length])
            labels.append(k)
    return texts, np.array(labels, dtype=np.int64)


def split(n, seed, *, n_test, n_val):
    """Row indices (train, validation, test) of a seeded shuffle of range(n): the last n_test
    for the test set (touched once, at the end), the n_val before them for validation."""
    n_test = checks.number("split", "n_test", n_test, low=1, integer=True)
    n_val = checks.number("split", "n_val", n_val, low=1, integer=True)
    if n_test + n_val >= n:
        raise ValueError(f"split: n_test + n_val = {n_test + n_val} leaves no training rows "
                         f"of n = {n}")
    order = np.random.default_rng(seed).permutation(n)
    return order[:n - n_test - n_val], order[n - n_test - n_val:n - n_test], order[n - n_test:]


def vocabulary(texts, size=10_000):
    """The `size` most frequent words of `texts` (Chollet's num_words=10000), most frequent
    first (ties alphabetically): word -> id 0..size-1. Build it from the training passages
    only: a word that only the test set holds is one the model could never have learned."""
    size = checks.number("vocabulary", "size", size, low=1, integer=True)
    counts = Counter(w for text in texts for w in text)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {w: i for i, (w, _) in enumerate(ranked[:size])}


def encode_passages(texts, vocab):
    """ids[n, L] int64: row r lists the distinct vocabulary ids of passage r, in increasing
    order, padded with -1 (words outside the vocabulary are dropped). The multi-hot vector
    of row r has a 1 at each listed id: MultiHotDense computes its product from the ids."""
    rows = [sorted({vocab[w] for w in text if w in vocab}) for text in texts]
    ids = np.full((len(rows), max(len(r) for r in rows)), -1, dtype=np.int64)
    for r, row in enumerate(rows):
        ids[r, :len(row)] = row
    return ids


@dataclass
class TextData:
    """A seeded split of passages, encoded: ids and labels per part, the vocabulary."""

    works: tuple
    vocab: dict
    train: tuple
    val: tuple
    test: tuple
    texts: list
    rows: tuple  # (train, val, test) indices into texts


@functools.lru_cache(maxsize=8)
def load_text_data(works=WORKS, length=80, seed=0, *, n_test=300, n_val=300, size=10_000):
    """Passages of `works` split by `seed` into train / validation / test (n_val and n_test
    passages: 2,048 passages of 80 words in all, 1,448 to train on; Chollet's Reuters has
    8,982 newswires and validates on 1,000), encoded with the vocabulary of the training
    passages."""
    texts, labels = passages(works, length)
    rows = split(len(texts), seed, n_test=n_test, n_val=n_val)
    vocab = vocabulary([texts[i] for i in rows[0]], size)
    ids = encode_passages(texts, vocab)
    parts = tuple((ids[r], labels[r]) for r in rows)
    return TextData(tuple(works), vocab, *parts, texts, rows)


def text_model(V, hidden, n_out, *, seed, output=None):
    """Chollet's network: MultiHotDense(V, hidden[0]), ReLU, Dense for each further hidden
    width with ReLU, then Dense(n_out) (logits for softmax) or, with output="sigmoid", Dense
    and Sigmoid (IMDB's one probability). Keras' glorot_uniform everywhere, from one seed."""
    rng = np.random.default_rng(checks.number("text_model", "seed", seed, low=0, integer=True))
    hidden = checks.sizes("text_model", "hidden", hidden)
    layers = [MultiHotDense(V, hidden[0], rng=rng), ReLU()]
    for a, b in zip(hidden[:-1], hidden[1:]):
        layers += [Dense(a, b, init="glorot", rng=rng), ReLU()]
    layers.append(Dense(hidden[-1], n_out, init="glorot", rng=rng))
    if output == "sigmoid":
        layers.append(Sigmoid())
    return Sequential(layers)


def train_classifier(data, hidden=(64, 64), *, epochs=20, batch_size=128, seed=0, lr=1e-3,
                     callbacks=()):
    """Train text_model on data.train, validating on data.val after every epoch, with
    RMSprop (Keras' defaults, Chollet's choice) and softmax cross-entropy. Batch 128, as in
    Chollet's bottleneck run: with 1,448 passages his 512 would make 3 steps an epoch.
    callbacks: passed to fit (a widget's progress bar).
    Returns (model, History): history.best("val_accuracy") is the validation peak."""
    (X, y), (Xv, yv) = data.train, data.val
    n_out = len(data.works)
    model = text_model(len(data.vocab), hidden, n_out, seed=seed)
    h = fit(model, softmax_cross_entropy, RMSprop(lr), X, y, epochs=epochs,
            batch_size=batch_size, seed=seed, validation=(Xv, yv), callbacks=callbacks,
            progress=False)
    return model, h


def final_test_accuracy(data, epochs, hidden=(64, 64), *, batch_size=128, seed=0, lr=1e-3):
    """Chollet's last step: a fresh network trained for the chosen number of epochs on the
    training and validation passages together, then the test set, touched once.
    Returns (model, test accuracy)."""
    X = np.concatenate([data.train[0], data.val[0]])
    y = np.concatenate([data.train[1], data.val[1]])
    model = text_model(len(data.vocab), hidden, len(data.works), seed=seed)
    fit(model, softmax_cross_entropy, RMSprop(lr), X, y, epochs=epochs, batch_size=batch_size,
        seed=seed, progress=False)
    return model, evaluate(model, softmax_cross_entropy, *data.test)[1]


def shuffled_baseline(data, seed=0):
    """(accuracy of the validation labels against a shuffled copy of themselves, sum p^2 of
    the training labels): Chollet's random baseline and what it should come out near."""
    yv = data.val[1]
    guess = np.random.default_rng(seed).permutation(yv)
    return float(np.mean(guess == yv)), shuffled_label_accuracy(data.train[1])


def genre_labels(data, part):
    """0 for a comedy, 1 for a tragedy: the two-class labels of data.train / val / test."""
    tragic = np.array([w in TRAGEDIES for w in data.works])
    return tragic[getattr(data, part)[1]].astype(np.float64)[:, None]


def train_two_class(data, hidden=(16, 16), *, epochs=10, batch_size=128, seed=0, lr=1e-3):
    """IMDB's workflow on comedy-or-tragedy: Chollet's 16-16-1 network ending in one sigmoid
    unit, binary cross-entropy, RMSprop, validated after every epoch. Returns (model, History)."""
    X, Xv = data.train[0], data.val[0]
    model = text_model(len(data.vocab), hidden, 1, seed=seed, output="sigmoid")
    h = fit(model, binary_cross_entropy, RMSprop(lr), X, genre_labels(data, "train"),
            epochs=epochs, batch_size=batch_size, seed=seed,
            validation=(Xv, genre_labels(data, "val")), progress=False)
    return model, h

"""Chapter 12, Language Models and Embeddings: the embedding explorer.

`embedding_explorer(word=..., k=..., a=..., b=..., c=..., step=...)` shows the chapter's
skip-gram vectors (SGNS on the 42 Shakespeare texts, lessons.chapters.ch12_embeddings) as a 2-D
map: the first two principal components (our PCA, NumPy's SVD) of a few hundred frequent
words. Type a word: it and its k nearest neighbours by cosine similarity are highlighted. Build
an analogy a - b + c: the arrows show the offset b -> a applied at c, and the word nearest to
a - b + c (inputs left out) is marked. Scrub `step` through training (tenths of an epoch,
0 = the random start): the map, the neighbours and the analogy are those of that moment.

Neighbours and analogies are searched among the 1,000 most frequent words (the snapshots kept
during training); the map draws MAP_WORDS of them. `render(state, model=None)` is pure and
never raises for a valid state: a word that is not among them is reported in the figure.
"""
import dataclasses

import ipywidgets as W
import numpy as np
from matplotlib.transforms import offset_copy

from lessons.chapters.ch12_embeddings import (KINSHIP_AND_TITLES, pca_2d, shakespeare_sgns,
                                              unit)
from lessons.kernels import cosine_top_k
from widgets.base import (ACCENT, NEGATIVE, POSITIVE, View, argument, autoscaled, factory,
                          new_figure)
from widgets.glyphs import Labels
from widgets.layers import Layers

MAP_WORDS = 300   # the map: the words ranked FIRST_MAP_WORD.. by frequency, and the kinship words
FIRST_MAP_WORD = 60  # the 60 most frequent ("the", "and", "i", ...) crowd the centre
NEIGHBOURS = (1, 15)


@dataclasses.dataclass(frozen=True)
class ExplorerState:
    """word: the word whose neighbours are shown; k: how many; a, b, c: the analogy
    a - b + c; step: the training snapshot (tenths of an epoch; 0 = before training)."""

    word: str = "father"
    k: int = 6
    a: str = "king"
    b: str = "he"
    c: str = "she"
    step: int = 20


def _word(func, name, value):
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{func}: {name} must be a word (a non-empty string), got {value!r}")
    return value.strip().lower()


def snapshot(model, step):
    """The input vectors of the most frequent words at snapshot `step` (clipped to the last)."""
    return model.snapshots[min(int(step), len(model.snapshots) - 1)]


def _row(model, E, word):
    i = model.vocab.index.get(word)
    return i if i is not None and i < len(E) else None


def neighbours_at(model, E, word, k):
    """[(word, cosine)] of the k nearest words to `word` in E, or None if it is not in E."""
    i = _row(model, E, word)
    if i is None:
        return None
    rows, sims = cosine_top_k(E, E[i], k, exclude=[i])
    return [(model.vocab.words[r], float(s)) for r, s in zip(rows, sims)]


def analogy_at(model, E, a, b, c, k=5):
    """[(word, cosine)] nearest to a - b + c in E (inputs left out), or None (a word missing)."""
    ids = [_row(model, E, w) for w in (a, b, c)]
    if None in ids:
        return None
    query = unit(E[ids[0]]) - unit(E[ids[1]]) + unit(E[ids[2]])
    rows, sims = cosine_top_k(E, query, k, exclude=ids)
    return [(model.vocab.words[r], float(s)) for r, s in zip(rows, sims)]


def map_rows(model, E):
    """The rows drawn on the map: MAP_WORDS frequent words and the kinship and title words."""
    rows = list(range(FIRST_MAP_WORD, min(FIRST_MAP_WORD + MAP_WORDS, len(E))))
    extra = [_row(model, E, w) for w in KINSHIP_AND_TITLES]
    return sorted(set(rows) | {r for r in extra if r is not None})


def _frame(state):
    """The frame, the same for every state: the map's axes (no ticks: principal components
    have no units) and the text panel's place."""
    fig, (ax, ax_text) = new_figure(11, 6.4, ncols=2, gridspec_kw={"width_ratios": [2.2, 1]})
    ax.set(xlabel="PC 1", ylabel="PC 2", xticks=[], yticks=[])
    ax_text.axis("off")
    return fig


def _names(ax, words, at, offset, **font):
    """Each word written beside its point at[word], offset (x, y) points: one glyphs.Labels
    artist for the lot (an annotation is a Text of its own, laid out on every draw)."""
    ax.add_artist(Labels([at[w] for w in words], words, transform=offset_copy(
        ax.transData, fig=ax.figure, x=offset[0], y=offset[1], units="points"), **font))


def _map_layer(fig, state, model=None):
    """The map of this state's snapshot, its marks and the text panel. The limits are set
    here, the data's range plus 5 % each side (what autoscaling gives), since each state has
    its own principal components."""
    model = model or shakespeare_sgns()
    E = snapshot(model, state.step)
    word, a, b, c = (str(getattr(state, f)).strip().lower() for f in ("word", "a", "b", "c"))
    near = neighbours_at(model, E, word, int(state.k))
    answer = analogy_at(model, E, a, b, c)
    shown = set(map_rows(model, E))
    marked = [w for w in [word, *(n for n, _ in near or []), a, b, c,
                          *(n for n, _ in (answer or [])[:1])] if _row(model, E, w) is not None]
    shown |= {_row(model, E, w) for w in marked}
    rows = sorted(shown)
    P, ratio = pca_2d(E[rows])
    at = {model.vocab.words[r]: P[i] for i, r in enumerate(rows)}

    ax, ax_text = fig.axes
    ax.scatter(P[:, 0], P[:, 1], s=6, color="0.75", zorder=1)
    _names(ax, [w for w in KINSHIP_AND_TITLES if w in at and w not in marked], at, (2, 2),
           fontsize=7, color="0.45")
    if near is not None:
        pts = np.array([at[n] for n, _ in near])
        ax.scatter(pts[:, 0], pts[:, 1], s=30, color=POSITIVE, zorder=3)
        _names(ax, [n for n, _ in near], at, (3, 3), fontsize=8, color=POSITIVE)
        ax.scatter(*at[word], s=70, color=ACCENT, zorder=4)
        _names(ax, [word], at, (3, -10), fontsize=10, color=ACCENT, weight="bold")
    if answer is not None:
        best = answer[0][0]
        offset = at[a] - at[b]
        for start, end in ((at[b], at[a]), (at[c], at[c] + offset)):
            ax.annotate("", end, start, arrowprops=dict(arrowstyle="->", color=NEGATIVE, lw=1.2))
        _names(ax, [a, b, c], at, (3, 3), fontsize=8, color=NEGATIVE)
        ax.scatter(*at[best], s=80, marker="*", color=NEGATIVE, zorder=4)
        _names(ax, [best], at, (3, -10), fontsize=10, color=NEGATIVE, weight="bold")
    low, high = autoscaled(P.min(axis=0), P.max(axis=0))
    ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]))
    ax.set_title(f"skip-gram vectors after {int(state.step) / 10:.1f} epochs: {len(rows)} "
                 "words, their first two principal components\n"
                 f"PC 1 (across) holds {ratio[0]:.0%} of the variance, PC 2 (up) {ratio[1]:.0%}",
                 fontsize=9)

    lines = [f"nearest to {word!r} (cosine, in 50-d):"]
    lines += ([f"  {n:<12s} {s:.2f}" for n, s in near] if near is not None else
              [f"  {word!r} is not among the", f"  {len(E):,} most frequent words"])
    lines += ["", f"{a} - {b} + {c} =", *(f"  {n:<12s} {s:.2f}" for n, s in (answer or [])[:5])]
    if answer is None:
        missing = [w for w in (a, b, c) if _row(model, E, w) is None]
        lines += [f"  {', '.join(map(repr, missing))}: not among the", "  most frequent words"]
    chunk = int(state.step)
    if chunk > 0 and model.losses:
        loss = model.losses[min(chunk, len(model.losses)) - 1]
        lines += ["", f"loss of the last tenth: {loss:.3f}"]
    ax_text.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=9,
                 transform=ax_text.transAxes)


# every move redraws the map over the same frame
LAYERS = Layers(key=lambda state: None, static=_frame, dynamic=_map_layer)


def render(state, model=None):
    fig = _frame(state)
    _map_layer(fig, state, model)
    return fig


def summary(state, model=None):
    model = model or shakespeare_sgns()
    E = snapshot(model, state.step)
    word, a, b, c = (str(getattr(state, f)).strip().lower() for f in ("word", "a", "b", "c"))
    near = neighbours_at(model, E, word, int(state.k))
    answer = analogy_at(model, E, a, b, c, k=1)
    first = (f"{word}: " + ", ".join(n for n, _ in near)) if near else f"{word}: not in the map"
    second = f"{a} - {b} + {c} " + (f"= {answer[0][0]}" if answer else ": a word is missing")
    return f"after {int(state.step) / 10:.1f} epochs, {first}; {second}"


@factory(ExplorerState)
def embedding_explorer(word="father", k=6, a="king", b="he", c="she", step=None):
    """The interactive embedding map; returns a View. step None: the end of training."""
    f = "embedding_explorer"
    model = shakespeare_sgns()
    last = len(model.snapshots) - 1
    state = ExplorerState(_word(f, "word", word),
                          argument(f, "k", k, low=NEIGHBOURS[0], high=NEIGHBOURS[1],
                                   integer=True),
                          _word(f, "a", a), _word(f, "b", b), _word(f, "c", c),
                          last if step is None else argument(f, "step", step, low=0, high=last,
                                                             integer=True))
    text = dict(continuous_update=False, layout=W.Layout(width="180px"))
    controls = {
        "word": W.Text(value=state.word, description="word", **text),
        "k": W.IntSlider(value=state.k, min=NEIGHBOURS[0], max=NEIGHBOURS[1],
                         description="neighbours", continuous_update=False),
        "step": W.IntSlider(value=state.step, min=0, max=last, description="tenths",
                            tooltip="training, in tenths of an epoch (0: random start)",
                            continuous_update=False),
        "a": W.Text(value=state.a, description="a", **text),
        "b": W.Text(value=state.b, description="− b", **text),
        "c": W.Text(value=state.c, description="+ c", **text),
    }
    return View(render, state, controls, "embedding_explorer", summary=summary, play="step",
                layers=LAYERS)


def static_figure():
    """Without a kernel: father's neighbours and king - he + she, after training."""
    return render(ExplorerState())

"""Chapter 12: the book's numbers (Table 12-1, the Jaccard example, the 2-D analogy), the
n-gram model, the SGNS pieces, and the trained Shakespeare embeddings' neighbours and
analogies, as bands over two seeds."""
import math

import numpy as np
import pytest

from lessons.chapters import ch12_embeddings as c

BOOK_SENTENCE = "The more I read, the more I learn, and I like it more than anything else."


def test_table_12_1():
    table = c.bigram_table(BOOK_SENTENCE)
    assert table["more"] == pytest.approx({"i": 2 / 3, "than": 1 / 3})
    assert table["i"] == pytest.approx({"read": 1 / 3, "learn": 1 / 3, "like": 1 / 3})
    singles = {w: nxt for w, nxt in table.items() if w not in ("more", "i")}
    assert all(list(nxt.values()) == [1.0] for nxt in singles.values())
    assert table["the"] == {"more": 1.0}


def test_jaccard_example_and_the_books_caveat():
    both, union = c.jaccard(*c.JACCARD_EXAMPLE)
    assert (both, union) == (5, 17) and round(both / union, 2) == 0.29
    assert c.jaccard("I do not like meat but I like vegetables",
                     "I do not like vegetables but I like meat") == (7, 7)


def test_the_books_2d_analogy():
    v = c.TOY_2D
    np.testing.assert_array_equal(v["girl"] - v["woman"] + v["man"], v["boy"])


def test_words_drop_speakers_headings_and_stage_directions():
    text = ("ACT I.\n\nScene I. Elsinore.\n\n[Enter Ghost.]\n\nBer.\nWho's there?\n\n"
            "First Clown.\nO'er it.")
    assert c.words(text) == ["who's", "there", "o'er", "it"]


def test_bigram_model_beats_the_unigram_and_smoothing_removes_the_zeros():
    vocab = c.Vocabulary("a b a c a b b a".split(), min_count=1)
    ids = vocab.encode("a b a c a b b a".split())
    plain = c.BigramLM(ids, len(vocab), lam=1.0)
    assert plain.prob(np.array([0]), np.array([1]))[0] == pytest.approx(2 / 3)  # a -> b
    unseen = vocab.encode("c c".split())
    assert plain.perplexity(unseen) == math.inf and plain.unseen_fraction(unseen) == 1.0
    smooth = c.BigramLM(ids, len(vocab), lam=0.8)
    assert np.isfinite(smooth.perplexity(unseen))
    assert smooth.perplexity(ids) < c.unigram_perplexity(ids, ids, len(vocab))


def test_bigram_model_names_bad_ids():
    vocab = c.Vocabulary("a b a c".split(), min_count=1)
    lm = c.BigramLM(vocab.encode("a b a c".split()), len(vocab))
    with pytest.raises(ValueError, match=r"BigramLM.perplexity: ids must index rows 0\.\.3"):
        lm.perplexity(np.array([0, 1, 9]))  # 3 words and <unk> (id 3)
    with pytest.raises(ValueError, match="ids holds one word; a bigram needs at least two"):
        lm.perplexity(np.array([0]))
    with pytest.raises(ValueError, match="BigramLM.unseen_fraction: ids must index"):
        lm.unseen_fraction(np.array([0, -1]))
    with pytest.raises(ValueError, match="BigramLM: ids must index rows 0..3"):
        c.BigramLM(np.array([0, 1, 5]), 3)


def test_negative_table_follows_counts_to_the_three_quarters():
    counts = np.array([1000, 100, 10, 1])
    table = c.negative_table(counts, size=100_000)
    share = np.bincount(table, minlength=4) / len(table)
    w = counts ** 0.75
    np.testing.assert_allclose(share, w / w.sum(), atol=1e-4)


def test_keep_probabilities_thin_only_the_frequent_words():
    keep = c.keep_probabilities(np.array([100_000, 1000, 10]), t=1e-3)
    assert keep[0] < 0.2 and keep[2] == 1.0 and np.all(np.diff(keep) >= 0)


def test_skipgram_pairs_stay_within_the_window_in_text_order():
    rng = np.random.default_rng(0)
    ids = np.arange(50) % 7
    centers, contexts = c.skipgram_pairs(ids, np.ones(7), 2, rng)
    assert len(centers) == len(contexts) and len(centers) >= 2 * 49
    assert np.all(np.abs(((contexts - centers) + 3) % 7 - 3) <= 2)
    assert np.all(centers != contexts)


def test_fasttext_ngrams_of_where():
    grams = c.fasttext_ngrams("where", 3, 3)
    assert grams == ["<wh", "whe", "her", "ere", "re>", "<where>"]


def test_bpe_merges_and_segmentation():
    merges, split = c.bpe_merges({"low": 5, "lower": 2, "newest": 6, "widest": 3}, 4)
    assert merges[:2] == [("e", "s"), ("es", "t")]
    assert all("".join(symbols) == w for w, symbols in split.items())
    assert all(c.bpe_segment(w, merges) == symbols for w, symbols in split.items())
    assert c.bpe_segment("lowest", merges) == ["low", "est"]  # never seen, built from pieces


def test_pca_2d_is_the_top_two_principal_axes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)) * [5.0, 2.0, 1.0, 0.5, 0.1]
    P, ratio = c.pca_2d(X)
    assert P.shape == (200, 2) and ratio[0] > ratio[1] > 0.1
    np.testing.assert_allclose(np.var(P, axis=0), np.sort(np.var(X, axis=0))[::-1][:2], rtol=0.2)


def test_pca_2d_names_a_bad_table():
    with pytest.raises(ValueError, match=r"pca_2d: E must be 2-D \[V, d\], got shape \(5,\)"):
        c.pca_2d(np.arange(5.0))
    with pytest.raises(ValueError, match="two principal axes need at least 2 rows and 2 columns"):
        c.pca_2d(np.ones((4, 1)))


def test_glove_is_optional(tmp_path):
    assert c.load_glove(tmp_path / "missing.txt") is None
    path = tmp_path / "g.txt"
    path.write_text("king 1 0\nqueen 0.9 0.1\n")
    E, vocab = c.load_glove(path)
    assert vocab.words == ["king", "queen"] and vocab.id("queen") == 1 and E.shape == (2, 2)


@pytest.fixture(scope="module", params=[0, 1])
def trained(request):
    model = c.shakespeare_sgns(seed=request.param)
    return model.W_in, model.vocab


def test_kinship_neighbours(trained):
    E, vocab = trained
    near = {w: [n for n, _ in c.neighbours(E, vocab, w, k=5)] for w in c.KINSHIP_AND_TITLES}
    assert "mother" in near["father"]
    assert {"mother", "father"} & set(near["daughter"])
    assert {"duke", "prince"} & set(near["king"])
    assert {"liege", "cousin", "master"} & set(near["lord"])


def test_an_analogy_that_works_and_one_that_fails(trained):
    E, vocab = trained
    # measured ranks on seeds 0, 1, 2: 1, 1, 1; 1, 1, 1; 3, 6, 2; 8494, 6919, 8393
    assert c.analogy_rank(E, vocab, "king", "he", "she", "queen") <= 2
    assert c.analogy_rank(E, vocab, "father", "man", "woman", "mother") <= 2
    assert c.analogy_rank(E, vocab, "king", "man", "woman", "queen") <= 10
    assert c.analogy_rank(E, vocab, "girl", "woman", "man", "boy") > 1000  # the book's toy


def test_training_lowers_the_loss_and_keeps_snapshots():
    model = c.shakespeare_sgns(seed=0)
    assert model.losses[-1] < model.losses[0] - 0.5
    assert len(model.snapshots) == 21 and model.snapshots[0].shape == (1000, 50)


def test_exercises_accept_the_solutions_and_refuse_the_usual_mistakes():
    from lessons.exercises import ch12 as ex
    from lessons.solutions import ch12 as sol
    assert ex.check_bigram(sol.P_CAT_GIVEN_THE)
    assert not ex.check_bigram(0.2) and not ex.check_bigram(...)
    assert ex.check_sgns_grad_v(sol.sgns_grad_v)
    assert not ex.check_sgns_grad_v(lambda v, U, labels: -sol.sgns_grad_v(v, U, labels))
    assert ex.check_jaccard(sol.JACCARD)
    assert not ex.check_jaccard(2 / 8)

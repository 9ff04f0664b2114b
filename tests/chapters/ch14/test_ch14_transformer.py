"""Chapter 14: the transformer's parameter count against the formula, its gradient against
finite differences, the sqrt(d_k) entropy, the positional-encoding ablation (a band over 2
seeds), BERT's masking proportions and a small character model."""
import numpy as np
import pytest

from lessons.chapters import ch14_experiments as x
from lessons.chapters.ch14_transformer import (
    BLOCK_PARAMS, Transformer, block_parameters, transformer_parameters,
)
from lessons.gradcheck import check_gradient


@pytest.mark.parametrize("V,D,H,L,F", [(40, 32, 4, 2, 128), (10, 32, 4, 2, 64), (7, 8, 2, 3, 12)])
def test_parameter_count_is_the_formula(V, D, H, L, F):
    model = Transformer(V, D, H, L, F, seed=0)
    assert model.n_params == transformer_parameters(V, D, F, L)
    blk = model.blocks[0]
    assert sum(blk[k].size for k in BLOCK_PARAMS) == block_parameters(D, F)
    assert blk["Wqkv"].size + blk["bqkv"].size + blk["Wo"].size + blk["bo"].size == 4 * (D * D + D)


def test_chapter_model_counts():
    assert block_parameters(32, 128) == 12_704
    assert transformer_parameters(40, 32, 128, 2) == 28_072
    # the original base transformer's encoder block: d = 512, FFN 2048 -> 3,152,384
    assert block_parameters(512, 2048) == 3_152_384


@pytest.mark.parametrize("causal,positional,scaled", [(True, True, True), (False, True, False),
                                                      (True, False, True)])
def test_whole_model_gradient(causal, positional, scaled):
    model = Transformer(7, 8, 2, 2, 12, causal=causal, positional=positional, scaled=scaled,
                        seed=1)
    rng = np.random.default_rng(0)
    ids, targets = rng.integers(0, 7, size=(2, 5)), rng.integers(0, 7, size=(2, 5))
    weights = rng.random((2, 5)) < 0.5
    params = model.params()
    for k in (0, 3, 5, 14, len(params) - 4, len(params) - 2):
        p = params[k]

        def set_and(value, k=k, p=p):
            saved = p.copy()
            p[...] = value
            try:
                return model.loss_and_grads(ids, targets, weights)
            finally:
                p[...] = saved

        assert check_gradient(lambda v: set_and(v)[0], lambda v, k=k: set_and(v)[1][k],
                              p.copy()) < 1e-6, k


def test_causal_model_does_not_look_ahead():
    model = Transformer(7, 8, 2, 2, 12, seed=2)
    a, b = np.array([[1, 2, 3, 4, 5]]), np.array([[1, 2, 3, 6, 0]])
    la, lb = model.forward(a)[0], model.forward(b)[0]
    np.testing.assert_array_equal(la[0, :3], lb[0, :3])  # positions 0..2 never saw 3, 4
    assert not np.allclose(la[0, 3], lb[0, 3])
    maps = model.attention_maps(a[0])
    assert maps.shape == (2, 2, 5, 5) and np.all(np.triu(maps, 1) == 0)


def test_without_positions_attention_cannot_tell_order():
    model = Transformer(7, 8, 2, 1, 12, causal=False, positional=False, seed=3)
    ids = np.array([[1, 2, 3, 4]])
    perm = np.array([2, 0, 3, 1])
    out, out_perm = model.forward(ids)[0], model.forward(ids[:, perm])[0]
    np.testing.assert_allclose(out_perm, out[:, perm], atol=1e-12)  # permutation-equivariant


def test_unscaled_softmax_saturates():
    scaled = [x.softmax_entropy(d, True) for d in (4, 64, 256)]
    raw = [x.softmax_entropy(d, False) for d in (4, 64, 256)]
    assert all(s > 3.5 for s in scaled)          # near ln 64 = 4.16 whatever d_k
    assert raw[0] > raw[1] > raw[2] and raw[2] < 0.5


@pytest.mark.parametrize("seed", [0, 1])
def test_positional_encoding_ablation_band(seed):
    _, tok, seq = x.train_reversal(8, positional=True, seed=seed)
    _, tok_off, seq_off = x.train_reversal(8, positional=False, seed=seed)
    assert tok >= 0.95 and seq >= 0.8            # measured 1.0 / 1.0 on seeds 0 and 1
    assert tok_off <= 0.45 and seq_off <= 0.05   # measured about 0.3 / 0.0


def test_bert_mask_proportions():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 40, size=(200, 500))
    out, chosen, kind = x.bert_mask(ids, 40, 40, np.random.default_rng(1))
    assert chosen.sum() == 15_000                                 # 15 % of 100,000, exactly
    share = [np.mean(kind[chosen] == k) for k in (1, 2, 3)]
    assert abs(share[0] - 0.8) < 0.01 and abs(share[1] - 0.1) < 0.01 and abs(share[2] - 0.1) < 0.01
    assert np.all(out[kind == 1] == 40) and np.all(out[kind == 3] == ids[kind == 3])
    assert np.all(out[~chosen] == ids[~chosen]) and np.all(kind[~chosen] == 0)
    again = x.bert_mask(ids, 40, 40, np.random.default_rng(1))[0]
    np.testing.assert_array_equal(out, again)                     # seeded


def test_bert_mask_bad_input():
    with pytest.raises(ValueError, match="rate must be"):
        x.bert_mask(np.array([1, 2]), 5, 5, np.random.default_rng(0), rate=1.5)
    with pytest.raises(ValueError, match="ids must index"):
        x.bert_mask(np.array([1, 9]), 5, 5, np.random.default_rng(0))
    with pytest.raises(TypeError, match="bert_mask: rng must be a np.random.Generator"):
        x.bert_mask(np.array([1, 2]), 5, 5, 0)


def test_windows_and_a_small_character_model():
    inputs, targets = x.windows(np.arange(10), 3)
    np.testing.assert_array_equal(inputs, [[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    np.testing.assert_array_equal(targets, [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    text = "to be, or not to be, that is the question. " * 40
    vocab = x.Vocabulary(text)
    ids = vocab.encode(text)
    model, history, _ = x.train_char_transformer(ids, len(vocab), T=16, B=8, passes=6, D=16,
                                                 F=32, seed=0, val_ids=ids[:200], every=10)
    assert history[-1][2] < 1.0 < history[0][1]   # a repeated line is learnt
    sample = x.sample_chars(model, vocab, "to be", 20, 0.5, seed=0)
    assert sample.startswith("to be") and len(sample) == 25


def test_model_bad_input():
    with pytest.raises(ValueError, match="not a multiple of H"):
        Transformer(5, 10, 4, 1, 8, seed=0)
    with pytest.raises(TypeError, match="causal must be"):
        Transformer(5, 8, 4, 1, 8, causal=1, seed=0)
    model = Transformer(7, 8, 2, 1, 12, seed=0)
    ids = np.random.default_rng(0).integers(0, 7, size=(2, 5))
    assert model.forward(ids.tolist())[0].shape == (2, 5, 7)  # a list of lists is fine
    with pytest.raises(ValueError, match=r"Transformer.forward: ids must be 2-D \[B, T\]"):
        model.forward(ids[0])
    with pytest.raises(ValueError, match=r"Transformer.forward: ids must index rows 0\.\.6"):
        model.forward(ids + 5)
    f = "Transformer.loss_and_grads"
    with pytest.raises(ValueError, match=rf"{f}: targets has shape \(2, 4\) but ids has shape"):
        model.loss_and_grads(ids, ids[:, :4])
    with pytest.raises(ValueError, match=rf"{f}: weights has shape \(5, 2\) but ids has shape"):
        model.loss_and_grads(ids, ids, np.ones((5, 2)))
    with pytest.raises(ValueError, match=rf"{f}: weights must hold only 0 and 1, at least one"):
        model.loss_and_grads(ids, ids, np.full((2, 5), 0.5))
    with pytest.raises(ValueError, match=rf"{f}: weights must hold only 0 and 1, at least one"):
        model.loss_and_grads(ids, ids, np.zeros((2, 5)))


def test_parameter_counts_name_a_bad_argument():
    with pytest.raises(ValueError, match="block_parameters: D must be >= 1"):
        block_parameters(-1, 2)
    with pytest.raises(TypeError, match="block_parameters: F must be an integer"):
        block_parameters(32, 2.5)
    with pytest.raises(ValueError, match="transformer_parameters: L must be >= 1"):
        transformer_parameters(40, 32, 128, 0)


def test_sampling_names_a_bad_argument():
    model = Transformer(7, 8, 2, 1, 12, seed=0)
    vocab = x.Vocabulary("abcdefg")
    for temperature in (0.0, -1.0):
        with pytest.raises(ValueError, match="sample_chars: temperature must be > 0.0"):
            x.sample_chars(model, vocab, "abc", 5, temperature, seed=0)
    with pytest.raises(ValueError, match="sample_chars: prefix is empty"):
        x.sample_chars(model, vocab, "", 5, 1.0, seed=0)
    assert len(x.sample_chars(model, vocab, "abc", 5, 1.0, seed=0)) == 8


def test_exercise_checks(capsys):
    from lessons.exercises import ch14 as ex
    from lessons.solutions import ch14 as sol
    assert ex.check_block_parameters(sol.block_parameters)
    capsys.readouterr()
    assert not ex.check_block_parameters(lambda D, F: 4 * D * D + 2 * D * F)
    assert "you return 12,288, without biases or layer norms." in capsys.readouterr().out
    assert ex.check_block_parameters(lambda D, F: sol.block_parameters(D, F) / 1)  # a whole float
    assert not ex.check_bert_counts(...)
    assert "Replace ... with four numbers: chosen, [MASK]" in capsys.readouterr().out
    assert ex.check_positional_encoding(sol.positional_encoding)
    assert not ex.check_positional_encoding(lambda T, d: np.sin(
        np.arange(T)[:, None] / 10000 ** (np.arange(d)[None] / d)))
    assert ex.check_bert_counts(sol.BERT_COUNTS)
    assert not ex.check_bert_counts((300, 1600, 200, 200))
    assert "Hint" in capsys.readouterr().out


def test_the_model_runs_on_a_learners_attention_backward():
    from lessons.kernels import use
    from lessons.solutions import kernels as S
    model = Transformer(7, 8, 2, 1, 12, seed=4)
    ids = np.random.default_rng(0).integers(0, 7, size=(2, 6))
    loss, grads = model.loss_and_grads(ids, ids)
    with use(attention_backward=S.attention_backward):
        loss2, grads2 = model.loss_and_grads(ids, ids)
    assert loss == loss2
    for g, g2 in zip(grads, grads2):
        np.testing.assert_allclose(g, g2, atol=1e-12)


def test_a_tiny_bert_learns_the_masked_characters():
    text = "to be, or not to be, that is the question. " * 40
    vocab = x.Vocabulary(text)
    ids = vocab.encode(text)
    model, train_loss, val = x.train_mlm(ids, len(vocab), steps=60, T=16, B=8, D=16, F=32,
                                         val_ids=ids[:400])
    assert not model.causal and model.V == len(vocab) + 1      # one extra symbol: [MASK]
    assert val < np.log(len(vocab)) and train_loss < np.log(len(vocab))

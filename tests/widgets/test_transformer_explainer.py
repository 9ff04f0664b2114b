"""Chapter 14's transformer explainer: renders headlessly over every switch, layer, head and
extreme temperatures on a small trained model; its arguments are checked; the view's call
line and state string recreate it."""
import itertools

import numpy as np
import pytest

from lessons.chapters import ch14_experiments as x
from widgets import transformer_explainer as te
from widgets.base import state_string


@pytest.fixture(scope="module")
def tiny_run():
    text = x.prepare_text("To be, or not to be, that is the question: whether 'tis nobler "
                          "in the mind to suffer ") * 12
    vocab = x.Vocabulary(text)
    ids = vocab.encode(text)
    model, history, seconds = x.train_char_transformer(ids, len(vocab), T=16, B=8, passes=1,
                                                       D=16, F=32, seed=0, val_ids=ids[:600])
    return dict(vocab=vocab, val_ids=ids[:600], model=model, history=history, seconds=seconds)


@pytest.mark.parametrize("positional,scaled,causal", list(itertools.product([True, False], repeat=3)))
def test_renders_every_switch(tiny_run, positional, scaled, causal):
    state = te.ExplainerState(positional=positional, scaled=scaled, causal=causal)
    assert te.render(state, tiny_run) is not None
    text = te.summary(state, tiny_run)
    assert ("as trained" in text) == (positional and scaled and causal)


@pytest.mark.parametrize("layer,head", [(0, 0), (1, 3), (5, 9)])
@pytest.mark.parametrize("temperature", [0.05, 1.0, 10.0])
@pytest.mark.parametrize("prompt", [te.PROMPT, "x", "ZZZ###", "to be" * 40])
def test_renders_extremes(tiny_run, layer, head, temperature, prompt):
    state = te.ExplainerState(prompt=prompt, layer=layer, head=head, temperature=temperature)
    fig = te.render(state, tiny_run)
    assert len(fig.axes) == 2
    chars, maps, p = te.read(state, tiny_run)
    assert 1 <= len(chars) <= te.CONTEXT and abs(p.sum() - 1) < 1e-12
    assert np.all(np.triu(maps, 1) == 0)                   # causal by default


def test_switches_change_what_the_model_computes(tiny_run):
    base = te.ExplainerState()
    loss = te.validation_loss(base, tiny_run)
    assert abs(loss - tiny_run["history"][-1][2]) < 0.5    # 600 characters vs the first 2,048
    for switch in ("positional", "scaled", "causal"):
        off = te.ExplainerState(**{switch: False})
        assert te.validation_loss(off, tiny_run) != loss
    _, maps, _ = te.read(te.ExplainerState(causal=False), tiny_run)
    assert np.any(np.triu(maps, 1) > 0)                    # without the mask: the future


@pytest.mark.parametrize("name,value", [("layer", -1), ("layer", 2), ("head", 4), ("head", 1.5),
                                        ("temperature", 0.0), ("temperature", float("nan")),
                                        ("positional", 1), ("causal", "yes"), ("prompt", ""),
                                        ("prompt", None)])
def test_arguments_are_checked(name, value):
    with pytest.raises(ValueError, match=f"transformer_explainer: {name} "):
        te.transformer_explainer(**{name: value})


def test_view_moves_and_recreates_itself():
    view = te.transformer_explainer(prompt="the king", head=2)
    frames = view.frames
    view.controls["head"].value = 1
    view.controls["positional"].value = False
    assert view.frames > frames and view.state.head == 1 and not view.state.positional
    assert view.code_line().startswith("from widgets.transformer_explainer import "
                                       "transformer_explainer; transformer_explainer(")
    again = te.transformer_explainer(state=state_string(view.state))
    assert again.state == view.state

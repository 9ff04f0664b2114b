"""Chapter 08: the CNN inspector, headless.

render() must draw every state, extremes included (first and last image, every layer, channel 0
and 31); the View must rebuild its state from its own call line and follow its controls. The
network behind it is trained once per process.
"""
import io
import itertools

import numpy as np
import pytest

import widgets.cnn_inspector as ci
from lessons.chapters import pretrained
from lessons.chapters import ch08_cnn as cnn
from widgets.base import state_call


def test_network_is_trained_once_and_learns():
    net = pretrained.trained_cnn()
    assert pretrained.trained_cnn() is net
    assert net.model.n_params == 17802 and net.model.dtype == np.float64
    assert len(net.history) == pretrained.CNN_EPOCHS and not net.history.diverged
    assert net.test_accuracy > 0.85  # measured 0.942 on the 1,000 test images; chance 0.1
    assert net.history.metrics == ("loss", "accuracy")
    np.testing.assert_allclose(net.probabilities.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="read-only"):
        net.test_X[0, 0, 0, 0] = 1.0


@pytest.mark.parametrize("layer", range(len(ci.LAYERS)))
def test_render_over_a_grid_including_extremes(layer):
    for index, channel in itertools.product((0, ci.N_TEST - 1), (0, ci.N_CHANNELS - 1)):
        state = ci.State(index, layer, channel)
        fig = ci.render(state)
        label = int(pretrained.trained_cnn().test_labels[index])
        assert f"true {label}" in fig.get_suptitle()
        assert len(fig.axes) == 5  # image, one map, all maps, filter, probabilities
        assert f"channel {channel}" in fig.axes[1].get_title()
    fig.savefig(io.BytesIO(), format="png")  # drawing catches artist errors too


def test_activations_follow_the_model():
    acts = ci.activations(7)
    shapes = [a.shape for a in acts[:6]]
    assert shapes == [s for _, s, _ in cnn.layer_table(pretrained.trained_cnn().model)][:6]
    assert np.all(acts[1] >= 0) and np.array_equal(acts[1], np.maximum(acts[0], 0))
    p = np.exp(acts[-1] - acts[-1].max())
    np.testing.assert_allclose(p / p.sum(), pretrained.trained_cnn().probabilities[7], rtol=1e-9)
    assert ci.filters(0).shape == (32, 1, 4, 4) and ci.filters(5).shape == (32, 32, 3, 3)


def test_every_slider_changes_the_picture():
    base = ci.State()
    for field in ("index", "layer", "channel"):
        moved = ci.State(**{**base.__dict__, field: 1})
        assert ci.summary(moved) != ci.summary(base), field


def test_summary_and_static_figure():
    text = ci.summary(ci.State(index=3, layer=3, channel=7))
    assert "layer conv 2: maps [32, 10, 10]; channel 7" in text
    assert "filter [32, 3, 3]" in text and text.count(":") >= 10
    fig = ci.static_figure(5)
    assert len(fig.axes) == 3 and "test image 5" in fig.get_suptitle()
    fig.savefig(io.BytesIO(), format="png")


def test_state_validation():
    for bad in ({"index": ci.N_TEST}, {"layer": -1}, {"channel": 32}):
        with pytest.raises(ValueError, match="cnn_inspector"):
            ci.State(**bad)
    with pytest.raises(ValueError, match="cnn_inspector: index"):  # never a TraitError
        ci.State(index=1.5)


def test_view_headless_round_trip():
    view = ci.cnn_inspector(index=2, layer=4, channel=9)
    call = view.call()
    assert call == state_call("cnn_inspector", view.state)
    assert call == "cnn_inspector(index=2, layer=4, channel=9)"
    again = eval(call, {"cnn_inspector": ci.cnn_inspector})
    assert again.state == view.state
    view.controls["channel"].value = 10
    assert view.state.channel == 10 and "channel=10" in view.code.value
    view.controls["layer"].value = 5
    view.controls["index"].value = ci.N_TEST - 1
    assert view.state == ci.State(ci.N_TEST - 1, 5, 10)
    assert set(view.controls) == {"index", "layer", "channel"}

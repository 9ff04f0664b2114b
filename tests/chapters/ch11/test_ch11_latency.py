"""Chapter 11's widgets on a move (issue 10): the beam search and the gate activations are
computed once per model and state, a move that comes back draws only, and what the caches
hand out is read-only and draws the figure a fresh computation draws; every move of the beam
tree is blitted, pixel for pixel the whole draw."""
import dataclasses
import io

import numpy as np
import pytest
from PIL import Image

from lessons.chapters import ch11_text as c
from widgets import beam_tree as bt
from widgets import lstm_gates as lg
from widgets.base import figure_png


@pytest.fixture
def counted(monkeypatch):
    """calls[name]: how often beam_complete and the model's forward ran."""
    calls = {"beam_complete": 0, "forward": 0}

    def counting(name, f):
        def wrapped(*args, **kwargs):
            calls[name] += 1
            return f(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(bt, "beam_complete", counting("beam_complete", bt.beam_complete))
    monkeypatch.setattr(c.CharLSTM, "forward", counting("forward", c.CharLSTM.forward))
    bt._search.cache_clear()
    lg._read.cache_clear()
    yield calls
    bt._search.cache_clear()  # nothing counted stays cached for later tests
    lg._read.cache_clear()


def test_a_beam_move_back_searches_nothing_and_draws_the_same(tiny_run, counted):
    state = bt.BeamState(prefix="to be, or not ", beam_width=3, steps=4, temperature=0.8)
    first = figure_png(bt.render(state, tiny_run))
    assert counted["beam_complete"] == 2  # the search and the greedy line
    wider = dataclasses.replace(state, beam_width=5)
    bt.render(wider, tiny_run)
    assert counted["beam_complete"] == 3  # the greedy line is shared
    again = figure_png(bt.render(state, tiny_run))
    bt.summary(state, tiny_run)
    assert counted["beam_complete"] == 3 and again == first
    assert bt.search(state, tiny_run) is bt.search(state, tiny_run)
    bt._search.cache_clear()
    assert figure_png(bt.render(state, tiny_run)) == first  # a fresh search draws the same
    assert counted["beam_complete"] == 5


def test_gate_activations_are_read_once_and_read_only(tiny_run, counted):
    state = lg.GateState(text=lg.TEXTS[1], unit=3)
    first = figure_png(lg.render(state, tiny_run))
    assert counted["forward"] == 1
    for unit in (5, 3):
        lg.render(dataclasses.replace(state, unit=unit), tiny_run)
        lg.summary(dataclasses.replace(state, unit=unit), tiny_run)
    assert counted["forward"] == 1
    chars, G, C, H = lg.activations(state.text, tiny_run)
    assert chars and all(not a.flags.writeable for a in (G, C, H))
    with pytest.raises(ValueError, match="read-only"):
        C[0, 0] = 1.0
    assert figure_png(lg.render(state, tiny_run)) == first
    lg._read.cache_clear()
    assert figure_png(lg.render(state, tiny_run)) == first  # a fresh read draws the same
    assert counted["forward"] == 2


def pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def whole_draw(view):
    """render(view.state) drawn whole, with the view's axes positions (its layout is frozen)."""
    fig = bt.render(view.state)
    fig.set_layout_engine("none")
    for ax, live in zip(fig.axes, view.figure.axes):
        ax.set_position(live.get_position())
    return figure_png(fig)


def test_every_beam_move_is_blitted_pixel_for_pixel():
    view = bt.beam_tree()
    blitter = view._blitter
    for move in (dict(beam_width=2), dict(temperature=0.5), dict(prefix="what "),
                 dict(beam_width=8), dict(beam_width=1, temperature=2.0), dict(steps=11),
                 dict(steps=1, beam_width=3), dict(steps=4)):
        view.set(**move)
        assert view._blitter is blitter  # the steps too: their axis is drawn with the search
        np.testing.assert_array_equal(pixels(view.picture.png), pixels(whole_draw(view)),
                                      err_msg=f"after {move}")


@pytest.mark.parametrize("low, high", [(-1.0, 2.69), (-0.03, 0.012), (0.2, 0.9), (0.0, 0.0),
                                       (-0.0004, 0.0003)])
def test_the_units_scale_holds_the_lines_and_zero_and_its_labels_read_as_its_ticks(low, high):
    # lstm_gates draws the unit's y axis itself (tick_labels), so that every move keeps the frame
    (bottom, top), ticks, labels = lg._scale(low, high)
    assert bottom < min(low, 0.0) and top > max(high, 0.0) and len(ticks) >= 2
    np.testing.assert_allclose([float(label.replace("\N{MINUS SIGN}", "-")) for label in labels],
                               ticks, rtol=0, atol=1e-12)
    assert len({len(label.lstrip("\N{MINUS SIGN}")) for label in labels}) == 1  # same decimals

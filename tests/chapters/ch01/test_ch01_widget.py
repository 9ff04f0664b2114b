"""Chapter 01, The Perceptron: the decision-boundary widget, headless.

render() must draw every combination of slider values, extremes included, without raising;
the View must rebuild its state from its own call line and follow changes made from code.
"""
import io
import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_hex

import widgets.decision_boundary as db
from lessons.data import gate
from widgets.base import NEGATIVE, POSITIVE

LO, HI = db.WEIGHT_RANGE
WEIGHTS = [(0.0, 0.0, 0.0), (LO, LO, LO), (HI, HI, HI), (LO, HI, 0.0), (HI, 0.0, 0.0),
           (0.2, -0.6, 0.25), (0.05, 0.05, -0.05)]


def title(fig):
    return fig.axes[0].get_title()


def shown_texts(fig):
    return " ".join(t.get_text() for t in fig.axes[0].texts)


@pytest.mark.parametrize("dataset", db.DATASETS)
def test_render_over_a_grid_of_slider_values(dataset):
    grid = itertools.product(WEIGHTS, (0.01, 1.0), (0, 20), (0, 1, db.MAX_STEP))
    for i, ((w0, w1, w2), lr, seed, step) in enumerate(grid):
        if i % 4:  # a quarter of the product keeps this quick; every value still occurs
            continue
        state = db.State(dataset, w0, w1, w2, lr, seed, step)
        fig = db.render(state)
        rep = db.replay(state)
        k = min(step, rep.n_updates)
        wrong = int(np.sum(db.perceptron_predict(rep.history[k], rep.X) != rep.y))
        assert f"{wrong} of {len(rep.y)} misclassified" in title(fig)
        assert f"update {k} of {rep.n_updates}" in title(fig)
        assert ("converged after" in title(fig)) == rep.converged
    fig.savefig(io.BytesIO(), format="png")  # drawing the last one catches artist errors too


def test_all_weights_zero_renders_without_a_line_and_says_why():
    state = db.State("NAND", 0.0, 0.0, 0.0)
    fig = db.render(state)
    assert "no boundary" in shown_texts(fig) and "all weights are 0" in shown_texts(fig)
    solid = [line for line in fig.axes[0].lines if line.get_linestyle() == "-"]
    assert solid == []
    assert "1 of 4 misclassified" in title(fig)  # z = 0 gives +1 everywhere: only (1, 1) wrong
    fig.savefig(io.BytesIO(), format="png")


def test_vertical_and_off_view_boundaries():
    fig = db.render(db.State("NAND", 0.5, 1.0, 0.0))  # w2 = 0: the line x1 = -0.5
    (line,) = [ln for ln in fig.axes[0].lines if ln.get_linestyle() == "-"]
    assert np.allclose(line.get_xdata(), -0.5)
    fig = db.render(db.State("NAND", 1.5, 0.05, 0.0))  # x1 = -30: far outside the view
    assert "outside this view" in shown_texts(fig)


def test_book_run_in_the_widget():
    state = db.State()  # the defaults are the book's NAND run
    assert db.replay(state).history.shape == (5, 3)
    fig = db.render(db.State(step=4))
    assert "0 of 4 misclassified" in title(fig) and "converged after 4 passes" in title(fig)
    assert "(0.4000, -0.4000, -0.1500)" in title(fig)
    faded = [ln for ln in fig.axes[0].lines if ln.get_linestyle() == "--"]
    assert len(faded) == 4  # the four earlier boundaries
    text = db.summary(db.State(step=99))  # beyond the end: the last update
    assert "update 4 of 4" in text and text.endswith("w[4] = (0.4000, -0.4000, -0.1500)")


def test_xor_never_converges_in_the_widget():
    for step in (6, 30):
        fig = db.render(db.State("XOR", step=step))
        assert "not converged" in title(fig)
        assert not re.search(r"\b0 of 4 misclassified", title(fig))


def test_half_planes_use_the_palette():
    fig = db.render(db.State())
    colours = {to_hex(p.get_facecolor()[:3]) for p in fig.axes[0].patches}
    assert {POSITIVE.lower(), NEGATIVE.lower()} <= colours


@settings(max_examples=200, deadline=None)
@given(st.tuples(*[st.floats(-2, 2, allow_nan=False)] * 3))
def test_half_planes_tile_the_view(w):
    def area(polygon):
        if len(polygon) < 3:
            return 0.0
        x, y = np.array(polygon).T
        return 0.5 * abs(x @ np.roll(y, 1) - y @ np.roll(x, 1))

    pos, neg = db._half_planes(w, -2.0, 2.0)
    assert area(pos) + area(neg) == pytest.approx(16.0)
    for polygon, sign in ((pos, 1), (neg, -1)):
        for x1, x2 in polygon:  # every vertex is on its side of the line (or on it)
            assert sign * (w[0] + w[1] * x1 + w[2] * x2) >= -1e-9


@pytest.mark.parametrize("fields, match", [
    (dict(dataset="XNOR"), "dataset"), (dict(lr=0.0), "lr"), (dict(lr=-1.0), "lr"),
    (dict(w1=np.nan), "w1"), (dict(seed=-1), "seed"), (dict(step=-1), "step"),
])
def test_invalid_states_are_refused_with_the_field_named(fields, match):
    with pytest.raises(ValueError, match=match):
        db.State(**fields)
    with pytest.raises(ValueError, match=match):
        db.decision_boundary(**fields)


def test_view_is_built_headlessly_and_moves_from_code():
    view = db.decision_boundary()
    frames = view.frames
    assert set(view.controls) == {"dataset", "w0", "w1", "w2", "lr", "seed", "step"}
    sliders = [c for name, c in view.controls.items() if name != "dataset"]
    assert all(c.continuous_update for c in sliders)  # a redraw is cheap: follow the drag
    assert view.controls["w0"].min == LO and view.controls["w0"].max == HI
    # the step slider ends where the run does: the book's NAND run makes 4 updates
    assert view.controls["step"].max == db.replay(view.state).n_updates < db.MAX_STEP

    view.controls["step"].value = 4  # as if the learner dragged the slider
    assert view.state.step == 4 and view.frames == frames + 1
    assert "step=4" in view.code.value
    view.set(dataset="XOR", w0=0.0, step=30)
    assert view.frames == frames + 2  # one redraw for three fields
    assert view.controls["dataset"].value == "XOR" and view.controls["step"].value == 30
    assert view.call() == ("decision_boundary(dataset='XOR', w0=0.0, w1=-0.6, w2=0.25, "
                           "lr=0.1, seed=7, step=30)")
    assert "dl-lessons-widget" in view.box._dom_classes


@pytest.mark.parametrize("fields", [
    dict(),
    dict(dataset="noisy blobs", w0=-1.5, w1=1.5, w2=0.0, lr=0.01, seed=20, step=60),
    dict(dataset="blobs", w0=0.35, w1=-0.05, w2=1.05, lr=0.5011872336272722, seed=3, step=2),
])
def test_state_call_round_trip(fields):
    view = db.decision_boundary(**fields)
    again = eval(view.call(), {"decision_boundary": db.decision_boundary})
    assert again.state == db.State(**{k: round(v, 4) if isinstance(v, float) else v
                                      for k, v in view.state.__dict__.items()})
    assert again.call() == view.call()


def test_small_multiples_is_figure_1_6():
    fig = db.small_multiples()
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 5
    assert titles[0].startswith("update 0: 1 wrong") and "(0.20, -0.60, 0.25)" in titles[0]
    assert titles[-1].startswith("update 4: 0 wrong") and "(0.40, -0.40, -0.15)" in titles[-1]
    fig = db.small_multiples("XOR", max_panels=10)
    assert len([ax for ax in fig.axes if ax.get_title()]) == 10
    assert "not converged" in fig.get_suptitle()
    fig = db.small_multiples("OR", 1.5, 1.5, 1.5)  # right from the start: a single panel
    assert len(fig.axes) == 1 and "update 0: 0 wrong" in fig.axes[0].get_title()


@pytest.mark.parametrize("kwargs, match", [
    (dict(max_panels=0), "small_multiples: max_panels must be >= 1"),
    (dict(max_panels=2.5), "small_multiples: max_panels must be an integer"),
    (dict(max_panels="3"), "small_multiples: max_panels"),
    (dict(ncols=0), "small_multiples: ncols must be >= 1"),
])
def test_small_multiples_names_a_bad_layout_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        db.small_multiples(**kwargs)


def test_two_layer_xor_reproduces_table_1_3_and_round_trips():
    X, y = gate("XOR")
    h0, h1, out = db.xor_network(db.XorState(), X)
    assert h0.tolist() == [1, 1, 1, -1] and h1.tolist() == [-1, 1, 1, 1]
    assert np.array_equal(out, y)
    view = db.two_layer_xor()
    assert "0 of 4 wrong" in view.render(view.state).axes[0].get_title()
    view.controls["and0"].value = 1.5
    assert view.state.and0 == 1.5
    again = eval(view.call(), {"two_layer_xor": db.two_layer_xor})
    assert again.state == view.state
    for values in itertools.product((LO, 0.0, HI), repeat=3):
        fig = db.render_xor(db.XorState(*values, *values[::-1], *values))
        assert "of 4 wrong" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="or1"):
        db.XorState(or1=np.inf)

"""Chapter 02: the gradient-descent explorer, headless: render over a grid of slider values
(extremes included), the copy-as-code line, the View shell and the static small multiples."""
import itertools

import ipywidgets as W
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from lessons.chapters.ch02_descent import SURFACES
from widgets.base import state_call
from widgets.gradient_descent import (ALARM, LEARNING_RATE_STORY, MOMENTUM_STORY, STEPS_MAX,
                                      DescentState, descent_explorer, render,
                                      small_multiples, walk_of)

# the slider extremes; the book rule equals plain descent at momentum 0, so it is drawn at 0.99
GRID = [(lr, m, steps, rule)
        for lr, m, steps in itertools.product([1e-4, 0.05, 2.0, 10.0], [0.0, 0.99], [0, STEPS_MAX])
        for rule in (("classical", "book") if m else ("classical",))]


def _arrows(fig):
    return [t for t in fig.axes[0].texts if isinstance(t, Annotation)]


@pytest.mark.parametrize("name", list(SURFACES))
def test_render_never_raises_over_the_grid(name):
    start = SURFACES[name].start
    for lr, momentum, steps, rule in GRID:
        state = DescentState(name, lr, momentum, steps, start[0],
                             start[1] if len(start) > 1 else 0.0, rule)
        fig = render(state)
        assert isinstance(fig, Figure) and len(fig.axes) == 2
        walk = walk_of(state)
        title = fig._suptitle.get_text()
        if walk.diverged:
            assert title == f"diverged at step {len(walk.points)}"
            assert fig._suptitle.get_color() == ALARM
            assert len(_arrows(fig)) == 1  # the arrow leaving the window
        else:
            assert title.startswith(f"{steps} steps: ended at")


@pytest.mark.parametrize("name", list(SURFACES))
def test_render_a_single_step(name):
    assert render(DescentState(name, 0.05, 0.5, 1))._suptitle.get_text().startswith("1 step: ended at")


@pytest.mark.parametrize("start", [(-3.0, -1.5), (3.0, 3.0), (0.0, 0.0)])
def test_render_at_slider_corners_for_the_start(start):
    for name in ("rosenbrock", "double well", "tilted well 1-D"):
        fig = render(DescentState(name, 0.01, 0.5, 50, *start))
        assert isinstance(fig, Figure)


def test_large_lr_shows_divergence_and_small_lr_does_not():
    assert "diverged" in render(DescentState("round bowl", 10.0, 0.0, 20, 1.0, 1.0))._suptitle.get_text()
    fig = render(DescentState("round bowl", 1e-4, 0.0, 20, 1.0, 1.0))
    assert "diverged" not in fig._suptitle.get_text() and not _arrows(fig)


def test_book_rule_state_reproduces_the_erratum():
    state = DescentState("tilted well 1-D", 0.05, 0.5, 200, 2.5, 0.0, "book")
    assert round(float(walk_of(state).end[0]), 3) == 2.344
    assert walk_of(DescentState("tilted well 1-D", 0.05, 0.9, 200, 2.5, 0.0, "book")).diverged


def test_one_d_surface_draws_the_curve_not_contours():
    fig = render(DescentState("tilted well 1-D", 0.05, 0.9, 100, 2.5, 1.0))
    left = fig.axes[0]
    assert not left.collections  # no contour sets
    assert left.get_xlabel() == "w" and left.get_ylabel() == "f(w)"
    fig = render(DescentState("rosenbrock", 1e-3, 0.9, 100, -1.2, 1.0))
    assert fig.axes[0].collections  # filled contours
    assert fig.axes[1].get_yscale() == "log"


def test_state_call_recreates_the_state():
    state = DescentState("rosenbrock", 0.0015, 0.8, 120, -1.2, 1.0, "book")
    line = state_call("descent_explorer", state)
    assert line == ("descent_explorer(surface='rosenbrock', lr=0.0015, momentum=0.8, steps=120, "
                    "start_x=-1.2, start_y=1.0, rule='book')")
    view = eval(line, {"descent_explorer": descent_explorer})
    assert view.state == state
    assert view.call() == line


def test_view_headless_controls_drive_the_state():
    view = descent_explorer()
    assert isinstance(view.box, W.VBox) and "dl-lessons-widget" in view.box._dom_classes
    assert set(view.controls) == {"surface", "lr", "momentum", "steps", "start_x", "start_y",
                                  "rule"}
    assert isinstance(view.controls["lr"], W.FloatLogSlider)
    view.controls["lr"].value = 2.0
    view.controls["momentum"].value = 0.99
    view.controls["steps"].value = STEPS_MAX
    assert view.state.lr == pytest.approx(2.0) and view.state.momentum == 0.99
    assert walk_of(view.state).diverged
    view.controls["surface"].value = "rosenbrock"  # the start follows the surface
    assert (view.state.start_x, view.state.start_y) == (-1.2, 1.0)
    assert view.controls["start_x"].value == -1.2
    view.set(lr=0.001, momentum=0.9, rule="book")
    assert view.controls["rule"].value == "book" and view.controls["lr"].value == pytest.approx(0.001)
    assert "rule='book'" in view.call()
    assert "rule=&#x27;book&#x27;" in view.code.value


def test_explorer_widens_sliders_for_values_beyond_their_range():
    view = descent_explorer(lr=10.0, steps=500, start_x=5.0)
    assert view.state.lr == 10.0 and view.controls["lr"].value == pytest.approx(10.0)
    assert view.controls["steps"].value == 500 and view.controls["start_x"].value == 5.0


@pytest.mark.parametrize("story, diverged", [(LEARNING_RATE_STORY, [False, False, False, True]),
                                             (MOMENTUM_STORY, [False, False, False, True])])
def test_small_multiples(story, diverged):
    fig = small_multiples(story)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(story)
    for ax, flag in zip(visible, diverged):
        assert ("diverged" in ax.get_title()) == flag


def test_small_multiples_hides_spare_panels():
    fig = small_multiples(MOMENTUM_STORY[:3], ncols=2)
    assert sum(ax.get_visible() for ax in fig.axes) == 3 and len(fig.axes) == 4
    with pytest.raises(ValueError, match="small_multiples: ncols must be >= 1"):
        small_multiples(MOMENTUM_STORY[:3], ncols=0)


def test_momentum_story_numbers():
    ends = [walk_of(state).end for _, state in MOMENTUM_STORY]
    assert abs(ends[0][0] - 1.40) < 0.05
    assert abs(ends[1][0] + 1.71) < 0.05
    assert abs(ends[2][0] - 2.344) < 0.01
    assert np.max(np.abs(ends[3])) > 10


def test_an_unknown_surface_is_a_value_error_naming_it():
    # issue 8: descent_explorer(surface='FOO') gave a raw traitlets TraitError
    with pytest.raises(ValueError, match=r"descent_explorer: surface must be one of \["):
        descent_explorer(surface="FOO")

"""Chapter 12's embedding explorer: every argument checked by name, the live view and the static
figure show the same, scrubbing and typing redraw, an unknown word is reported in the figure
(never an exception), the state string round-trips, and the summaries say what is drawn."""
import dataclasses

import pytest

import widgets.embedding_explorer as ee
from widgets.base import figure_png, state_string


@pytest.fixture(scope="module")
def view():
    return ee.embedding_explorer()


@pytest.mark.parametrize("name, values", [
    ("word", [None, "", "  ", 3, ["king"]]),
    ("a", [None, "", 1.5]),
    ("b", [None, ""]),
    ("c", [None, ""]),
    ("k", [None, "abc", float("nan"), 0, 16, 1.5, True]),
    ("step", ["abc", -1, 10**6, 1.5, float("inf")]),
])
def test_an_invalid_argument_is_a_value_error_naming_it(name, values):
    for value in values:
        with pytest.raises(ValueError, match=rf"^embedding_explorer: {name} "):
            ee.embedding_explorer(**{name: value})


def test_the_default_view_is_the_end_of_training_and_matches_the_static_figure(view):
    assert view.state == dataclasses.replace(ee.ExplorerState(), step=20)
    live = figure_png(view.figure)
    assert live == figure_png(ee.static_figure())


def test_moves_redraw_and_the_summary_follows(view):
    frames = view.frames
    view.set(word="queen", step=5)
    assert view.frames == frames + 1
    assert view.picture.summary.startswith("after 0.5 epochs, queen:")
    view.set(word="Father ", a="KING")  # typed words are trimmed and lower-cased
    assert "father: brother" in view.picture.summary and "king - he + she" in view.picture.summary
    view.reset()


def test_an_unknown_word_is_reported_not_raised(view):
    view.set(word="zzzz", a="qqqq")
    texts = " ".join(t.get_text() for t in view.figure.findobj(lambda a: hasattr(a, "get_text")))
    assert "'zzzz' is not among the" in texts and "'qqqq'" in texts
    assert "not in the map" in view.picture.summary
    view.reset()


def test_the_state_string_round_trips(view):
    view.set(word="night", k=3, step=7)
    again = ee.embedding_explorer(state=state_string(view.state))
    assert again.state == view.state
    assert "embedding_explorer(word='night', k=3" in again.call()
    view.reset()


def test_scrubbing_changes_the_neighbours():
    start = ee.summary(ee.ExplorerState(step=0))
    end = ee.summary(ee.ExplorerState(step=20))
    assert start != end and "father: mother" in end and "= queen" in end

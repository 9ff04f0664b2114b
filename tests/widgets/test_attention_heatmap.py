"""Chapter 13's attention heat map: renders any typed input at any step headlessly, its View
moves, round-trips its state string and shows what the static path shows, and every invalid
argument is a ValueError naming it (as tests/widgets/test_widget_arguments.py for the others)."""
import numpy as np
import pytest
from traitlets import TraitError

from lessons.chapters import ch13_seq2seq as c
from widgets import attention_heatmap as ah
from widgets.base import figure_png, state_string


@pytest.fixture(scope="module")
def tiny_runs():
    return {a: c.train_seq2seq(lambda rng, B: c.reverse_task(rng, B, c.LENGTH), attention=a,
                               updates=3, B=4, n=4, d=2)[0] for a in (None, "additive")}


@pytest.fixture
def small_models(monkeypatch, tiny_runs):
    monkeypatch.setattr(ah, "chapter_models", lambda: tiny_runs)
    return tiny_runs


@pytest.mark.parametrize("digits", ["3141592653589793", "0000000000000000", "12", "9" * 30,
                                    "ab12", ""])
@pytest.mark.parametrize("step", [1, 7, c.LENGTH])
def test_render_any_input_and_step(tiny_runs, digits, step):
    state = ah.AttentionState(digits=digits, step=step)
    fig = ah.render(state, tiny_runs)
    assert fig.axes and ah.summary(state, tiny_runs)
    assert len(ah.clean(digits)) == c.LENGTH


def test_view_moves_round_trips_and_matches_the_static_path(small_models):
    view = ah.attention_heatmap(digits="1234567890123456", step=3)
    assert view.picture.png == figure_png(view.render(view.state))
    view.controls["step"].value = 5
    view.controls["digits"].value = "9999"
    assert view.state.step == 5 and view.state.digits == "9999"
    assert "attention_heatmap(" in view.code_line()
    again = ah.attention_heatmap(state=state_string(view.state))
    assert again.state == view.state


@pytest.mark.parametrize("name, values", [
    ("step", [None, "abc", float("nan"), 1.5, 0, -1, c.LENGTH + 1, True, [1.0]]),
    ("digits", [None, 3, ["x"], np.array([1, 2])]),
])
def test_an_invalid_argument_is_a_value_error_naming_it(small_models, name, values):
    for value in values:
        try:
            ah.attention_heatmap(**{name: value})
        except TraitError as error:
            pytest.fail(f"attention_heatmap({name}={value!r}) raised TraitError: {error}")
        except ValueError as error:
            assert str(error).startswith(f"attention_heatmap: {name} "), str(error)
        else:
            pytest.fail(f"attention_heatmap({name}={value!r}) was accepted")

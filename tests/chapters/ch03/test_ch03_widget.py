"""Chapter 03: the MLP playground, headless: render over a grid of settings (extremes
included), the cached training run, the copy-as-code line, the View shell and the static
small multiples."""
import itertools

import ipywidgets as W
import numpy as np
import pytest
from matplotlib.figure import Figure

import widgets.mlp_playground as mp
from lessons.chapters import pretrained
from widgets.base import WARNING, state_call


def suptitle(fig):
    return fig._suptitle.get_text()


@pytest.mark.parametrize("dataset", list(mp.DATASETS))
def test_render_never_raises_over_the_grid(dataset):
    # short runs keep this quick; every activation, both lr extremes, 1 and 16 units, and
    # the first and the last epoch (plus one beyond it, which clamps)
    for activation, lr, hidden in itertools.product(mp.ACTIVATIONS, mp.LR_RANGE, (1, 16)):
        for epoch in (0, 10, 11):
            state = mp.PlaygroundState(dataset, hidden, activation, lr, 10, 3, epoch)
            fig = mp.render(state)
            assert isinstance(fig, Figure) and len(fig.axes) == 3
            shown = mp.shown_epoch(state)
            assert shown == min(epoch, 10)
            assert f"after epoch {shown} of 10" in fig.axes[0].get_title()


def test_longest_run_and_largest_network_render():
    state = mp.PlaygroundState("spirals", mp.HIDDEN_MAX, "relu", 0.5, mp.EPOCHS_MAX, 0,
                               mp.EPOCHS_MAX)
    run = mp.run_of(state)
    assert len(run.params) == mp.EPOCHS_MAX + 1 and len(run.loss) == mp.EPOCHS_MAX + 1
    assert run.accuracy[-1] > 0.9
    fig = mp.render(state)
    assert len(fig.axes[2].texts) == mp.HIDDEN_MAX  # one label per hidden unit


def test_training_is_cached_and_scrubbing_reuses_it():
    a = mp.PlaygroundState("moons", 5, "tanh", 0.2, 20, 1, 20)
    assert mp.training(a) is not None or pretrained.playground_run.is_cached(
        "moons", 5, "tanh", 0.2, 20, 1)
    run = mp.run_of(a)
    assert mp.training(a) is None  # cached: the view draws without training
    assert mp.run_of(mp.PlaygroundState("moons", 5, "tanh", 0.2, 20, 1, 7)) is run
    assert not run.params[0][0].flags.writeable  # a cached run cannot be changed by accident


def test_render_is_a_pure_function_of_state():
    state = mp.PlaygroundState("circles", 3, "sigmoid", 0.3, 20, 2, 12)
    first = mp.render(state)
    mp.render(mp.PlaygroundState("circles", 3, "sigmoid", 0.3, 20, 2, 0))
    again = mp.render(state)
    assert first.axes[1].get_title() == again.axes[1].get_title()
    assert mp.summary(state) == mp.summary(state)


@pytest.mark.parametrize("field, other", [("epoch", 149), ("hidden", 5), ("lr", 0.1259),
                                          ("epochs", 160), ("seed", 1)])
def test_one_slider_step_changes_the_figure(field, other):
    """What the browser test checks, headless: one keyboard step changes what is drawn."""
    base = mp.PlaygroundState()
    moved = mp.PlaygroundState(**{**base.__dict__, field: other})
    a, b = mp.render(base), mp.render(moved)
    texts = lambda fig: ([ax.get_title() for ax in fig.axes] + [suptitle(fig)]  # noqa: E731
                         + [t.get_text() for t in fig.axes[2].texts])
    images_differ = not np.array_equal(a.axes[0].images[0].get_array(),
                                       b.axes[0].images[0].get_array())
    assert texts(a) != texts(b) or images_differ


def test_default_xor_run_learns_and_the_loss_falls():
    run = mp.run_of(mp.PlaygroundState())
    assert run.accuracy[0] == pytest.approx(0.5) and run.accuracy[-1] == 1.0
    assert run.loss[-1] < 0.1 * run.loss[0]
    assert run.diverged_at is None


def test_huge_learning_rate_is_shown_not_raised():
    fig = mp.render(mp.PlaygroundState("circles", 16, "tanh", mp.LR_RANGE[1], 30, 0, 30))
    assert "loss ended higher" in suptitle(fig) and fig._suptitle.get_color() == WARNING
    # beyond the slider: ReLU activations overflow, training stops, the last finite epoch shows
    state = mp.PlaygroundState("xor", 16, "relu", 1e200, 20, 0, 20)
    run = mp.run_of(state)
    assert run.diverged_at == 1 and len(run.params) == 1
    fig = mp.render(state)
    assert "diverged in epoch 1" in suptitle(fig) and mp.shown_epoch(state) == 0
    assert "diverged in epoch 1" in mp.summary(state)


def test_summary_line():
    line = mp.summary(mp.PlaygroundState())
    assert line.startswith("xor, 4 tanh units, lr 0.1, seed 0: epoch 150/150, loss ")
    assert line.endswith("accuracy 1.0000")


def test_state_call_recreates_the_state():
    state = mp.PlaygroundState("spirals", 12, "relu", 0.0316, 200, 4, 37)
    line = state_call("mlp_playground", state)
    assert line == ("mlp_playground(dataset='spirals', hidden=12, activation='relu', "
                    "lr=0.0316, epochs=200, seed=4, epoch=37)")
    view = eval(line, {"mlp_playground": mp.mlp_playground})
    assert view.state == state and view.call() == line


def test_view_headless_controls_drive_the_state():
    view = mp.mlp_playground(epochs=30)
    assert isinstance(view.box, W.VBox) and "dl-lessons-widget" in view.box._dom_classes
    assert set(view.controls) == {"dataset", "hidden", "activation", "lr", "epochs", "seed",
                                  "epoch"}
    assert isinstance(view.controls["lr"], W.FloatLogSlider)
    assert view.state.epoch == 30 and view.controls["epoch"].max == 30
    view.controls["hidden"].value = 16
    view.controls["activation"].value = "relu"
    view.controls["dataset"].value = "moons"
    assert (view.state.hidden, view.state.activation, view.state.dataset) == (16, "relu", "moons")
    # the scrub slider follows the number of epochs; at the end it stays at the end
    view.controls["epochs"].value = 40
    assert view.controls["epoch"].max == 40 and view.state.epoch == 40
    view.controls["epoch"].value = 5
    view.controls["epochs"].value = 20
    assert view.state.epoch == 5 and view.controls["epoch"].max == 20
    view.controls["epoch"].value = 20
    view.controls["epochs"].value = 10
    assert view.state.epoch == 10 and view.controls["epoch"].value == 10
    view.set(seed=3, lr=0.05)
    assert view.controls["seed"].value == 3 and "seed=3" in view.call()


def test_bad_arguments_name_the_choices():
    with pytest.raises(ValueError, match="dataset must be one of"):
        mp.mlp_playground(dataset="iris")
    with pytest.raises(ValueError, match="activation must be one of"):
        mp.mlp_playground(activation="softmax")


def test_static_figure():
    fig = mp.static_figure()
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert len(titles) == len(mp.XOR_STORY) + len(mp.DATASET_STORY) == 8
    assert [t.split("\n")[1].split(":")[0] for t in titles[:4]] == [
        "epoch 0", "epoch 10", "epoch 50", "epoch 150"]
    assert all(name in t for name, t in zip(mp.DATASETS, titles[4:]))
    fig = mp.static_figure([mp.XOR_STORY[:2], mp.DATASET_STORY[:1]])
    assert sum(ax.get_visible() for ax in fig.axes) == 3


@pytest.mark.parametrize("lr, match", [(0, "must be > 0"), (-1, "must be > 0"),
                                       (float("nan"), "must be finite")])
def test_a_learning_rate_that_is_not_positive_is_named(lr, match):
    # issue 8: fit's error was swallowed, then an empty snapshot list gave an IndexError
    with pytest.raises(ValueError, match=f"mlp_playground: lr {match}"):
        mp.mlp_playground(lr=lr)


def test_negative_epochs_are_named_not_a_trait_error():
    # issue 8: mlp_playground(epochs=-10) gave "TraitError: setting max < min"
    with pytest.raises(ValueError, match="mlp_playground: epochs must be >= 1, got -10"):
        mp.mlp_playground(epochs=-10)

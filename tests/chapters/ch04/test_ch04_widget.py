"""Chapter 04: the digit explorer, headless.

render() must draw every state, extremes included (index 0 and 9999, misclassified mode with
an index far beyond the number of errors); the View must rebuild its state from its own call
line and follow its controls. The network behind it is trained once per (seed, epochs).
"""
import io
import itertools

import numpy as np
import pytest

import widgets.digit_explorer as de
from lessons.chapters import pretrained
from lessons.chapters import ch04_mnist_net as mnist_net
from lessons.data import load_mnist


def title(fig):
    return fig.get_suptitle()


@pytest.mark.parametrize("seed, epochs", [(0, 1), (de.MAX_SEED, de.MAX_EPOCHS)])
def test_render_over_a_grid_including_extremes(seed, epochs):
    net = pretrained.trained_network(seed, epochs)
    for index, misclassified in itertools.product((0, 1, 4999, de.N_TEST - 1), (False, True)):
        state = de.State(index, misclassified, seed, epochs)
        fig = de.render(state)
        s = de.shown(state)
        assert f"true {s.label}, predicted {s.predicted}" in title(fig)
        if misclassified:
            assert s.predicted != s.label
            assert f"misclassified {index % len(net.errors) + 1} of {len(net.errors)}" in title(fig)
        else:
            assert s.image == index
        assert len(fig.axes) == 4  # image, hidden map, its colour bar, outputs
    fig.savefig(io.BytesIO(), format="png")  # drawing catches artist errors too


def test_network_is_the_chapters_run_and_is_cached():
    net = pretrained.trained_network(0, 1)
    assert pretrained.trained_network(0, 1) is net  # cached: the widget trains once
    assert net.W1.shape == (25, 785) and net.W2.shape == (10, 26) and net.W1.dtype == np.float64
    assert len(net.test_accuracy) == 1 and 0.905 <= net.test_accuracy[0] <= 0.93
    train, (test, images) = pretrained.mnist_training_set(), pretrained.mnist_test_set()
    W1, W2 = mnist_net.init_weights(0, dtype=np.float64)
    mnist_net.fit(W1, W2, train, test, epochs=1, seed=0, progress=False)
    assert np.array_equal(W1, net.W1) and np.array_equal(W2, net.W2)
    assert len(net.errors) == round((1 - net.test_accuracy[0]) * de.N_TEST)
    assert np.all(net.predicted[net.errors] != test.labels[net.errors])
    with pytest.raises(ValueError, match="read-only"):
        net.W1[0, 0] = 1.0
    assert np.array_equal(images, load_mnist("test")[0])


def test_hidden_activations_and_outputs_match_the_kernel():
    net = pretrained.trained_network(0, 1)
    test, _ = pretrained.mnist_test_set()
    s = de.shown(de.State(index=123))
    x1 = np.concatenate(([1.0], test.X[123]))
    h = np.tanh(net.W1 @ x1)
    np.testing.assert_allclose(s.hidden, h, rtol=1e-12, atol=1e-12)
    o = 1 / (1 + np.exp(-(net.W2 @ np.concatenate(([1.0], h)))))
    np.testing.assert_allclose(s.outputs, o, rtol=1e-10)
    assert s.predicted == int(np.argmax(o)) and s.label == int(test.labels[123])


def test_misclassified_mode_walks_the_errors_and_wraps():
    net = pretrained.trained_network(0, 1)
    first = de.shown(de.State(0, True))
    assert first.image == net.errors[0] and first.error_rank == 0
    again = de.shown(de.State(len(net.errors), True))  # wraps to the first error
    assert again.image == first.image
    step = de.shown(de.State(1, True))
    assert step.image == net.errors[1]
    plain = de.shown(de.State(int(net.errors[3])))  # an error found by plain browsing
    assert plain.error_rank == 3


def test_summary_prints_the_numbers_behind_the_figure():
    text = de.summary(de.State(index=0))
    assert "test image 0: true 7, predicted 7" in text
    assert text.count(":") >= 12 and "outputs: 0:" in text
    assert "misclassified" in de.summary(de.State(index=5, misclassified=True)).splitlines()[1]


@pytest.mark.parametrize("fields, error, match", [
    (dict(index=-1), ValueError, "index"), (dict(index=de.N_TEST), ValueError, "index"),
    (dict(index=1.5), ValueError, "index"), (dict(misclassified="yes"), ValueError, "misclassified"),
    (dict(seed=de.MAX_SEED + 1), ValueError, "seed"), (dict(epochs=0), ValueError, "epochs"),
    (dict(epochs=de.MAX_EPOCHS + 1), ValueError, "epochs"),
])
def test_invalid_states_are_refused_with_the_field_named(fields, error, match):
    with pytest.raises(error, match=match):
        de.State(**fields)
    with pytest.raises(error, match=match):
        de.digit_explorer(**fields)


def test_view_is_built_headlessly_and_follows_its_controls():
    view = de.digit_explorer()
    frames = view.frames
    assert set(view.controls) == {"index", "misclassified", "seed", "epochs"}
    assert view.controls["index"].continuous_update  # a redraw: follow the drag
    # a new seed or epoch count retrains: only on release
    assert not view.controls["seed"].continuous_update
    assert not view.controls["epochs"].continuous_update
    assert (view.controls["index"].min, view.controls["index"].max) == (0, de.N_TEST - 1)
    assert view.controls["epochs"].max == de.MAX_EPOCHS
    view.controls["index"].value = 9999  # as if the learner dragged the slider
    assert view.state.index == 9999 and view.frames == frames + 1 and "index=9999" in view.code.value
    view.controls["misclassified"].value = True
    assert view.state.misclassified and view.frames == frames + 2
    view.set(index=3, epochs=2)
    assert view.frames == frames + 3 and view.controls["epochs"].value == 2
    assert view.call() == "digit_explorer(index=3, misclassified=True, seed=0, epochs=2)"
    assert "dl-lessons-widget" in view.box._dom_classes


@pytest.mark.parametrize("fields", [
    dict(), dict(index=9999, misclassified=True, seed=de.MAX_SEED, epochs=de.MAX_EPOCHS),
    dict(index=42, misclassified=True),
])
def test_state_call_round_trip(fields):
    view = de.digit_explorer(**fields)
    again = eval(view.call(), {"digit_explorer": de.digit_explorer})
    assert again.state == view.state == de.State(**fields)
    assert again.call() == view.call()


def test_one_step_of_every_slider_changes_what_is_shown():
    # what the browser test checks with a key press: each slider's next value shows another
    # picture (another image, or the same image through another network)
    base = de.State()
    shown = de.shown(base)
    for field in ("index", "seed", "epochs"):
        moved = de.shown(de.State(**{**base.__dict__, field: getattr(base, field) + 1}))
        assert (moved.image != shown.image
                or not np.allclose(moved.hidden, shown.hidden)), field


def test_static_figures():
    fig = de.gallery(seed=0, epochs=1, n=10, ncols=5)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    net = pretrained.trained_network(0, 1)
    test, _ = pretrained.mnist_test_set()
    i = net.errors[0]
    assert len(titles) == 10 and titles[0] == f"{test.labels[i]} → {net.predicted[i]}"
    assert f"of {len(net.errors)} misclassified" in fig.get_suptitle()
    fig = de.weight_images(seed=0, epochs=1)
    assert len([ax for ax in fig.axes if ax.get_title().startswith("unit")]) == 25
    C = de.test_confusion(0, 1)
    assert C.sum() == de.N_TEST and np.trace(C) == de.N_TEST - len(net.errors)
    fig = de.confusion_figure(C)
    assert len(fig.axes[0].texts) == 100
    fig.savefig(io.BytesIO(), format="png")
    with pytest.raises(ValueError, match="n"):
        de.gallery(n=0)

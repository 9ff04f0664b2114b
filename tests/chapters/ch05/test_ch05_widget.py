"""Chapter 05: the optimizer race and the saturation explorer, headless."""
import io

import numpy as np
import pytest

import widgets.optimizer_race as orw
import widgets.saturation as sat
from lessons.chapters.ch05_toward_dl import RACERS, SURFACES
from widgets.base import TICK_MARKS


@pytest.mark.parametrize("surface", list(SURFACES))
@pytest.mark.parametrize("noise", [0.0, 20.0])
def test_race_renders_every_surface(surface, noise):
    state = orw.State(surface=surface, noise=noise, steps=50)
    fig = orw.render(state)
    assert len(fig.axes) == 2
    lines = [line for line in fig.axes[0].lines if line.get_gid() != TICK_MARKS]
    assert len(lines) == len(RACERS) + 1  # a path per racer and the start
    fig.savefig(io.BytesIO(), format="png")
    assert orw.summary(state).count("\n") == len(RACERS) - 1


def test_race_is_reproducible_and_noise_is_shared():
    a = orw.paths(orw.State(noise=3.0, seed=2))
    b = orw.paths(orw.State(noise=3.0, seed=2))
    for name in RACERS:
        np.testing.assert_array_equal(a[name], b[name])
    quiet = orw.paths(orw.State())
    assert quiet["momentum"][-1] @ quiet["momentum"][-1] < quiet["SGD"][-1] @ quiet["SGD"][-1]


def test_race_view_follows_controls_and_prints_its_call():
    view = orw.optimizer_race(surface="two wells", steps=20)
    assert view.call().startswith("optimizer_race(surface='two wells'")
    view.controls["noise"].value = 2.0
    assert view.state.noise == 2.0
    state = eval("orw.State" + view.call()[len("optimizer_race"):])
    assert state == view.state


@pytest.mark.parametrize("bad", [dict(surface="bowl"), dict(lr=-1.0), dict(steps=0),
                                 dict(momentum="high")])
def test_race_bad_arguments(bad):
    with pytest.raises(ValueError):
        orw.optimizer_race(**bad)


@pytest.mark.parametrize("activation,init", [("tanh", "normal(1)"), ("relu", "he"),
                                             ("sigmoid", "glorot"), ("elu", "uniform(0.1)"),
                                             ("leaky_relu", "he")])
def test_saturation_renders(activation, init):
    state = sat.State(depth=3, width=16, activation=activation, init=init)
    fig = sat.render(state)
    fig.savefig(io.BytesIO(), format="png")
    assert sat.summary(state).count("layer") == 3


def test_saturation_tells_normal_from_glorot():
    def first_saturation(init):
        return float(sat.summary(sat.State(init=init)).split("%")[0].split(":")[1])

    assert first_saturation("normal(1)") > 80 > 20 > first_saturation("glorot")
    bad = sat.statistics(sat.State(init="normal(1)"))[2]
    good = sat.statistics(sat.State(init="glorot"))[2]
    assert good[-1] < good[0] - 0.5 and abs(bad[-1] - bad[0]) < 0.3


def test_saturation_view_and_bad_arguments():
    view = sat.saturation_explorer(depth=2, width=8)
    view.controls["activation"].value = "relu"
    assert view.state.activation == "relu"
    assert view.call().startswith("saturation_explorer(depth=2, width=8, activation='relu'")
    for bad in (dict(depth=0), dict(width=1000.5), dict(activation="swish"), dict(init="zeros")):
        with pytest.raises(ValueError):
            sat.saturation_explorer(**bad)


@pytest.mark.parametrize("surface", list(SURFACES))
def test_the_loss_curves_are_the_surface_along_the_paths_on_a_scale_holding_the_plot_box(
        surface):
    func, _, (x0, x1, y0, y1) = SURFACES[surface]
    state = orw.State(surface=surface, steps=40, noise=1.0)
    losses = orw.losses(state)
    for name, path in orw.paths(state).items():
        np.testing.assert_array_equal(losses[name], [func(p)[0] for p in path])
    low, high = orw.loss_limits(surface)
    box = [func((x, y))[0] for x in np.linspace(x0, x1, 37) for y in np.linspace(y0, y1, 29)]
    assert low < min(box) and max(box) < high
    fig = orw.render(state)
    assert fig.axes[1].get_ylim() == (low, high)  # the same for every move: in the frame

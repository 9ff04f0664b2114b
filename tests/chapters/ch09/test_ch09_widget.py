"""Chapter 09 widgets headless: the depth lab and the augmentation explorer render every state,
extremes included, and rebuild from their own call lines."""
import io

import numpy as np
import pytest

import widgets.augmentation_explorer as aug
import widgets.depth_lab as lab
from widgets.base import state_call


def test_depth_lab_data_holds_every_run():
    table, batches = lab.runs()
    assert set(table) == {(d, s) for d in lab.DEPTHS for s in (False, True)}
    for (depth, _), (losses, norms, accuracy) in table.items():
        assert norms.shape == (len(batches), depth) and len(losses) == len(batches)
        assert np.all(np.isfinite(losses)) and 0 <= accuracy <= 1


@pytest.mark.parametrize("depth", lab.DEPTHS)
def test_depth_lab_renders_over_a_grid(depth):
    last = len(lab.runs()[1]) - 1
    for skip in (False, True):
        for step in (0, 1, last):
            fig = lab.render(lab.State(depth, skip, step))
            assert f"{depth} layers" in fig.axes[0].get_title()
    fig.savefig(io.BytesIO(), format="png")


def test_depth_lab_state_checks_and_call_line():
    state = lab.State(depth=12, skip=False, step=3)
    assert eval(state_call("lab.State", state)) == state
    for bad in (dict(depth=13), dict(skip=1), dict(step=-1), dict(step=10**6)):
        with pytest.raises(ValueError):
            lab.State(**bad)
    assert lab.summary(state) != lab.summary(lab.State(depth=12, skip=True, step=3))


def test_depth_lab_view_follows_its_controls():
    view = lab.depth_lab(depth=8, skip=True, step=2)
    view.controls["depth"].value = 20
    view.controls["skip"].value = False
    assert view.state == lab.State(20, False, 2)
    assert view.call() == "depth_lab(depth=20, skip=False, step=2)"


def test_augmentation_explorer_renders_extremes():
    for state in (aug.State(), aug.State(index=aug.N_TEST - 1, angle=-180, shift_down=8,
                                         shift_right=-8, flip=True),
                  aug.State(index=0, angle=180, shift_down=-8, shift_right=8)):
        fig = aug.render(state)
        assert len(fig.axes) == 2 + len(aug.FIXED)
        fig.savefig(io.BytesIO(), format="png")
    assert "careful" in aug.render(aug.State(flip=True)).get_suptitle()


def test_augmentation_explorer_transforms_and_checks():
    X = aug.transformed(0, [(0.0, (0, 0), False)])
    np.testing.assert_allclose(X[0], aug.trained_cnn().test_X[0], atol=1e-12)
    base = aug.State()
    for field, value in (("index", 1), ("angle", 0.0), ("shift_down", 1.0),
                         ("shift_right", 0.0), ("flip", True)):
        moved = aug.State(**{**base.__dict__, field: value})
        assert aug.summary(moved) != aug.summary(base), field
    for bad in (dict(angle=200), dict(index=-1), dict(flip="yes"), dict(shift_down=np.nan)):
        with pytest.raises(ValueError):
            aug.State(**bad)
    view = aug.augmentation_explorer(index=3)
    view.controls["angle"].value = -20.0
    assert view.state.angle == -20.0 and "angle=-20.0" in view.call()

"""Chapter 09 widgets headless: the depth lab and the augmentation explorer render every state,
extremes included, and rebuild from their own call lines."""
import io

import numpy as np
import pytest

import widgets.augmentation_explorer as aug
import widgets.depth_lab as lab
from widgets.base import TICK_MARKS, state_call


def test_depth_lab_data_holds_every_run():
    table, batches = lab.runs()
    assert set(table) == {(d, s, bn) for d in lab.DEPTHS for s in (False, True)
                          for bn in (False, True)}
    for (depth, _, _), (losses, norms, accuracy) in table.items():
        assert norms.shape == (len(batches), depth) and len(losses) == len(batches)
        assert np.all(np.isfinite(losses)) and 0 <= accuracy <= 1


@pytest.mark.parametrize("depth", lab.DEPTHS)
def test_depth_lab_renders_over_a_grid(depth):
    last = len(lab.runs()[1]) - 1
    for skip in (False, True):
        for batchnorm in (False, True):
            for step in (0, 1, last):
                fig = lab.render(lab.State(depth, skip, batchnorm, step))
                assert f"{depth} layers" in fig.axes[0].get_title()
                assert ("batch norm" in fig.axes[0].get_title()) == batchnorm
                lines = [line for line in fig.axes[1].get_lines()
                         if line.get_gid() != TICK_MARKS]
                assert len(lines) == 5  # 2 networks x BN on/off, the marker
    fig.savefig(io.BytesIO(), format="png")


def test_depth_lab_state_checks_and_call_line():
    state = lab.State(depth=12, skip=False, batchnorm=True, step=3)
    assert eval(state_call("lab.State", state)) == state
    for bad in (dict(depth=13), dict(skip=1), dict(batchnorm="on"), dict(step=-1),
                dict(step=10**6)):
        with pytest.raises(ValueError):
            lab.State(**bad)
    assert lab.summary(state) != lab.summary(lab.State(depth=12, skip=True, batchnorm=True,
                                                       step=3))
    assert lab.summary(state) != lab.summary(lab.State(depth=12, skip=False, step=3))


def test_depth_lab_view_follows_its_controls():
    view = lab.depth_lab(depth=8, skip=True, step=2)
    view.controls["depth"].value = 20
    view.controls["skip"].value = False
    view.controls["batchnorm"].value = True
    assert view.state == lab.State(20, False, True, 2)
    assert view.call() == "depth_lab(depth=20, skip=False, batchnorm=True, step=2)"


def test_batch_norm_rescues_the_deep_plain_network_in_the_lab_data():
    """The shipped runs say what the chapter says: at 20 and 30 layers the plain network
    stalls without batch norm and learns with it (test accuracy 0.10 -> 0.57 and 0.27); its
    first layer's gradient grows from about 1e-6 of the last layer's to the same order."""
    table, _ = lab.runs()
    for depth in (20, 30):
        plain, plain_bn = table[depth, False, False], table[depth, False, True]
        assert plain[2] < 0.15 and plain_bn[2] > plain[2] + 0.15
        assert plain_bn[0][-1] < plain[0][-1] - 0.4
        assert plain[1][1][0] < 1e-4 * plain[1][1][-1]
        assert plain_bn[1][1][0] > 1e-2 * plain_bn[1][1][-1]


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

"""Chapter 06: the regularization lab, headless."""
import ipywidgets as W
import numpy as np
import pytest
from matplotlib.figure import Figure

import widgets.regularization_lab as rl
from lessons.chapters.ch06_regression import boston_standardized, fit_regression, glorot_params


@pytest.mark.parametrize("capacity", list(rl.CAPACITIES))
def test_render_never_raises(capacity):
    for l2, dropout, patience, n_train in ((0.0, 0.0, 0, 40), (1.0, 0.8, 3, 304)):
        state = rl.LabState(capacity, l2, dropout, patience, n_train, epochs=12, seed=1)
        fig = rl.render(state)
        assert isinstance(fig, Figure) and len(fig.axes) == 2
        assert capacity in fig._suptitle.get_text()


def test_compare_uses_the_same_initial_weights():
    state = rl.LabState("16/16", 0.0, 0.0, 0, 100, epochs=10, seed=2)
    # with nothing to regularize, the run IS the reference run (same start, same shuffles)
    assert rl.run_of(state) is rl.reference_of(state)
    reg = rl.run_of(rl.LabState("16/16", 0.1, 0.0, 0, 100, epochs=10, seed=2))
    ref = rl.reference_of(rl.LabState("16/16", 0.1, 0.0, 0, 100, epochs=10, seed=2))
    assert reg.train_mae[0] != ref.train_mae[0] and len(reg.train_mae) == len(ref.train_mae)
    fig = rl.render(rl.LabState("16/16", 0.1, 0.0, 0, 100, epochs=10, seed=2))
    assert len(fig.axes[0].lines) == 4  # two curves for each run


def test_early_stopping_is_marked():
    state = rl.LabState("64/64", 0.0, 0.0, 2, 304, epochs=200, seed=0)
    run = rl.run_of(state)
    assert run.stopped_epoch == run.best_epoch + 2
    assert "early stopping" in rl.summary(state)


def test_early_stopping_watches_validation_rows_and_the_test_rows_only_report():
    (X_all, _), (X_test, y_test), _ = boston_standardized()
    X, y, X_val, y_val, Xt, yt = rl._data(100, 3)
    training = {tuple(r) for r in X_all}
    # the validation rows are training rows, not trained on; the test rows are Keras' own
    assert len(y_val) == rl.N_VALIDATION and {tuple(r) for r in X_val} <= training
    assert not {tuple(r) for r in X_val} & {tuple(r) for r in X}
    np.testing.assert_array_equal(Xt, X_test)
    # drawn with the seed: the same seed holds the same rows out whatever n_train is
    np.testing.assert_array_equal(rl._data(60, 3)[2], X_val)
    assert not np.array_equal(rl._data(100, 4)[2], X_val)
    state = rl.LabState("64/64", 0.0, 0.0, 3, 100, epochs=200, seed=3)
    run = rl.run_of(state)
    direct = fit_regression(X, y, (64, 64), epochs=200, seed=3, patience=3,
                            validation=(X_val, y_val),
                            initial=glorot_params((13, 64, 64, 1), np.random.default_rng(3)))
    assert run.val_mae == tuple(direct.val_mae) and run.best_epoch == direct.best_epoch
    assert run.stopped_epoch == run.best_epoch + 3
    np.testing.assert_array_equal(run.predicted, direct.predict(X_test))  # the kept network
    assert run.test_mae == pytest.approx(direct.mae(X_test, y_test), abs=1e-12)
    assert rl.summary(state).endswith(f"; test MAE {run.test_mae:.2f}")


def test_view_and_copy_as_code():
    view = rl.regularization_lab(capacity="linear", epochs=10, n_train=40)
    assert view.call() == ("regularization_lab(capacity='linear', l2=0.0, dropout=0.0, "
                           "patience=0, n_train=40, epochs=10, seed=0, compare=True)")
    view.set(l2=0.2)
    assert "l2=0.2" in view.call()
    assert isinstance(view.box, W.VBox)


@pytest.mark.parametrize("kwargs", [dict(capacity="huge"), dict(l2=-1), dict(dropout=0.9),
                                    dict(n_train=5), dict(patience=1.5), dict(compare=1)])
def test_bad_arguments_are_value_errors(kwargs):
    with pytest.raises(ValueError):
        rl.regularization_lab(**kwargs)


def test_training_rows_leave_the_validation_rows_out():
    with pytest.raises(ValueError, match="regularization_lab: n_train .*40.*304"):
        rl.regularization_lab(n_train=404)


def test_static_figure():
    fig = rl.static_figure()
    assert len(fig.axes) == len(rl.STATIC_STATES)


def test_bottleneck_lab_draws_each_width_once_trained():
    import widgets.bottleneck_lab as bl
    from lessons.chapters import pretrained

    state = bl.BottleneckState(width=2, seed=1)
    train = bl.training(state)
    if train is not None:  # 64-64 and 64-2 for seed 1, unless an earlier test trained them
        train()
    assert bl.training(state) is None
    fig = bl.render(state)
    assert len(fig.axes) == 2 and "64-2" in fig.axes[0].get_title()
    assert "2" in [t.get_text() for t in fig.axes[1].get_xticklabels()]
    wide, narrow = (pretrained.play_classifier_curves(w, 1) for w in (64, 2))
    assert wide.val_accuracy.max() - narrow.val_accuracy.max() >= 0.07
    assert "64-2: best validation accuracy" in bl.summary(state)

"""Every widget factory, every argument: an invalid value is a ValueError that names the
factory and the argument (never a traitlets TraitError from a control, never a silent
truncation), and a valid value beyond a slider's usual range widens the slider (issue 8)."""
import dataclasses

import numpy as np
import pytest
from traitlets import TraitError

from widgets import cnn_inspector as ci
from widgets import decision_boundary as db
from widgets import digit_explorer as de
from widgets import feature_maps as fm
from widgets import gradient_descent as gd
from widgets import mlp_playground as mp
from widgets import beam_tree as bt
from widgets import bottleneck_lab as bl
from widgets import gradients_through_time as gtt
from widgets import lstm_gates as lg

NOT_A_NUMBER = [None, "abc", float("nan"), float("inf"), -float("inf"), 1 + 1j, [1.0],
                np.array([1.0, 2.0]), True, 10**400]
REAL = NOT_A_NUMBER
POSITIVE = REAL + [0, -1]
COUNT = NOT_A_NUMBER + [1.5, -1]  # whole numbers >= 0
COUNT1 = COUNT + [0]              # whole numbers >= 1
CHOICE = ["FOO", None, 3, ["x"], np.array([1, 2])]

FACTORIES = {
    "decision_boundary": (db.decision_boundary, {
        "dataset": CHOICE, "w0": REAL, "w1": REAL, "w2": REAL, "lr": POSITIVE, "seed": COUNT,
        "step": COUNT}),
    "two_layer_xor": (db.two_layer_xor, {f.name: REAL for f in dataclasses.fields(db.XorState)}),
    "descent_explorer": (gd.descent_explorer, {
        "surface": CHOICE, "lr": POSITIVE, "momentum": REAL + [-0.1, 1.5], "steps": COUNT,
        "start_x": REAL, "start_y": REAL, "rule": CHOICE}),
    "mlp_playground": (mp.mlp_playground, {
        "dataset": CHOICE, "hidden": COUNT1, "activation": CHOICE, "lr": POSITIVE,
        "epochs": COUNT1 + [-10], "seed": COUNT,
        "epoch": [v for v in COUNT if v is not None]}),  # None: the last epoch
    "digit_explorer": (de.digit_explorer, {
        "index": COUNT + [de.N_TEST], "misclassified": ["yes", 1, None, np.array([True])],
        "seed": COUNT + [de.MAX_SEED + 1], "epochs": COUNT1 + [de.MAX_EPOCHS + 1]}),
    "feature_maps": (fm.feature_maps, {
        "source": CHOICE, "index": COUNT + [fm.N_TEST], "kernel": CHOICE,
        "custom": [None, 5, ["0,0,0"]], "seed": COUNT + [fm.MAX_SEED + 1],
        "stride": COUNT + [0, 4], "pad": COUNT + [3], "row": COUNT, "col": COUNT}),
    "cnn_inspector": (ci.cnn_inspector, {
        "index": COUNT + [ci.N_TEST], "layer": COUNT + [len(ci.LAYERS)],
        "channel": COUNT + [ci.N_CHANNELS]}),
    "gradients_through_time": (gtt.gradients_through_time, {
        "scale": REAL + [0.4, 1.6], "length": COUNT + [4, 101], "activation": CHOICE,
        "max_norm": POSITIVE + [1000.0], "seed": COUNT + [100]}),
    "forecast_training": (gtt.forecast_training, {
        "epoch": COUNT + [31], "baselines": ["yes", 1, None, np.array([True])]}),
    "beam_tree": (bt.beam_tree, {
        "prefix": CHOICE, "beam_width": COUNT1 + [9], "steps": COUNT1 + [12],
        "temperature": POSITIVE + [0.1, 3.0]}),
    "lstm_gates": (lg.lstm_gates, {"text": CHOICE, "unit": COUNT + [256]}),
    "bottleneck_lab": (bl.bottleneck_lab, {"width": CHOICE + [5, 128], "seed": CHOICE + [3]}),
}
CASES = [(factory, name) for factory, (_, args) in FACTORIES.items() for name in args]


@pytest.mark.parametrize("factory, name", CASES, ids=[f"{f}-{n}" for f, n in CASES])
def test_an_invalid_argument_is_a_value_error_naming_it(factory, name):
    make, args = FACTORIES[factory]
    for value in args[name]:
        try:
            make(**{name: value})
        except TraitError as error:
            pytest.fail(f"{factory}({name}={value!r}) raised traitlets' TraitError: {error}")
        except ValueError as error:
            assert str(error).startswith(f"{factory}: {name} "), str(error)
        else:
            pytest.fail(f"{factory}({name}={value!r}) was accepted")


def test_an_unknown_weight_of_the_xor_network_is_named():
    with pytest.raises(ValueError, match=r"two_layer_xor: a weight's name must be one of "
                                         r"\['nand0'.*got 'nand3'"):
        db.two_layer_xor(nand3=0.5)


@pytest.mark.parametrize("make, field, value", [
    (lambda: db.decision_boundary(w0=2.5), "w0", 2.5),
    (lambda: db.decision_boundary(lr=5.0), "lr", 5.0),
    (lambda: db.decision_boundary(lr=1e-3), "lr", 1e-3),
    (lambda: db.decision_boundary(seed=42), "seed", 42),
    (lambda: db.two_layer_xor(or1=-2.0), "or1", -2.0),
    (lambda: gd.descent_explorer(lr=1e-6), "lr", 1e-6),
    (lambda: gd.descent_explorer(momentum=1.0), "momentum", 1.0),
    (lambda: gd.descent_explorer(steps=0), "steps", 0),
    (lambda: mp.mlp_playground(lr=1e-4, epochs=5), "epochs", 5),
    (lambda: mp.mlp_playground(lr=1e-4, epochs=5), "lr", 1e-4),
])
def test_a_valid_value_beyond_a_slider_widens_it(make, field, value):
    view = make()
    assert getattr(view.state, field) == value
    assert view.controls[field].value == pytest.approx(value)

"""Chapter 05: saturation.probe, the numbers behind section 1's story of why N(0, 1) weights
do not train a 5 x 64 tanh net and Glorot's do. The notebook does not compare its printout
(the saturated net's SGD steps carry the BLAS library's last bits), so these tests hold the
story to bands and the numbers the text quotes to their printed digits."""
import numpy as np
import pytest

import widgets.saturation as sat


@pytest.fixture(scope="module")
def probes():
    return {init: sat.probe(sat.State(activation="tanh", init=init))
            for init in ("normal(1)", "glorot")}


def test_the_gradients_are_not_what_is_small(probes):
    normal, glorot = probes["normal(1)"], probes["glorot"]
    for k in range(3):  # layers 1-3, near the input: within a factor of Glorot's
        assert 0.5 < normal.gradients[k] / glorot.gradients[k] < 4


def test_the_saturated_last_layer_hardly_tells_the_digits_apart(probes):
    normal, glorot = probes["normal(1)"], probes["glorot"]
    assert normal.same_digit < 0.15 and normal.other_digits < 0.1
    assert normal.same_digit - normal.other_digits < 0.05
    assert glorot.same_digit > 0.3 and glorot.same_digit - glorot.other_digits > 0.08


def test_what_one_batch_teaches_carries_over_only_with_glorot(probes):
    for init, probe in probes.items():
        before, after = probe.batch_loss
        assert after < before - 0.3, init  # both nets fit the batch they train on
    normal, glorot = probes["normal(1)"].other_loss, probes["glorot"].other_loss
    assert abs(normal[1] - normal[0]) < 0.05
    assert glorot[1] < glorot[0] - 0.1


def test_the_saturated_hidden_weights_barely_move(probes):
    normal, glorot = probes["normal(1)"].weight_moves, probes["glorot"].weight_moves
    assert max(normal) < 0.003 and min(glorot) > 0.004
    assert min(glorot) > 2 * max(normal)


def test_the_numbers_the_chapter_quotes(probes):
    normal, glorot = probes["normal(1)"], probes["glorot"]
    np.testing.assert_allclose(normal.gradients[:3], [2.8e-4, 4.4e-4, 2.3e-4], rtol=0.05)
    np.testing.assert_allclose(glorot.gradients[:3], [1.1e-4, 2.1e-4, 2.8e-4], rtol=0.05)
    quoted = {"normal(1)": [0.05, 0.02, 3.08, 2.10, 2.90, 2.90, 0.04, 0.18],
              "glorot": [0.39, 0.28, 2.31, 1.92, 2.38, 2.23, 0.62, 1.43]}
    for init, probe in probes.items():
        moves = 100 * np.array(probe.weight_moves)  # in % of the weights' size
        measured = [probe.same_digit, probe.other_digits, *probe.batch_loss,
                    *probe.other_loss, moves.min(), moves.max()]
        np.testing.assert_allclose(measured, quoted[init], atol=0.006, err_msg=init)


def test_a_diverging_net_gets_inf_after_its_steps():
    probe = sat.probe(sat.State(activation="relu", init="normal(1)"))
    assert np.isfinite(probe.batch_loss[0]) and probe.batch_loss[1] == np.inf


@pytest.mark.parametrize("bad", ["tanh", None, {"init": "glorot"}, sat.State])
def test_probe_wants_a_state(bad):
    with pytest.raises(TypeError, match="probe: state must be a saturation.State, got "):
        sat.probe(bad)

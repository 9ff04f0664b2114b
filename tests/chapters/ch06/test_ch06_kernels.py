"""Chapter 06: the regression kernel (ReLU net, MSE, L2, dropout, Adam) against its twin."""
import numpy as np
import pytest

from lessons.gradcheck import numerical_gradient
from lessons.kernels.regression import (
    n_hidden, n_params, regression_adam_epoch, regression_loss_grad, regression_predict,
)
from lessons.reference import regression as twin

SIZES = [(3, 1), (3, 5, 1), (4, 6, 5, 1)]


def _problem(sizes, n=11, seed=0, rate=0.0):
    rng = np.random.default_rng(seed)
    params = rng.normal(0, 0.5, n_params(sizes))
    X, y = rng.normal(size=(n, sizes[0])), rng.normal(size=n)
    keep = None
    if rate and n_hidden(sizes):
        keep = (rng.random((n, n_hidden(sizes))) >= rate) / (1 - rate)
    return params, X, y, keep


def test_parameter_counts_of_the_book():
    assert n_params((13, 1)) == 14
    assert n_params((13, 64, 64, 1)) == 5121
    assert n_params((13, 128, 128, 64, 1)) == 26625


@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("rate, l2", [(0.0, 0.0), (0.3, 0.1)])
def test_loss_and_gradient_match_the_twin_and_finite_differences(sizes, rate, l2):
    params, X, y, keep = _problem(sizes, rate=rate)
    loss, grad = regression_loss_grad(params, sizes, X, y, keep=keep, l2=l2)
    loss_t, grad_t = twin.regression_loss_grad(params, sizes, X, y, keep=keep, l2=l2)
    assert loss == pytest.approx(loss_t, rel=1e-12)
    np.testing.assert_allclose(grad, grad_t, rtol=1e-10, atol=1e-12)
    numeric = numerical_gradient(
        lambda p: regression_loss_grad(p, sizes, X, y, keep=keep, l2=l2)[0], params)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("sizes", SIZES)
def test_adam_epoch_matches_the_twin(sizes):
    params, X, y, keep = _problem(sizes, n=37, rate=0.2)
    order = np.random.default_rng(1).permutation(37)
    state = [params.copy(), np.zeros_like(params), np.zeros_like(params), np.ones(2)]
    state_t = [a.copy() for a in state]
    for _ in range(3):
        out = regression_adam_epoch(state[0], sizes, *state[1:], X, y, order, 8, keep=keep,
                                    l2=0.05)
        out_t = twin.regression_adam_epoch(state_t[0], sizes, state_t[1], state_t[2],
                                           state_t[3], X, y, order, 8, keep=keep, l2=0.05)
        np.testing.assert_allclose(out, out_t, rtol=1e-10)
    for a, b in zip(state, state_t):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(regression_predict(state[0], sizes, X),
                               twin.regression_predict(state_t[0], sizes, X), rtol=1e-12)


def test_first_adam_step_moves_every_weight_by_about_lr():
    sizes = (3, 4, 1)
    params, X, y, _ = _problem(sizes)
    before = params.copy()
    regression_adam_epoch(params, sizes, np.zeros_like(params), np.zeros_like(params),
                          np.ones(2), X, y, np.arange(len(y)), len(y), lr=0.01)
    step = np.abs(params - before)
    moved = step > 0  # a dead ReLU unit's weights get no gradient
    # Keras adds eps to the uncorrected sqrt(v) = 0.03 |g|: a small gradient steps a bit less
    np.testing.assert_allclose(step[moved], 0.01, rtol=1e-2)


def test_bad_inputs_name_the_argument():
    sizes = (3, 4, 1)
    params, X, y, _ = _problem(sizes)
    m, v, p = np.zeros_like(params), np.zeros_like(params), np.ones(2)
    with pytest.raises(ValueError, match="sizes"):
        regression_predict(params, (3, 4, 2), X)
    with pytest.raises(ValueError, match="params"):
        regression_predict(params[:-1], sizes, X)
    with pytest.raises(ValueError, match="X has 2 columns"):
        regression_predict(params, sizes, X[:, :2])
    with pytest.raises(ValueError, match="order"):
        regression_adam_epoch(params, sizes, m, v, p, X, y, np.array([0, 99]), 4)
    with pytest.raises(ValueError, match="keep"):
        regression_adam_epoch(params, sizes, m, v, p, X, y, np.arange(11), 4,
                              keep=np.ones((11, 3)))
    with pytest.raises(ValueError, match="m must be"):
        regression_adam_epoch(params, sizes, m[:3].copy(), v, p, X, y, np.arange(11), 4)
    with pytest.raises(ValueError, match="y has"):
        regression_loss_grad(params, sizes, X, y[:3])
    with pytest.raises(ValueError, match="not finite|NaN|finite"):
        regression_loss_grad(params, sizes, np.full_like(X, np.nan), y)
    with pytest.raises(TypeError, match="float64"):
        regression_adam_epoch(params.astype(np.float32), sizes, m, v, p, X, y,
                              np.arange(11), 4)
    with pytest.raises(ValueError, match="beta1 must be in"):
        regression_adam_epoch(params, sizes, m, v, p, X, y, np.arange(11), 4, beta1=1.0)

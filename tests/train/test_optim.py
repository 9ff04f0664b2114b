"""Optimizers (Chapter 05): steps against hand-computed values, Chapter 02's momentum story,
convergence, state handling and bad input."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.chapters.ch02_descent import descend, surface
from lessons.optim import SGD, Adam, RMSprop


def steps(optimizer, p0, gradients):
    """Apply one step per gradient to a single parameter array; returns its values after each."""
    p = np.array(p0, dtype=float)
    out = []
    for g in gradients:
        optimizer.step([p], [np.array(g, dtype=float)])
        out.append(p.copy())
    return out


# --- hand-computed steps -----------------------------------------------------------------------

def test_sgd_plain_step():
    (p1,) = steps(SGD(0.1), [1.0, 2.0], [[0.5, -1.0]])
    np.testing.assert_allclose(p1, [0.95, 2.1], rtol=1e-15)


def test_sgd_momentum_two_steps():
    # v1 = -0.1 * 2 = -0.2, p1 = 0.8;  v2 = 0.9 * -0.2 - 0.1 * 1 = -0.28, p2 = 0.52
    p1, p2 = steps(SGD(0.1, momentum=0.9), [1.0], [[2.0], [1.0]])
    assert p1.item() == pytest.approx(0.8, abs=1e-15)
    assert p2.item() == pytest.approx(0.52, abs=1e-15)


def test_rmsprop_two_steps():
    # s1 = 0.1 * 2^2 = 0.4:                 p1 = 1 - 0.01 * 2 / (sqrt(0.4) + 1e-7)
    # s2 = 0.9 * 0.4 + 0.1 * (-1)^2 = 0.46:  p2 = p1 + 0.01 * 1 / (sqrt(0.46) + 1e-7)
    opt = RMSprop(lr=0.01)
    p1, p2 = steps(opt, [1.0], [[2.0], [-1.0]])
    assert p1.item() == pytest.approx(0.9683772283983154, abs=1e-13)
    assert p2.item() == pytest.approx(0.9831214218398924, abs=1e-13)
    assert opt.state[0]["square_avg"].item() == pytest.approx(0.46, abs=1e-15)
    assert (opt.rho, opt.eps) == (0.9, 1e-7)  # Keras' defaults


def test_adam_two_steps_with_uncorrected_state():
    # t = 1: m = 0.2, v = 0.004; m_hat = 2, v_hat = 4;  p1 = 1 - 0.1 * 2 / (2 + 1e-7)
    # t = 2: m = 0.18 - 0.1 = 0.08, v = 0.003996 + 0.001 = 0.004996;
    #        m_hat = 0.08 / 0.19, v_hat = 0.004996 / 0.001999;
    #        p2 = p1 - 0.1 m_hat / (sqrt(v_hat) + 1e-7)
    opt = Adam(lr=0.1)
    p1, p2 = steps(opt, [1.0], [[2.0], [-1.0]])
    assert p1.item() == pytest.approx(0.9000000049999998, abs=1e-13)
    assert p2.item() == pytest.approx(0.8733663027186758, abs=1e-13)
    assert opt.t == 2
    assert opt.state[0]["m"].item() == pytest.approx(0.08, abs=1e-15)  # stored uncorrected
    assert opt.state[0]["v"].item() == pytest.approx(0.004996, abs=1e-15)


@settings(max_examples=30, deadline=None)
@given(log_scale=st.floats(-3, 3), n=st.integers(1, 20), seed=st.integers(0, 2**32 - 1))
def test_adams_first_step_is_about_lr_whatever_the_gradients_scale(log_scale, n, seed):
    rng = np.random.default_rng(seed)
    g = rng.choice([-1.0, 1.0], n) * 10.0 ** log_scale * rng.uniform(0.5, 2.0, n)
    p = np.zeros(n)
    Adam(lr=1e-3).step([p], [g])
    np.testing.assert_allclose(np.abs(p), 1e-3 * np.abs(g) / (np.abs(g) + 1e-7), rtol=1e-12)
    np.testing.assert_allclose(np.abs(p), 1e-3, rtol=1e-3)  # eps matters only for tiny g
    assert np.all(np.sign(p) == -np.sign(g))


# --- Chapter 02's tilted well: momentum escapes the local minimum --------------------------

@pytest.mark.parametrize("momentum, end", [(0.0, 1.4018), (0.9, -1.7139)])
def test_momentum_on_the_tilted_well(momentum, end):
    well = surface("tilted well 1-D")
    w = np.array([2.5])
    opt = SGD(0.05, momentum=momentum)
    for _ in range(300):
        opt.step([w], [well.grad(w)])
    assert w.item() == pytest.approx(end, abs=1e-4)
    walk = descend(well, (2.5,), lr=0.05, momentum=momentum, steps=300)
    assert w.item() == pytest.approx(walk.end.item(), abs=1e-12)


# --- behaviour ---------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: SGD(0.05, momentum=0.9),
                                  lambda: RMSprop(0.01), lambda: Adam(0.05)])
def test_each_optimizer_minimises_a_quadratic(make):
    rng = np.random.default_rng(0)
    centres = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    params = [np.zeros((3, 2)), np.zeros(2)]
    opt = make()
    for _ in range(500):
        opt.step(params, [p - c for p, c in zip(params, centres)])  # grad of |p - c|^2 / 2
    for p, c in zip(params, centres):
        np.testing.assert_allclose(p, c, atol=2e-2)


@pytest.mark.parametrize("make", [lambda: SGD(0.1, momentum=0.5), lambda: RMSprop(),
                                  lambda: Adam()])
def test_float32_parameters_stay_float32(make):
    p = np.ones(4, dtype=np.float32)
    opt = make()
    opt.step([p], [np.full(4, 0.5, dtype=np.float32)])
    assert p.dtype == np.float32 and np.all(p < 1)
    assert all(a.dtype == np.float32 for st in opt.state for a in st.values())


def test_state_is_per_parameter():
    a, b = np.zeros(2), np.zeros(3)
    opt = SGD(1.0, momentum=0.5)
    opt.step([a, b], [np.ones(2), -np.ones(3)])
    opt.step([a, b], [np.zeros(2), np.zeros(3)])  # zero gradient: the velocities carry on
    np.testing.assert_allclose(a, [-1.5, -1.5])
    np.testing.assert_allclose(b, [1.5, 1.5, 1.5])


def test_repr_shows_settings():
    assert repr(Adam()) == "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-07)"
    assert repr(SGD(0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9)"


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, match", [
    (lambda: SGD(0.0), ValueError, "lr must be > 0"),
    (lambda: SGD(-0.1), ValueError, "lr must be > 0"),
    (lambda: SGD(0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
    (lambda: SGD(0.1, momentum=-0.5), ValueError, "momentum must be >= 0"),
    (lambda: SGD("0.1"), TypeError, "lr must be a real number"),
    (lambda: RMSprop(rho=1.0), ValueError, r"rho must be in \[0, 1\)"),
    (lambda: RMSprop(eps=0.0), ValueError, "eps must be > 0"),
    (lambda: Adam(beta1=1.0), ValueError, r"beta1 must be in \[0, 1\)"),
    (lambda: Adam(beta2=1.0), ValueError, r"beta2 must be in \[0, 1\)"),
    (lambda: Adam(lr=float("nan")), ValueError, "lr must be finite"),
])
def test_bad_settings(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_step_arguments():
    opt = Adam()
    with pytest.raises(ValueError, match="2 params but 1 grads"):
        opt.step([np.zeros(2), np.zeros(3)], [np.zeros(2)])
    with pytest.raises(ValueError, match=r"grads\[0\] has shape \(3,\) but params\[0\] has "
                                         r"shape \(2,\)"):
        opt.step([np.zeros(2)], [np.zeros(3)])
    with pytest.raises(TypeError, match=r"params\[0\] is updated in place and must be float32"):
        opt.step([np.zeros(2, dtype=int)], [np.zeros(2)])
    with pytest.raises(TypeError, match=r"params\[0\] is updated in place"):
        opt.step([[0.0, 0.0]], [np.zeros(2)])
    with pytest.raises(ValueError, match="contains NaN"):
        opt.step([np.array([np.nan])], [np.zeros(1)])
    opt.step([np.zeros(2)], [np.ones(2)])
    with pytest.raises(ValueError, match="one optimizer per model"):
        opt.step([np.zeros(5)], [np.ones(5)])


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: SGD(0.1, momentum=0.9), RMSprop,
                                  Adam], ids=["SGD", "SGD momentum", "RMSprop", "Adam"])
@pytest.mark.parametrize("grad, error, match", [
    (np.array([np.nan, 1.0, 1.0]), ValueError, r"grads\[1\] contains NaN or inf"),
    (np.array([1.0, np.inf, 1.0]), ValueError, r"grads\[1\] contains NaN or inf"),
    (np.array([1j, 1.0, 1.0]), TypeError, r"grads\[1\] must be real"),
    (np.array(["a", "b", "c"]), TypeError, r"grads\[1\] must be a numeric array"),
    (np.array([1.0, None, 1.0], dtype=object), TypeError, r"grads\[1\] must be a numeric array"),
    ("abc", TypeError, r"grads\[1\] must be a numeric array"),
    (None, TypeError, r"grads\[1\] must be a numeric array"),
    ([[1.0, 2.0], [3.0]], ValueError, r"grads\[1\] must be a numeric array"),
    (np.ones((3, 1)), ValueError, r"grads\[1\] has shape \(3, 1\) but params\[1\] has shape"),
])
def test_every_step_checks_every_gradient_before_moving_any_weight(make, grad, error, match):
    # issue 8: Adam wrote NaN into the weights, and a list, complex, str or object gradient
    # gave a raw NumPy error. A first, clean step sets up the state; the bad gradient comes at
    # the second step, after an untouched first parameter, and nothing may move.
    opt = make()
    params = [np.ones(2), np.ones(3)]
    opt.step(params, [np.ones(2), np.ones(3)])
    before = [p.copy() for p in params]
    with pytest.raises(error, match=match):
        opt.step(params, [np.ones(2), grad])
    assert all(np.array_equal(p, b) for p, b in zip(params, before))


def test_a_gradient_given_as_a_list_of_numbers_is_used_like_an_array():
    a, b = np.ones(3), np.ones(3)
    Adam(0.1).step([a], [[1.0, -2.0, 3.0]])
    Adam(0.1).step([b], [np.array([1.0, -2.0, 3.0])])
    assert np.array_equal(a, b)


def test_a_0d_parameter_can_be_optimized():
    p = np.array(1.0)
    SGD(0.1).step([p], [np.array(0.5)])
    assert p.shape == () and p == pytest.approx(0.95)

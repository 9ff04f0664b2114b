"""Chapter 02: the loss surfaces' gradients, gradient descent with momentum, and Chollet's
momentum erratum (calibration C7 / test T4), plus bad input for descend, surface and
numerical_gradient."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.chapters.ch02_descent import LIMIT, SURFACES, descend, surface
from lessons.gradcheck import check_gradient, numerical_gradient, relative_error

WELL = "tilted well 1-D"


def _point_in(surf, fractions):
    return np.array([lo + f * (hi - lo) for (lo, hi), f in zip(surf.window, fractions)])


@pytest.mark.parametrize("name", list(SURFACES))
@settings(max_examples=25, deadline=None)
@given(fractions=st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)))
def test_surface_gradient_matches_finite_differences(name, fractions):
    surf = SURFACES[name]
    p = _point_in(surf, fractions[: surf.dim])
    assert check_gradient(surf.f, surf.grad, p) < 1e-6


@pytest.mark.parametrize("name", list(SURFACES))
def test_marked_minimum_is_where_descent_settles(name):
    surf = SURFACES[name]
    for m in surf.minima:
        walk = descend(surf, m, 0.01, 0.0, 3000)
        assert np.max(np.abs(walk.end - np.array(m))) < 1e-4


def test_tilted_well_stationary_points():
    roots = np.sort(np.roots([0.4, 0.0, -1.0, 0.3]).real)
    np.testing.assert_allclose(roots, [-1.71394, 0.31217, 1.40177], atol=1e-5)
    grad = SURFACES[WELL].grad
    for r in roots:
        assert abs(grad(np.array([r]))[0]) < 1e-12


def test_numerical_gradient_recovers_a_known_gradient_and_leaves_x_alone():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    g = numerical_gradient(lambda a: np.sum(a ** 3), x)
    np.testing.assert_allclose(g, 3 * before ** 2, rtol=1e-7)
    np.testing.assert_array_equal(x, before)
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0


# Calibration C7 / test T4: Chollet's tilted double well, start 2.5, lr 0.05, 300 steps.
def _well(momentum, rule="classical", steps=300):
    return descend(WELL, (2.5,), 0.05, momentum, steps, rule=rule)


def test_plain_descent_stops_in_the_local_minimum():
    walk = _well(0.0)
    assert not walk.diverged
    assert abs(walk.end[0] - 1.40) < 0.05
    assert round(float(walk.end[0]), 4) == 1.4018


def test_classical_momentum_reaches_the_global_minimum():
    walk = _well(0.9)
    assert not walk.diverged
    assert abs(walk.end[0] + 1.71) < 0.05
    assert round(float(walk.end[0]), 4) == -1.7139


@pytest.mark.parametrize("momentum, expected", [(0.1, 1.402), (0.5, 2.344)])
def test_book_rule_stalls(momentum, expected):
    walk = _well(momentum, "book")
    assert not walk.diverged
    assert abs(walk.end[0] - expected) < 1e-3


def test_book_rule_with_momentum_09_diverges():
    walk = _well(0.9, "book")
    assert walk.diverged
    assert len(walk.points) < 301
    assert np.all(np.isfinite(walk.points)) and np.max(np.abs(walk.points)) <= LIMIT


def test_book_rule_pushes_uphill_where_classical_goes_downhill():
    one = lambda m, rule: descend(WELL, (2.5,), 0.05, m, 1, rule=rule).end[0]  # noqa: E731
    # first step from rest: classical moves by -lr g, the book by (m - 1) lr g: smaller
    g = SURFACES[WELL].grad(np.array([2.5]))[0]
    assert one(0.9, "classical") == pytest.approx(2.5 - 0.05 * g)
    assert one(0.9, "book") == pytest.approx(2.5 - 0.1 * 0.05 * g)


def test_book_rule_without_momentum_is_plain_descent():
    np.testing.assert_allclose(_well(0.0, "book").points, _well(0.0).points)


def test_momentum_zero_is_plain_gradient_descent():
    surf = SURFACES["round bowl"]
    p = np.array(surf.start)
    walk = descend(surf, None, 0.1, 0.0, 5)
    for k in range(1, 6):
        p = p - 0.1 * surf.grad(p)
        np.testing.assert_allclose(walk.points[k], p)


def test_double_well_in_2d_tells_the_same_story():
    ends = {(m, r): descend("double well", (2.5, 1.0), 0.05, m, 300, rule=r)
            for m, r in [(0.0, "classical"), (0.9, "classical"), (0.9, "book")]}
    assert abs(ends[0.0, "classical"].end[0] - 1.40) < 0.05
    assert abs(ends[0.9, "classical"].end[0] + 1.71) < 0.05
    assert ends[0.9, "book"].diverged


@pytest.mark.parametrize("lr, diverges", [(0.05, False), (0.099, False), (0.11, True)])
def test_bowl_stability_limit_is_one_over_a(lr, diverges):
    # 0.5 x² + 10 y²: y -> (1 - 20 lr) y, stable iff lr < 1/10
    walk = descend("ill-conditioned bowl", None, lr, 0.0, 400)
    assert walk.diverged == diverges


@pytest.mark.parametrize("name", list(SURFACES))
def test_divergence_is_flagged_not_raised(name):
    walk = descend(name, None, 10.0, 0.99, 200)
    assert walk.diverged
    assert len(walk.losses) == len(walk.points)
    assert np.all(np.isfinite(walk.points))


def test_walk_shapes_and_zero_steps():
    walk = descend("rosenbrock", None, 1e-3, 0.5, 0)
    assert walk.points.shape == (1, 2) and walk.losses.shape == (1,)
    np.testing.assert_array_equal(walk.end, SURFACES["rosenbrock"].start)
    walk = descend(WELL, None, 1e-3, 0.0, 7)
    assert walk.points.shape == (8, 1)
    np.testing.assert_allclose(walk.losses, SURFACES[WELL].f(walk.points))


def test_surface_accepts_a_surface_object():
    surf = SURFACES["round bowl"]
    assert surface(surf) is surf and surface("round bowl") is surf


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(surf="no such surface"), ValueError, "name must be one of"),
    (dict(start=(1.0,)), ValueError, "2 coordinates"),
    (dict(start=(1.0, 2.0, 3.0)), ValueError, "2 coordinates"),
    (dict(start=(np.nan, 0.0)), ValueError, "NaN"),
    (dict(start="origin"), TypeError, "start"),
    (dict(start=[[1.0, 2.0]]), ValueError, "start"),
    (dict(lr=-0.1), ValueError, "lr"),
    (dict(lr=np.inf), ValueError, "lr"),
    (dict(lr="fast"), TypeError, "lr"),
    (dict(momentum=1.5), ValueError, "momentum"),
    (dict(momentum=-0.1), ValueError, "momentum"),
    (dict(steps=-1), ValueError, "steps"),
    (dict(steps=2.5), TypeError, "steps"),
    (dict(rule="nesterov"), ValueError, "rule"),
])
def test_descend_bad_input(kwargs, error, words):
    args = dict(surf="round bowl", start=None, lr=0.1, momentum=0.0, steps=5, rule="classical")
    args.update(kwargs)
    with pytest.raises(error, match=words):
        descend(args.pop("surf"), **args)


def test_surface_bad_name():
    with pytest.raises(ValueError, match="surface: name must be one of"):
        surface("bowl")


@pytest.mark.parametrize("x, h, error", [
    (np.array([np.nan, 1.0]), 1e-6, ValueError),
    (np.array([np.inf]), 1e-6, ValueError),
    ("1.0", 1e-6, TypeError),
    (np.array([1.0]), 0.0, ValueError),
    (np.array([1.0]), -1e-6, ValueError),
    (np.array([]), 1e-6, ValueError),
])
def test_numerical_gradient_bad_input(x, h, error):
    with pytest.raises(error, match="numerical_gradient"):
        numerical_gradient(lambda a: float(np.sum(a)), x, h)

"""Chapter 03: lessons.chapters.ch03_backprop beyond the book's numbers (those are in test_backprop_book.py):
Equation 3-1 and finite differences on random weights, batches, the XOR run's history and
options, the `+=` accumulation example, and bad input for every public function."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.chapters import ch03_backprop as bp
from lessons.gradcheck import check_gradient, numerical_gradient

finite = st.floats(-2.0, 2.0, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(w=st.lists(finite, min_size=5, max_size=5), x1=finite, x2=finite,
       y=st.floats(0.0, 1.0))
def test_backprop_equals_equation_3_1_and_finite_differences(w, x1, x2, y):
    X, Y = np.array([[x1, x2]]), np.array([[y]])
    analytic = bp.flat_gradient(w, X, Y)
    assert analytic == pytest.approx(bp.equation_3_1(w, x1, x2, y), abs=1e-12)
    numeric = numerical_gradient(lambda v: bp.loss_of(v, X, Y), np.array(w))
    assert np.max(np.abs(analytic - numeric)) < 1e-7


@settings(max_examples=25, deadline=None)
@given(w=st.lists(finite, min_size=5, max_size=5))
def test_pack_inverts_unpack(w):
    params = bp.unpack(w)
    assert [p.shape for p in params] == [(2, 1), (1,), (1, 1), (1,)]
    assert bp.pack(params).tolist() == pytest.approx(w, abs=0)


def test_a_batch_sums_the_per_example_gradients():
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(-1, 1, (6, 2)), rng.uniform(0, 1, (6, 1))
    total = bp.flat_gradient(bp.BOOK_WEIGHTS, X, Y)
    per_example = sum(bp.flat_gradient(bp.BOOK_WEIGHTS, X[i:i + 1], Y[i:i + 1]) for i in range(6))
    assert total == pytest.approx(per_example, abs=1e-14)
    assert check_gradient(lambda v: bp.loss_of(v, X, Y), lambda v: bp.flat_gradient(v, X, Y),
                          bp.BOOK_WEIGHTS) < 1e-7


def test_one_update_moves_each_weight_by_minus_lr_times_gradient():
    params = bp.unpack(bp.BOOK_WEIGHTS)
    result = bp.backward(params, *bp.forward(params))
    grad = bp.flat_gradient(bp.BOOK_WEIGHTS)
    bp.update(params, result.grads, 0.1)
    assert bp.pack(params) - np.array(bp.BOOK_WEIGHTS) == pytest.approx(-0.1 * grad, abs=1e-15)
    # the book's deltas: +0.0066401, -0.0059761, +0.00066401, +0.0141276, -0.0034601
    assert (-0.1 * grad).round(7).tolist() == [0.0066401, -0.0059761, 0.0006640, 0.0141276,
                                               -0.0034601]
    assert result.loss == pytest.approx(0.1681556, abs=1e-7)


def test_book_constants_cannot_be_changed_by_accident():
    for constant in (bp.BOOK_X, bp.BOOK_Y, bp.XOR_X, bp.XOR_T):
        with pytest.raises(ValueError):
            constant[0] = 5.0


def test_xor_history_records_every_pass():
    run = bp.train_xor()
    h = run.history
    assert h.loss.shape == (162,) and h.outputs.shape == (162, 4) and h.neurons.shape == (162, 3, 3)
    assert h.neurons[0].tolist() == bp.neurons(bp.book_xor_init(3)).tolist()
    assert np.array_equal(h.neurons[-1], bp.neurons(run.net))
    assert np.array_equal(h.outputs[-1], run.outputs)
    assert h.loss == pytest.approx(np.sum((bp.XOR_T - h.outputs) ** 2, axis=1) / 2)
    assert h.loss[-1] < h.loss[0]
    assert len(run.orders) == 161 and all(sorted(o) == [0, 1, 2, 3] for o in run.orders)


def test_xor_run_stops_at_max_passes_and_says_so():
    run = bp.train_xor(max_passes=20)
    assert run.passes == 20 and not run.converged and len(run.history.loss) == 21
    full = bp.train_xor()
    assert run.history.outputs == pytest.approx(full.history.outputs[:21], abs=0)


def test_xor_options_change_the_run_deterministically():
    a, b = bp.train_xor(seed=7, lr=0.5, scale=0.5), bp.train_xor(seed=7, lr=0.5, scale=0.5)
    assert a.passes == b.passes and np.array_equal(a.outputs, b.outputs)
    init = bp.book_xor_init(7, 0.5)
    assert np.all(np.abs(init.W1) <= 0.5) and not init.b1.any()
    assert a.history.neurons[0].tolist() == bp.neurons(init).tolist()
    assert bp.train_xor(seed=4).passes != 161


def test_train_xor_does_not_touch_the_global_generator():
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    bp.train_xor(max_passes=3)
    assert np.random.random() == expected


def tied_gradient_overwrites(w, x, t):
    """The bug the chapter shows: `=` where `+=` belongs."""
    z, h, y = bp.tied_forward(w, x)
    dy = y - t
    dw = dy * h
    dz = dy * w * (1.0 - h * h)
    dw = dz * x  # overwrites the first path's share
    return dw


@pytest.mark.parametrize("w, x, t", [(0.8, 1.5, 0.2), (-0.6, 0.7, 1.0), (1.7, -0.4, -0.3)])
def test_tied_weight_gradients_accumulate(w, x, t):
    loss = lambda v: bp.tied_loss(v[0], x, t)  # noqa: E731
    right = lambda v: np.array([bp.tied_gradient(v[0], x, t)])  # noqa: E731
    wrong = lambda v: np.array([tied_gradient_overwrites(v[0], x, t)])  # noqa: E731
    assert check_gradient(loss, right, [w]) < 1e-7
    assert check_gradient(loss, wrong, [w]) > 1e-2  # the gradient check catches the bug
    z, h, y = bp.tied_forward(w, x)
    path1, path2 = (y - t) * h, (y - t) * w * (1 - h * h) * x
    assert bp.tied_gradient(w, x, t) == pytest.approx(path1 + path2, abs=1e-15)


# --- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("w, error, match", [
    ([0.1, 0.2, 0.3, 0.4], ValueError, "5 weights"),
    ([[0.1] * 5], ValueError, "1-D"),
    ([0.1, 0.2, np.nan, 0.4, 0.5], ValueError, "NaN"),
    ("weights", TypeError, "numeric array"),
    ([], ValueError, "empty"),
])
def test_unpack_rejects_bad_weights(w, error, match):
    with pytest.raises(error, match=f"unpack: w .*{match}|unpack: w must hold the {match}"):
        bp.unpack(w)


def test_forward_and_backward_reject_bad_examples():
    params = bp.unpack(bp.BOOK_WEIGHTS)
    with pytest.raises(ValueError, match="forward: X must be 2-D"):
        bp.forward(params, [-0.9, 0.1])
    with pytest.raises(ValueError, match="dense_forward: W has 2 input rows but X has 3"):
        bp.forward(params, [[1.0, 2.0, 3.0]])
    g, f = bp.forward(params)
    with pytest.raises(ValueError, match=r"backward: y has shape \(2, 1\) but X has 1 rows"):
        bp.backward(params, g, f, [[1.0], [0.0]])
    with pytest.raises(ValueError, match="backward: y contains NaN"):
        bp.backward(params, g, f, [[np.nan]])
    with pytest.raises(ValueError, match="loss_of: X contains NaN"):
        bp.loss_of(bp.BOOK_WEIGHTS, [[np.inf, 0.0]])
    with pytest.raises(ValueError, match="sgd_step: lr must be > 0"):
        bp.update(params, bp.backward(params, g, f).grads, 0.0)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(seed=-1), ValueError, "seed must be >= 0"),
    (dict(seed=2 ** 32), ValueError, "seed must be < 2\\*\\*32"),
    (dict(seed=3.5), TypeError, "seed must be an integer"),
    (dict(scale=0.0), ValueError, "scale must be > 0"),
    (dict(lr=-0.1), ValueError, "lr must be > 0"),
    (dict(lr=float("inf")), ValueError, "lr must be finite"),
    (dict(max_passes=0), ValueError, "max_passes must be >= 1"),
    (dict(max_passes=10.0), TypeError, "max_passes must be an integer"),
])
def test_train_xor_rejects_bad_settings(kwargs, error, match):
    with pytest.raises(error, match=f"train_xor: {match}"):
        bp.train_xor(**kwargs)


def test_book_xor_init_and_xor_outputs_reject_bad_input():
    with pytest.raises(TypeError, match="book_xor_init: seed must be an integer"):
        bp.book_xor_init("3")
    with pytest.raises(ValueError, match="book_xor_init: scale must be > 0"):
        bp.book_xor_init(3, -1.0)
    with pytest.raises(ValueError, match="xor_outputs: X must be 2-D"):
        bp.xor_outputs(bp.book_xor_init(), [1.0, -1.0])

"""Layers (Chapter 04): backward vs finite differences, the shared interface, init, bad input."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.gradcheck import numerical_gradient, relative_error
from lessons import layers
from lessons.layers import (
    INITIALIZERS, Conv2D, Dense, Dropout, Layer, MaxPool2D, ReLU, Sequential, Sigmoid, Tanh, mlp,
)

ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}


def probe_loss(model, X, R):
    """L = sum(model(X) * R): a generic scalar whose gradient with respect to the output is R."""
    return float(np.sum(model.forward(X) * R))


def assert_close(analytic, numeric, what):
    """Central differences carry about 1e-10 of round-off (eps |L| / h): an absolute floor
    keeps tiny gradient entries from failing on noise."""
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8, err_msg=what)


def assert_model_gradients(model, X, rng):
    """Analytic dX and every parameter gradient vs central differences, in float64."""
    R = rng.standard_normal(model.forward(X).shape)
    model.forward(X, training=True)
    dX = model.backward(R)
    assert_close(dX, numerical_gradient(lambda x: probe_loss(model, x, R), X), f"dX of {model}")
    for i, (p, g) in enumerate(zip(model.params(), model.grads())):
        analytic = g.copy()

        def loss_at(value, p=p):
            saved = p.copy()
            p[...] = value
            try:
                return probe_loss(model, X, R)
            finally:
                p[...] = saved

        assert_close(analytic, numerical_gradient(loss_at, p.copy()), f"parameter {i} of {model}")


@settings(max_examples=15, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4),
       acts=st.lists(st.sampled_from(sorted(ACTIVATIONS)), min_size=3, max_size=3),
       batch=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_sequential_gradients_match_finite_differences(sizes, acts, batch, seed):
    rng = np.random.default_rng(seed)
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [Dense(n_in, n_out, rng=rng), ACTIVATIONS[acts[k]]()]
    model = Sequential(layers)
    for p in model.params():  # non-zero biases, so that they matter in the check
        p[...] = rng.standard_normal(p.shape)
    assert_model_gradients(model, rng.standard_normal((batch, sizes[0])), rng)


@pytest.mark.parametrize("output", [None, "sigmoid", "tanh"])
def test_mlp_stack_gradients(output):
    rng = np.random.default_rng(3)
    model = mlp([4, 5, 3, 2], activation="tanh", output=output, seed=3)
    assert_model_gradients(model, rng.standard_normal((6, 4)), rng)
    # the chapters' single-number summary of the same check
    X, R = rng.standard_normal((6, 4)), rng.standard_normal((6, 2))
    model.forward(X)
    assert relative_error(model.backward(R),
                          numerical_gradient(lambda x: probe_loss(model, x, R), X)) < 1e-6


def test_dense_forward_backward_values():
    layer = Dense(2, 3, seed=0)
    layer.W[...] = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    layer.b[...] = [0.5, -0.5, 1.0]
    X = np.array([[1.0, -1.0]])
    np.testing.assert_allclose(layer.forward(X), [[-2.5, -3.5, -2.0]])
    dX = layer.backward(np.array([[1.0, 0.0, 2.0]]))
    np.testing.assert_allclose(dX, [[7.0, 16.0]])
    np.testing.assert_allclose(layer.dW, [[1.0, 0.0, 2.0], [-1.0, 0.0, -2.0]])
    np.testing.assert_allclose(layer.db, [1.0, 0.0, 2.0])


def test_activation_layers_keep_what_their_backward_needs():
    Z = np.array([[-2.0, 0.0, 3.0]])
    dY = np.ones_like(Z)
    s = Sigmoid()
    Y = s.forward(Z)
    np.testing.assert_allclose(s.backward(dY), Y * (1 - Y))
    t = Tanh()
    t.forward(Z)
    np.testing.assert_allclose(t.backward(dY), 1 - np.tanh(Z) ** 2)
    r = ReLU()
    r.forward(Z)
    np.testing.assert_array_equal(r.backward(dY), [[0.0, 1.0, 1.0]])  # relu'(0) = 1 (Ekman)


def test_activation_layers_accept_any_shape():
    X = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    for act in ACTIVATIONS.values():
        layer = act()
        assert layer.forward(X).shape == X.shape
        assert layer.backward(np.ones_like(X)).shape == X.shape
        assert layer.params() == [] and layer.grads() == [] and layer.n_params == 0


def test_params_and_grads_are_stable_arrays_updated_in_place():
    model = mlp([3, 4, 2], seed=0)
    params, grads = model.params(), model.grads()
    X = np.ones((5, 3))
    model.forward(X)
    model.backward(np.ones((5, 2)))
    assert all(a is b for a, b in zip(params, model.params()))
    assert all(a is b for a, b in zip(grads, model.grads()))
    assert any(np.any(g != 0) for g in grads)
    assert [p.shape for p in params] == [(3, 4), (4,), (4, 2), (2,)]
    assert model.n_params == 3 * 4 + 4 + 4 * 2 + 2


def test_summary_table():
    model = mlp([64, 64, 10], seed=0)
    assert model.summary() == "\n".join([
        "Layer            Output shape  Params",
        "-------------------------------------",
        "dense_1 (Dense)  [B, 64]        4,160",
        "relu_1 (ReLU)    [B, 64]            0",
        "dense_2 (Dense)  [B, 10]          650",
        "-------------------------------------",
        "Total parameters: 4,810",
    ])


class Flatten(Layer):
    """A stand-in for the later chapters' layers: no parameters, changes the shape, and
    records the training flag it was given."""

    def __init__(self):
        self.seen_training = []
        self._shape = None

    def forward(self, X, training=False):
        self.seen_training.append(training)
        self._shape = X.shape
        return X.reshape(len(X), -1)

    def backward(self, dY):
        return dY.reshape(self._stored(self._shape))

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)


def test_interface_fits_a_parameterless_shape_changing_layer():
    flat = Flatten()
    model = Sequential([flat, Dense(6, 2, seed=0), Sigmoid()])
    X = np.random.default_rng(1).standard_normal((4, 2, 3))
    model.forward(X, training=True)
    model.forward(X)
    assert flat.seen_training == [True, False]
    assert model.backward(np.ones((4, 2))).shape == X.shape
    assert model.n_params == 14 and len(model.params()) == 2
    assert "flatten_1 (Flatten)  [B, 6]" in model.summary(input_shape=(2, 3))
    with pytest.raises(ValueError, match="input_shape"):
        model.summary()
    assert_model_gradients(model, X, np.random.default_rng(2))


def test_initializers_are_seeded_and_scaled():
    a, b = Dense(300, 200, seed=5), Dense(300, 200, seed=5)
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(a.W, Dense(300, 200, seed=6).W)
    assert np.all(a.b == 0)
    limit = np.sqrt(6 / 500)
    assert np.abs(a.W).max() <= limit and np.abs(a.W).max() > 0.99 * limit
    he = Dense(300, 200, init="he", seed=0).W
    assert he.std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)
    uni = Dense(300, 200, init="uniform", seed=0).W
    assert np.abs(uni).max() <= 0.1 and np.abs(uni).max() > 0.099
    ones = Dense(2, 3, init=lambda rng, n_in, n_out: np.ones((n_in, n_out)), seed=0)
    np.testing.assert_array_equal(ones.W, np.ones((2, 3)))
    assert set(INITIALIZERS) == {"glorot", "he", "uniform"}


def test_one_generator_feeds_layers_in_order():
    rng = np.random.default_rng(0)
    first, second = Dense(3, 4, rng=rng), Dense(4, 2, rng=rng)
    again = np.random.default_rng(0)
    np.testing.assert_array_equal(first.W, Dense(3, 4, rng=again).W)
    np.testing.assert_array_equal(second.W, Dense(4, 2, rng=again).W)
    model = mlp([3, 4, 2], seed=0)  # mlp draws from one default_rng(seed) in the same way
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(model.layers[0].W, Dense(3, 4, init="he", rng=rng).W)
    np.testing.assert_array_equal(model.layers[2].W, Dense(4, 2, rng=rng).W)


def test_float32_layers_stay_float32():
    model = mlp([3, 4, 2], activation="tanh", output="sigmoid", seed=0, dtype=np.float32)
    assert all(p.dtype == np.float32 for p in model.params() + model.grads())
    assert model.dtype == np.float32
    Y = model.forward(np.ones((2, 3)))  # float64 input is converted once, at the first Dense
    assert Y.dtype == np.float32
    assert model.backward(np.ones((2, 2), np.float32)).dtype == np.float32
    a64 = mlp([3, 4, 2], seed=0).layers[0].W
    np.testing.assert_array_equal(mlp([3, 4, 2], seed=0, dtype=np.float32).layers[0].W,
                                  a64.astype(np.float32))


def test_mlp_structure():
    model = mlp([4, 8, 8, 3], activation="tanh", output="sigmoid", seed=0)
    assert [type(layer).__name__ for layer in model.layers] == \
        ["Dense", "Tanh", "Dense", "Tanh", "Dense", "Sigmoid"]
    assert [layer.name for layer in model.layers] == \
        ["dense_1", "tanh_1", "dense_2", "tanh_2", "dense_3", "sigmoid_1"]
    assert repr(mlp([2, 1], seed=0)) == "Sequential([Dense(2, 1, dtype=float64)])"


# --- bad input ---------------------------------------------------------------------------------

def test_wrong_input_width_names_the_layer_and_shapes():
    model = mlp([64, 32, 10], seed=0)
    with pytest.raises(ValueError, match=r"Dense 'dense_1': expects input \[B, 64\] "
                                         r"\(n_in = 64\), got shape \(5, 63\)"):
        model.forward(np.zeros((5, 63)))
    with pytest.raises(ValueError, match=r"Dense 'dense_2'.*\[B, 32\].*\(5, 31\)"):
        model.layers[2].forward(np.zeros((5, 31)))
    with pytest.raises(ValueError, match=r"got shape \(64,\)"):
        model.forward(np.zeros(64))


def test_backward_before_forward():
    for layer in (Dense(2, 3, seed=0), Sigmoid(), Tanh(), ReLU()):
        with pytest.raises(RuntimeError, match="backward\\(\\) called before forward"):
            layer.backward(np.ones((1, 3)))


def test_backward_with_wrong_gradient_shape():
    layer = Dense(2, 3, seed=0)
    layer.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"backward expects dY \[4, 3\].*got \(4, 2\)"):
        layer.backward(np.ones((4, 2)))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_in": 0, "n_out": 3, "seed": 0}, ValueError, "n_in must be >= 1"),
    ({"n_in": 2.5, "n_out": 3, "seed": 0}, TypeError, "n_in must be an integer"),
    ({"n_in": 2, "n_out": 3}, TypeError, "pass seed"),
    ({"n_in": 2, "n_out": 3, "seed": 0, "rng": np.random.default_rng(0)}, TypeError, "not both"),
    ({"n_in": 2, "n_out": 3, "rng": 0}, TypeError, "Generator"),
    ({"n_in": 2, "n_out": 3, "seed": -1}, ValueError, "seed must be >= 0"),
    ({"n_in": 2, "n_out": 3, "seed": 0, "init": "xavier"}, ValueError, "init must be one of"),
    ({"n_in": 2, "n_out": 3, "seed": 0, "init": lambda r, i, o: np.ones((3, 2))}, ValueError,
     r"shape \(2, 3\)"),
    ({"n_in": 2, "n_out": 3, "seed": 0, "dtype": np.int64}, TypeError, "np.float32 or np.float64"),
])
def test_dense_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        Dense(**kwargs)


def test_sequential_and_mlp_bad_arguments():
    with pytest.raises(ValueError, match="empty"):
        Sequential([])
    with pytest.raises(TypeError, match=r"layers\[1\] \(ufunc\) is not a layer"):
        Sequential([Dense(2, 2, seed=0), np.tanh])
    with pytest.raises(ValueError, match="at least"):
        mlp([3], seed=0)
    with pytest.raises(ValueError, match="positive integers"):
        mlp([3, 0, 2], seed=0)
    with pytest.raises(ValueError, match="activation must be one of"):
        mlp([3, 2], activation="softmax", seed=0)
    with pytest.raises(TypeError, match="pass seed"):
        mlp([3, 2], seed=None)


def test_training_backward_skips_only_the_data_gradient():
    from lessons.layers import Dense, ReLU, Sequential

    rng = np.random.default_rng(0)
    X, dY = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    full = Sequential([Dense(4, 6, seed=1), ReLU(), Dense(6, 3, seed=2)])
    lean = Sequential([Dense(4, 6, seed=1), ReLU(), Dense(6, 3, seed=2)])
    full.forward(X, training=True)
    lean.forward(X, training=True)
    assert full.backward(dY).shape == X.shape
    assert lean.backward(dY, input_grad=False) is None
    for a, b in zip(full.grads(), lean.grads()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# --- issue 8: what a learner passes to a layer or a model --------------------------------------

def test_a_layer_refuses_nan_none_and_complex_input():
    with pytest.raises(ValueError, match="Dense: X contains NaN or inf"):
        Dense(2, 1, seed=0).forward([[np.nan, 1.0]])
    with pytest.raises(TypeError, match="Sigmoid: X must be a numeric array"):
        Sigmoid().forward(None)
    with pytest.raises(TypeError, match="Sigmoid: X must be real"):
        Sigmoid().forward(np.array([1 + 5j]))


def test_flatten_refuses_an_empty_batch():
    with pytest.raises(ValueError, match=r"Flatten: X is empty \(shape \(0, 3, 4\)\)"):
        layers.Flatten().forward(np.ones((0, 3, 4)))


def every_layer():
    """(layer, a good input) for every layer kind, and a model of several."""
    return [
        (Dense(4, 3, seed=0), np.ones((2, 4))), (Sigmoid(), np.ones((2, 4))),
        (Tanh(), np.ones((2, 4))), (ReLU(), np.ones((2, 4))),
        (Conv2D(1, 2, 3, seed=0), np.ones((2, 1, 5, 5))), (MaxPool2D(2), np.ones((2, 1, 4, 4))),
        (layers.Flatten(), np.ones((2, 1, 4, 4))), (Dropout(rate=0.5, seed=0), np.ones((2, 4))),
        (mlp([4, 3, 2], seed=0), np.ones((2, 4))),
    ]


BAD_INPUTS = [
    (lambda X: None, TypeError, "X must be a numeric array"),
    (lambda X: "abc", TypeError, "X must be a numeric array"),
    (lambda X: X.astype(complex), TypeError, "X must be real"),
    (lambda X: X.astype(object), TypeError, "X must be a numeric array"),
    (lambda X: np.where(X == X, np.nan, X), ValueError, "X contains NaN or inf"),
    (lambda X: np.where(X == X, -np.inf, X), ValueError, "X contains NaN or inf"),
    (lambda X: X[:0], ValueError, "X is empty"),
    (lambda X: [[1.0, 2.0], [3.0]], ValueError, "X must be a numeric array"),
]


@pytest.mark.parametrize("bad, error, match", BAD_INPUTS,
                         ids=["None", "str", "complex", "object", "nan", "-inf", "empty",
                              "ragged"])
def test_every_layer_and_model_names_bad_input(bad, error, match):
    for layer, X in every_layer():
        with pytest.raises(error, match=match):
            layer.forward(bad(X), training=True)


@pytest.mark.parametrize("bad, error, match", BAD_INPUTS[:-2],
                         ids=["None", "str", "complex", "object", "nan", "-inf"])
def test_every_backward_names_a_bad_gradient(bad, error, match):
    for layer, X in every_layer():
        dY = np.ones_like(layer.forward(X, training=True))
        with pytest.raises(error, match=match.replace("X", "dY")):
            layer.backward(bad(dY))


def test_a_model_checks_its_batch_once_not_in_every_layer(monkeypatch):
    from lessons.kernels import checks

    calls = []
    real = checks.array
    monkeypatch.setattr(checks, "array", lambda *a, **k: calls.append(a[:2]) or real(*a, **k))
    model = mlp([4, 8, 8, 2], seed=0)
    model.forward(np.ones((3, 4)), training=True)
    model.backward(np.ones((3, 2)))
    assert calls == [("Sequential", "X"), ("Sequential", "dY")]

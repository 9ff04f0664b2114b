"""lessons.kernels.use: a learner's kernel swapped in runs in the public kernels, the layers, fit
and the widgets; use() (or leaving the with block) puts the course's own back."""
import numpy as np
import pytest

import lessons.kernels as K
from lessons import reference as R
from lessons.kernels import registry, use
from lessons.layers import Conv2D, Dense, MaxPool2D, Sequential, Sigmoid
from lessons.optim import SGD
from lessons.solutions import kernels as S
from lessons.train import fit


@pytest.fixture(autouse=True)
def course_kernels():
    use()
    yield
    use()


def plus_one(X, K, b, stride, pad):
    """A learner's conv2d_forward that is off by one everywhere: easy to see downstream."""
    return R.conv2d_forward(X, K, b, stride, pad) + 1.0


def test_use_as_a_call_and_use_restores():
    X, Kr, b = np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), np.zeros(1)
    own = K.conv2d_forward(X, Kr, b)
    use(conv2d_forward=plus_one)
    assert registry.swapped("conv2d_forward") is plus_one
    np.testing.assert_allclose(K.conv2d_forward(X, Kr, b), own + 1)
    use()
    assert registry.swapped("conv2d_forward") is None
    np.testing.assert_array_equal(K.conv2d_forward(X, Kr, b), own)


def test_with_block_restores_what_ran_before():
    use(dense_backward=S.dense_backward)
    with use(conv2d_forward=plus_one):
        assert registry.in_use()["conv2d_forward"] is plus_one
        assert registry.in_use()["dense_backward"] is S.dense_backward
        with use():
            assert registry.swapped("dense_backward") is None
        assert registry.swapped("conv2d_forward") is plus_one
    assert registry.swapped("conv2d_forward") is None
    assert registry.swapped("dense_backward") is S.dense_backward


def test_passing_the_course_kernel_restores_it():
    use(conv2d_forward=plus_one)
    use(conv2d_forward=K.conv2d_forward)  # no endless recursion through the public function
    assert registry.swapped("conv2d_forward") is None
    assert registry.in_use()["conv2d_forward"] is K.conv2d_forward


def test_unknown_name_and_non_callable_are_refused_by_name():
    with pytest.raises(TypeError, match=r"use: unknown kernel conv2d_forwrd=.*conv2d_forward"):
        use(conv2d_forwrd=plus_one)
    with pytest.raises(TypeError, match=r"use: conv2d_forward must be a function .*got int"):
        use(conv2d_forward=3)
    assert registry.swapped("conv2d_forward") is None  # nothing half-applied


def test_a_wrong_shape_or_a_raising_kernel_names_the_kernel():
    X, Kr, b = np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), np.zeros(1)
    with use(conv2d_forward=lambda X, K, b, s, p: np.zeros((2, 2))):
        with pytest.raises(registry.LearnerKernelError, match=r"your conv2d_forward returned an "
                           r"array of shape \(2, 2\) as Y; .*\(1, 1, 2, 2\)"):
            K.conv2d_forward(X, Kr, b)
    with use(conv2d_forward=lambda X, K, b, s, p: None):
        with pytest.raises(registry.LearnerKernelError, match="returned None as Y"):
            K.conv2d_forward(X, Kr, b)
    with use(dense_backward=lambda X, W, dZ: dZ):
        with pytest.raises(registry.LearnerKernelError, match=r"must return \(dX, dW, db\)"):
            K.dense_backward(np.ones((2, 3)), np.ones((3, 4)), np.ones((2, 4)))

    def broken(X, K, b, stride, pad):
        raise IndexError("oops")
    with use(conv2d_forward=broken), pytest.raises(IndexError) as raised:
        K.conv2d_forward(X, Kr, b)
    assert "check_kernel('conv2d_forward'" in "".join(raised.value.__notes__)


def test_the_learner_kernel_gets_checked_input_and_its_result_gets_the_input_dtype():
    seen = []

    def float64_out(X, K, b, stride, pad):
        seen.append((X.dtype, stride, pad))
        return R.conv2d_forward(X, K, b, stride, pad).astype(np.float64)
    with use(conv2d_forward=float64_out):
        Y = K.conv2d_forward(np.ones((1, 1, 4, 4), np.float32), np.ones((1, 1, 3, 3), np.float32),
                             np.zeros(1, np.float32), 1, 1)
    assert Y.dtype == np.float32 and seen == [(np.float32, 1, 1)]
    with pytest.raises(ValueError, match="conv2d_forward: K has 2 input channels"):
        with use(conv2d_forward=float64_out):  # the course's checks still run first
            K.conv2d_forward(np.ones((1, 1, 4, 4)), np.ones((1, 2, 3, 3)), np.zeros(1))


def test_conv2d_layer_runs_the_swapped_kernels():
    layer = Conv2D(2, 3, 3, pad=1, seed=0)
    X = np.random.default_rng(0).normal(size=(2, 2, 5, 5))
    own = layer.forward(X)
    with use(conv2d_forward=plus_one):
        np.testing.assert_allclose(layer.forward(X), own + 1)
    np.testing.assert_array_equal(layer.forward(X), own)

    dY = np.ones_like(own)
    own_dX = layer.backward(dY)
    own_dK = layer.dK.copy()
    with use(conv2d_backward=S.conv2d_backward):
        np.testing.assert_allclose(layer.backward(dY), own_dX)
        layer.dK[...] = 0
        layer.backward_params(dY)  # the training step's backward uses it too
        np.testing.assert_allclose(layer.dK, own_dK)
    with use(conv2d_backward=lambda X, K, dY, s, p: (np.zeros(X.shape), np.zeros(K.shape),
                                                     np.zeros(K.shape[0]))):
        layer.backward_params(dY)
        assert not layer.dK.any()


def test_dense_sigmoid_and_maxpool_layers_run_the_swapped_kernels():
    rng = np.random.default_rng(1)
    dense, act, pool = Dense(3, 2, seed=0), Sigmoid(), MaxPool2D(2, stride=1)
    X = rng.normal(size=(4, 3))
    act.forward(dense.forward(X))
    calls = []

    def counting(fn):
        def kernel(*args):
            calls.append(fn.__name__)
            return fn(*args)
        return kernel
    with use(dense_backward=counting(S.dense_backward),
             sigmoid_backward=counting(S.sigmoid_backward),
             maxpool2d_backward=counting(S.maxpool2d_backward)):
        dense.backward(act.backward(np.ones((4, 2))))
        dense.backward_params(np.ones((4, 2)))
        pool.forward(rng.normal(size=(1, 1, 3, 3)))
        pool.backward(np.ones((1, 1, 2, 2)))
    assert calls == ["sigmoid_backward", "dense_backward", "dense_backward",
                     "maxpool2d_backward"]


def test_fit_runs_the_swapped_loss_and_backward():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(40, 4)), rng.integers(0, 3, 40)

    def train():
        model = Sequential([Dense(4, 5, seed=0), Sigmoid(), Dense(5, 3, seed=1)])
        return fit(model, K.softmax_cross_entropy, SGD(0.5), X, y, epochs=3, batch_size=8,
                   seed=0, progress=False).loss
    own = train()
    with use(softmax_cross_entropy=S.softmax_cross_entropy, dense_backward=S.dense_backward,
             sigmoid_backward=S.sigmoid_backward):
        np.testing.assert_allclose(train(), own, rtol=1e-10)  # the same math, the learner's code
    with use(dense_backward=lambda X, W, dZ: (dZ @ W.T, np.zeros(W.shape), dZ.sum(axis=0))):
        forgot_dW = train()  # a learner who forgot dW: only the biases learn
    assert not np.allclose(forgot_dW, own)
    assert train() == own


def test_feature_map_widget_runs_the_swapped_conv2d_forward():
    from widgets.feature_maps import FeatureMapState, feature_map
    state = FeatureMapState(source="square", kernel="vertical edge", stride=1, pad=0)
    own = feature_map(state)
    with use(conv2d_forward=plus_one):
        np.testing.assert_allclose(feature_map(state), own + 1)
    np.testing.assert_array_equal(feature_map(state), own)


def test_perceptron_epoch_swapped_updates_the_callers_w():
    X, y = np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([1.0, -1.0])
    w = np.zeros(2)
    with use(perceptron_epoch=S.perceptron_epoch):
        assert K.perceptron_epoch(w, X, y, np.array([0, 1]), 0.5) == 1
    np.testing.assert_allclose(w, [-0.5, 0.5])  # z = 0 gives +1: only example 1 moves w
    with use(perceptron_epoch=lambda w, X, y, order, lr: 1.5):
        with pytest.raises(registry.LearnerKernelError, match="n_updates; it must be a whole"):
            K.perceptron_epoch(w, X, y, np.array([0]), 0.5)

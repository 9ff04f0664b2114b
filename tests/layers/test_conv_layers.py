"""Chapter 07 layers: Conv2D, MaxPool2D, Flatten follow the layer contract and train with fit."""

import numpy as np
import pytest

from lessons import kernels
from lessons.data.sklearn_sets import digits
from lessons.gradcheck import check_gradient
from lessons.kernels import softmax_cross_entropy
from lessons.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential
from lessons.optim import Adam
from lessons.train import accuracy, fit, predict


def tiny_cnn(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return Sequential([Conv2D(1, 4, 3, init="he", rng=rng, dtype=dtype), ReLU(), MaxPool2D(2),
                       Flatten(), Dense(4 * 3 * 3, 10, rng=rng, dtype=dtype)])


def test_conv2d_layer_matches_the_kernels_and_fills_grads():
    layer = Conv2D(2, 3, 3, stride=2, pad=1, seed=0)
    assert layer.K.shape == (3, 2, 3, 3) and layer.n_params == 3 * (2 * 9 + 1)
    layer.b[...] = [0.5, -1.0, 2.0]
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 2, 7, 6))
    Y = layer.forward(X)
    np.testing.assert_array_equal(Y, kernels.conv2d_forward(X, layer.K, layer.b, 2, 1))
    assert Y.shape[1:] == layer.output_shape((2, 7, 6)) == (3, 4, 3)
    dY = rng.standard_normal(Y.shape)
    dX = layer.backward(dY)
    want = kernels.conv2d_backward(X, layer.K, dY, 2, 1)
    for got, expected in zip((dX, layer.dK, layer.db), want):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    held = layer.grads()
    layer.backward_params(2 * dY)  # in place: the arrays grads() returned see the update
    np.testing.assert_allclose(held[0], 2 * want[1], rtol=1e-12, atol=1e-12)
    assert held[0] is layer.dK and held[1] is layer.db


def test_cnn_gradients_match_finite_differences():
    rng = np.random.default_rng(5)
    model = Sequential([Conv2D(2, 3, 3, pad=1, rng=rng), ReLU(), MaxPool2D(2, 1), Flatten(),
                        Dense(3 * 4 * 4, 4, rng=rng)])
    X = rng.standard_normal((3, 2, 5, 5))
    labels = np.array([0, 3, 1])

    def loss_with(param, value):
        saved = param.copy()
        param[...] = value
        loss = softmax_cross_entropy(model.forward(X), labels)[0]
        param[...] = saved
        return loss

    _, dZ = softmax_cross_entropy(model.forward(X), labels)
    dX = model.backward(dZ)
    for param, grad in zip(model.params(), model.grads()):
        grad = grad.copy()
        assert check_gradient(lambda v, p=param: loss_with(p, v), lambda v, g=grad: g,
                              param) < 1e-6
    conv = model.layers[0]
    assert check_gradient(lambda x: softmax_cross_entropy(model.forward(x), labels)[0],
                          lambda x: dX, X) < 1e-6
    assert conv.output_shape((2, 5, 5)) == (3, 5, 5)


def test_shapes_summary_and_flatten_round_trip():
    model = tiny_cnn()
    text = model.summary(input_shape=(1, 8, 8))
    for line in ("conv2d_1 (Conv2D)", "[B, 4, 6, 6]", "maxpool2d_1 (MaxPool2D)", "[B, 4, 3, 3]",
                 "flatten_1 (Flatten)", "[B, 36]", "Total parameters: 410"):
        assert line in text
    flat = Flatten()
    X = np.arange(24.0).reshape(2, 3, 2, 2)
    np.testing.assert_array_equal(flat.backward(flat.forward(X)), X)
    assert MaxPool2D(2).output_shape((5, 9, 7)) == (5, 4, 3)
    # Ekman's Table 7-4: 4,864 and 36,928 parameters
    assert Conv2D(3, 64, 5, stride=2, pad=2, seed=0).n_params == 4864
    assert Conv2D(64, 64, 3, stride=2, pad=1, seed=0).n_params == 36928
    assert Conv2D(3, 64, 5, stride=2, pad=2, seed=0).output_shape((3, 32, 32)) == (64, 16, 16)


def test_maxpool_layer_routes_gradients_to_winners():
    pool = MaxPool2D(2)
    X = np.array([[[[1.0, 5, 0, 0], [2, 3, 0, 7], [0, 0, 0, 0], [9, 0, 0, 1]]]])
    Y = pool.forward(X)
    assert Y.ravel().tolist() == [5, 7, 9, 1]
    dX = pool.backward(np.ones_like(Y))
    assert dX.sum() == 4 and dX[0, 0, 0, 1] == dX[0, 0, 1, 3] == dX[0, 0, 3, 0] == 1


def test_float32_model_stays_float32():
    model = tiny_cnn(dtype=np.float32)
    X = np.zeros((2, 1, 8, 8), np.float32)
    Y = model.forward(X)
    assert Y.dtype == np.float32
    assert model.backward(np.ones_like(Y)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in model.grads())


def test_tiny_cnn_learns_digits():
    X, y = digits(images=True)
    X = (X / 16.0)[:, None]  # [n, 1, 8, 8], pixels in [0, 1]
    model = tiny_cnn(seed=0)
    fit(model, softmax_cross_entropy, Adam(0.01), X[:600], y[:600], epochs=30, batch_size=32,
        seed=0, progress=False)
    test_acc = accuracy(predict(model, X[600:]), y[600:])
    assert test_acc > 0.8, f"test accuracy {test_acc:.3f}"


@pytest.mark.parametrize("make, message", [
    (lambda: Conv2D(1, 4, 3), "Conv2D: pass seed=<int>"),
    (lambda: Conv2D(0, 4, 3, seed=0), "Conv2D: in_channels must be >= 1"),
    (lambda: Conv2D(1, 4, (3, 3, 3), seed=0), "Conv2D: kernel_size must be an int or a pair"),
    (lambda: Conv2D(1, 4, 3, stride=0, seed=0), "Conv2D: stride must be >= 1"),
    (lambda: Conv2D(1, 4, 3, pad=-1, seed=0), "Conv2D: pad must be >= 0"),
    (lambda: Conv2D(1, 4, 3, init="zeros", seed=0), "Conv2D: init must be one of"),
    (lambda: Conv2D(1, 4, 3, init=lambda rng, s, i, o: np.ones(3), seed=0),
     "Conv2D: init must return K of shape (4, 1, 3, 3)"),
    (lambda: Conv2D(1, 4, 3, seed=0).forward(np.ones((2, 3, 8, 8))),
     "expects input [B, 1, H, W] (in_channels = 1), got shape (2, 3, 8, 8)"),
    (lambda: Conv2D(1, 4, 5, seed=0).forward(np.ones((2, 1, 4, 4))),
     "the 5-wide kernel does not fit an input side of 4 with pad 0"),
    (lambda: Conv2D(1, 4, 3, seed=0).backward(np.ones((1, 4, 2, 2))),
     "backward() called before forward()"),
    (lambda: MaxPool2D(3).forward(np.ones((1, 1, 2, 2))), "a 3x3 window needs"),
    (lambda: MaxPool2D(0), "MaxPool2D: size must be >= 1"),
    (lambda: Flatten().forward(np.ones(3)), "Flatten: expects input [B, ...]"),
])
def test_bad_construction_and_input(make, message):
    with pytest.raises((ValueError, TypeError, RuntimeError)) as info:
        make()
    assert message in str(info.value)


def test_conv_backward_rejects_a_wrong_dY():
    layer = Conv2D(1, 2, 3, seed=0)
    layer.forward(np.ones((2, 1, 5, 5)))
    with pytest.raises(ValueError, match=r"backward expects dY \[2, 2, 3, 3\]"):
        layer.backward(np.ones((2, 2, 4, 4)))

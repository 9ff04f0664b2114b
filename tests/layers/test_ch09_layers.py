"""Chapter 09 layers and networks: Residual, GlobalAvgPool2D, DepthwiseConv2D, PointwiseConv2D,
deep_cnn, Frozen; gradients against finite differences, counts against the formulas."""
import numpy as np
import pytest

from lessons.chapters import ch09_deeper_cnns as ch
from lessons.chapters import ch09_transfer as tr
from lessons.layers import DepthwiseConv2D, GlobalAvgPool2D, PointwiseConv2D, Residual
from lessons.gradcheck import check_gradient
from lessons.kernels import depthwise_conv2d_forward, pointwise_conv2d_forward
from lessons.layers import Conv2D, Dense, ReLU, Sequential


def _input_gradient_error(model, X):
    rng = np.random.default_rng(7)
    G = rng.standard_normal(model.forward(X).shape)

    def loss(x):
        return float(np.sum(G * model.forward(x)))

    def grad(x):
        model.forward(x)
        return model.backward(G)
    return check_gradient(loss, grad, X)


@pytest.mark.parametrize("skip", [True, False])
def test_residual_block_gradient_matches_finite_differences(skip):
    block = Residual([Conv2D(2, 2, 3, pad=1, seed=0), ReLU(), Conv2D(2, 2, 3, pad=1, seed=1)],
                     skip=skip)
    X = np.random.default_rng(0).standard_normal((2, 2, 5, 5))
    assert _input_gradient_error(block, X) < 1e-7


def test_downsampling_block_zero_pads_the_shortcut():
    block = Residual([Conv2D(2, 4, 3, stride=2, pad=1, seed=0)], stride=2)
    X = np.random.default_rng(1).standard_normal((2, 2, 5, 5))
    Y = block.forward(X)
    assert Y.shape == (2, 4, 3, 3) and block.output_shape((2, 5, 5)) == (4, 3, 3)
    FX = block.branch.forward(X)
    np.testing.assert_allclose(Y[:, :2], FX[:, :2] + X[:, :, ::2, ::2])
    np.testing.assert_allclose(Y[:, 2:], FX[:, 2:])
    assert _input_gradient_error(block, X) < 1e-7


def test_residual_weights_and_their_gradients_are_the_branchs():
    block = Residual([Conv2D(1, 1, 3, pad=1, seed=0)])
    X = np.random.default_rng(2).standard_normal((3, 1, 4, 4))
    K = block.params()[0]
    G = np.ones((3, 1, 4, 4))

    def loss(k):
        saved = K.copy()
        K[...] = k
        try:
            return float(np.sum(G * block.forward(X)))
        finally:
            K[...] = saved
    block.forward(X)
    block.backward(G)
    dK = block.grads()[0].copy()
    assert check_gradient(loss, lambda k: dK, K.copy()) < 1e-7


def test_a_shortcut_that_cannot_fit_is_refused():
    with pytest.raises(ValueError, match="cannot be added"):
        Residual([Conv2D(4, 2, 3, pad=1, seed=0)]).forward(np.zeros((1, 4, 5, 5)))
    with pytest.raises(TypeError, match="skip must be True or False"):
        Residual([ReLU()], skip=1)


def test_layers_call_the_kernels():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2, 3, 6, 6))
    dw = DepthwiseConv2D(3, 3, pad=1, stride=2, seed=0)
    np.testing.assert_array_equal(dw.forward(X), depthwise_conv2d_forward(X, dw.K, dw.b, 2, 1))
    pw = PointwiseConv2D(3, 5, seed=0)
    np.testing.assert_array_equal(pw.forward(X), pointwise_conv2d_forward(X, pw.K, pw.b))
    assert dw.n_params == 3 * 9 + 3 and pw.n_params == 5 * 3 + 5
    gap = GlobalAvgPool2D()
    np.testing.assert_allclose(gap.forward(X), X.mean(axis=(2, 3)))
    separable = Sequential([dw, pw, GlobalAvgPool2D(), Dense(5, 2, seed=0)])
    assert _input_gradient_error(separable, X) < 1e-7


def test_deep_cnn_has_depth_weight_layers_and_the_same_weights_with_or_without_skips():
    plain, residual = ch.deep_cnn(20, skip=False), ch.deep_cnn(20, skip=True)
    assert len(ch.weight_layers(plain)) == 20 == len(ch.weight_layers(residual))
    for p, r in zip(plain.params(), residual.params()):
        np.testing.assert_array_equal(p, r)
    assert plain.n_params == 8 * 10 + 18 * (8 * 9 * 8 + 8) + 8 * 10 + 10
    with pytest.raises(ValueError, match="depth must be even"):
        ch.deep_cnn(7, skip=True)


def test_frozen_layers_hide_their_weights_from_the_optimizer():
    model = tr.small_cnn(5, seed=0)
    new = tr.with_new_head(model, 3, freeze=True)
    assert [p.shape for p in new.params()] == [(2 * 8 * 49, 3), (3,)]
    assert tr.with_new_head(model, 3, freeze=False).n_params == model.n_params - 5 * 785 + 3 * 785
    thawed = tr.unfrozen(new)
    assert thawed.n_params == model.n_params - 5 * 785 + 3 * 785
    assert thawed.layers[0] is new.layers[0].layer  # the same weights, now learning
    assert thawed.layers[0] is not model.layers[0]  # copies: the pretrained model is kept
    np.testing.assert_array_equal(thawed.layers[0].K, model.layers[0].K)


def test_counts_are_the_books():
    assert sum(n for _, n in ch.resnet34_layers()) == ch.RESNET34_PARAMS == 21_797_672
    c = ch.separable_counts(32, 64, 3, 14, 14)
    assert (c.normal_weights, c.separable_weights, c.book_weights) == (18_496, 2_432, 2_338)
    assert c.separable_multiplies == 14 * 14 * (32 * 9 + 64 * 32)
    assert ch.inception_params(192, 64, 96, 128, 16, 32, 32) == (387_296, 163_696)
    assert ch.vgg_stack(3, 64) == (110_784, 200_768, 7)


def test_augmentation_draws_are_seeded_and_within_limits():
    a = tr.draw_augmentation(np.random.default_rng(0), 50, max_shift=2, max_degrees=10)
    b = tr.draw_augmentation(np.random.default_rng(0), 50, max_shift=2, max_degrees=10)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    angles, shifts, flips = a
    assert np.all(np.abs(angles) <= 10) and np.all(np.abs(shifts) <= 2) and not flips.any()
    with pytest.raises(TypeError, match="rng must be"):
        tr.draw_augmentation(0, 5)

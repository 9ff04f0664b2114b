"""Chapter 08: the Dropout layer (inverted dropout, seeded masks)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons import kernels, reference
from lessons.kernels.dropout import dropout_bits, dropout_threshold
from lessons.layers import Dense, Dropout, Flatten, Sequential


def test_mask_statistics_and_inverted_scaling():
    layer = Dropout(keep_prob=0.8, seed=0)
    X = np.ones((200, 500))
    Y = layer.forward(X, training=True)
    kept = Y != 0
    assert abs(kept.mean() - 0.8) < 0.005  # 100,000 draws: sd of the fraction is 0.0013
    np.testing.assert_allclose(Y[kept], 1 / 0.8)  # survivors are scaled up by 1 / keep_prob
    assert abs(Y.mean() - 1.0) < 0.01  # ... so the mean is what inference sees


def test_rate_is_one_minus_keep_prob():
    a = Dropout(rate=0.3, seed=5)
    b = Dropout(keep_prob=0.7, seed=5)
    assert a.keep_prob == pytest.approx(0.7)
    X = np.arange(1.0, 61.0).reshape(3, 4, 5)
    np.testing.assert_array_equal(a.forward(X, training=True), b.forward(X, training=True))


def test_identity_at_inference_and_when_keeping_everything():
    X = np.random.default_rng(1).normal(size=(4, 3, 5, 5))
    layer = Dropout(keep_prob=0.5, seed=0)
    assert layer.forward(X) is X
    np.testing.assert_array_equal(layer.backward(np.ones_like(X)), np.ones_like(X))
    keep_all = Dropout(keep_prob=1.0, seed=0)
    np.testing.assert_array_equal(keep_all.forward(X, training=True), X)


def test_gradient_goes_through_the_same_mask():
    layer = Dropout(keep_prob=0.6, seed=3)
    X = np.random.default_rng(2).normal(size=(8, 10))
    Y = layer.forward(X, training=True)
    dY = np.random.default_rng(4).normal(size=Y.shape)
    dX = layer.backward(dY)
    np.testing.assert_allclose(dX, dY * layer.mask)
    assert np.all(dX[Y == 0] == 0)  # a dropped unit gets no gradient
    # the local derivative is the mask itself: L = sum(Y * dY) is linear in X for a fixed mask
    np.testing.assert_allclose(np.sum(Y * dY), np.sum(X * dX))


def test_seeded_masks_repeat_and_change_every_forward():
    X = np.ones((16, 16))
    a, b = Dropout(keep_prob=0.5, seed=7), Dropout(keep_prob=0.5, seed=7)
    first_a, first_b = a.forward(X, training=True), b.forward(X, training=True)
    np.testing.assert_array_equal(first_a, first_b)
    second_a = a.forward(X, training=True)
    assert not np.array_equal(first_a, second_a)  # a new mask at every training forward
    bits = dropout_bits(np.random.default_rng(7), (16, 16))  # the layer's first draws
    np.testing.assert_array_equal(first_a != 0, bits < 2 ** 31)


def test_dtype_is_kept():
    X = np.ones((3, 4), dtype=np.float32)
    Y = Dropout(keep_prob=0.8, seed=0).forward(X, training=True)
    assert Y.dtype == np.float32


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 6), min_size=1, max_size=4),
       keep=st.floats(0.05, 0.99), seed=st.integers(0, 2**31))
def test_any_shape_values_are_zero_or_scaled(shape, keep, seed):
    X = np.random.default_rng(seed).normal(size=shape)
    layer = Dropout(keep_prob=keep, seed=seed)
    Y = layer.forward(X, training=True)
    assert Y.shape == X.shape
    kept = layer.mask != 0
    np.testing.assert_allclose(Y[kept], X[kept] / keep)
    assert np.all(Y[~kept] == 0)


def test_in_a_sequential_model():
    model = Sequential([Flatten(), Dropout(rate=0.5, seed=0), Dense(12, 2, seed=0)])
    X = np.ones((5, 3, 4))
    assert model.n_params == 26 and model.output_shape((3, 4)) == (2,)
    assert model.layers[1].name == "dropout_1"
    out = model.forward(X, training=True)
    model.backward(np.ones_like(out))
    np.testing.assert_allclose(model.forward(X), model.forward(X))  # inference: deterministic
    assert "Dropout" in model.summary(input_shape=(3, 4))


@pytest.mark.parametrize("kwargs, error, match", [
    ({}, TypeError, "exactly one"),
    ({"keep_prob": 0.8, "rate": 0.2}, TypeError, "exactly one"),
    ({"keep_prob": 0.0}, ValueError, "keep_prob"),
    ({"keep_prob": 1.5}, ValueError, "keep_prob"),
    ({"rate": 1.0}, ValueError, "rate"),
    ({"rate": -0.1}, ValueError, "rate"),
    ({"keep_prob": float("nan")}, ValueError, "keep_prob"),
])
def test_bad_probabilities(kwargs, error, match):
    with pytest.raises(error, match=match):
        Dropout(seed=0, **kwargs)


def test_needs_a_seed_and_forward_before_backward():
    with pytest.raises(TypeError, match="seed"):
        Dropout(keep_prob=0.8)
    layer = Dropout(keep_prob=0.8, seed=0)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones(3))
    layer.forward(np.ones((2, 3)), training=True)
    with pytest.raises(ValueError, match="dY"):
        layer.backward(np.ones((3, 2)))


# --- the kernel behind the layer ---------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 7), min_size=1, max_size=4),
       keep=st.floats(0.01, 1.0), seed=st.integers(0, 2**31),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_kernel_agrees_with_its_numpy_twin(shape, keep, seed, dtype):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=shape).astype(dtype)
    bits = dropout_bits(rng, shape)
    Y = kernels.inverted_dropout(X, bits, keep)
    assert Y.dtype == dtype and Y.shape == X.shape
    np.testing.assert_allclose(Y, reference.inverted_dropout(X, bits, keep),
                               rtol=1e-6 if dtype == np.float32 else 1e-14)


def test_threshold_is_keep_prob_of_the_32_bit_range():
    assert dropout_threshold(0.5) == 2 ** 31
    assert dropout_threshold(1.0) == 2 ** 32  # every uint32 is below it: nothing dropped
    assert dropout_threshold(0.8) == round(0.8 * 2 ** 32)
    bits = np.array([0, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1], dtype=np.uint32)
    np.testing.assert_array_equal(kernels.inverted_dropout(np.ones(4), bits, 0.5), [2, 2, 0, 0])
    np.testing.assert_array_equal(kernels.inverted_dropout(np.ones(4), bits, 1.0), np.ones(4))


def test_bits_are_uniform_and_seeded():
    bits = dropout_bits(np.random.default_rng(0), (1000, 100))
    assert bits.dtype == np.uint32 and bits.shape == (1000, 100)
    assert abs(bits.mean() / 2 ** 32 - 0.5) < 0.002  # 100,000 draws: sd 0.0009
    np.testing.assert_array_equal(bits, dropout_bits(np.random.default_rng(0), (1000, 100)))
    assert dropout_bits(np.random.default_rng(0), (3,)).shape == (3,)  # an odd count


@pytest.mark.parametrize("call, error, message", [
    (lambda: kernels.inverted_dropout(np.ones(3), np.zeros(3), 0.5), TypeError,
     "inverted_dropout: bits must be uint32"),
    (lambda: kernels.inverted_dropout(np.ones(3), np.zeros(4, np.uint32), 0.5), ValueError,
     "inverted_dropout: bits has shape (4,) but X has shape (3,)"),
    (lambda: kernels.inverted_dropout([1.0, np.nan], np.zeros(2, np.uint32), 0.5), ValueError,
     "inverted_dropout: X contains NaN"),
    (lambda: kernels.inverted_dropout(np.ones(2), np.zeros(2, np.uint32), 0.0), ValueError,
     "keep_prob"),
    (lambda: kernels.inverted_dropout(np.ones(2), np.zeros(2, np.uint32), 1.5), ValueError,
     "keep_prob must be in (0, 1]"),
    (lambda: dropout_bits(0, (2, 2)), TypeError, "dropout_bits: rng must be a np.random.Generator"),
])
def test_bad_input_names_the_argument(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)

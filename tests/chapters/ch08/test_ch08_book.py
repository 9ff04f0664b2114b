"""Chapter 08: the books' CNNs built from lessons.layers, their parameter counts and shapes
(Tavenard's LeNet-5 table, Weidman's experiment, Skansi's MNIST CNN, Ekman's Chapter 7 tables
and errata), and a short training run that must learn."""
import numpy as np
import pytest

from lessons.chapters import ch08_cnn as cnn
from lessons.data import mnist_subset
from lessons.kernels import softmax_cross_entropy
from lessons.layers import Conv2D, Dense, Dropout, Flatten, Sequential
from lessons.optim import SGD
from lessons.train import evaluate, fit


def weighted(model):
    return [(name, shape, n) for name, shape, n in cnn.layer_table(model) if n]


def test_lenet5_matches_tavenards_table():
    model = cnn.lenet5(seed=0)
    rows = cnn.layer_table(model)
    shapes = {name: shape for name, shape, _ in rows}
    assert (shapes["relu_1"], shapes["maxpool2d_1"], shapes["relu_2"], shapes["maxpool2d_2"],
            shapes["flatten_1"]) == cnn.LENET5_SHAPES
    assert tuple(n for _, _, n in weighted(model)) == cnn.LENET5_PARAMS == (
        156, 2416, 48120, 10164, 850)
    assert model.n_params == cnn.LENET5_TOTAL == 61706 == sum(cnn.LENET5_PARAMS)
    assert "Total parameters: 61,706" in model.summary(input_shape=cnn.MNIST_SHAPE)
    # the same network on images padded to 32 x 32 beforehand, with pad=0
    padded = cnn.lenet5(seed=0, input_size=32)
    assert padded.layers[0].pad == 0 and model.layers[0].pad == 2
    assert cnn.layer_table(padded, (1, 32, 32)) == rows
    with pytest.raises(ValueError, match="input_size"):
        cnn.lenet5(seed=0, input_size=30)


def test_lenet5_counts_follow_ekmans_rules():
    assert cnn.conv_params(1, 6, 5) == 156 and cnn.conv_params(6, 16, 5) == 2416
    assert cnn.dense_params(400, 120) == 48120 and cnn.dense_params(120, 84) == 10164
    assert cnn.dense_params(84, 10) == 850


def test_weidman_model_800_weights_make_25088_features():
    model = cnn.weidman_cnn()
    conv, dense = model.layers[0], model.layers[-1]
    assert conv.K.shape == (32, 1, 5, 5) and conv.K.size == 800 and conv.b.size == 32
    assert dense.W.shape == (25088, 10) and dense.b.size == 10
    assert model.output_shape(cnn.MNIST_SHAPE) == (10,)
    assert model.layers[3].output_shape((32, 28, 28)) == (32 * 28 * 28,) == (25088,)
    assert model.n_params == 800 + 32 + 25088 * 10 + 10 == 251722
    assert isinstance(model.layers[2], Dropout) and model.layers[2].keep_prob == 0.8
    assert model.dtype == np.float32
    # a dense layer with 32 units has as many weights as the conv layer has features
    assert 784 * 32 == 32 * 28 * 28


def test_weidman_model_is_seeded():
    a, b = cnn.weidman_cnn(seed=1, dtype=np.float64), cnn.weidman_cnn(seed=1, dtype=np.float64)
    for p, q in zip(a.params(), b.params()):
        np.testing.assert_array_equal(p, q)
    X = np.random.default_rng(0).normal(size=(2, 1, 28, 28))
    np.testing.assert_array_equal(a.forward(X, training=True), b.forward(X, training=True))
    assert not np.array_equal(a.forward(X, training=True), a.forward(X))  # dropout while training


def test_skansi_cnn_shapes_and_count():
    model = cnn.skansi_cnn(seed=0)
    shapes = [shape for _, shape, _ in cnn.layer_table(model)]
    assert shapes[:6] == [(32, 25, 25), (32, 25, 25), (32, 12, 12), (32, 10, 10), (32, 10, 10),
                          (32, 5, 5)]
    assert shapes[-2:] == [(800,), (10,)]
    assert tuple(n for _, _, n in weighted(model)) == (544, 9248, 8010)
    assert model.n_params == 17802
    assert model.layers[6].keep_prob == pytest.approx(0.7)  # Keras' Dropout(0.3)


def test_ekman_table_7_4_and_its_erratum():
    model = Sequential([Conv2D(3, 64, 5, stride=2, pad=2, seed=0),
                        Conv2D(64, 64, 3, stride=2, pad=1, seed=1), Flatten(),
                        Dense(4096, 10, seed=2)])
    rows = cnn.layer_table(model, (3, 32, 32))
    assert [shape for _, shape, _ in rows] == [(64, 16, 16), (64, 8, 8), (4096,), (10,)]
    assert [n for _, _, n in rows] == [4864, 36928, 0, 40970]
    assert model.n_params == 82762
    assert 10 * 4097 == 40970 != 10 * 4090  # the table's "10 x 4,090" is a typo


def test_ekman_tables_7_2_and_7_3():
    # 64 channels, stride 2, 'same': ceil(W / 2) neurons per side
    assert 16 * 16 * 64 == 16384 and 320 * 240 * 64 == 4915200 != 4925200  # erratum
    assert cnn.conv_params(3, 64, 3) == 1792 and cnn.conv_params(3, 64, 5) == 4864
    assert 16384 * 28 == 458752 and 16384 * 76 == 1245184
    assert 16384 * (32 * 32 * 3 + 1) == 50348032


def test_receptive_fields_of_stacked_convs():
    assert [cnn.receptive_field(n) for n in (1, 2, 3)] == [3, 5, 7]
    assert cnn.receptive_field(2, 5) == 9


def test_standardize_adds_the_channel_axis():
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    X = cnn.standardize(images, 10.0, 2.0)
    assert X.shape == (2, 1, 28, 28) and X.dtype == np.float32
    assert X[0, 0, 0, 0] == pytest.approx(-5.0)
    with pytest.raises(ValueError, match="images"):
        cnn.standardize(images[0], 0.0, 1.0)
    with pytest.raises(ValueError, match="std"):
        cnn.standardize(images, 0.0, 0.0)


def test_a_short_training_run_learns():
    images, labels = mnist_subset(800, seed=3)
    m, s = images[:600].mean(), images[:600].std()
    X = cnn.standardize(images, m, s)
    model = cnn.weidman_cnn(seed=0)
    history = fit(model, softmax_cross_entropy, SGD(0.01, momentum=0.9), X[:600], labels[:600],
                  epochs=1, batch_size=60, seed=0, progress=False)
    assert not history.diverged
    _, acc = evaluate(model, softmax_cross_entropy, X[600:], labels[600:])
    assert acc > 0.6  # chance is 0.1; measured 0.83


# --- the book's kernel-gradient erratum ---------------------------------------------------------

def test_weidman_filter_gradient_right_order_is_the_kernels():
    from lessons import kernels
    rng = np.random.default_rng(0)
    X, K = rng.normal(size=(3, 2, 7, 7)), rng.normal(size=(4, 2, 5, 5))
    dY = rng.normal(size=(3, 4, 7, 7))
    np.testing.assert_allclose(cnn.weidman_filter_gradient(X, dY, 5, 2),
                               kernels.conv2d_backward(X, K, dY, 1, 2)[1], rtol=1e-12, atol=1e-12)
    # the book's order: right for one image, wrong for a batch
    np.testing.assert_allclose(cnn.weidman_filter_gradient(X[:1], dY[:1], 5, 2, book=True),
                               kernels.conv2d_backward(X[:1], K, dY[:1], 1, 2)[1], rtol=1e-12,
                               atol=1e-12)
    with pytest.raises(ValueError, match="dY has shape"):
        cnn.weidman_filter_gradient(X, dY, 3, 2)
    with pytest.raises(ValueError, match="contains NaN"):
        cnn.weidman_filter_gradient(X, np.full_like(dY, np.nan), 5, 2)
    wrong = cnn.weidman_filter_gradient(X, dY, 5, 2, book=True)
    right = cnn.weidman_filter_gradient(X, dY, 5, 2)
    assert np.linalg.norm(wrong - right) > 0.3 * np.linalg.norm(right)


def test_book_gradient_layer_moves_the_output_gradients_like_the_book():
    rng = np.random.default_rng(1)
    X, dY = rng.normal(size=(4, 1, 6, 6)), rng.normal(size=(4, 3, 6, 6))
    layer = cnn.BookGradientConv2D(1, 3, 5, pad=2, seed=0)
    right = Conv2D(1, 3, 5, pad=2, seed=0)
    for net in (layer, right):
        net.forward(X, training=True)
    dX = layer.backward(dY)
    np.testing.assert_allclose(dX, right.backward(dY), rtol=1e-12, atol=1e-12)  # dX stays right
    np.testing.assert_allclose(layer.db, right.db, rtol=1e-12, atol=1e-12)  # so does db
    np.testing.assert_allclose(layer.dK, cnn.weidman_filter_gradient(X, dY, 5, 2, book=True),
                               rtol=1e-12, atol=1e-12)
    layer.backward_params(dY)
    np.testing.assert_allclose(layer.dK, cnn.weidman_filter_gradient(X, dY, 5, 2, book=True),
                               rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="stride 1, got stride=2"):
        cnn.BookGradientConv2D(1, 3, 5, stride=2, seed=0)
    model = cnn.weidman_cnn(book_gradient=True)
    assert isinstance(model.layers[0], cnn.BookGradientConv2D)
    for p, q in zip(model.params(), cnn.weidman_cnn().params()):  # the same initial weights
        np.testing.assert_array_equal(p, q)


@pytest.fixture(scope="module")
def mnist_standardized():
    from lessons.data import load_mnist
    train, train_labels = load_mnist("train")
    test, test_labels = load_mnist("test")
    mean, std = float(train.mean()), float(train.std())
    return (cnn.standardize(train, mean, std), train_labels, cnn.standardize(test, mean, std),
            test_labels)


def test_one_full_epoch_with_the_books_gradient(mnist_standardized):
    """The band that holds the book's 90.50 %: one epoch with the book's kernel gradient, batch
    60, SGD 0.01 with momentum 0.9, seed 20190402 (about 20 s). Over 12 seeds it lands at 82.3
    to 91.8 % (78.4 to 91.9 % with NumPy's tanh, a bit different), and a single run is chaotic
    (one float rounding changed 88.5 % to 80.5 %), so the band has room below. The right gradient's full epoch is the chapter's own cell: nbval
    checks the 95.59 % it prints, on two instruction sets."""
    X, y, X_test, y_test = mnist_standardized
    model = cnn.weidman_cnn(seed=cnn.WEIDMAN_SEED, book_gradient=True)
    history = fit(model, softmax_cross_entropy, SGD(cnn.WEIDMAN_LR, momentum=cnn.WEIDMAN_MOMENTUM),
                  X, y, epochs=1, batch_size=60, seed=cnn.WEIDMAN_SEED, progress=False)
    assert not history.diverged
    _, acc = evaluate(model, softmax_cross_entropy, X_test, y_test, batch_size=100)
    assert 0.70 <= acc <= 0.93

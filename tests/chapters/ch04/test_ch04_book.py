"""Chapter 04: the book's numbers and the chapter's claims.

Covered elsewhere, not repeated here: the training-set class counts and mean pixel 33.32
(tests/data/test_data_mnist.py), the one-epoch full-MNIST accuracy band of the 784-25-10 net and the
Appendix F quirk (tests/chapters/ch04/test_ch04_mnist_net.py), the confusion matrix's algebra (tests/train/test_metrics.py).
"""
import numpy as np
import pytest

from lessons.chapters import ch04_mnist_net as mnist_net
from lessons.data import load_fashion_mnist, load_mnist, mnist_subset
from lessons.kernels import softmax, softmax_cross_entropy
from lessons.layers import Dense, Sequential, mlp
from lessons.train.metrics import class_frequencies, shuffled_label_accuracy
from lessons.optim import SGD, RMSprop
from lessons.train import evaluate, fit, predict

TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_first_label_and_test_set_shapes():
    images, labels = load_mnist("train")
    assert labels[0] == 5  # Ekman's Snippet 4-2 prints a 5
    digit = images[0]
    assert digit.shape == (28, 28) and digit[:4].max() == 0  # the blank border
    test_images, test_labels = load_mnist("test")
    assert test_images.shape == (10000, 28, 28)
    assert np.bincount(test_labels).tolist() == TEST_COUNTS


def test_standardization_uses_the_training_statistics_only():
    train_images, train_labels = load_mnist("train")
    test_images, test_labels = load_mnist("test")
    train = mnist_net.prepare(train_images, train_labels)
    test = mnist_net.prepare(test_images, test_labels, train.mean, train.std)
    assert (train.mean, train.std) == pytest.approx((33.3184, 78.5675), abs=1e-4)
    assert (test.mean, test.std) == (train.mean, train.std)
    # the test set's own statistics differ: using them would be a (small) leak
    assert test_images.mean() == pytest.approx(33.7912, abs=1e-4)
    assert abs(test_images.mean() - train.mean) > 0.4
    assert float(test.X.mean()) == pytest.approx((33.7912 - train.mean) / train.std, abs=1e-4)


class CountingSGD(SGD):
    """SGD that counts its steps."""

    def __init__(self, lr):
        super().__init__(lr)
        self.steps = 0

    def step(self, params, grads):
        self.steps += 1
        super().step(params, grads)


def test_update_count_arithmetic_of_chollets_run():
    # 60,000 images, batch 128, 5 epochs: 469 updates per epoch, 2,345 in all (section 2.5);
    # the loop itself is counted, on a one-weight model so that it takes no time
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60000, 1))
    y = rng.integers(0, 2, 60000)
    optimizer = CountingSGD(0.01)
    fit(Sequential([Dense(1, 2, seed=0)]), softmax_cross_entropy, optimizer, X, y,
        epochs=1, batch_size=128, seed=0, progress=False)
    assert optimizer.steps == 469 == -(-60000 // 128)
    fit(Sequential([Dense(1, 2, seed=0)]), softmax_cross_entropy, optimizer, X, y,
        epochs=4, batch_size=128, seed=0, progress=False)
    assert optimizer.steps == 2345


def test_chollets_network_learns_and_its_softmax_rows_sum_to_one():
    images, labels = mnist_subset(2000, seed=0, normalize=True)
    test_images, test_labels = mnist_subset(1000, kind="test", seed=0, normalize=True)
    X, X_test = images.reshape(2000, 784), test_images.reshape(1000, 784)
    model = mlp([784, 512, 10], activation="relu", seed=0, dtype=np.float32)
    assert model.n_params == 407050
    fit(model, softmax_cross_entropy, RMSprop(1e-3), X, labels, epochs=3, batch_size=128,
        seed=0, progress=False)
    probs = softmax(predict(model, X_test))
    assert probs.shape == (1000, 10) and np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    loss, accuracy = evaluate(model, softmax_cross_entropy, X_test, test_labels)
    assert accuracy > 0.85  # measured 0.89 (the full run: 0.9808, the book 0.9785)


def test_shuffled_labels_score_the_baseline():
    # A net trained on shuffled labels learns nothing that carries over: on the true test
    # labels it scores sum p^2 (0.1004 for MNIST's test set), within +-0.03.
    test_images, test_labels = load_mnist("test")
    baseline = shuffled_label_accuracy(test_labels)
    assert baseline == pytest.approx(np.sum(class_frequencies(test_labels) ** 2))
    assert baseline == pytest.approx(0.1004, abs=1e-4)
    images, labels = mnist_subset(1000, seed=1)
    noisy = mnist_net.prepare(images, np.random.default_rng(0).permutation(labels),
                              dtype=np.float64)
    test = mnist_net.prepare(test_images, test_labels, noisy.mean, noisy.std, dtype=np.float64)
    W1, W2 = mnist_net.init_weights(0, dtype=np.float64)
    history = mnist_net.fit(W1, W2, noisy, test, epochs=10, seed=0, progress=False)
    assert abs(np.mean(history.val_accuracy) - baseline) < 0.03
    assert history.accuracy[-1] > history.val_accuracy[-1]  # memorizing begins


def test_fashion_mnist_one_epoch():
    try:
        images, labels = load_fashion_mnist("train")
        test_images, test_labels = load_fashion_mnist("test")
    except FileNotFoundError:
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    train = mnist_net.prepare(images, labels)
    test = mnist_net.prepare(test_images, test_labels, train.mean, train.std)
    W1, W2 = mnist_net.init_weights(0)
    history = mnist_net.fit(W1, W2, train, test, epochs=1, seed=0, progress=False)
    # measured 0.8301 (float64, seed 0): clothes are harder than digits (0.918)
    assert 0.80 <= history.val_accuracy[0] <= 0.86

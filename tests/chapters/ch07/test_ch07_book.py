"""Chapter 07: the books' numbers that tests/kernels/test_conv_kernels.py does not already check,
computed through the public kernels: parameter counts (Skansi, Weidman, Ekman Tables 7-2 to
7-4, Tavenard's LeNet-5), and Tavenard's translation equivariance and Gaussian smoothing."""
import numpy as np

from lessons import kernels


def params(K, b):
    return K.size + b.size


def test_skansi_fully_connected_vs_convolutional_weights():
    dense = [(784, 100), (100, 100), (100, 100), (100, 1)]
    assert sum(a * b for a, b in dense) == 98_500
    layers = [(np.zeros((1, 1, 3, 3)), np.zeros(1)) for _ in range(5)]
    assert sum(K.size for K, _ in layers) == 45 and sum(b.size for _, b in layers) == 5
    X = np.ones((1, 1, 28, 28))
    for K, b in layers:  # five stacked 3x3 fields: 28 -> 18, every layer the same 10 numbers
        X = kernels.conv2d_forward(X, K, b)
    assert X.shape == (1, 1, 18, 18)


def test_weidman_800_weights_make_25088_features():
    K, b = np.zeros((32, 1, 5, 5)), np.zeros(32)
    Y = kernels.conv2d_forward(np.zeros((1, 1, 28, 28)), K, b, 1, 2)  # 'same' padding
    assert K.size == 800 and Y[0].size == 32 * 28 * 28 == 25_088
    assert 784 * 32 == 25_088  # a dense layer: that many weights for only 32 features


def test_ekman_table_7_4_model():
    X = np.zeros((1, 3, 32, 32))
    K1, b1 = np.zeros((64, 3, 5, 5)), np.zeros(64)
    Y1 = kernels.conv2d_forward(X, K1, b1, 2, 2)
    K2, b2 = np.zeros((64, 64, 3, 3)), np.zeros(64)
    Y2 = kernels.conv2d_forward(Y1, K2, b2, 2, 1)
    assert Y1.shape[1:] == (64, 16, 16) and Y2.shape[1:] == (64, 8, 8)
    flat = Y2[0].size
    counts = [params(K1, b1), params(K2, b2), 10 * (flat + 1)]
    assert flat == 4_096 and counts == [4_864, 36_928, 40_970] and sum(counts) == 82_762


def test_ekman_tables_7_2_and_7_3():
    per_neuron = {k: params(np.zeros((1, 3, k, k)), np.zeros(1)) for k in (3, 5)}
    assert per_neuron == {3: 28, 5: 76}
    assert 32 * 32 * 3 + 1 == 3_073 and 640 * 480 * 3 + 1 == 921_601
    for (h, w), neurons in (((32, 32), 16_384), ((640, 480), 4_915_200)):
        out = [kernels.conv_output_size(n, 3, 2, 1) for n in (h, w)]
        assert 64 * out[0] * out[1] == neurons  # 64 channels, stride 2, 'same'
    unique = {k: params(np.zeros((64, 3, k, k)), np.zeros(64)) for k in (3, 5)}
    assert unique == {3: 1_792, 5: 4_864}
    assert (16_384 * 28, 16_384 * 76) == (458_752, 1_245_184)
    assert 16_384 * 3_073 == 50_348_032


def test_tavenard_lenet5_shapes_and_61706_parameters():
    rng = np.random.default_rng(0)
    X = rng.random((1, 1, 32, 32))
    K1, b1 = rng.normal(size=(6, 1, 5, 5)), np.zeros(6)
    K2, b2 = rng.normal(size=(16, 6, 5, 5)), np.zeros(16)
    h = kernels.conv2d_forward(X, K1, b1)
    assert h.shape[1:] == (6, 28, 28)
    h, _ = kernels.maxpool2d_forward(np.maximum(h, 0), 2, 2)
    assert h.shape[1:] == (6, 14, 14)
    h = kernels.conv2d_forward(h, K2, b2)
    assert h.shape[1:] == (16, 10, 10)
    h, _ = kernels.maxpool2d_forward(np.maximum(h, 0), 2, 2)
    assert h.shape[1:] == (16, 5, 5) and h[0].size == 400
    counts = [params(K1, b1), params(K2, b2), 400 * 120 + 120, 120 * 84 + 84, 84 * 10 + 10]
    assert counts == [156, 2_416, 48_120, 10_164, 850] and sum(counts) == 61_706


def test_tavenard_translation_equivariance_and_gaussian_smoothing():
    rng = np.random.default_rng(1)
    t = np.linspace(0, 4 * np.pi, 200)
    x = np.sin(t) + 0.3 * rng.standard_normal(200)
    g = np.exp(-0.5 * (np.arange(-6, 7) / 2.0) ** 2)
    g /= g.sum()
    y = kernels.conv1d_forward(x[None, None], g[None, None], np.zeros(1), 1, 6)[0, 0]
    shifted = kernels.conv1d_forward(np.roll(x, 15)[None, None], g[None, None], np.zeros(1),
                                     1, 6)[0, 0]
    # away from the borders, shifting the input shifts the output by the same amount
    np.testing.assert_allclose(shifted[30:-10], y[15:-25], rtol=0, atol=1e-12)
    # the filter averages the noise away: closer to the clean sine than the input was
    assert np.std(y[10:-10] - np.sin(t)[10:-10]) < 0.5 * np.std(x - np.sin(t))


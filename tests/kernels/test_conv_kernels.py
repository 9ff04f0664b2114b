"""Chapter 07 convolution kernels: NumPy twins, finite differences, book numbers, bad input."""
import json

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons import kernels, reference
from lessons.gradcheck import check_gradient
from lessons.kernels.threads import one_blas_thread

FLOATS = st.sampled_from([np.float64, np.float32])
SEEDS = st.integers(0, 2**32 - 1)
FEW = settings(max_examples=30, deadline=None)


def assert_twin(got, want, dtype):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == dtype and got.shape == want.shape
    tol = 1e-11 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@st.composite
def conv2d_case(draw):
    """A random valid 2D convolution: sizes, stride, pad, and a seed for the arrays."""
    N, C, F = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, pad = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    H = draw(st.integers(max(1, kh - 2 * pad), 9))
    W = draw(st.integers(max(1, kw - 2 * pad), 9))
    return (N, C, H, W), (F, C, kh, kw), stride, pad


@FEW
@given(case=conv2d_case(), dtype=FLOATS, seed=SEEDS)
def test_conv2d_matches_twin(case, dtype, seed):
    x_shape, k_shape, stride, pad = case
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(x_shape).astype(dtype)
    K = rng.standard_normal(k_shape).astype(dtype)
    b = rng.standard_normal(k_shape[0]).astype(dtype)
    Y = kernels.conv2d_forward(X, K, b, stride, pad)
    assert_twin(Y, reference.conv2d_forward(X, K, b, stride, pad), dtype)
    assert Y.shape[2:] == tuple(kernels.conv_output_size(n, k, stride, pad)
                                for n, k in zip(x_shape[2:], k_shape[2:]))
    dY = rng.standard_normal(Y.shape).astype(dtype)
    for got, want in zip(kernels.conv2d_backward(X, K, dY, stride, pad),
                         reference.conv2d_backward(X, K, dY, stride, pad)):
        assert_twin(got, want, dtype)


@FEW
@given(N=st.integers(1, 3), C=st.integers(1, 3), F=st.integers(1, 3), k=st.integers(1, 5),
       L=st.integers(1, 12), stride=st.integers(1, 3), pad=st.integers(0, 2), dtype=FLOATS,
       seed=SEEDS)
def test_conv1d_matches_twin(N, C, F, k, L, stride, pad, dtype, seed):
    L = max(L, k - 2 * pad)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, C, L)).astype(dtype)
    K = rng.standard_normal((F, C, k)).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    Y = kernels.conv1d_forward(X, K, b, stride, pad)
    assert_twin(Y, reference.conv1d_forward(X, K, b, stride, pad), dtype)
    dY = rng.standard_normal(Y.shape).astype(dtype)
    for got, want in zip(kernels.conv1d_backward(X, K, dY, stride, pad),
                         reference.conv1d_backward(X, K, dY, stride, pad)):
        assert_twin(got, want, dtype)


# --- finite differences: L = sum(dY * Y) has dL/dY = dY ------------------------------------

@pytest.mark.parametrize("ndim, x_shape, k_shape, stride, pad", [
    (2, (2, 2, 5, 6), (3, 2, 3, 2), 1, 1),
    (2, (1, 3, 7, 7), (2, 3, 3, 3), 2, 0),
    (2, (5, 2, 12, 11), (3, 2, 3, 3), 1, 1),  # Winograd (3x3, stride 1), blocks of 4 and 1
    (2, (2, 2, 4, 5), (2, 2, 3, 3), 1, 2),
    (2, (2, 1, 4, 4), (2, 1, 2, 2), 3, 2),
    (1, (2, 2, 7), (3, 2, 3), 1, 1),
    (1, (1, 3, 9), (2, 3, 4), 2, 2),
])
def test_gradients_match_finite_differences(ndim, x_shape, k_shape, stride, pad):
    forward = kernels.conv2d_forward if ndim == 2 else kernels.conv1d_forward
    backward = kernels.conv2d_backward if ndim == 2 else kernels.conv1d_backward
    rng = np.random.default_rng(7)
    X, K = rng.standard_normal(x_shape), rng.standard_normal(k_shape)
    b = rng.standard_normal(k_shape[0])
    dY = rng.standard_normal(forward(X, K, b, stride, pad).shape)

    def loss(X, K, b):
        return np.sum(dY * forward(X, K, b, stride, pad))

    def grads(X, K):
        return backward(X, K, dY, stride, pad)

    assert check_gradient(lambda x: loss(x, K, b), lambda x: grads(x, K)[0], X) < 1e-7
    assert check_gradient(lambda k: loss(X, k, b), lambda k: grads(X, k)[1], K) < 1e-7
    assert check_gradient(lambda c: loss(X, K, c), lambda c: grads(X, K)[2], b) < 1e-7


# --- the books' numbers ----------------------------------------------------------------------

def test_weidman_1d_example_and_perturbation_gradients():
    x = np.array([[[1.0, 2, 3, 4, 5]]])
    w = np.array([[[1.0, 1, 1]]])
    b = np.zeros(1)
    out = kernels.conv1d_forward(x, w, b, 1, 1)
    assert out.ravel().tolist() == [3, 6, 9, 12, 9] and out.sum() == 39
    # Weidman's perturbations: input[4] 5 -> 6 gives 41, w[0] 1 -> 2 gives 49
    assert kernels.conv1d_forward(x + np.eye(5)[4], w, b, 1, 1).sum() == 41
    assert kernels.conv1d_forward(x, w + np.eye(3)[0], b, 1, 1).sum() == 49
    dX, dW, db = kernels.conv1d_backward(x, w, np.ones_like(out), 1, 1)
    assert dX.ravel().tolist() == [2, 3, 3, 3, 2] and dX[0, 0, 4] == 2
    assert dW.ravel().tolist() == [10, 15, 14] and dW[0, 0, 0] == 10
    assert db.tolist() == [5]


def test_skansi_sizes_and_ekman_arithmetic():
    assert [kernels.conv_output_size(n, 3) for n in (10, 8, 6)] == [8, 6, 4]
    X = np.ones((1, 1, 10, 10))
    for want in (8, 6, 4):
        X = kernels.conv2d_forward(X, np.ones((1, 1, 3, 3)), np.zeros(1))
        assert X.shape == (1, 1, want, want)
    assert kernels.conv_output_size(10, 4) == 7  # Skansi: 10-vector, size-4 field
    # Ekman: 'same' padding k // 2 keeps the size at stride 1 and gives ceil(W / S) at stride 2
    assert [kernels.conv_output_size(n, k, 1, k // 2) for n, k in [(28, 3), (28, 5)]] == [28, 28]
    assert [kernels.conv_output_size(n, 5, 2, 2) for n in (32, 16)] == [16, 8]
    assert kernels.conv_output_size(32, 3, 2, 1) == 16
    # Fig. 7-5 on a 6x8 image; "cover" is ceil((W - K) / S) + 1, "valid" drops the remainder
    assert [(kernels.conv_output_size(6, k, s), kernels.conv_output_size(8, k, s))
            for k, s in [(2, 1), (2, 2)]] == [(5, 7), (3, 4)]
    assert (kernels.conv_output_size(6, 3, 2), kernels.conv_output_size(8, 3, 2)) == (2, 3)
    # Fig. 7-8: 4 pixels, K = 3, pad 1 -> 4 neurons; then K = 2, S = 2 -> 2
    assert kernels.conv_output_size(kernels.conv_output_size(4, 3, 1, 1), 2, 2) == 2


def test_single_channel_matches_scipy_correlate2d():
    rng = np.random.default_rng(3)
    image, kernel = rng.standard_normal((9, 11)), rng.standard_normal((3, 4))
    Y = kernels.conv2d_forward(image[None, None], kernel[None, None], np.zeros(1))
    np.testing.assert_allclose(Y[0, 0], scipy.signal.correlate2d(image, kernel, mode="valid"),
                               rtol=1e-12, atol=1e-12)


def test_appendix_g_convolution_is_correlation_with_the_flipped_kernel():
    rng = np.random.default_rng(4)
    image, kernel = rng.standard_normal((8, 8)), rng.standard_normal((3, 3))
    flipped = np.rot90(kernel, 2)
    Y = kernels.conv2d_forward(image[None, None], flipped[None, None].copy(), np.zeros(1))
    np.testing.assert_allclose(Y[0, 0], scipy.signal.convolve2d(image, kernel, mode="valid"),
                               rtol=1e-12, atol=1e-12)


def test_edge_detector_is_zero_on_a_constant_image():
    edge = np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]])  # Weidman's kernel
    Y = kernels.conv2d_forward(np.full((1, 1, 6, 6), 3.0), edge[None, None], np.zeros(1))
    assert np.all(Y == 0)


def test_float32_in_float32_out_and_mixed_promotes():
    X = np.ones((1, 1, 4, 4), np.float32)
    K = np.ones((2, 1, 3, 3), np.float32)
    assert kernels.conv2d_forward(X, K, np.zeros(2, np.float32)).dtype == np.float32
    assert kernels.conv2d_forward(X, K, np.zeros(2)).dtype == np.float64
    assert all(g.dtype == np.float32
               for g in kernels.conv2d_backward(X, K, np.ones((1, 2, 2, 2), np.float32)))


# --- bad input -------------------------------------------------------------------------------

X1 = np.ones((2, 1, 5, 5))
K1 = np.ones((2, 1, 3, 3))


@pytest.mark.parametrize("call, error, message", [
    (lambda: kernels.conv2d_forward(X1, np.ones((2, 3, 3, 3)), np.zeros(2)), ValueError,
     "conv2d_forward: K has 3 input channels but X has 1 (X is [N, C, H, W], "
     "K is [F, C, kh, kw])"),
    (lambda: kernels.conv2d_forward(X1, np.ones((1, 1, 6, 3)), np.zeros(1)), ValueError,
     "conv2d_forward: K is 6 wide along H but the padded input X is only 5 + 2*0 = 5"),
    (lambda: kernels.conv2d_forward(X1, np.ones((1, 1, 6, 3)), np.zeros(1), 1, 1), None, None),
    (lambda: kernels.conv2d_forward(X1, K1, np.zeros(2), 0), ValueError,
     "conv2d_forward: stride must be >= 1, got 0"),
    (lambda: kernels.conv2d_forward(X1, K1, np.zeros(2), -1), ValueError,
     "conv2d_forward: stride must be >= 1, got -1"),
    (lambda: kernels.conv2d_forward(X1, K1, np.zeros(2), 1.5), TypeError,
     "conv2d_forward: stride must be an integer"),
    (lambda: kernels.conv2d_forward(X1, K1, np.zeros(2), 1, -1), ValueError,
     "conv2d_forward: pad must be >= 0, got -1"),
    (lambda: kernels.conv2d_forward(np.full((1, 1, 3, 3), np.nan), K1, np.zeros(2)), ValueError,
     "conv2d_forward: X contains NaN or inf"),
    (lambda: kernels.conv2d_forward(X1, K1, [0.0, np.inf]), ValueError,
     "conv2d_forward: b contains NaN or inf"),
    (lambda: kernels.conv2d_forward(X1[0], K1, np.zeros(2)), ValueError,
     "conv2d_forward: X must be 4-D [N, C, H, W], got shape (1, 5, 5)"),
    (lambda: kernels.conv2d_forward(X1, K1[0], np.zeros(2)), ValueError,
     "conv2d_forward: K must be 4-D [F, C, kh, kw]"),
    (lambda: kernels.conv2d_forward(X1, K1, np.zeros(3)), ValueError,
     "conv2d_forward: b has 3 entries but K has 2 filters"),
    (lambda: kernels.conv2d_forward(np.ones((0, 1, 5, 5)), K1, np.zeros(2)), ValueError,
     "conv2d_forward: X is empty"),
    (lambda: kernels.conv2d_forward(X1.astype(str), K1, np.zeros(2)), TypeError,
     "conv2d_forward: X must be a numeric array"),
    (lambda: kernels.conv2d_forward(X1 + 0j, K1, np.zeros(2)), TypeError,
     "conv2d_forward: X must be real"),
    (lambda: kernels.conv2d_backward(X1, K1, np.ones((2, 2, 4, 4))), ValueError,
     "conv2d_backward: dY has shape (2, 2, 4, 4) but the forward output is (2, 2, 3, 3)"),
    (lambda: kernels.conv2d_backward(X1, K1, np.ones((2, 2, 3, 3)), 0), ValueError,
     "conv2d_backward: stride must be >= 1"),
    (lambda: kernels.conv1d_forward(np.ones((1, 2, 4)), np.ones((1, 1, 3)), np.zeros(1)),
     ValueError, "conv1d_forward: K has 1 input channels but X has 2 (X is [N, C, L], "
     "K is [F, C, k])"),
    (lambda: kernels.conv1d_forward(np.ones((1, 1, 2)), np.ones((1, 1, 3)), np.zeros(1)),
     ValueError, "conv1d_forward: K is 3 wide along L but the padded input X is only 2"),
    (lambda: kernels.conv1d_backward(np.ones((1, 1, 4)), np.ones((1, 1, 3)), np.ones((1, 1))),
     ValueError, "conv1d_backward: dY must be 3-D [N, F, L_out]"),
    (lambda: kernels.conv_output_size(2, 3), ValueError,
     "conv_output_size: the kernel (k = 3) is larger than the padded input (n + 2 pad = 2)"),
    (lambda: kernels.conv_output_size(5, 3, 0), ValueError, "conv_output_size: stride must be"),
])
def test_bad_input_names_the_argument(call, error, message):
    if error is None:
        call()  # the same kernel fits once padded
        return
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


# --- the serial and the parallel kernels (conv2d_forward/backward choose by thread count) -----

@pytest.mark.parametrize("x_shape, k_shape, stride, pad, input_grad", [
    ((5, 3, 9, 8), (4, 3, 3, 3), 1, 1, True),
    ((4, 2, 10, 7), (3, 2, 3, 2), 2, 2, True),
    ((3, 1, 8, 8), (2, 1, 5, 5), 1, 0, False),
    ((9, 2, 7, 7), (3, 2, 3, 3), 1, 1, False),
])
@pytest.mark.parametrize("blas_kernel_grad", [False, True])
def test_kernels_agree_with_the_twin_and_do_not_depend_on_the_thread_count(
        x_shape, k_shape, stride, pad, input_grad, blas_kernel_grad):
    import numba

    from lessons.kernels import conv
    rng = np.random.default_rng(11)
    X, K = rng.standard_normal(x_shape), rng.standard_normal(k_shape)
    b = rng.standard_normal(k_shape[0])
    args = (stride, stride, pad, pad)
    runs, saved = [], numba.get_num_threads()
    for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        numba.set_num_threads(threads)
        try:
            with one_blas_thread():
                Y = conv._conv_forward_kernel(X, K, b, *args)
                dY = np.random.default_rng(12).standard_normal(Y.shape)
                runs.append((Y,) + conv._conv_backward_kernel(X, K, dY, *args, input_grad,
                                                              blas_kernel_grad))
        finally:
            numba.set_num_threads(saved)
    Y, dX, dK, db = runs[0]
    want = reference.conv2d_backward(X, K, dY, stride, pad)
    assert_twin(Y, reference.conv2d_forward(X, K, b, stride, pad), np.float64)
    if input_grad:
        assert_twin(dX, want[0], np.float64)
    else:
        assert dX.shape == (0,) + x_shape[1:]
    assert_twin(dK, want[1], np.float64)
    assert_twin(db, want[2], np.float64)
    for other in runs[1:]:  # each image is computed alone: the same bits on any thread count
        for a, c in zip(runs[0], other):
            np.testing.assert_array_equal(a, c)


def test_public_functions_restore_the_blas_threads():
    from threadpoolctl import threadpool_info
    before = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    kernels.conv2d_backward(X1, K1, np.ones((2, 2, 3, 3)))
    after = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert after[:len(before)] == before


def test_one_blas_thread_nests_and_restores_after_an_error():
    from threadpoolctl import threadpool_info


    def blas_threads():
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    before = blas_threads()
    with pytest.raises(ZeroDivisionError):
        with one_blas_thread():
            assert set(blas_threads()) == {1}
            with one_blas_thread():
                assert set(blas_threads()) == {1}
            assert set(blas_threads()) == {1}  # the inner block did not restore early
            1 / 0
    assert blas_threads() == before


@pytest.mark.parametrize("architectures, avx512", [
    (["SkylakeX", "SkylakeX"], True), (["Cooperlake"], True), (["SapphireRapids"], True),
    (["Haswell", "Haswell"], False), (["Zen"], False), (["Nehalem"], False),
    (["SkylakeX", "Haswell"], False), ([None], False), ([], False),
])
def test_the_kernels_gradient_goes_to_blas_only_where_openblas_runs_avx512(
        monkeypatch, architectures, avx512):
    from lessons.kernels import threads
    libraries = [type("Library", (), {"architecture": a})() for a in architectures]
    monkeypatch.setattr(threads, "_blas_libraries", lambda: libraries)
    threads.blas_runs_avx512.cache_clear()
    try:
        assert threads.blas_runs_avx512() is avx512
    finally:
        threads.blas_runs_avx512.cache_clear()


# --- Winograd F(2x2, 3x3): the kernels' path for 3x3 kernels at stride 1 (Chapter 09) --------

@FEW
@given(N=st.integers(1, 6), C=st.integers(1, 4), F=st.integers(1, 4), H=st.integers(1, 9),
       W=st.integers(1, 9), pad=st.integers(0, 2), seed=SEEDS)
def test_winograd_twin_matches_the_direct_twin(N, C, F, H, W, pad, seed):
    H, W = max(H, 3 - 2 * pad), max(W, 3 - 2 * pad)
    rng = np.random.default_rng(seed)
    X, K = rng.standard_normal((N, C, H, W)), rng.standard_normal((F, C, 3, 3))
    b = rng.standard_normal(F)
    Y = reference.conv.winograd_conv2d_forward(X, K, b, pad)
    assert_twin(Y, reference.conv2d_forward(X, K, b, 1, pad), np.float64)
    dY = rng.standard_normal(Y.shape)
    for got, want in zip(reference.conv.winograd_conv2d_backward(X, K, dY, pad),
                         reference.conv2d_backward(X, K, dY, 1, pad)):
        assert_twin(got, want, np.float64)


@pytest.mark.parametrize("C, H, F", [(16, 14, 32), (64, 7, 64), (3, 9, 4)])
def test_winograd_float32_rounds_about_as_much_as_the_direct_sum(C, H, F):
    """Against the float64 result, the float32 kernels (Winograd here) stay within 4e-6 of the
    largest value: measured 1-2.5x the float32 error of the direct twin, whose own products
    round differently (largest seen: 5e-7 of the largest value)."""
    rng = np.random.default_rng(3)
    X, K = rng.standard_normal((9, C, H, H)), rng.standard_normal((F, C, 3, 3)) / np.sqrt(9 * C)
    b, dY = rng.standard_normal(F), rng.standard_normal((9, F, H, H))
    exact = (reference.conv2d_forward(X, K, b, 1, 1),) + reference.conv2d_backward(X, K, dY, 1, 1)
    X, K, b, dY = (a.astype(np.float32) for a in (X, K, b, dY))
    got = (kernels.conv2d_forward(X, K, b, 1, 1),) + kernels.conv2d_backward(X, K, dY, 1, 1)
    for g, e in zip(got, exact):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, e, rtol=0, atol=4e-6 * np.abs(e).max())


@pytest.mark.parametrize("K, I, J",
                         [(196, 16, 32), (64, 64, 64), (10, 3, 8), (7, 1, 5), (1, 2, 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_kernels_gradient_product_adds_the_tiles_in_order(K, I, J, dtype):
    """dU[e]^T = V[e]^T @ dM[e] in the backward: each product rounded, then added to the sum
    of the ones before it, tile after tile: the bits of a plain loop, whatever the CPU (no fused
    multiply-adds, no reordering), and whatever K % 4."""
    from lessons.kernels import conv
    rng = np.random.default_rng(K)
    A, B = rng.standard_normal((K, I)).astype(dtype), rng.standard_normal((K, J)).astype(dtype)
    O = np.full((I, J), np.nan, dtype)
    conv._transposed_product(A, B, O)
    want = np.zeros((I, J), dtype)
    for k in range(K):
        want = want + np.outer(A[k], B[k])
    np.testing.assert_array_equal(O, want)


@pytest.mark.parametrize("N, size, images", [
    (128, 28, 4), (128, 14, 4), (128, 13, 4), (128, 12, 4), (128, 9, 8), (128, 8, 16),
    (128, 7, 16), (128, 4, 16), (128, 1, 16), (64, 7, 16), (63, 7, 8), (32, 7, 8), (31, 7, 4),
    (16, 7, 4), (1, 7, 4)])
def test_winograd_blocks_hold_more_images_where_the_images_are_small(N, size, images):
    """4 images a block, doubled while the block holds at most 256 tiles and 16 images and the
    batch fills 4 blocks: a function of the batch's shape alone (the order of dK's sums must
    not follow the thread count)."""
    from lessons.kernels import conv
    tiles = (size + 1) // 2  # tiles along a side at padding 1
    assert conv._block_images(N, tiles, tiles) == images
    assert images == 4 or (images * tiles * tiles <= 256 and 4 * images <= N)


WINOGRAD_CHECK = """
import json
import numba
import numpy as np
from lessons.kernels import conv2d_backward, conv2d_forward
rng = np.random.default_rng(0)
out = []
for dtype in (np.float32, np.float64):
    for C, H, F in ((16, 14, 8), (32, 7, 8)):
        X = rng.standard_normal((37, C, H, H)).astype(dtype)  # blocks of 4 at 14x14, 8 at 7x7
        K = (0.1 * rng.standard_normal((F, C, 3, 3))).astype(dtype)
        b = rng.standard_normal(F).astype(dtype)
        dY = rng.standard_normal((37, F, H, H)).astype(dtype)
        runs = []
        for threads in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(threads)
            runs.append((conv2d_forward(X, K, b, 1, 1),) + conv2d_backward(X, K, dY, 1, 1))
        assert all(np.array_equal(a, c) for a, c in zip(*runs)), "bits depend on the threads"
        out.append([a.astype(np.float64).ravel().tolist() for a in runs[0]])
print(json.dumps(out))
"""


def test_winograd_agrees_with_itself_on_another_instruction_set(fingerprints):
    """The transforms keep their bits without AVX and fused multiply-adds, but BLAS's products
    do not (OpenBLAS's SSE kernels add in another order), as with the im2col path's products:
    the chapters print rounded numbers. So: the same bits on any thread count (checked inside
    the script), and agreement to float rounding on the other instruction set."""
    here, other = (json.loads(run) for run in fingerprints(WINOGRAD_CHECK))
    for k, (mine, theirs) in enumerate(zip(here, other)):
        tol = 2e-6 if k < 2 else 1e-13  # float32 cases first
        for a, c in zip(mine, theirs):
            np.testing.assert_allclose(a, c, rtol=0, atol=tol * np.abs(a).max())

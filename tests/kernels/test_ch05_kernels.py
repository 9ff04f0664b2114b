"""Chapter 05 kernels against their NumPy twins, finite differences and bad input:
batch norm (dense and NCHW), leaky ReLU and ELU, Nesterov and AdaGrad steps, clipping by
global norm, and the fused Adam epoch of Table 5-1."""
import numpy as np
import pytest

from lessons.gradcheck import numerical_gradient, relative_error
from lessons.kernels import checks
from lessons.kernels import activations as rectifiers
from lessons.kernels import mlp_adam
from lessons.kernels import normalization, optimizers
from lessons.reference import mlp as ref_adam
from lessons.reference import normalization as ref_norm
from lessons.reference import optimizers as ref_opt
from lessons.reference import activations as ref_rect

FLOATS = (np.float64, np.float32)
TOL = {np.float64: 1e-12, np.float32: 2e-5}


def _rng(seed=0):
    return np.random.default_rng(seed)


# --- batch normalization ----------------------------------------------------------------------

BN = [(normalization.batchnorm_forward, normalization.batchnorm_backward, (7, 4)),
      (normalization.batchnorm2d_forward, normalization.batchnorm2d_backward, (3, 2, 4, 5))]


@pytest.mark.parametrize("forward,backward,shape", BN)
@pytest.mark.parametrize("dtype", FLOATS)
def test_batchnorm_matches_twin(forward, backward, shape, dtype):
    rng = _rng(1)
    X = (rng.normal(size=shape) * 3 + 2).astype(dtype)
    C = shape[1]
    gamma, beta = rng.normal(size=C).astype(dtype), rng.normal(size=C).astype(dtype)
    got = forward(X, gamma, beta)
    want = ref_norm.batchnorm_forward(X, gamma, beta)
    for a, b in zip(got, want):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=TOL[dtype] * 10, atol=TOL[dtype] * 10)
    dY = rng.normal(size=shape).astype(dtype)
    for a, b in zip(backward(dY, got[1], got[2], gamma),
                    ref_norm.batchnorm_backward(dY, got[1], got[2], gamma)):
        np.testing.assert_allclose(a, b, rtol=TOL[dtype] * 10, atol=TOL[dtype] * 10)


@pytest.mark.parametrize("forward,backward,shape", BN)
def test_batchnorm_backward_against_finite_differences(forward, backward, shape):
    rng = _rng(2)
    X, dY = rng.normal(size=shape), rng.normal(size=shape)
    gamma, beta = rng.normal(size=shape[1]), rng.normal(size=shape[1])

    def loss(X=X, gamma=gamma, beta=beta):
        return float(np.sum(forward(X, gamma, beta)[0] * dY))

    Y, X_hat, inv_std = forward(X, gamma, beta)
    dX, dgamma, dbeta = backward(dY, X_hat, inv_std, gamma)
    assert relative_error(dX, numerical_gradient(lambda x: loss(X=x), X.copy())) < 1e-7
    assert relative_error(dgamma, numerical_gradient(lambda g: loss(gamma=g), gamma.copy())) < 1e-7
    assert relative_error(dbeta, numerical_gradient(lambda b: loss(beta=b), beta.copy())) < 1e-7


def test_batchnorm_output_is_normalized_then_scaled():
    X = _rng(3).normal(5.0, 4.0, size=(500, 3))
    Y, _, _ = normalization.batchnorm_forward(X, np.array([1.0, 2.0, 0.5]), np.array([0.0, 1.0, -1.0]))
    np.testing.assert_allclose(Y.mean(0), [0.0, 1.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(Y.std(0), [1.0, 2.0, 0.5], rtol=1e-5)  # eps = 1e-5 shrinks a little


def test_batchnorm_2d_is_dense_per_channel():
    """NCHW batch norm = the dense one on the [N*H*W, C] matrix of every position's channels."""
    rng = _rng(4)
    X = rng.normal(size=(2, 3, 4, 4))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    Y = normalization.batchnorm2d_forward(X, gamma, beta)[0]
    flat = X.transpose(0, 2, 3, 1).reshape(-1, 3)
    Y_dense = normalization.batchnorm_forward(flat, gamma, beta)[0]
    np.testing.assert_allclose(Y.transpose(0, 2, 3, 1).reshape(-1, 3), Y_dense, atol=1e-12)


@pytest.mark.parametrize("call,message", [
    (lambda: normalization.batchnorm_forward(np.ones((4, 3, 1)), np.ones(3), np.zeros(3)), "X must be 2-D"),
    (lambda: normalization.batchnorm_forward(np.ones((1, 3)), np.ones(3), np.zeros(3)), "batch of at least 2"),
    (lambda: normalization.batchnorm_forward(np.ones((4, 3)), np.ones(2), np.zeros(3)), "gamma has shape"),
    (lambda: normalization.batchnorm_forward(np.ones((4, 3)), np.ones(3), np.zeros(3), eps=0), "eps"),
    (lambda: normalization.batchnorm_forward([[1, np.nan], [1, 2]], np.ones(2), np.zeros(2)), "X"),
    (lambda: normalization.batchnorm_forward("x", np.ones(2), np.zeros(2)), "X"),
    (lambda: normalization.batchnorm2d_forward(np.ones((4, 3)), np.ones(3), np.zeros(3)), "4-D"),
    (lambda: normalization.batchnorm_backward(np.ones((4, 3)), np.ones((4, 2)), np.ones(3), np.ones(3)), "dY has shape"),
    (lambda: normalization.batchnorm_backward(np.ones((4, 3)), np.ones((4, 3)), -np.ones(3), np.ones(3)), "inv_std must be positive"),
    (lambda: normalization.batchnorm2d_backward(np.ones((2, 3, 2, 2)), np.ones((2, 3, 2, 2)), np.ones(2), np.ones(3)), "inv_std has shape"),
])
def test_batchnorm_bad_input(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# --- leaky ReLU and ELU -------------------------------------------------------------------------

RECT = [("leaky_relu", 0.3), ("leaky_relu", 0.01), ("elu", 1.0), ("elu", 0.5)]


@pytest.mark.parametrize("name,alpha", RECT)
@pytest.mark.parametrize("dtype", FLOATS)
def test_rectifiers_match_twins(name, alpha, dtype):
    Z = np.concatenate([_rng(5).normal(0, 3, size=40), [0.0, -0.0, -50.0, 50.0]]).astype(dtype)
    Z = Z.reshape(4, 11)
    dY = _rng(6).normal(size=Z.shape).astype(dtype)
    fwd, bwd = getattr(rectifiers, name), getattr(rectifiers, name + "_backward")
    tol = TOL[dtype] * 10
    got = fwd(Z, alpha)
    assert got.dtype == dtype and got.shape == Z.shape
    np.testing.assert_allclose(got, getattr(ref_rect, name)(Z, alpha), rtol=tol, atol=tol)
    np.testing.assert_allclose(bwd(Z, dY, alpha), getattr(ref_rect, name + "_backward")(Z, dY, alpha),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("name,alpha", RECT)
def test_rectifier_backward_against_finite_differences(name, alpha):
    Z = _rng(7).normal(0, 2, size=(3, 5))
    Z[np.abs(Z) < 1e-3] = 0.5  # away from the kink at 0, where the derivative jumps
    dY = _rng(8).normal(size=Z.shape)
    fwd, bwd = getattr(rectifiers, name), getattr(rectifiers, name + "_backward")
    numeric = numerical_gradient(lambda z: float(np.sum(fwd(z, alpha) * dY)), Z.copy())
    assert relative_error(bwd(Z, dY, alpha), numeric) < 1e-8


def test_rectifier_slope_one_at_zero_and_elu_is_smooth():
    z = np.array([0.0, -1e-9])
    np.testing.assert_array_equal(rectifiers.leaky_relu_backward(z, np.ones(2)), [1.0, 0.3])
    np.testing.assert_allclose(rectifiers.elu_backward(z, np.ones(2)), [1.0, 1.0], rtol=1e-8)
    assert rectifiers.elu(np.array([-1000.0]))[0] == -1.0  # saturates at -alpha, no overflow


@pytest.mark.parametrize("call,message", [
    (lambda: rectifiers.leaky_relu(np.ones(3), alpha=-0.1), "alpha"),
    (lambda: rectifiers.elu(np.ones(3), alpha="big"), "alpha"),
    (lambda: rectifiers.elu(None), "Z"),
    (lambda: rectifiers.leaky_relu(np.array([1.0, np.inf])), "Z"),
    (lambda: rectifiers.elu_backward(np.ones(3), np.ones(4)), "dY has shape"),
    (lambda: rectifiers.leaky_relu_backward(np.ones(3), [1j, 2, 3]), "dY"),
])
def test_rectifiers_bad_input(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# --- Nesterov, AdaGrad, clipping --------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("step", ["nesterov_step", "adagrad_step"])
def test_optimizer_steps_match_twins(step, dtype):
    rng = _rng(9)
    p = rng.normal(size=(3, 4)).astype(dtype)
    s = np.zeros_like(p)
    p2, s2 = p.copy(), s.copy()
    for _ in range(5):
        g = rng.normal(size=p.shape).astype(dtype)
        getattr(optimizers, step)(p, g, s, 0.1)
        getattr(ref_opt, step)(p2, g, s2, 0.1)
    np.testing.assert_allclose(p, p2, rtol=TOL[dtype] * 10)
    np.testing.assert_allclose(s, s2, rtol=TOL[dtype] * 10)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("step", ["momentum_step", "rmsprop_step", "adam_step"])
def test_fused_optimizer_steps_give_their_twins_bits(step, dtype):
    """lessons.optim's SGD (momentum), RMSprop and Adam step through these kernels: the same
    operations in the same order as the NumPy twins, constants rounded as NumPy rounds a
    Python float, so every bit agrees, step after step (Chapters 04-14 print what they train)."""
    rng = _rng(11)
    p = rng.normal(size=(5, 7)).astype(dtype)
    state = [np.zeros_like(p) for _ in range(2 if step == "adam_step" else 1)]
    start, p2, state2 = p.copy(), p.copy(), [a.copy() for a in state]
    settings = {"momentum_step": (0.05, 0.9), "rmsprop_step": (1e-3, 0.9, 1e-7),
                "adam_step": (1e-3, 0.9, 0.999, 1e-7)}[step]
    for t in range(1, 31):
        g = (rng.normal(size=p.shape) * 10.0 ** rng.integers(-4, 3)).astype(dtype)
        time = (t,) if step == "adam_step" else ()
        getattr(optimizers, step)(p, g, *state, *time, *settings)
        getattr(ref_opt, step)(p2, g, *state2, *time, *settings)
        assert np.array_equal(p, p2) and all(map(np.array_equal, state, state2)), t
    assert p.dtype == dtype and np.all(p != start)  # every parameter moved


def test_optim_classes_step_like_the_twins():
    """The optimizers of lessons.optim give the twins' bits on a model's list of arrays."""
    from lessons.optim import SGD, Adam, RMSprop
    rng = _rng(12)
    for dtype in FLOATS:
        params = [rng.normal(size=(4, 3)).astype(dtype), rng.normal(size=3).astype(dtype)]
        cases = [(SGD(0.1, momentum=0.8), "momentum_step", (0.1, 0.8), 1, False),
                 (RMSprop(0.01), "rmsprop_step", (0.01, 0.9, 1e-7), 1, False),
                 (Adam(0.01), "adam_step", (0.01, 0.9, 0.999, 1e-7), 2, True)]
        for optimizer, twin, settings, slots, timed in cases:
            mine = [q.copy() for q in params]
            theirs = [q.copy() for q in params]
            states = [[np.zeros_like(q) for _ in range(slots)] for q in params]
            for t in range(1, 6):
                grads = [rng.normal(size=q.shape).astype(dtype) for q in params]
                optimizer.step(mine, grads)
                for q, g, st in zip(theirs, grads, states):
                    getattr(ref_opt, twin)(q, g, *st, *((t,) if timed else ()), *settings)
            assert all(map(np.array_equal, mine, theirs)), (type(optimizer).__name__, dtype)


def test_nesterov_is_momentum_with_a_look_ahead_gradient():
    """The stored point p is the look-ahead w + mu v of the textbook form: on a quadratic the
    two trajectories agree step by step."""
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    grad = lambda w: A @ w
    lr, mu = 0.1, 0.8
    w, v = np.array([1.0, -2.0]), np.zeros(2)  # textbook: g at w + mu v
    p, v2 = w.copy(), np.zeros(2)  # kernel: p = w + mu v (= w at the start)
    for _ in range(20):
        v = mu * v - lr * grad(w + mu * v)
        w = w + v
        optimizers.nesterov_step(p, grad(p), v2, lr, mu)
        np.testing.assert_allclose(p, w + mu * v, atol=1e-12)


def test_adagrad_first_step_is_lr_per_coordinate():
    p, r = np.zeros(3), np.zeros(3)
    optimizers.adagrad_step(p, np.array([1e-3, 1.0, -1e3]), r, lr=0.5, eps=1e-12)
    np.testing.assert_allclose(p, [-0.5, -0.5, 0.5], rtol=1e-6)


@pytest.mark.parametrize("dtype", FLOATS)
def test_clip_by_global_norm(dtype):
    grads = [np.array([3.0, 0.0], dtype), np.array([[0.0], [4.0]], dtype)]
    twin = [g.copy() for g in grads]
    assert optimizers.clip_by_global_norm(grads, 1.0) == pytest.approx(5.0)
    assert ref_opt.clip_by_global_norm(twin, 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(grads[0], [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(grads[1], [[0.0], [0.8]], rtol=1e-6)
    for a, b in zip(grads, twin):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert optimizers.global_norm(grads) == pytest.approx(1.0, rel=1e-6)
    assert optimizers.clip_by_global_norm(grads, 10.0) == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(grads[0], [0.6, 0.0], rtol=1e-6)  # below the cap: untouched


@pytest.mark.parametrize("call,message", [
    (lambda: optimizers.nesterov_step(np.ones(3), np.ones(3), np.zeros(3), 0.1, momentum=1.0), "momentum"),
    (lambda: optimizers.momentum_step(np.ones(3), np.ones(3), np.zeros(3), 0.1, momentum=1.0), "momentum must be in"),
    (lambda: optimizers.momentum_step(np.ones(3), np.ones(3), np.zeros(2), 0.1), "v must be"),
    (lambda: optimizers.rmsprop_step(np.ones(3), np.ones(3), np.zeros(3), rho=-0.1), "rho"),
    (lambda: optimizers.rmsprop_step(np.ones(3), np.ones(3), np.zeros(3, np.float32)), "s must be a float64"),
    (lambda: optimizers.adam_step(np.ones(3), np.ones(3), np.zeros(3), np.zeros(3), 0), "t must be"),
    (lambda: optimizers.adam_step(np.ones(3), np.ones(3), np.zeros(3), np.zeros(4), 1), "v must be"),
    (lambda: optimizers.adam_step(np.ones(3), np.ones(3), np.zeros(3), np.zeros(3), 1, beta2=1.0), "beta2"),
    (lambda: optimizers.adam_step(np.ones(3), [1.0, np.inf, 0], np.zeros(3), np.zeros(3), 1), "g"),
    (lambda: optimizers.nesterov_step(np.ones(3), np.ones(3), np.zeros(2), 0.1), "v must be"),
    (lambda: optimizers.nesterov_step([1.0, 2.0], np.ones(2), np.zeros(2), 0.1), "p is updated in place"),
    (lambda: optimizers.adagrad_step(np.ones(3), np.ones(4), np.zeros(3)), "g has shape"),
    (lambda: optimizers.adagrad_step(np.ones(3), np.ones(3), -np.ones(3)), "cannot be negative"),
    (lambda: optimizers.adagrad_step(np.ones(3), np.ones(3), np.zeros(3), lr=0), "lr"),
    (lambda: optimizers.adagrad_step(np.ones(3), np.array([1.0, np.nan, 0]), np.zeros(3)), "g"),
    (lambda: optimizers.clip_by_global_norm([], 1.0), "empty"),
    (lambda: optimizers.clip_by_global_norm([np.ones(3)], -1.0), "max_norm"),
    (lambda: optimizers.clip_by_global_norm(np.ones(3), 1.0), "grads"),
    (lambda: optimizers.clip_by_global_norm([np.ones(3, int)], 1.0), "float32 or float64"),
])
def test_optimizer_kernels_bad_input(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# --- the fused Adam epoch ----------------------------------------------------------------------

def _net(dtype, seed=0, n_in=6, n_hidden=5, n_out=3, n=20):
    rng = _rng(seed)
    W1 = rng.normal(0, 0.5, size=(n_hidden, n_in + 1)).astype(dtype)
    W2 = rng.normal(0, 0.5, size=(n_out, n_hidden + 1)).astype(dtype)
    X = rng.normal(size=(n, n_in)).astype(dtype)
    T = np.eye(n_out, dtype=dtype)[rng.integers(0, n_out, n)]
    return W1, W2, X, T, rng.permutation(n)


@pytest.mark.parametrize("hidden,output", [("tanh", "sigmoid_mse"), ("relu", "softmax_ce")])
@pytest.mark.parametrize("batch_size", [1, 4, 7])
@pytest.mark.parametrize("dtype", FLOATS)
def test_adam_epoch_matches_twin(hidden, output, batch_size, dtype):
    W1, W2, X, T, order = _net(dtype)
    states = [[W1.copy(), W2.copy()] + [np.zeros_like(W) for W in (W1, W1, W2, W2)]
              for _ in range(2)]
    kw = dict(batch_size=batch_size, lr=0.01, hidden=hidden, output=output)
    t_kernel = t_twin = 3  # a run that already took 3 steps
    for _ in range(2):
        n_k, t_kernel = mlp_adam.mlp_adam_epoch(*states[0], X, T, order, t_kernel, **kw)
        n_t, t_twin = ref_adam.mlp_adam_epoch(*states[1], X, T, order, t_twin, **kw)
        assert (n_k, t_kernel) == (n_t, t_twin)
    for a, b in zip(*states):
        np.testing.assert_allclose(a, b, rtol=TOL[dtype] * 50, atol=TOL[dtype] * 50)
    np.testing.assert_allclose(mlp_adam.mlp_logits(W1, W2, X, hidden=hidden),
                               ref_adam.mlp_logits(W1, W2, X, hidden=hidden),
                               rtol=TOL[dtype] * 10, atol=TOL[dtype] * 10)


@pytest.mark.parametrize("hidden,output", [("tanh", "sigmoid_mse"), ("relu", "softmax_ce")])
def test_adam_epoch_gradient_against_finite_differences(hidden, output):
    """With beta1 = beta2 = 0 and a tiny eps, Adam's first step moves each weight by
    -lr sign(g): the signs of the kernel's gradient must be those of the numerical one."""
    W1, W2, X, T, _ = _net(np.float64, seed=3)

    def loss(w1, w2):
        Z = ref_adam.mlp_logits(w1, w2, X[:1], hidden=hidden)
        if output == "sigmoid_mse":
            return float(np.mean((1 / (1 + np.exp(-Z)) - T[:1]) ** 2))
        Z = Z - Z.max()
        return float(-np.sum(T[:1] * (Z - np.log(np.exp(Z).sum()))))

    g1 = numerical_gradient(lambda w: loss(w, W2), W1.copy())
    g2 = numerical_gradient(lambda w: loss(W1, w), W2.copy())
    A1, A2 = W1.copy(), W2.copy()
    mlp_adam.mlp_adam_epoch(A1, A2, *(np.zeros_like(W) for W in (W1, W1, W2, W2)), X, T,
                            np.array([0]), 0, lr=1e-3, beta1=0.0, beta2=0.0, eps=1e-300,
                            hidden=hidden, output=output)
    for step, g in ((A1 - W1, g1), (A2 - W2, g2)):
        big = np.abs(g) > 1e-7  # exact zeros (a dead ReLU's weights) have no sign
        np.testing.assert_allclose(step[big], -1e-3 * np.sign(g[big]), rtol=1e-9)


def test_adam_epoch_learns_and_counts_steps():
    W1, W2, X, T, order = _net(np.float64, n=60)
    moments = [np.zeros_like(W) for W in (W1, W1, W2, W2)]
    before = np.mean(np.argmax(mlp_adam.mlp_logits(W1, W2, X), 1) == np.argmax(T, 1))
    t = 0
    for _ in range(30):
        _, t = mlp_adam.mlp_adam_epoch(W1, W2, *moments, X, T, order, t, batch_size=8, lr=0.01)
    assert t == 30 * 7  # 60 // 8 complete batches per epoch
    after = np.mean(np.argmax(mlp_adam.mlp_logits(W1, W2, X), 1) == np.argmax(T, 1))
    assert after > before + 0.3  # random labels: memorising 5 hidden units is slow


def _adam_args(**change):
    W1, W2, X, T, order = _net(np.float64)
    args = dict(W1=W1, W2=W2, M1=np.zeros_like(W1), V1=np.zeros_like(W1), M2=np.zeros_like(W2),
                V2=np.zeros_like(W2), X=X, T=T, order=order, t=0)
    args.update(change)
    return args


@pytest.mark.parametrize("change,message", [
    (dict(M1=np.zeros((2, 2))), "M1 must be"),
    (dict(V2=-np.ones((3, 6))), "cannot be negative"),
    (dict(X=np.ones((20, 7))), "X has 7 columns"),
    (dict(T=np.ones((20, 3))), "one-hot"),
    (dict(order=np.array([0, 25])), "order"),
    (dict(t=-1), "t"),
    (dict(batch_size=21), "batch_size"),
    (dict(beta1=1.0), "beta1"),
    (dict(hidden="sigmoid"), "hidden"),
    (dict(output="mse"), "output"),
    (dict(lr=float("nan")), "lr"),
])
def test_adam_epoch_bad_input(change, message):
    kwargs = {k: change.pop(k) for k in list(change) if k in
              ("batch_size", "beta1", "hidden", "output", "lr")}
    args = _adam_args(**change)
    with pytest.raises((ValueError, TypeError), match=message):
        mlp_adam.mlp_adam_epoch(*args.values(), **kwargs)


def test_logits_bad_input():
    with pytest.raises(ValueError, match="W2 has 4 columns"):
        mlp_adam.mlp_logits(np.ones((5, 7)), np.ones((3, 4)), np.ones((2, 6)))
    with pytest.raises(ValueError, match="hidden"):
        mlp_adam.mlp_logits(np.ones((5, 7)), np.ones((3, 6)), np.ones((2, 6)), hidden="elu")

"""Chapter 04, Fully Connected Networks Applied to Multiclass Classification: layers as objects.

A layer is a small object with one contract, the same for every layer this course adds
(Dense and the activations here; convolution, pooling, Flatten and Dropout later):

    forward(X, training=False) -> Y   computes the output and keeps what backward will need
    backward(dY) -> dX                 takes dL/dY, stores dL/d(parameter) in its grads and
                                       returns dL/dX for the layer below
    backward_params(dY)                the same without dL/dX, for the first layer of a
                                       training step (nothing below it needs dL/dX)
    params(), grads()                  lists of arrays (empty for a layer without parameters);
                                       grads()[i] is the gradient of params()[i]
    output_shape(shape)                the per-example output shape for a per-example input shape

As in micrograd, each layer's forward and backward sit next to each other: the backward reads
the arrays its forward stored (Dense its input X, Sigmoid and Tanh their output Y, ReLU its
input Z) and calls the Chapter 03 kernel that applies the local chain rule.

What a learner passes to forward or backward (X, dY) is checked at the entry, with an error
naming the layer: None, strings, complex numbers, NaN or inf, an empty batch, a wrong shape.
A model checks its batch once: the layers it runs skip the scan (lessons.kernels.checks.checked).

Parameters and gradients are allocated once and always updated *in place*, never rebound:
an optimizer, a snapshot or an early-stopping callback may hold on to the arrays that
params() returned and still see the current values after any number of steps.

Initial weights are drawn in Python from np.random.default_rng(seed) (or a Generator you pass
in, to draw several layers from one stream), so a model is the same on every run.
"""
import contextlib
import numbers

import numpy as np

from lessons.kernels import checks
from lessons.kernels.dropout import dropout_bits, dropout_threshold
from lessons.kernels.raw import (
    conv2d_backward_unchecked, conv2d_forward_unchecked, dense_backward_unchecked,
    dense_forward_unchecked, dense_param_grads_unchecked, elementwise, inverted_dropout_unchecked,
    maxpool2d_backward_unchecked, maxpool2d_forward_unchecked, relu_backward_unchecked,
    relu_unchecked, sigmoid_backward_unchecked, sigmoid_unchecked, tanh_backward_unchecked,
)
from lessons.kernels.threads import one_blas_thread


class Layer:
    """The interface every layer follows; a subclass overrides forward and backward, and
    params/grads/output_shape when it has parameters or changes the shape."""

    name = None
    input_shape = None  # the per-example input shape, for layers that fix one (Dense: (n_in,))
    # True for layers whose kernels run on Numba's threads (prange): a Sequential holding one
    # keeps BLAS on one thread during its passes, since NumPy's BLAS threads (Dense) and
    # Numba's spinning on the same 2 cores made Weidman's CNN epoch 27 s instead of 17 s.
    numba_threads = False

    def forward(self, X, training=False):
        raise NotImplementedError(f"{type(self).__name__} must define forward(X, training)")

    def backward(self, dY):
        raise NotImplementedError(f"{type(self).__name__} must define backward(dY)")

    def backward_params(self, dY):
        """Fill grads() from dY without returning dL/dX; layers where dX is costly override."""
        self.backward(dY)

    def params(self):
        return []

    def grads(self):
        return []

    def output_shape(self, input_shape):
        return tuple(input_shape)

    @property
    def n_params(self):
        return sum(p.size for p in self.params())

    def _label(self):
        return f"{type(self).__name__} {self.name!r}" if self.name else type(self).__name__

    def _input(self, X, name="X", dtype=None):
        """A learner's X (or dY) as a C-contiguous float array (see `_input`)."""
        return _input(self._label(), name, X, dtype)

    def _stored(self, value):
        """What forward kept for backward, or an error that says forward has to come first."""
        if value is None:
            raise RuntimeError(f"{self._label()}: backward() called before forward()")
        return value


# --- weight initialisation -------------------------------------------------------------------
# Not from the books' text (Ekman names the schemes but prints no formulas); these match the
# original papers and Keras. Each draws W[n_in, n_out] in float64 from the generator.

def _glorot(rng, n_in, n_out):
    """Glorot & Bengio (2010), uniform: U(-a, a), a = sqrt(6 / (n_in + n_out)). For tanh,
    sigmoid and output layers; Keras' default."""
    a = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-a, a, size=(n_in, n_out))


def _he(rng, n_in, n_out):
    """He et al. (2015), normal: N(0, 2 / n_in), keeping the variance of ReLU activations
    from shrinking layer by layer. (Keras truncates the normal at 2 sigma; we do not.)"""
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))


def _uniform(rng, n_in, n_out):
    """U(-0.1, 0.1) whatever the layer size: Ekman's hand-tuned choice for his MNIST network."""
    return rng.uniform(-0.1, 0.1, size=(n_in, n_out))


INITIALIZERS = {"glorot": _glorot, "he": _he, "uniform": _uniform}

_DTYPES = {np.dtype(np.float32), np.dtype(np.float64)}


def _input(where, name, X, dtype=None):
    """X as a C-contiguous array of the float `dtype` (None: float32 stays float32, anything
    else becomes float64), checked in full: None, strings, complex, NaN or inf and empty
    arrays are refused naming `where` and `name`. Inside a model's pass, whose batch was
    checked once at its entry, X is only converted: scanning every activation again cost
    1.5 ms a batch on Chapter 08's 1.5 million values."""
    if checks.checked():
        X = np.asarray(X)
        if dtype is None:
            dtype = X.dtype if X.dtype in checks.FLOATS else np.float64
        return np.asarray(X, dtype=dtype, order="C")
    return checks.array(where, name, X, ndim=None, shape="[B, ...]", dtype=dtype)


def generator(func, seed, rng):
    if rng is not None:
        if seed is not None:
            raise TypeError(f"{func}: pass seed or rng, not both")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"{func}: rng must be a np.random.Generator, got {type(rng).__name__}")
        return rng
    if seed is None:
        raise TypeError(
            f"{func}: pass seed=<int> (or rng=np.random.default_rng(seed)) so that the initial "
            f"weights are the same on every run"
        )
    return np.random.default_rng(checks.number(func, "seed", seed, low=0, integer=True))


def float_dtype(func, dtype):
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in _DTYPES:
        raise TypeError(f"{func}: dtype must be np.float32 or np.float64, got {dtype!r}")
    return dt


class Dense(Layer):
    """Fully connected layer: X[B, n_in] -> Z[B, n_out] = X W + b.

    W[n_in, n_out] starts from `init` ("glorot", "he", "uniform", or a function
    (rng, n_in, n_out) -> array), b[n_out] at zero. dW and db hold the gradients of the last
    backward. dtype: np.float64 (book-exact chapters) or np.float32 (faster, half the memory).
    """

    def __init__(self, n_in, n_out, *, init="glorot", seed=None, rng=None, dtype=np.float64,
                 name=None):
        f = "Dense"
        self.n_in = checks.number(f, "n_in", n_in, low=1, integer=True)
        self.n_out = checks.number(f, "n_out", n_out, low=1, integer=True)
        dtype = float_dtype(f, dtype)
        rng = generator(f, seed, rng)
        if callable(init):
            draw, how = init, getattr(init, "__name__", "init")
        elif isinstance(init, str) and init in INITIALIZERS:
            draw, how = INITIALIZERS[init], init
        else:
            raise ValueError(f"{f}: init must be one of {sorted(INITIALIZERS)} or a function "
                             f"(rng, n_in, n_out) -> W, got {init!r}")
        W = np.asarray(draw(rng, self.n_in, self.n_out), dtype=np.float64)
        if W.shape != (self.n_in, self.n_out):
            raise ValueError(f"{f}: init {how!r} must return W of shape "
                             f"{(self.n_in, self.n_out)} ([n_in, n_out]), got {W.shape}")
        if not np.all(np.isfinite(W)):
            raise ValueError(f"{f}: init {how!r} returned NaN or inf weights")
        self.W = W.astype(dtype)
        self.b = np.zeros(self.n_out, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.name = name
        self.input_shape = (self.n_in,)
        self._X = None

    def forward(self, X, training=False):
        X = self._input(X, dtype=self.W.dtype)
        if X.ndim != 2 or X.shape[1] != self.n_in:
            raise ValueError(
                f"{self._label()}: expects input [B, {self.n_in}] (n_in = {self.n_in}), "
                f"got shape {X.shape}"
            )
        # The layer owns W and b (checked when made, updated only in place), so after this
        # check of X it calls the compiled kernel directly: dense_forward would re-scan all of
        # W for NaN on every batch, ~40% of a small training step.
        self._X = X
        return dense_forward_unchecked(self._X, self.W, self.b)

    def _check_dY(self, dY):
        X = self._stored(self._X)
        dY = self._input(dY, "dY", dtype=self.W.dtype)
        if dY.shape != (X.shape[0], self.n_out):
            raise ValueError(f"{self._label()}: backward expects dY [{X.shape[0]}, {self.n_out}] "
                             f"(one row per row of the last forward's X), got {dY.shape}")
        return X, dY

    def backward(self, dY):
        X, dY = self._check_dY(dY)
        dX, dW, db = dense_backward_unchecked(X, self.W, dY)
        # Overwrite, not accumulate: each parameter is used once per forward pass, so its
        # gradient is this one product (micrograd needs += because a value can feed many ops).
        self.dW[...] = dW
        self.db[...] = db
        return dX

    def backward_params(self, dY):
        X, dY = self._check_dY(dY)
        self.dW[...], self.db[...] = dense_param_grads_unchecked(X, dY)

    def params(self):
        return [self.W, self.b]

    def grads(self):
        return [self.dW, self.db]

    def output_shape(self, input_shape):
        if tuple(input_shape) != (self.n_in,):
            raise ValueError(f"{self._label()}: expects {self.n_in} features per example, "
                             f"got input shape {tuple(input_shape)}")
        return (self.n_out,)

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out}, dtype={self.W.dtype.name})"


class _Activation(Layer):
    """An elementwise activation: no parameters, any shape. Like Dense and Conv2D, it calls
    its kernels directly instead of the public functions, which would scan every value for
    NaN again inside a model (1.5 ms a batch on Chapter 08's 1.5 million activations)."""

    def __init__(self, *, name=None):
        self.name = name
        self._kept = None  # what the backward needs: the output Y, or ReLU's input Z

    def _upstream(self, dY):
        """(kept, dY) with dY checked against the forward's shape, in its dtype."""
        kept = self._stored(self._kept)
        dY = self._input(dY, "dY", dtype=kept.dtype)
        if dY.shape != kept.shape:
            raise ValueError(f"{self._label()}: backward expects dY {list(kept.shape)} (the "
                             f"shape of the last forward's output), got {dY.shape}")
        return kept, dY

    def __repr__(self):
        return f"{type(self).__name__}()"


class Sigmoid(_Activation):
    """Logistic activation, elementwise on any shape. Keeps its output Y: S' = Y (1 - Y)."""

    def forward(self, X, training=False):
        self._kept = elementwise(sigmoid_unchecked, self._input(X))
        return self._kept

    def backward(self, dY):
        return elementwise(sigmoid_backward_unchecked, *self._upstream(dY))


class Tanh(_Activation):
    """tanh activation, elementwise on any shape. Keeps its output Y: tanh' = 1 - Y^2."""

    def forward(self, X, training=False):
        self._kept = np.tanh(self._input(X))  # NumPy's, as lessons.kernels.tanh explains
        return self._kept

    def backward(self, dY):
        return elementwise(tanh_backward_unchecked, *self._upstream(dY))


class ReLU(_Activation):
    """max(Z, 0), elementwise on any shape. Keeps its *input* Z: an output 0 cannot tell
    z = 0 (slope 1, Ekman's convention) from z = -5 (slope 0)."""

    def forward(self, X, training=False):
        self._kept = self._input(X)
        return elementwise(relu_unchecked, self._kept)

    def backward(self, dY):
        return elementwise(relu_backward_unchecked, *self._upstream(dY))


class Sequential:
    """Layers applied one after the other; itself follows the layer contract.

    forward runs the layers first to last, backward last to first, each layer's dX becoming
    the dY of the layer below. params() and grads() concatenate the layers' lists, in layer
    order, so an optimizer sees one flat list of arrays.
    Layers without a name are named like Keras does: dense_1, relu_1, dense_2, ...
    """

    def __init__(self, layers):
        layers = checks.as_list("Sequential", "layers", layers, "layers")
        if not layers:
            raise ValueError("Sequential: layers is empty; pass a list such as "
                             "[Dense(2, 4, seed=0), Tanh(), Dense(4, 1, seed=1)]")
        for i, layer in enumerate(layers):
            if not all(callable(getattr(layer, m, None))
                       for m in ("forward", "backward", "params", "grads")):
                raise TypeError(f"Sequential: layers[{i}] ({type(layer).__name__}) is not a "
                                f"layer (it needs forward, backward, params and grads)")
        counts = {}
        for layer in layers:
            kind = type(layer).__name__.lower()
            counts[kind] = counts.get(kind, 0) + 1
            if layer.name is None:
                layer.name = f"{kind}_{counts[kind]}"
        self.layers = layers

    def forward(self, X, training=False):
        """X[B, ...] -> the last layer's output; training=True is passed to every layer
        (Dropout, for one, behaves differently while training). X is checked here, once,
        not again by each layer."""
        X = _input("Sequential", "X", X)
        with self._blas_guard(), checks.already_checked():
            for layer in self.layers:
                X = layer.forward(X, training=training)
        return X

    def _blas_guard(self):
        """BLAS held to one thread if a layer runs on Numba's threads (see Layer)."""
        if any(getattr(layer, "numba_threads", False) for layer in self.layers):
            return one_blas_thread()
        return contextlib.nullcontext()

    __call__ = forward

    def backward(self, dY, input_grad=True):
        """dY = dL/d(output) -> dL/dX; every layer's grads now hold this batch's gradients.

        input_grad=False skips dL/dX of the first layer and returns None: a training step
        never uses the gradient with respect to the data (PyTorch skips it too, for inputs
        that do not require grad), and for a Dense first layer it is a third of its work.
        """
        dY = _input("Sequential", "dY", dY)
        with self._blas_guard(), checks.already_checked():
            for layer in reversed(self.layers[1:]):
                dY = layer.backward(dY)
            first = self.layers[0]
            if input_grad:
                return first.backward(dY)
            first.backward_params(dY)
        return None

    def backward_params(self, dY):
        """Fill every layer's grads from dY without dL/dX: a training step's backward."""
        self.backward(dY, input_grad=False)

    def params(self):
        return [p for layer in self.layers for p in layer.params()]

    def grads(self):
        return [g for layer in self.layers for g in layer.grads()]

    @property
    def n_params(self):
        return sum(p.size for p in self.params())

    @property
    def dtype(self):
        """The parameters' float dtype (float64 for a model without parameters)."""
        params = self.params()
        return params[0].dtype if params else np.dtype(np.float64)

    @property
    def input_shape(self):
        return self.layers[0].input_shape

    def output_shape(self, input_shape):
        for layer in self.layers:
            input_shape = layer.output_shape(input_shape)
        return input_shape

    def summary(self, input_shape=None):
        """A table of layer, output shape ([B, ...]: B examples) and parameter count.

        input_shape: the per-example input shape, e.g. (64,); needed only when the first
        layer does not fix it (Dense does).
        """
        shape = self.input_shape if input_shape is None else checks.sizes(
            "Sequential.summary", "input_shape", input_shape)
        if shape is None:
            raise ValueError("Sequential.summary: the first layer does not fix the input "
                             "shape; pass input_shape, e.g. summary(input_shape=(1, 28, 28))")
        rows = [("Layer", "Output shape", "Params")]
        for layer in self.layers:
            shape = layer.output_shape(shape)
            rows.append((f"{layer.name} ({type(layer).__name__})",
                         "[B, " + ", ".join(str(s) for s in shape) + "]",
                         f"{layer.n_params:,}"))
        widths = [max(len(row[k]) for row in rows) for k in range(3)]
        lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}" for a, b, c in rows]
        rule = "-" * len(lines[0])
        return "\n".join([lines[0], rule, *lines[1:], rule,
                          f"Total parameters: {self.n_params:,}"])

    def __repr__(self):
        return "Sequential([" + ", ".join(repr(layer) for layer in self.layers) + "])"


ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}
_DEFAULT_INIT = {"relu": "he", "tanh": "glorot", "sigmoid": "glorot"}


def mlp(sizes, *, activation="relu", output=None, seed, dtype=np.float64):
    """A fully connected network: mlp([64, 64, 10], seed=0) is
    Sequential([Dense(64, 64), ReLU(), Dense(64, 10)]).

    sizes: [n_in, hidden..., n_out]; activation: "relu", "tanh" or "sigmoid" after every
    hidden layer (initialised "he" for relu, "glorot" otherwise); output: None (raw outputs:
    logits for softmax_cross_entropy, or a linear regression output), "sigmoid" (for
    binary_cross_entropy) or "tanh". The output layer is initialised "glorot". All layers
    draw their weights, in order, from one np.random.default_rng(seed).
    """
    f = "mlp"
    sizes = checks.as_list(f, "sizes", sizes, "layer sizes [n_in, hidden..., n_out]")
    if len(sizes) < 2:
        raise ValueError(f"{f}: sizes must list at least [n_in, n_out], got {sizes!r}")
    if not all(isinstance(s, numbers.Integral) and s >= 1 for s in sizes):
        raise ValueError(f"{f}: sizes must be positive integers, got {list(sizes)}")
    checks.choice(f, "activation", activation, ACTIVATIONS)
    checks.choice(f, "output", output, {None: None, **ACTIVATIONS})
    rng = generator(f, seed, None)
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = k == len(sizes) - 2
        init = "glorot" if last else _DEFAULT_INIT[activation]
        layers.append(Dense(n_in, n_out, init=init, rng=rng, dtype=dtype))
        act = output if last else activation
        if act is not None:
            layers.append(ACTIVATIONS[act]())
    return Sequential(layers)


# --- Chapter 07, Convolutional Neural Networks -----------------------------------------------

def _conv_init(func, init, rng, shape):
    """K[F, C, kh, kw] drawn in float64. A kernel weight sees fan_in = C kh kw inputs and
    feeds fan_out = F kh kw outputs (Keras' convention), the n_in and n_out of the Dense
    schemes above; a callable init is called as init(rng, shape, fan_in, fan_out)."""
    F, C, kh, kw = shape
    fan_in, fan_out = C * kh * kw, F * kh * kw
    if callable(init):
        return np.asarray(init(rng, shape, fan_in, fan_out), dtype=np.float64)
    name = init if isinstance(init, str) else None  # an array == "he" compares elementwise
    if name == "glorot":
        a = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-a, a, size=shape)
    if name == "he":
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
    if name == "uniform":
        return rng.uniform(-0.1, 0.1, size=shape)
    raise ValueError(f"{func}: init must be one of {sorted(INITIALIZERS)} or a function "
                     f"(rng, shape, fan_in, fan_out) -> K, got {init!r}")


class Conv2D(Layer):
    """Convolutional layer: X[B, C, H, W] -> Y[B, F, OH, OW], F = out_channels feature maps.

    K[F, C, k, k] (kernel_size k, or a pair (kh, kw)) starts from `init` ("glorot", "he",
    "uniform", or a function (rng, shape, fan_in, fan_out) -> K); b[F] at zero. stride and
    pad as in conv2d_forward (pad = k // 2 keeps H and W at stride 1: Keras' 'same').
    Parameters: F (C kh kw + 1), whatever the image size (Ekman's Table 7-1).
    """

    numba_threads = True

    def __init__(self, in_channels, out_channels, kernel_size, *, stride=1, pad=0,
                 init="glorot", seed=None, rng=None, dtype=np.float64, name=None):
        f = "Conv2D"
        self.in_channels = checks.number(f, "in_channels", in_channels, low=1, integer=True)
        self.out_channels = checks.number(f, "out_channels", out_channels, low=1,
                                            integer=True)
        sizes = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * 2
        if len(sizes) != 2:
            raise ValueError(f"{f}: kernel_size must be an int or a pair (kh, kw), "
                             f"got {kernel_size!r}")
        self.kernel_size = tuple(checks.number(f, "kernel_size", k, low=1, integer=True)
                                 for k in sizes)
        self.stride = checks.number(f, "stride", stride, low=1, integer=True)
        self.pad = checks.number(f, "pad", pad, low=0, integer=True)
        dtype = float_dtype(f, dtype)
        shape = (self.out_channels, self.in_channels) + self.kernel_size
        K = _conv_init(f, init, generator(f, seed, rng), shape)
        if K.shape != shape:
            raise ValueError(f"{f}: init must return K of shape {shape} ([F, C, kh, kw]), "
                             f"got {K.shape}")
        if not np.all(np.isfinite(K)):
            raise ValueError(f"{f}: init returned NaN or inf weights")
        self.K = K.astype(dtype)
        self.b = np.zeros(self.out_channels, dtype=dtype)
        self.dK = np.zeros_like(self.K)
        self.db = np.zeros_like(self.b)
        self.name = name
        self._X = None

    def forward(self, X, training=False):
        X = self._input(X, dtype=self.K.dtype)
        if X.ndim != 4 or X.shape[1] != self.in_channels:
            raise ValueError(f"{self._label()}: expects input [B, {self.in_channels}, H, W] "
                             f"(in_channels = {self.in_channels}), got shape {X.shape}")
        self.output_shape(X.shape[1:])  # the kernel must fit the padded image
        # As in Dense: K and b are owned and checked when made, so after checking X the
        # compiled kernel is called directly.
        self._X = X
        s, p = self.stride, self.pad
        with one_blas_thread():  # the kernel runs its products on Numba's threads
            return conv2d_forward_unchecked(self._X, self.K, self.b, s, s, p, p)

    def _upstream(self, dY):
        """(X of the last forward, dY checked against its output's shape)."""
        X = self._stored(self._X)
        dY = self._input(dY, "dY", dtype=self.K.dtype)
        want = (X.shape[0], self.out_channels) + self.output_shape(X.shape[1:])[1:]
        if dY.shape != want:
            raise ValueError(f"{self._label()}: backward expects dY {list(want)} (the shape "
                             f"of the last forward's output), got {dY.shape}")
        return X, dY

    def _backward(self, dY, input_grad):
        X, dY = self._upstream(dY)
        s, p = self.stride, self.pad
        with one_blas_thread():
            dX, dK, db = conv2d_backward_unchecked(X, self.K, dY, s, s, p, p, input_grad)
        self.dK[...] = dK
        self.db[...] = db
        return dX

    def backward(self, dY):
        return self._backward(dY, True)

    def backward_params(self, dY):
        self._backward(dY, False)

    def params(self):
        return [self.K, self.b]

    def grads(self):
        return [self.dK, self.db]

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 3 or input_shape[0] != self.in_channels:
            raise ValueError(f"{self._label()}: expects per-example input "
                             f"[{self.in_channels}, H, W], got {input_shape}")
        out = [self.out_channels]
        for n, k in zip(input_shape[1:], self.kernel_size):
            if k > n + 2 * self.pad:
                raise ValueError(f"{self._label()}: the {k}-wide kernel does not fit an "
                                 f"input side of {n} with pad {self.pad}")
            out.append((n + 2 * self.pad - k) // self.stride + 1)
        return tuple(out)

    def __repr__(self):
        kh, kw = self.kernel_size
        return (f"Conv2D({self.in_channels}, {self.out_channels}, "
                f"{kh if kh == kw else self.kernel_size}, stride={self.stride}, pad={self.pad}, "
                f"dtype={self.K.dtype.name})")


class MaxPool2D(Layer):
    """Max pooling, per channel: X[B, C, H, W] -> Y[B, C, OH, OW]; no parameters.

    size x size windows every `stride` pixels (default: size, non-overlapping). Keeps the
    argmax of each window so that backward sends each gradient to the input that won.
    """

    numba_threads = True

    def __init__(self, size=2, stride=None, *, name=None):
        self.size = checks.number("MaxPool2D", "size", size, low=1, integer=True)
        self.stride = self.size if stride is None else checks.number(
            "MaxPool2D", "stride", stride, low=1, integer=True)
        self.name = name
        self._argmax = None
        self._x_shape = None

    def forward(self, X, training=False):
        X = self._input(X)
        if X.ndim != 4:
            raise ValueError(f"{self._label()}: expects input [B, C, H, W], got shape {X.shape}")
        self.output_shape(X.shape[1:])
        Y, self._argmax = maxpool2d_forward_unchecked(X, self.size, self.stride)
        self._x_shape = X.shape
        return Y

    def backward(self, dY):
        argmax = self._stored(self._argmax)
        dY = self._input(dY, "dY")
        if dY.shape != argmax.shape:
            raise ValueError(f"{self._label()}: backward expects dY {list(argmax.shape)} (the "
                             f"shape of the last forward's output), got {dY.shape}")
        _, _, H, W = self._x_shape
        return maxpool2d_backward_unchecked(dY, argmax, H, W)

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 3 or self.size > min(input_shape[1:]):
            raise ValueError(f"{self._label()}: a {self.size}x{self.size} window needs "
                             f"per-example input [C, H, W] with H, W >= {self.size}, "
                             f"got {input_shape}")
        C, H, W = input_shape
        return (C, (H - self.size) // self.stride + 1, (W - self.size) // self.stride + 1)

    def __repr__(self):
        return f"MaxPool2D({self.size}, stride={self.stride})"


class Flatten(Layer):
    """X[B, d1, d2, ...] -> X[B, d1 * d2 * ...]: feature maps become a Dense layer's input.

    Backward is the inverse reshape (Weidman's Flatten operation); no parameters.
    """

    def __init__(self, *, name=None):
        self.name = name
        self._shape = None

    def forward(self, X, training=False):
        X = self._input(X)
        if X.ndim < 2:
            raise ValueError(f"{self._label()}: expects input [B, ...], got shape {X.shape}")
        self._shape = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, dY):
        shape = self._stored(self._shape)
        dY = self._input(dY, "dY")
        if dY.shape != (shape[0], int(np.prod(shape[1:]))):
            raise ValueError(f"{self._label()}: backward expects dY "
                             f"[{shape[0]}, {int(np.prod(shape[1:]))}], got {dY.shape}")
        return dY.reshape(shape)

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def __repr__(self):
        return "Flatten()"


# --- Chapter 08, Training CNNs ----------------------------------------------------------------

class Dropout(Layer):
    """Inverted dropout (Srivastava et al. 2014), elementwise on any shape; no parameters.

    While training, each value is kept with probability keep_prob and divided by keep_prob,
    or set to 0: Y = X * mask with mask in {0, 1 / keep_prob}. The mean of every unit is
    unchanged, so at inference the layer is the identity and nothing has to be rescaled.
    Give keep_prob (Weidman: keep 0.8) or rate = 1 - keep_prob (Keras, Skansi: Dropout(0.3)),
    as keywords, never both. At every training forward the layer draws `bits`, one uint32
    per unit, from its seeded np.random.Generator (lessons.kernels.dropout), so the same seed
    gives the same masks; backward sends each gradient through the mask of the last forward
    (a dropped unit gets no gradient).
    """

    numba_threads = True

    def __init__(self, *, keep_prob=None, rate=None, seed=None, rng=None, name=None):
        f = "Dropout"
        if (keep_prob is None) == (rate is None):
            raise TypeError(f"{f}: pass keep_prob=<probability of keeping a unit> or "
                            f"rate=<probability of dropping it>, exactly one of them")
        if rate is not None:
            rate = checks.number(f, "rate", rate, low=0.0)
            if rate >= 1.0:
                raise ValueError(f"{f}: rate must be in [0, 1) (rate 1 drops every unit), "
                                 f"got {rate}")
            keep_prob = 1.0 - rate
        else:
            keep_prob = checks.number(f, "keep_prob", keep_prob, low=0.0, low_open=True)
            if keep_prob > 1.0:
                raise ValueError(f"{f}: keep_prob must be in (0, 1], got {keep_prob}")
        self.keep_prob = float(keep_prob)
        self.rng = generator(f, seed, rng)
        self.name = name
        self._threshold = dropout_threshold(self.keep_prob)
        self.bits = None  # the last training forward's draws; None after an inference forward
        self._shape = None

    def forward(self, X, training=False):
        X = self._input(X)
        self._shape = X.shape
        if not training or self.keep_prob == 1.0:
            self.bits = None
            return X
        self.bits = dropout_bits(self.rng, X.shape)
        return inverted_dropout_unchecked(X, self.bits, self._threshold, self.keep_prob)

    @property
    def mask(self):
        """The last training forward's multipliers, 0 or 1 / keep_prob (None after inference)."""
        if self.bits is None:
            return None
        return (self.bits < self._threshold) / self.keep_prob

    def backward(self, dY):
        shape = self._stored(self._shape)
        dY = self._input(dY, "dY")
        if dY.shape != shape:
            raise ValueError(f"{self._label()}: backward expects dY {list(shape)} (the shape "
                             f"of the last forward's input), got {dY.shape}")
        if self.bits is None:
            return dY
        return inverted_dropout_unchecked(dY, self.bits, self._threshold, self.keep_prob)

    def __repr__(self):
        return f"Dropout(keep_prob={self.keep_prob:g})"

"""Chapter 06 (Chollet 3.4-3.5): a Dense layer whose input is a multi-hot vector of words,
given as the words' ids (see lessons.kernels.multi_hot)."""
import numpy as np

from lessons.kernels import checks
from lessons.kernels.multi_hot import check_ids
from lessons.kernels.raw import multi_hot_forward_unchecked, multi_hot_param_grads_unchecked
from lessons.layers.base import Layer, float_dtype, generator
from lessons.layers.initializers import check_weights, initial_weights


class MultiHotDense(Layer):
    """Dense(V, n_out) on multi-hot input: ids[B, L] -> Z[B, n_out] = multi_hot(ids) W + b.

    Row r of the input lists the distinct word ids of example r, padded at its end with -1
    (lessons.chapters.ch06_text.encode_passages makes it). fit and predict hand a model its
    batch as floats, so the layer takes float ids too and rounds them back to integers (any
    id below 2**53 is exact in float64). W[V, n_out] starts from `init` as in Dense (Keras'
    default "glorot", with fan-in V), b at zero. It is a first layer: nothing below it needs
    a gradient, so backward returns None.
    """

    def __init__(self, V, n_out, *, init="glorot", seed=None, rng=None, dtype=np.float64,
                 name=None):
        f = "MultiHotDense"
        self.V = checks.number(f, "V", V, low=1, integer=True)
        self.n_out = checks.number(f, "n_out", n_out, low=1, integer=True)
        dtype = float_dtype(f, dtype)
        rng = generator(f, seed, rng)
        shape = (self.V, self.n_out)
        W, how = initial_weights(f, init, rng, shape, self.V, self.n_out,
                                 custom=lambda: init(rng, self.V, self.n_out),
                                 signature="(rng, V, n_out) -> W")
        self.W = check_weights(f, how, W, shape, ("W", "[V, n_out]")).astype(dtype)
        self.b = np.zeros(self.n_out, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.name = name
        self.input_shape = None  # any number L of ids per row
        self._ids = None

    def forward(self, X, training=False):
        X = np.asarray(X)
        if X.dtype.kind == "f":
            rounded = np.rint(X)
            if not np.array_equal(rounded, X):
                raise ValueError(f"{self._label()}: X must hold whole-number word ids "
                                 f"(-1 for padding), got fractions")
            X = rounded.astype(np.int64)
        self._ids = check_ids(self._label(), X, self.V)
        return multi_hot_forward_unchecked(self._ids, self.W, self.b)

    def backward_params(self, dY):
        ids = self._stored(self._ids)
        dY = self._input(dY, "dY", dtype=self.W.dtype)
        if dY.shape != (ids.shape[0], self.n_out):
            raise ValueError(f"{self._label()}: backward expects dY [{ids.shape[0]}, "
                             f"{self.n_out}], got {dY.shape}")
        self.dW[...], self.db[...] = multi_hot_param_grads_unchecked(ids, dY, self.V)

    def backward(self, dY):
        """Fills dW, db; returns None (word ids have no gradient)."""
        self.backward_params(dY)

    def params(self):
        return [self.W, self.b]

    def grads(self):
        return [self.dW, self.db]

    def output_shape(self, input_shape):
        return (self.n_out,)

    def __repr__(self):
        return f"MultiHotDense({self.V}, {self.n_out}, dtype={self.W.dtype.name})"

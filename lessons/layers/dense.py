"""Chapter 04: the fully connected layer, X[B, n_in] -> X W + b."""
import numpy as np

from lessons.kernels import checks, dense_backward, registry
from lessons.kernels.raw import (
    dense_backward_unchecked, dense_forward_unchecked, dense_param_grads_unchecked,
)
from lessons.layers.base import Layer, float_dtype, generator
from lessons.layers.initializers import check_weights, initial_weights


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
        shape = (self.n_in, self.n_out)
        W, how = initial_weights(f, init, rng, shape, self.n_in, self.n_out,
                                 custom=lambda: init(rng, self.n_in, self.n_out),
                                 signature="(rng, n_in, n_out) -> W")
        self.W = check_weights(f, how, W, shape, ("W", "[n_in, n_out]")).astype(dtype)
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
        if registry.swapped("dense_backward"):  # a learner's kernel (lessons.kernels.use)
            dX, dW, db = dense_backward(X, self.W, dY)
        else:
            dX, dW, db = dense_backward_unchecked(X, self.W, dY)
        # Overwrite, not accumulate: each parameter is used once per forward pass, so its
        # gradient is this one product (micrograd needs += because a value can feed many ops).
        self.dW[...] = dW
        self.db[...] = db
        return dX

    def backward_params(self, dY):
        if registry.swapped("dense_backward"):
            self.backward(dY)
            return
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

"""Chapter 05, Toward Deep Learning: BatchNorm, the batch-normalization layer.

BatchNorm(n_features) normalizes a dense layer's Z[B, F] per feature, or a convolution's
Y[N, C, H, W] per channel. In training (forward(X, training=True)) it uses the batch's own
mean and variance (the kernels of lessons.kernels.normalization) and updates running
averages of them:

    running_mean <- momentum running_mean + (1 - momentum) batch mean     (Keras: 0.99)

At inference it uses the running averages instead, so a prediction does not depend on which
other examples share its batch (and a single example can be predicted at all).
"""
import numpy as np

from lessons.kernels import checks, raw
from lessons.layers.base import Layer, float_dtype


class BatchNorm(Layer):
    """Batch normalization over axis 1 of X[B, F] or X[N, C, H, W]: gamma[F], beta[F] learnt
    (start at 1 and 0), running_mean and running_var kept for inference."""

    def __init__(self, n_features, *, momentum=0.99, eps=1e-3, dtype=np.float64, name=None):
        f = "BatchNorm"
        self.n_features = checks.number(f, "n_features", n_features, low=1, integer=True)
        self.momentum = checks.number(f, "momentum", momentum, low=0.0, high=1.0)
        self.eps = checks.number(f, "eps", eps, low=0.0, low_open=True)
        dtype = float_dtype(f, dtype)
        self.gamma = np.ones(self.n_features, dtype)
        self.beta = np.zeros(self.n_features, dtype)
        self.dgamma, self.dbeta = np.zeros_like(self.gamma), np.zeros_like(self.beta)
        self.running_mean = np.zeros(self.n_features, dtype)
        self.running_var = np.ones(self.n_features, dtype)
        self.name = name
        self._kept = None

    def forward(self, X, training=False):
        X = self._input(X, dtype=self.gamma.dtype)
        if X.ndim not in (2, 4) or X.shape[1] != self.n_features:
            raise ValueError(f"{self._label()}: expects [B, {self.n_features}] or "
                             f"[N, {self.n_features}, H, W], got shape {X.shape}")
        X3 = raw.features_3d(X)
        if not training:
            scale = self.gamma / np.sqrt(self.running_var + self.eps)
            shift = self.beta - self.running_mean * scale
            return (X3 * scale[:, None] + shift[:, None]).reshape(X.shape)
        if X3.shape[0] * X3.shape[2] < 2:
            raise ValueError(f"{self._label()}: training needs at least 2 values per feature "
                             f"(a batch of 1 has variance 0), got shape {X.shape}")
        eps = self.gamma.dtype.type(self.eps)
        Y, X_hat, inv_std = raw.batchnorm_forward_unchecked(X3, self.gamma, self.beta, eps)
        mean = X3.mean(axis=(0, 2))
        var = X3.var(axis=(0, 2))
        self.running_mean *= self.momentum
        self.running_mean += (1 - self.momentum) * mean
        self.running_var *= self.momentum
        self.running_var += (1 - self.momentum) * var
        self._kept = (X_hat, inv_std, X.shape)
        return Y.reshape(X.shape)

    def backward(self, dY):
        X_hat, inv_std, shape = self._stored(self._kept)
        dY = self._input(dY, "dY", dtype=self.gamma.dtype)
        if dY.shape != shape:
            raise ValueError(f"{self._label()}: backward expects dY {list(shape)}, got {dY.shape}")
        dX, self.dgamma[...], self.dbeta[...] = raw.batchnorm_backward_unchecked(raw.features_3d(dY), X_hat, inv_std,
                                                                    self.gamma)
        return dX.reshape(shape)

    def params(self):
        return [self.gamma, self.beta]

    def grads(self):
        return [self.dgamma, self.dbeta]

    def output_shape(self, input_shape):
        return tuple(input_shape)

    def __repr__(self):
        return f"BatchNorm({self.n_features})"

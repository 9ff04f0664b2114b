"""Chapter 09, Deeper CNNs: depthwise and pointwise (1 x 1) convolutions as layers.

    DepthwiseConv2D(channels, k)            one k x k kernel per channel: K[C, k, k], b[C]
    PointwiseConv2D(in_channels, out)       a 1 x 1 convolution: K[F, C], b[F]

Together they make a depthwise separable convolution (MobileNets, Xception).
"""
import numpy as np

from lessons.kernels import checks
from lessons.kernels.raw import (
    depthwise_conv2d_backward_unchecked, depthwise_conv2d_forward_unchecked,
    pointwise_conv2d_backward_unchecked, pointwise_conv2d_forward_unchecked,
)
from lessons.layers.base import Layer, float_dtype, generator


class _OwnedConv(Layer):
    """Shared by the two convolutions below: K drawn He-normal from the generator
    (fan_in = the inputs one output reads), b zero, dK and db beside them."""

    numba_threads = True

    def _make(self, f, shape, fan_in, seed, rng, dtype, name):
        dtype = float_dtype(f, dtype)
        rng = generator(f, seed, rng)
        self.K = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape).astype(dtype)
        self.b = np.zeros(shape[0], dtype=dtype)
        self.dK, self.db = np.zeros_like(self.K), np.zeros_like(self.b)
        self.name = name
        self._X = None

    def _forward_input(self, X):
        X = self._input(X, dtype=self.K.dtype)
        if X.ndim != 4 or X.shape[1] != self.in_channels:
            raise ValueError(f"{self._label()}: expects input [B, {self.in_channels}, H, W], "
                             f"got shape {X.shape}")
        self.output_shape(X.shape[1:])
        self._X = X
        return X

    def _upstream(self, dY):
        X = self._stored(self._X)
        dY = self._input(dY, "dY", dtype=self.K.dtype)
        want = (X.shape[0],) + self.output_shape(X.shape[1:])
        if dY.shape != want:
            raise ValueError(f"{self._label()}: backward expects dY {list(want)} (the shape "
                             f"of the last forward's output), got {dY.shape}")
        return X, dY

    def params(self):
        return [self.K, self.b]

    def grads(self):
        return [self.dK, self.db]


class DepthwiseConv2D(_OwnedConv):
    """X[B, C, H, W] -> Y[B, C, OH, OW]: channel c filtered by its own k x k kernel K[c].
    Parameters: C k^2 + C. stride and pad as in Conv2D."""

    def __init__(self, channels, kernel_size, *, stride=1, pad=0, seed=None, rng=None,
                 dtype=np.float64, name=None):
        f = "DepthwiseConv2D"
        self.in_channels = checks.number(f, "channels", channels, low=1, integer=True)
        self.k = checks.number(f, "kernel_size", kernel_size, low=1, integer=True)
        self.stride = checks.number(f, "stride", stride, low=1, integer=True)
        self.pad = checks.number(f, "pad", pad, low=0, integer=True)
        self._make(f, (self.in_channels, self.k, self.k), self.k * self.k, seed, rng, dtype,
                   name)

    def forward(self, X, training=False):
        X = self._forward_input(X)
        return depthwise_conv2d_forward_unchecked(X, self.K, self.b, self.stride, self.pad)

    def backward(self, dY):
        X, dY = self._upstream(dY)
        dX, self.dK[...], self.db[...] = depthwise_conv2d_backward_unchecked(X, self.K, dY, self.stride,
                                                                    self.pad)
        return dX

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 3 or input_shape[0] != self.in_channels:
            raise ValueError(f"{self._label()}: expects per-example input "
                             f"[{self.in_channels}, H, W], got {input_shape}")
        if self.k > min(input_shape[1:]) + 2 * self.pad:
            raise ValueError(f"{self._label()}: the {self.k}-wide kernel does not fit an "
                             f"input of {input_shape[1:]} with pad {self.pad}")
        return (self.in_channels,) + tuple((n + 2 * self.pad - self.k) // self.stride + 1
                                           for n in input_shape[1:])

    def __repr__(self):
        return (f"DepthwiseConv2D({self.in_channels}, {self.k}, stride={self.stride}, "
                f"pad={self.pad})")


class PointwiseConv2D(_OwnedConv):
    """X[B, C, H, W] -> Y[B, F, H, W]: a 1 x 1 convolution, the same C -> F Dense layer at
    every pixel. Parameters: F C + F."""

    def __init__(self, in_channels, out_channels, *, seed=None, rng=None, dtype=np.float64,
                 name=None):
        f = "PointwiseConv2D"
        self.in_channels = checks.number(f, "in_channels", in_channels, low=1, integer=True)
        self.out_channels = checks.number(f, "out_channels", out_channels, low=1, integer=True)
        self._make(f, (self.out_channels, self.in_channels), self.in_channels, seed, rng,
                   dtype, name)

    def forward(self, X, training=False):
        return pointwise_conv2d_forward_unchecked(self._forward_input(X), self.K, self.b)

    def backward(self, dY):
        X, dY = self._upstream(dY)
        dX, self.dK[...], self.db[...] = pointwise_conv2d_backward_unchecked(X, self.K, dY)
        return dX

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 3 or input_shape[0] != self.in_channels:
            raise ValueError(f"{self._label()}: expects per-example input "
                             f"[{self.in_channels}, H, W], got {input_shape}")
        return (self.out_channels,) + input_shape[1:]

    def __repr__(self):
        return f"PointwiseConv2D({self.in_channels}, {self.out_channels})"

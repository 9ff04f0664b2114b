"""Chapter 09, Deeper CNNs: the layers of deeper networks, on the layer contract of
lessons.layers (forward, backward, backward_params, params, grads, output_shape).

    Residual(branch, stride=1, skip=True)   Y = F(X) + shortcut(X), F a list of layers;
                                            skip=False is the same block without its shortcut
                                            (a "plain" network with the very same weights)
    GlobalAvgPool2D()                       X[B, C, H, W] -> Y[B, C], the mean of each map
    DepthwiseConv2D(channels, k)            one k x k kernel per channel: K[C, k, k], b[C]
    PointwiseConv2D(in_channels, out)       a 1 x 1 convolution: K[F, C], b[F]

As in lessons.layers, each layer checks what a learner passes and then calls its compiled
kernels directly (a model's batch is checked once, at its entry).
"""
import numpy as np

from lessons.kernels import checks
from lessons.kernels.depthwise import (
    _depthwise_backward_kernel, _depthwise_forward_kernel, _pointwise_backward_kernel,
    _pointwise_forward_kernel,
)
from lessons.kernels.global_pool import _gap_backward_kernel, _gap_forward_kernel
from lessons.kernels.residual import _residual_add_backward_kernel, _residual_add_kernel
from lessons.layers import Layer, Sequential, _float_dtype, _generator


class Residual(Layer):
    """A residual block: Y = F(X) + X (He et al. 2015), F the `branch` (a list of layers).

    stride: the branch's downsampling; then the shortcut reads every stride-th pixel, and
    zero channels make up any channels the branch adds (Ekman's zero-padding variant,
    lessons.kernels.residual). skip=False drops the shortcut: Y = F(X).
    Put the block's final ReLU after it, as in y = ReLU(x + F(x)).
    Backward: the branch gets dY whole; the block's dX is the branch's dX plus dY routed
    straight through the shortcut.
    """

    numba_threads = True

    def __init__(self, branch, *, stride=1, skip=True, name=None):
        f = "Residual"
        self.branch = branch if isinstance(branch, Sequential) else Sequential(branch)
        self.stride = checks.number(f, "stride", stride, low=1, integer=True)
        self.skip = checks.flag(f, "skip", skip)
        self.name = name
        self._x_shape = None
        self._X = None

    @property
    def input_shape(self):
        return self.branch.input_shape

    def forward(self, X, training=False):
        X = self._input(X)
        if X.ndim != 4:
            raise ValueError(f"{self._label()}: expects input [B, C, H, W], got shape {X.shape}")
        self.output_shape(X.shape[1:])
        FX = self.branch.forward(X, training=training)
        self._x_shape = X.shape
        if not self.skip:
            return FX
        return _residual_add_kernel(X, FX.astype(X.dtype, copy=False), self.stride)

    def _backward(self, dY, input_grad):
        x_shape = self._stored(self._x_shape)
        dY = self._input(dY, "dY")
        if not input_grad:
            self.branch.backward_params(dY)
            return None
        dX = self.branch.backward(dY)
        if self.skip:
            _, C, H, W = x_shape
            dX = dX + _residual_add_backward_kernel(dY, C, H, W, self.stride)[0]
        return dX

    def backward(self, dY):
        return self._backward(dY, True)

    def backward_params(self, dY):
        self._backward(dY, False)

    def params(self):
        return self.branch.params()

    def grads(self):
        return self.branch.grads()

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        out = self.branch.output_shape(input_shape)
        if self.skip:
            C, H, W = input_shape
            want = ((H - 1) // self.stride + 1, (W - 1) // self.stride + 1)
            if len(out) != 3 or out[0] < C or tuple(out[1:]) != want:
                raise ValueError(f"{self._label()}: the branch turns {list(input_shape)} into "
                                 f"{list(out)}, which the shortcut (stride {self.stride}) "
                                 f"cannot be added to: it needs [>= {C}, {want[0]}, {want[1]}]")
        return out

    def __repr__(self):
        return (f"Residual({self.branch.layers!r}, stride={self.stride}, "
                f"skip={self.skip})")


class GlobalAvgPool2D(Layer):
    """X[B, C, H, W] -> Y[B, C]: the mean of each feature map; no parameters."""

    numba_threads = True

    def __init__(self, *, name=None):
        self.name = name
        self._x_shape = None

    def forward(self, X, training=False):
        X = self._input(X)
        if X.ndim != 4:
            raise ValueError(f"{self._label()}: expects input [B, C, H, W], got shape {X.shape}")
        self._x_shape = X.shape
        return _gap_forward_kernel(X)

    def backward(self, dY):
        N, C, H, W = self._stored(self._x_shape)
        dY = self._input(dY, "dY")
        if dY.shape != (N, C):
            raise ValueError(f"{self._label()}: backward expects dY [{N}, {C}], got {dY.shape}")
        return _gap_backward_kernel(dY, H, W)

    def output_shape(self, input_shape):
        if len(tuple(input_shape)) != 3:
            raise ValueError(f"{self._label()}: expects per-example input [C, H, W], got "
                             f"{tuple(input_shape)}")
        return (input_shape[0],)

    def __repr__(self):
        return "GlobalAvgPool2D()"


class _OwnedConv(Layer):
    """Shared by the two convolutions below: K drawn He-normal from the generator
    (fan_in = the inputs one output reads), b zero, dK and db beside them."""

    numba_threads = True

    def _make(self, f, shape, fan_in, seed, rng, dtype, name):
        dtype = _float_dtype(f, dtype)
        rng = _generator(f, seed, rng)
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
        return _depthwise_forward_kernel(X, self.K, self.b, self.stride, self.pad)

    def backward(self, dY):
        X, dY = self._upstream(dY)
        dX, self.dK[...], self.db[...] = _depthwise_backward_kernel(X, self.K, dY, self.stride,
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
        return _pointwise_forward_kernel(self._forward_input(X), self.K, self.b)

    def backward(self, dY):
        X, dY = self._upstream(dY)
        dX, self.dK[...], self.db[...] = _pointwise_backward_kernel(X, self.K, dY)
        return dX

    def output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 3 or input_shape[0] != self.in_channels:
            raise ValueError(f"{self._label()}: expects per-example input "
                             f"[{self.in_channels}, H, W], got {input_shape}")
        return (self.out_channels,) + input_shape[1:]

    def __repr__(self):
        return f"PointwiseConv2D({self.in_channels}, {self.out_channels})"

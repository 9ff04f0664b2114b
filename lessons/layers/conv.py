"""Chapter 07: convolution, max pooling and Flatten as layers.

A Conv2D kernel weight sees fan_in = C kh kw inputs and feeds fan_out = F kh kw outputs
(Keras' convention), the n_in and n_out of the Dense schemes; a callable init is called as
init(rng, shape, fan_in, fan_out).
"""
import numpy as np

from lessons.kernels import (checks, conv2d_backward, conv2d_forward, maxpool2d_backward,
                             registry)
from lessons.kernels.raw import (
    conv2d_backward_unchecked, conv2d_forward_unchecked, maxpool2d_backward_unchecked,
    maxpool2d_forward_unchecked,
)
from lessons.kernels.threads import blas_runs_avx512, one_blas_thread
from lessons.layers.base import Layer, float_dtype, generator
from lessons.layers.initializers import check_weights, initial_weights


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
        rng = generator(f, seed, rng)
        kh, kw = self.kernel_size
        fan_in, fan_out = self.in_channels * kh * kw, self.out_channels * kh * kw
        K, _ = initial_weights(f, init, rng, shape, fan_in, fan_out,
                               custom=lambda: init(rng, shape, fan_in, fan_out),
                               signature="(rng, shape, fan_in, fan_out) -> K")
        self.K = check_weights(f, None, K, shape, ("K", "[F, C, kh, kw]")).astype(dtype)
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
        if registry.swapped("conv2d_forward"):  # a learner's kernel (lessons.kernels.use)
            return conv2d_forward(X, self.K, self.b, s, p)
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
        if registry.swapped("conv2d_backward"):
            dX, dK, db = conv2d_backward(X, self.K, dY, s, p)
        else:
            with one_blas_thread():
                dX, dK, db = conv2d_backward_unchecked(X, self.K, dY, s, s, p, p, input_grad,
                                                       blas_runs_avx512())
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
        if registry.swapped("maxpool2d_backward"):
            return maxpool2d_backward(dY, argmax, self._x_shape)
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

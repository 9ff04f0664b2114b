"""Chapter 09, Deeper CNNs: the residual block and global average pooling as layers.

    Residual(branch, stride=1, skip=True)   Y = F(X) + shortcut(X), F a list of layers;
                                            skip=False is the same block without its shortcut
                                            (a "plain" network with the very same weights)
    GlobalAvgPool2D()                       X[B, C, H, W] -> Y[B, C], the mean of each map

As every layer, each checks what a learner passes and then calls its compiled cores
(lessons.kernels.raw) directly: a model's batch is checked once, at its entry.
"""
from lessons.kernels import checks, registry, residual_add_backward
from lessons.kernels.raw import (
    global_avgpool2d_backward_unchecked, global_avgpool2d_forward_unchecked,
    residual_add_backward_unchecked, residual_add_forward_unchecked,
)
from lessons.layers.base import Layer
from lessons.layers.sequential import Sequential


class Residual(Layer):
    """A residual block: Y = F(X) + X (He et al. 2015), F the `branch` (a list of layers).

    stride: the branch's downsampling; then the shortcut reads every stride-th pixel, and
    zero channels make up any channels the branch adds (Ekman's zero-padding variant,
    lessons.kernels.residual). skip=False drops the shortcut: Y = F(X).
    Put the block's final ReLU after it, as in y = ReLU(x + F(x)).
    Backward: the branch gets dY whole; the block's dX is the branch's dX plus dY routed
    straight through the shortcut. A learner's residual_add_backward (lessons.kernels.use)
    decides both: the branch then gets its dFX, the shortcut its dX.
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
        return residual_add_forward_unchecked(X, FX.astype(X.dtype, copy=False), self.stride)

    def _backward(self, dY, input_grad):
        x_shape = self._stored(self._x_shape)
        dY = self._input(dY, "dY")
        dX_shortcut = None
        if self.skip and registry.swapped("residual_add_backward"):  # a learner's kernel
            dX_shortcut, dY = residual_add_backward(dY, x_shape, self.stride)
        if not input_grad:
            self.branch.backward_params(dY)
            return None
        dX = self.branch.backward(dY)
        if self.skip:
            if dX_shortcut is None:
                _, C, H, W = x_shape
                dX_shortcut = residual_add_backward_unchecked(dY, C, H, W, self.stride)[0]
            dX = dX + dX_shortcut
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
        return global_avgpool2d_forward_unchecked(X)

    def backward(self, dY):
        N, C, H, W = self._stored(self._x_shape)
        dY = self._input(dY, "dY")
        if dY.shape != (N, C):
            raise ValueError(f"{self._label()}: backward expects dY [{N}, {C}], got {dY.shape}")
        return global_avgpool2d_backward_unchecked(dY, H, W)

    def output_shape(self, input_shape):
        if len(tuple(input_shape)) != 3:
            raise ValueError(f"{self._label()}: expects per-example input [C, H, W], got "
                             f"{tuple(input_shape)}")
        return (input_shape[0],)

    def __repr__(self):
        return "GlobalAvgPool2D()"

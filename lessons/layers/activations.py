"""Chapter 04: the elementwise activations as layers (Sigmoid, Tanh, ReLU)."""

from lessons.kernels import checks, registry, sigmoid_backward
from lessons.kernels.raw import (
    elu_backward_unchecked, elu_unchecked, leaky_relu_backward_unchecked, leaky_relu_unchecked,
    elementwise, relu_backward_unchecked, relu_unchecked, sigmoid_backward_unchecked,
    sigmoid_unchecked, tanh_backward_unchecked, tanh_unchecked,
)
from lessons.layers.base import Layer


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
        if registry.swapped("sigmoid_backward"):  # a learner's kernel (lessons.kernels.use)
            return sigmoid_backward(*self._upstream(dY))
        return elementwise(sigmoid_backward_unchecked, *self._upstream(dY))


class Tanh(_Activation):
    """tanh activation, elementwise on any shape. Keeps its output Y: tanh' = 1 - Y^2."""

    def forward(self, X, training=False):
        self._kept = elementwise(tanh_unchecked, self._input(X))
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


ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


# Chapter 05, Toward Deep Learning: the rectifiers that keep a gradient below zero

class LeakyReLU(_Activation):
    """z where z >= 0, alpha z elsewhere (Keras' default alpha 0.3). Keeps its input Z."""

    def __init__(self, alpha=0.3, *, name=None):
        super().__init__(name=name)
        self.alpha = checks.number("LeakyReLU", "alpha", alpha, low=0.0)

    def forward(self, X, training=False):
        self._kept = self._input(X)
        return leaky_relu_unchecked(self._kept.reshape(-1),
                                  self._kept.dtype.type(self.alpha)).reshape(self._kept.shape)

    def backward(self, dY):
        Z, dY = self._upstream(dY)
        return leaky_relu_backward_unchecked(Z.reshape(-1), dY.reshape(-1),
                                           Z.dtype.type(self.alpha)).reshape(Z.shape)

    def __repr__(self):
        return f"LeakyReLU({self.alpha})"


class ELU(_Activation):
    """z where z >= 0, alpha (e^z - 1) elsewhere (Keras' default alpha 1). Keeps its input Z."""

    def __init__(self, alpha=1.0, *, name=None):
        super().__init__(name=name)
        self.alpha = checks.number("ELU", "alpha", alpha, low=0.0)

    def forward(self, X, training=False):
        self._kept = self._input(X)
        return elu_unchecked(self._kept.reshape(-1),
                           self._kept.dtype.type(self.alpha)).reshape(self._kept.shape)

    def backward(self, dY):
        Z, dY = self._upstream(dY)
        return elu_backward_unchecked(Z.reshape(-1), dY.reshape(-1),
                                    Z.dtype.type(self.alpha)).reshape(Z.shape)

    def __repr__(self):
        return f"ELU({self.alpha})"

"""Layers as objects (from chapter 04 on), one module per family, everything re-exported here.

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

The package, one file per family: base (Layer, the input check, seeds and dtypes),
initializers (one initialiser driven by fan-in and fan-out, one weight check), dense,
activations, sequential (Sequential, mlp), conv (Conv2D, MaxPool2D, Flatten), dropout. New
families get their own file beside them: normalization (batch norm), recurrent (RNN, LSTM,
GRU cells), attention; re-export them here.
"""
from lessons.layers.activations import ACTIVATIONS, ELU, LeakyReLU, ReLU, Sigmoid, Tanh
from lessons.layers.base import Layer, float_dtype, generator
from lessons.layers.conv import Conv2D, Flatten, MaxPool2D
from lessons.layers.dense import Dense
from lessons.layers.dropout import Dropout
from lessons.layers.normalization import BatchNorm
from lessons.layers.initializers import INITIALIZERS, check_weights, initial_weights
from lessons.layers.sequential import Sequential, mlp

__all__ = [
    "ACTIVATIONS", "INITIALIZERS", "Conv2D", "Dense", "Dropout", "Flatten", "Layer", "MaxPool2D",
    "ReLU", "Sequential", "Sigmoid", "Tanh", "check_weights", "float_dtype", "generator",
    "initial_weights", "mlp",
    "BatchNorm", "LeakyReLU", "ELU",  # Chapter 05
]

# Chapter 09, Deeper CNNs
from lessons.layers.residual import GlobalAvgPool2D, Residual  # noqa: E402
from lessons.layers.depthwise import DepthwiseConv2D, PointwiseConv2D  # noqa: E402

__all__ += ["DepthwiseConv2D", "GlobalAvgPool2D", "PointwiseConv2D", "Residual"]

# Chapter 06 (Chollet 3.4-3.5): the dense layer on multi-hot words
from lessons.layers.multi_hot import MultiHotDense  # noqa: E402

__all__ += ["MultiHotDense"]

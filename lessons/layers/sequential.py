"""Chapter 04: Sequential, layers applied one after the other, and mlp(), a fully connected
network in one call."""
import contextlib
import numbers

import numpy as np

from lessons.kernels import checks
from lessons.kernels.threads import one_blas_thread
from lessons.layers.activations import ACTIVATIONS
from lessons.layers.base import generator, layer_input
from lessons.layers.dense import Dense


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
        X = layer_input("Sequential", "X", X)
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
        dY = layer_input("Sequential", "dY", dY)
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

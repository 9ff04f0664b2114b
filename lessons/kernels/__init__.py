"""Numba kernels, one idea each, and their checked public entry points.

The kernels' boundary: this package imports numpy, numba, scipy (and threadpoolctl for the BLAS
policy in `threads`) and nothing from the library above it. Its input checks live in `checks`,
its threading policy in `threads`; the unchecked compiled cores the layers, benchmarks and
chapters call are public in `raw`. Nothing outside this package imports a private name from it
(tests/infrastructure/test_layering.py).

Bring your own kernel: `use(conv2d_forward=my_fn)` makes the layers, `fit` and the widgets
run a learner's kernel instead of the course's (`registry` lists which; `use()` restores).

Set NUMBA_DISABLE_JIT=1 before starting Python (or the Jupyter kernel) to run every kernel
as plain Python and step through it in a debugger.
"""
from lessons.kernels.perceptron import perceptron_epoch, perceptron_predict, perceptron_train
from lessons.kernels.descent import linear_mse_epoch
from lessons.kernels.activations import (
    relu, relu_backward, sigmoid, sigmoid_backward, tanh, tanh_backward,
)
from lessons.kernels.dense import dense_backward, dense_forward, sgd_step
from lessons.kernels.losses import (
    binary_cross_entropy, half_sse, softmax, softmax_cross_entropy,
)
from lessons.kernels.conv import (
    conv1d_backward, conv1d_forward, conv2d_backward, conv2d_forward, conv_output_size,
)
from lessons.kernels.pool import (
    avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward,
)
from lessons.kernels.dropout import inverted_dropout
from lessons.kernels.mlp import mlp_forward, mlp_minibatch_epoch, mlp_predict, mlp_sgd_epoch
from lessons.kernels.registry import use

__all__ = [
    "perceptron_predict",
    "perceptron_epoch",
    "perceptron_train",
    "linear_mse_epoch",
    "sigmoid",
    "sigmoid_backward",
    "tanh",
    "tanh_backward",
    "relu",
    "relu_backward",
    "dense_forward",
    "dense_backward",
    "sgd_step",
    "half_sse",
    "binary_cross_entropy",
    "softmax",
    "softmax_cross_entropy",
    "mlp_sgd_epoch",
    "mlp_minibatch_epoch",
    "mlp_forward",
    "mlp_predict",
    "conv_output_size",
    "conv1d_forward",
    "conv1d_backward",
    "conv2d_forward",
    "conv2d_backward",
    "maxpool2d_forward",
    "maxpool2d_backward",
    "avgpool2d_forward",
    "avgpool2d_backward",
    "inverted_dropout",
    "use",
]

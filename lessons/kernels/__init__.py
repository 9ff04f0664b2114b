"""Numba kernels, one idea each, and their checked public entry points.

Set NUMBA_DISABLE_JIT=1 before starting Python (or the Jupyter kernel) to run every kernel
as plain Python and step through it in a debugger.
"""
from lessons.kernels.perceptron import perceptron_epoch, perceptron_predict, perceptron_train
from lessons.kernels.descent import linear_mse_epoch

__all__ = [
    "perceptron_predict",
    "perceptron_epoch",
    "perceptron_train",
    "linear_mse_epoch",
]

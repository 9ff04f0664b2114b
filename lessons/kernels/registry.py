"""Bring your own kernel: which implementation of a swappable kernel the course runs.

    with use(conv2d_forward=my_conv2d_forward):   # the layers, fit and the widgets now call
        feature_maps(...)                          # the learner's kernel ...
    use(conv2d_forward=my_conv2d_forward)          # ... or from now on, until
    use()                                          # the course's own kernels again

A learner's kernel takes the arguments of the public kernel of that name (SWAPPABLE lists
them) and returns what it returns. It runs behind the public entry point: the course checks
the arguments first (so the learner's loops see the arrays they were promised), calls the
learner's function, then checks what came back has the right shapes (a clear error naming
the kernel, not a broadcasting error three layers later) and gives it the input's float dtype.
`lessons.exercises.kernels.check_kernel` tests a kernel before it is swapped in.

The layers call the compiled cores directly for speed (lessons.kernels.raw); they ask
`swapped(name)` first, one dictionary lookup, and route to the public entry point when the
learner's kernel is in use.
"""
import numbers

import numpy as np

# name -> the signature a learner's kernel has (the public kernel's)
SWAPPABLE = {
    "perceptron_epoch": "perceptron_epoch(w, X, y, order, lr) -> n_updates, w updated in place",
    "dense_backward": "dense_backward(X, W, dZ) -> (dX, dW, db)",
    "sigmoid_backward": "sigmoid_backward(Y, dY) -> dZ",
    "softmax_cross_entropy": "softmax_cross_entropy(Z, labels) -> (loss, dZ)",
    "conv2d_forward": "conv2d_forward(X, K, b, stride, pad) -> Y",
    "conv2d_backward": "conv2d_backward(X, K, dY, stride, pad) -> (dX, dK, db)",
    "maxpool2d_backward": "maxpool2d_backward(dY, argmax, x_shape) -> dX",
    "residual_add_backward": "residual_add_backward(dY, x_shape, stride) -> (dX, dFX)",
    "rnn_backward": "rnn_backward(X, h0, U, W, H, dH) -> (dX, dh0, dU, dW, db)",
    "attention_backward": "attention_backward(Q, K, V, A, dO, scale) -> (dQ, dK, dV)",
    "dot_attention_backward": "dot_attention_backward(Q, S, A, dC) -> (dQ, dS)",
}

_course = {}   # name -> the course's own public kernel (registered by its module)
_learners = {}  # name -> the learner's kernel, while one is swapped in


class LearnerKernelError(ValueError):
    """A swapped-in kernel returned something the course cannot use (wrong shape, None, ...)."""


def course_kernel(func):
    """Decorator: record a public kernel as the course's own implementation of its name."""
    _course[func.__name__] = func
    return func


def swapped(name):
    """The learner's kernel swapped in for `name`, or None while the course's own runs."""
    return _learners.get(name)


def in_use():
    """{name: the function that runs for it now}, for every swappable kernel."""
    return {name: _learners.get(name, _course.get(name)) for name in SWAPPABLE}


class use:
    """use(conv2d_forward=my_fn, ...): run the learner's kernels instead of the course's.

    As a call it swaps them in until the next use(); as a context manager (`with use(...):`)
    it puts back, on leaving the block, whatever ran before. use() with no arguments
    restores every course kernel. Passing a course kernel itself (lessons.kernels.
    conv2d_forward) restores that one.
    """

    def __init__(self, **kernels):
        for name, fn in kernels.items():
            if name not in SWAPPABLE:
                raise TypeError(f"use: unknown kernel {name}=...; the kernels you can swap are "
                                f"{', '.join(SWAPPABLE)}")
            if not callable(fn):
                raise TypeError(f"use: {name} must be a function with the signature "
                                f"{SWAPPABLE[name]}, got {type(fn).__name__}")
        self._before = dict(_learners)
        if not kernels:
            _learners.clear()
        for name, fn in kernels.items():
            if fn is _course.get(name):
                _learners.pop(name, None)
            else:
                _learners[name] = fn

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _learners.clear()
        _learners.update(self._before)

    def __repr__(self):
        mine = ", ".join(f"{n}={getattr(f, '__name__', f)}" for n, f in _learners.items())
        return f"use({mine})  # " + ("the learner's kernels in use" if mine else
                                     "the course's own kernels")


def run(name, args, outputs, dtype):
    """Call the learner's kernel for `name` on checked args; return its result checked.

    outputs: one (label, shape) per returned value; shape is a tuple for an array, `float`
    for a number (a loss), `int` for a count. Arrays come back C-contiguous in `dtype`.
    """
    fn = _learners[name]
    try:
        out = fn(*args)
    except Exception as error:
        error.add_note(f"(raised in your {name}, swapped in by lessons.kernels.use; "
                       f"check_kernel({name!r}, your_function) tests it, use() restores "
                       f"the course's)")
        raise
    values = (out,) if len(outputs) == 1 else out
    if not isinstance(values, tuple) or len(values) != len(outputs):
        labels = ", ".join(label for label, _ in outputs)
        raise LearnerKernelError(f"your {name} returned {_described(out)}; it must return "
                                 f"({labels}): {SWAPPABLE[name]}")
    checked = tuple(_output(name, label, shape, v, dtype) for (label, shape), v in
                    zip(outputs, values))
    return checked[0] if len(outputs) == 1 else checked


def _output(name, label, shape, value, dtype):
    if shape in (float, int):
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(())[()]
        if not isinstance(value, numbers.Real) or (shape is int and
                                                    not isinstance(value, numbers.Integral)):
            raise LearnerKernelError(f"your {name} returned {_described(value)} as {label}; "
                                     f"it must be {'a whole' if shape is int else 'one'} "
                                     f"number: {SWAPPABLE[name]}")
        return shape(value)
    try:
        arr = np.ascontiguousarray(value, dtype=dtype)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.shape != shape:
        raise LearnerKernelError(f"your {name} returned {_described(value)} as {label}; "
                                 f"the course expected an array of shape {shape}: "
                                 f"{SWAPPABLE[name]}")
    return arr


def _described(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    return "None" if value is None else f"a {type(value).__name__}"

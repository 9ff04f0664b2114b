"""What `check_kernel` runs: a kernel's cases, and the mistakes it recognises.

Each kernel's cases come in the order a learner meets trouble: the book's worked numbers,
small hand-sized inputs, the edge shapes (batch 1, 1x1 images, a kernel as large as the input,
a stride longer than the kernel, padding), random shapes, a float32 input (whose dtype must
survive), and for backward kernels a finite-difference gradient check. Expected values come
from the NumPy twin (lessons.reference), or from finite differences of the twin's forward.
A mistake is a wrong answer a learner is likely to give; when theirs equals it, the message
names it. The cases themselves: kernel_cases_dense (chapters 01-04), kernel_cases_conv (07).
"""
from dataclasses import dataclass, field

import numpy as np

from lessons.gradcheck import numerical_gradient
from lessons.kernels.registry import SWAPPABLE


@dataclass(frozen=True)
class Case:
    """One call: a title a learner can read, the arguments, and (for a gradient check) the
    expected outputs when they do not come from the twin."""

    title: str
    args: tuple
    expected: tuple = None
    gradient: bool = False


@dataclass(frozen=True)
class Mistake:
    """output `label` equal to `value(*args)` means the learner did `message`."""

    label: str
    value: object
    message: str


@dataclass(frozen=True)
class Spec:
    name: str
    arg_names: tuple
    outputs: tuple          # what is compared: the returned values, then what observe adds
    twin: object
    cases: object           # () -> [Case]
    hints: tuple
    mistakes: tuple = ()
    returns: int = None     # how many values the kernel returns (default: len(outputs))
    inplace: tuple = ()     # indices of arguments the kernel updates in place
    observe: object = None  # (returned values, args) -> the compared outputs
    integers: tuple = field(default=())  # outputs that are whole numbers

    @property
    def signature(self):
        return SWAPPABLE[self.name]


def seeded(seed):
    return np.random.default_rng(seed)


def small(rng, *shape):
    """Whole numbers -3..3 as floats: values a learner can check by hand."""
    return rng.integers(-3, 4, size=shape).astype(np.float64)


def in_float32(case):
    args = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == np.float64
                 else a for a in case.args)
    return Case(case.title + ", in float32 (the result must stay float32)", args)


def numeric_gradients(loss, arrays, which):
    """Finite-difference gradients of loss(*arrays) with respect to arrays[i], i in which."""
    grads = []
    for i in which:
        def f(v, i=i):
            return loss(*(v if k == i else a for k, a in enumerate(arrays)))
        grads.append(numerical_gradient(f, arrays[i].copy()))
    return tuple(grads)

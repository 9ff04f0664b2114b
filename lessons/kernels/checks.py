"""Input checks for public entry points: errors that name the argument and the expected shape.

Numba kernels trust their inputs (a short `order` array reads out of bounds, an int `w`
silently truncates float updates), so every public function calls these first.

A model checks a batch once, at its entry, not again in every layer: the layers it runs call
`checked()` and skip their own scan while the model's `already_checked()` block is open.
"""
import contextvars
import numbers
import os
from collections.abc import Hashable

import numpy as np
from numba import config, njit

FLOATS = (np.float32, np.float64)
_INT64_MAX = np.iinfo(np.int64).max
# dtype kinds of numbers: bool, signed and unsigned integers, floats, and complex (which
# `array` then refuses as not real). dtype.kind is a string test; np.issubdtype costs ~1 us.
_NUMERIC = frozenset("biufc")


class NotFiniteError(ValueError):
    """A value is NaN or inf. A ValueError like any bad value; its own class lets a training
    loop tell a run whose activations or gradients overflowed (it diverged) from input that
    was bad from the start."""


# --- checked once, at the entry --------------------------------------------------------------

_CHECKED = contextvars.ContextVar("dl_lessons_checked", default=False)


class already_checked:
    """with already_checked(): ...  runs a block on arrays its caller has checked, so the
    layers and models called inside it skip their own scan (see `checked`)."""

    def __enter__(self):
        self._token = _CHECKED.set(True)

    def __exit__(self, *exc):
        _CHECKED.reset(self._token)


def checked():
    """True inside an `already_checked()` block."""
    return _CHECKED.get()


# --- arrays ----------------------------------------------------------------------------------

def _asarray(where, a, shape):
    """np.asarray(a), with an error naming the argument for what NumPy cannot make an array of
    (a ragged list) or makes an object array of (None, a generator, an int too large for any
    dtype)."""
    if isinstance(a, (str, bytes)) or a is None:
        raise TypeError(f"{where} must be a numeric array {shape}, got {type(a).__name__}")
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError, OverflowError):
        raise ValueError(f"{where} must be a numeric array {shape}; NumPy cannot make an array "
                         f"of this {type(a).__name__} (are its rows of different lengths?)"
                         ) from None
    if arr.dtype.kind not in _NUMERIC:
        raise TypeError(f"{where} must be a numeric array {shape}, got dtype {arr.dtype}")
    return arr


@njit(cache=True)
def _any_not_finite(a):
    """True if an entry of the 1-D float array a is NaN or inf: x - x is 0 for a finite x
    and NaN otherwise (no fastmath here, so it is not simplified away). No early exit: the
    loop then vectorises."""
    found = False
    for i in range(a.shape[0]):
        found |= (a[i] - a[i]) != 0.0
    return found


def all_finite(a):
    """True if no entry of the C-contiguous float array a is NaN or inf.

    The compiled loop runs without a temporary: 11-12 us for a 784 x 256 float32 gradient
    against 19 us for np.isfinite(a).all(), and 0.2 us against 1.3 us for a small array, on
    this course's machines; an optimizer checks every gradient of every step. Under
    NUMBA_DISABLE_JIT the loop would be Python, so NumPy's scan is used instead.
    """
    if config.DISABLE_JIT:
        return bool(np.isfinite(a).all())
    return not _any_not_finite(a.reshape(-1))


def _finite(where, arr):
    if not all_finite(arr):
        raise NotFiniteError(f"{where} contains NaN or inf")


def array(func, name, a, *, ndim, shape="", dtype=None, finite=True, allow_empty=False):
    """Return `a` as a C-contiguous float array, or raise naming `func` and `name`.

    ndim: the number of dimensions required, or None for any (a 0-d input stays 0-d).
    dtype: the float dtype to convert to (None keeps a float input's dtype, ints become float64).
    shape: a human description such as "[n, d]" used in error messages.
    """
    where = f"{func}: {name}"
    arr = a
    # Most calls get what they return: a C-contiguous float array of the dtype wanted, which
    # needs no conversion (a gradient, a model's batch). Only its shape and values are left.
    if not (type(a) is np.ndarray and a.dtype in FLOATS and (dtype is None or a.dtype == dtype)
            and a.flags.c_contiguous):
        arr = _asarray(where, a, shape)
        if arr.dtype.kind == "c":
            raise TypeError(f"{where} must be real, got dtype {arr.dtype}")
        target = dtype if dtype is not None else (arr.dtype if arr.dtype in FLOATS
                                                  else np.float64)
        # not np.ascontiguousarray, which turns a 0-d array into shape (1,)
        arr = np.asarray(arr, dtype=target, order="C")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{where} must be {ndim}-D {shape}, got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{where} is empty (shape {arr.shape}); expected {shape}")
    if finite:
        _finite(where, arr)
    return arr


def like(func, name, a, ref, ref_name):
    """`a` checked against the array `ref` it belongs to (a gradient against its parameter):
    the same shape, converted to ref's dtype, real and finite."""
    # An optimizer's gradients usually are exactly that already: only their values are left
    if not (type(a) is np.ndarray and a.dtype == ref.dtype and a.shape == ref.shape
            and a.flags.c_contiguous):
        a = array(func, name, a, ndim=None, dtype=ref.dtype, allow_empty=True, finite=False,
                  shape=f"shaped like {ref_name}")
        if a.shape != ref.shape:
            raise ValueError(f"{func}: {name} has shape {a.shape} but {ref_name} has shape "
                             f"{ref.shape}")
    if not all_finite(a):
        raise NotFiniteError(f"{func}: {name} contains NaN or inf")
    return a


def inplace(func, name, a, *, ndim, shape="", finite=True):
    """Check an array the kernel updates in place: float32/float64, C-contiguous, writable.

    A converted copy would silently lose the update, so nothing is converted here.
    ndim: as in `array`. finite=False skips the NaN scan, for an array checked before and
    changed only by our own updates since.
    """
    where = f"{func}: {name}"
    if not isinstance(a, np.ndarray):
        raise TypeError(
            f"{where} is updated in place, so it must be a NumPy float array {shape}, "
            f"got {type(a).__name__}; use np.array(..., dtype=float)"
        )
    if a.dtype not in FLOATS:
        raise TypeError(
            f"{where} is updated in place and must be float32 or float64, got {a.dtype} "
            f"(an integer array would truncate the updates); use {name}.astype(float)"
        )
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{where} must be {ndim}-D {shape}, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{where} is empty; expected {shape}")
    if not a.flags.c_contiguous or not a.flags.writeable:
        raise ValueError(
            f"{where} must be C-contiguous and writable to be updated in place; "
            f"use np.ascontiguousarray({name}) and keep that copy"
        )
    if finite:
        _finite(where, a)
    return a


def indices(func, name, a, *, upper, ndim=1, shape="[k]"):
    """Integer index array with every value in [0, upper): guards the kernels' reads.

    Never empty: a pass that visits no row would report "no errors" without looking.
    """
    where = f"{func}: {name}"
    arr = _asarray(where, a, shape)
    if arr.ndim != ndim:
        raise ValueError(f"{where} must be {ndim}-D {shape}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{where} is empty (shape {arr.shape}); expected {shape}, the row "
                         f"indices to visit")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{where} must hold integer indices, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() >= upper:
        raise ValueError(
            f"{where} must index rows 0..{upper - 1}, got values in [{arr.min()}, {arr.max()}]"
        )
    return np.ascontiguousarray(arr, dtype=np.int64)


# --- numbers ---------------------------------------------------------------------------------

def number(func, name, x, *, low=None, high=None, low_open=False, integer=False):
    """A finite real (or integer) scalar within bounds. An integer must fit in int64 (what
    the kernels take); a real must fit in a float."""
    where = f"{func}: {name}"
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, kind):
        if isinstance(x, np.ndarray) and x.ndim == 0:
            return number(func, name, x.item(), low=low, high=high, low_open=low_open,
                          integer=integer)
        want = "an integer" if integer else "a real number"
        raise TypeError(f"{where} must be {want}, got {type(x).__name__}")
    if integer:
        x = int(x)
        if abs(x) > _INT64_MAX:
            raise ValueError(f"{where} must lie within +-{_INT64_MAX:,} (int64), got an "
                             f"integer of {x.bit_length()} bits")
    else:
        try:
            x = float(x)
        except OverflowError:
            raise ValueError(f"{where} is too large for a float (at most about 1.8e308)"
                             ) from None
        if not np.isfinite(x):
            raise NotFiniteError(f"{where} must be finite, got {x}")
    if integer and low is not None and high is not None and not low <= x <= high:
        raise ValueError(f"{where} must be a whole number in {low}..{high}, got {x}")
    if low is not None and (x <= low if low_open else x < low):
        raise ValueError(f"{where} must be {'>' if low_open else '>='} {low}, got {x}")
    if high is not None and x > high:
        raise ValueError(f"{where} must be <= {high}, got {x}")
    return x


def labels(func, name, a, *, n_classes=None):
    """Class labels: a non-empty 1-D integer array [n] of classes 0, 1, ... (below n_classes,
    if given), as int64."""
    where = f"{func}: {name}"
    arr = _asarray(where, a, "[n]")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{where} must hold integer classes, got dtype {arr.dtype}")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{where} must be a non-empty 1-D array [n], got shape {arr.shape}")
    low, high = arr.min(), arr.max()
    if n_classes is not None and (low < 0 or high >= n_classes):
        raise ValueError(f"{where} must be classes 0..{n_classes - 1}, got values in "
                         f"[{low}, {high}]")
    if low < 0:
        raise ValueError(f"{where} must be classes 0, 1, ..., got {low}")
    return arr.astype(np.int64)


def choice(func, name, value, options):
    """value, if it is one of `options`; a list or an array is simply not one (`in` would
    fail on them with a raw TypeError or a truth-value error)."""
    if not isinstance(value, Hashable) or value not in options:
        raise ValueError(f"{func}: {name} must be one of {list(options)}, got {value!r}")
    return value


def path(func, name, p):
    """p as a str or os.PathLike (the file or folder itself may still be missing)."""
    if not isinstance(p, (str, os.PathLike)):
        raise TypeError(f"{func}: {name} must be a path (a str or a pathlib.Path), got "
                        f"{type(p).__name__}")
    return p


def as_list(func, name, value, what):
    """list(value) for a list, tuple or other iterable of `what` (e.g. "arrays")."""
    if not isinstance(value, (str, bytes)):
        try:
            return list(value)
        except TypeError:  # not iterable (None, a number, a 0-d array)
            pass
    raise TypeError(f"{func}: {name} must be a list of {what}, got {type(value).__name__}")


def targets(func, name, y, X, x_name="X", *, shape="[n]", dtype=None):
    """y[n], one target per row of the already checked X[n, ...]."""
    y = array(func, name, y, ndim=1, shape=shape, dtype=dtype)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{func}: {name} has {y.shape[0]} targets but {x_name} has "
                         f"{X.shape[0]} rows")
    return y


def sizes(func, name, value):
    """value as a tuple of positive ints (a shape): a float size such as 4.7 is refused, not
    truncated."""
    return tuple(number(func, f"{name}[{i}]", s, low=1, integer=True)
                 for i, s in enumerate(as_list(func, name, value, "positive integers")))


def flag(func, name, value):
    """A True/False switch (1 or "yes" is not one)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{func}: {name} must be True or False, got {value!r}")
    return bool(value)


def labels_pm1(func, name, y, *, n, dtype):
    """Targets of a perceptron: n values, each -1 or +1."""
    y = array(func, name, y, ndim=1, shape=f"[{n}]", dtype=dtype)
    if y.shape[0] != n:
        raise ValueError(f"{func}: {name} has {y.shape[0]} labels but X has {n} rows")
    if not np.all((y == 1) | (y == -1)):
        bad = y[(y != 1) & (y != -1)][:3]
        raise ValueError(f"{func}: {name} must contain only -1 and +1 (got e.g. {bad.tolist()})")
    return y

"""Input checks for public entry points: errors that name the argument and the expected shape.

Numba kernels trust their inputs (a short `order` array reads out of bounds, an int `w`
silently truncates float updates), so every public function calls these first.
"""
import numbers

import numpy as np

FLOATS = (np.float32, np.float64)


def array(func, name, a, *, ndim, shape="", dtype=None, finite=True, allow_empty=False):
    """Return `a` as a C-contiguous float array, or raise naming `func` and `name`.

    dtype: the float dtype to convert to (None keeps a float input's dtype, ints become float64).
    shape: a human description such as "[n, d]" used in error messages.
    """
    where = f"{func}: {name}"
    if isinstance(a, (str, bytes)) or a is None:
        raise TypeError(f"{where} must be a numeric array {shape}, got {type(a).__name__}")
    arr = np.asarray(a)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{where} must be a numeric array {shape}, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{where} must be real, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{where} must be {ndim}-D {shape}, got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{where} is empty (shape {arr.shape}); expected {shape}")
    target = dtype if dtype is not None else (arr.dtype if arr.dtype in FLOATS else np.float64)
    arr = np.ascontiguousarray(arr, dtype=target)
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{where} contains NaN or inf")
    return arr


def inplace(func, name, a, *, ndim, shape=""):
    """Check an array the kernel updates in place: float32/float64, C-contiguous, writable.

    A converted copy would silently lose the update, so nothing is converted here.
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
    if a.ndim != ndim:
        raise ValueError(f"{where} must be {ndim}-D {shape}, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{where} is empty; expected {shape}")
    if not a.flags.c_contiguous or not a.flags.writeable:
        raise ValueError(
            f"{where} must be C-contiguous and writable to be updated in place; "
            f"use np.ascontiguousarray({name}) and keep that copy"
        )
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{where} contains NaN or inf")
    return a


def indices(func, name, a, *, upper, ndim=1, shape="[k]"):
    """Integer index array with every value in [0, upper): guards the kernels' reads."""
    where = f"{func}: {name}"
    arr = np.asarray(a)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{where} must hold integer indices, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{where} must be {ndim}-D {shape}, got shape {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= upper):
        raise ValueError(
            f"{where} must index rows 0..{upper - 1}, got values in [{arr.min()}, {arr.max()}]"
        )
    return np.ascontiguousarray(arr, dtype=np.int64)


def number(func, name, x, *, low=None, high=None, low_open=False, integer=False):
    """A finite real (or integer) scalar within bounds."""
    where = f"{func}: {name}"
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(x, bool) or not isinstance(x, kind):
        if isinstance(x, np.ndarray) and x.ndim == 0:
            return number(func, name, x.item(), low=low, high=high, low_open=low_open,
                          integer=integer)
        want = "an integer" if integer else "a real number"
        raise TypeError(f"{where} must be {want}, got {type(x).__name__}")
    if not integer and not np.isfinite(x):
        raise ValueError(f"{where} must be finite, got {x}")
    if low is not None and (x <= low if low_open else x < low):
        raise ValueError(f"{where} must be {'>' if low_open else '>='} {low}, got {x}")
    if high is not None and x > high:
        raise ValueError(f"{where} must be <= {high}, got {x}")
    return int(x) if integer else float(x)


def labels_pm1(func, name, y, *, n, dtype):
    """Targets of a perceptron: n values, each -1 or +1."""
    y = array(func, name, y, ndim=1, shape=f"[{n}]", dtype=dtype)
    if y.shape[0] != n:
        raise ValueError(f"{func}: {name} has {y.shape[0]} labels but X has {n} rows")
    if not np.all((y == 1) | (y == -1)):
        bad = y[(y != 1) & (y != -1)][:3]
        raise ValueError(f"{func}: {name} must contain only -1 and +1 (got e.g. {bad.tolist()})")
    return y

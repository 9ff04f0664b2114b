"""Write it yourself: `check_kernel(name, my_fn)` tests a learner's kernel offline, hints first.

    def my_conv2d_forward(X, K, b, stride, pad):
        ...
    check_kernel("conv2d_forward", my_conv2d_forward)   # ✔, or the first case that fails
    with use(conv2d_forward=my_conv2d_forward):          # then the chapter runs on it
        feature_maps(...)

The cases (lessons.exercises.kernel_cases_dense, _conv, _recurrent and _attention) compare the learner's
kernel with the NumPy twin on the book's numbers, edge shapes and random shapes, in float32
too, and backward kernels with finite differences. The first case that fails is printed with its inputs, what was expected,
what came back and where they differ, and the mistake when it is a known one (a forgotten
bias, a flipped kernel, an average instead of a sum). Whatever the learner's function does,
raise, return None or NaN or the wrong shape or dtype, the check prints and never raises;
it works on plain Python, on @njit functions and under NUMBA_DISABLE_JIT=1.
Worked solutions: `from lessons.solutions import kernels`.
"""
import numpy as np

from lessons.exercises import Exercise, Feedback, is_whole, numbers_in, shown
from lessons.exercises.kernel_cases_conv import (
    CONV_BACKWARD, CONV_FORWARD, POOL, RESIDUAL_BACKWARD,
)
from lessons.exercises.kernel_cases_dense import DENSE, PERCEPTRON, SIGMOID, SOFTMAX
from lessons.exercises.kernel_cases_recurrent import RNN_BACKWARD
from lessons.exercises.kernel_cases_attention import ATTENTION_BACKWARD
from lessons.exercises.kernel_cases_seq2seq import DOT_ATTENTION_BACKWARD
from lessons.kernels.registry import use

KERNELS = {spec.name: spec for spec in (PERCEPTRON, DENSE, SIGMOID, SOFTMAX, CONV_FORWARD,
                                        CONV_BACKWARD, POOL, RESIDUAL_BACKWARD,
                                        RNN_BACKWARD, ATTENTION_BACKWARD,
                                        DOT_ATTENTION_BACKWARD)}
_EXERCISES = {name: Exercise(name, spec.hints, "kernels") for name, spec in KERNELS.items()}
_ERROR_CHARS = 400  # of a learner's error message (Numba's typing errors run to pages)
_SHOWN = 36  # values of an array printed in full; a larger one prints as its range


def check_kernel(name, fn):
    """Run kernel `name`'s cases on the learner's fn; print ✔ or the first failing case and
    the next hint; return the Feedback (true when every case passed)."""
    if name not in KERNELS:
        result = Feedback("check_kernel", False, f"there is no kernel {shown(name)} to check; "
                          f"the kernels are {', '.join(KERNELS)}.")
        print(result)
        return result
    spec, exercise = KERNELS[name], _EXERCISES[name]
    if fn is ... or not callable(fn):
        return exercise.feedback(False, f"Pass your function: check_kernel({name!r}, "
                                        f"my_{name}), with the signature {spec.signature}.")
    with use():  # the cases' own arithmetic runs on the course's kernels
        cases = spec.cases()
        for k, case in enumerate(cases, start=1):
            problem = _run_case(spec, fn, case)
            if problem:
                where = f"case {k} of {len(cases)}, {case.title}"
                return exercise.feedback(False, f"{where}:\n{problem}\n")
    return exercise.feedback(True, f"your {name} passes all {len(cases)} cases (the book's "
                                   f"numbers, edge shapes, random shapes, float32"
                                   f"{', a gradient check' if cases[-1].gradient else ''}). "
                                   f"Swap it in: with use({name}=your_function): ...")


def _run_case(spec, fn, case):
    """None when fn gets the case right, else a description of what is off."""
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in case.args)
    try:
        with np.errstate(all="ignore"):  # an overflow shows as the NaN or inf reported below
            out = fn(*args)
    except NotImplementedError:
        return (f"  your {spec.name} still raises NotImplementedError: replace that line "
                f"with your code ({spec.signature}).")
    except Exception as error:  # the learner's code: report it, never crash the check
        return _inputs(spec, case.args) + f"\n  your function raised {type(error).__name__}: " \
                                          f"{_error_text(error)}"
    values = _values(spec, out, args)
    if isinstance(values, str):
        return _inputs(spec, case.args) + "\n  " + values
    expected = case.expected
    if expected is None:
        twin_args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in case.args)
        expected = _values(spec, spec.twin(*twin_args), twin_args)
    for label, got, want in zip(spec.outputs, values, expected):
        problem = _compare(spec, case, label, got, want)
        if problem:
            return _inputs(spec, case.args) + "\n" + problem
    return _changed_input(spec, case.args, args)


def _error_text(error):
    try:
        text = str(error)
    except Exception:
        text = "(its message cannot be printed)"
    return text if len(text) <= _ERROR_CHARS else text[:_ERROR_CHARS] + " ..."


def _values(spec, out, args):
    """The compared outputs (a tuple), or what is wrong with the returned structure."""
    n = spec.returns or len(spec.outputs)
    labels = ", ".join(spec.outputs[:n])
    if out is None:
        return f"your function returned None: end it with `return {labels}`."
    if n == 1:
        values = (out,)
    elif isinstance(out, (tuple, list)) and len(out) == n:
        values = tuple(out)
    else:
        got = f"a tuple of {len(out)} values" if isinstance(out, (tuple, list)) else shown(out)
        return f"your function returned {got}; it must return the {n} values ({labels})."
    return spec.observe(values, args) if spec.observe else values


def _compare(spec, case, label, got, want):
    """None when got matches want, else the lines that say how they differ."""
    if label in spec.integers:
        if not is_whole(got) or got != want:
            return f"  expected {label} = {want}\n  you gave {label} = {shown(got)}" + (
                "" if is_whole(got) else " (a whole number, please)") + _diagnosis(
                spec, case, label, got)
        return None
    arr, wrong = numbers_in(got)
    if wrong:
        return f"  {label}: expected an array of numbers, you gave {wrong}."
    want = np.asarray(want)
    if arr.shape != want.shape:
        return (f"  {label} has shape {arr.shape} but should have shape {want.shape}"
                f" ({spec.signature}).")
    bad = ~np.isfinite(arr) & np.isfinite(want)
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        return (f"  {label}{list(at)} is {arr[at]} where {want[at]:.6g} was expected: NaN "
                f"often comes from np.empty (it holds leftovers; start from np.zeros), inf "
                f"or NaN from an exp that overflowed.")
    rtol, atol = (1e-5, 1e-7) if case.gradient else (1e-4, 1e-5) if _float32(case) else \
        (1e-7, 1e-9)
    close = np.isclose(arr, want, rtol=rtol, atol=atol)
    if not close.all():
        return _difference(label, arr, want, close) + _diagnosis(spec, case, label, arr)
    if case.gradient or want.ndim == 0:  # a loss is a Python float whatever the dtype
        return None
    if hasattr(got, "dtype") and got.dtype != want.dtype:
        return (f"  your values are right, but {label} is {got.dtype} where the inputs are "
                f"{want.dtype}: make it with the inputs' dtype (np.zeros(shape, dtype=X.dtype)) "
                f"so that a float32 model stays float32. Under @njit a Python float also "
                f"turns float32 into float64: 1.0 - Y does, Y - Y * Y does not.")
    if not hasattr(got, "dtype") and _float32(case):  # a list cannot say float32
        return (f"  {label}: return a NumPy array (of the inputs' dtype), not a "
                f"{type(got).__name__}.")
    return None


def _float32(case):
    return any(isinstance(a, np.ndarray) and a.dtype == np.float32 for a in case.args)


def _difference(label, got, want, close):
    wrong = np.argwhere(~close)
    at = tuple(int(i) for i in wrong[0])
    lines = [f"  expected {label} = {_array(want)}", f"  you gave {label} = {_array(got)}"]
    if want.ndim == 0:
        lines.append(f"  they differ by {float(got - want):.6g}.")
    else:
        lines.append(f"  where: {len(wrong)} of {want.size} values differ, the first at "
                     f"{label}{list(at)}: expected {want[at]:.6g}, got {got[at]:.6g}.")
    return "\n".join(lines)


def _diagnosis(spec, case, label, got):
    """The known mistake whose answer equals the learner's, if any."""
    for mistake in spec.mistakes:
        if mistake.label != label:
            continue
        args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in case.args)
        try:
            alt = np.asarray(mistake.value(*args), dtype=float)
            if alt.shape == np.shape(got) and np.allclose(got, alt, rtol=1e-4, atol=1e-6):
                return f"\n  It looks like {mistake.message}"
        except Exception:  # the mistake does not apply here, or got is no number at all
            continue
    return ""


def _changed_input(spec, before, after):
    for k, (a, b) in enumerate(zip(before, after)):
        if k in spec.inplace or not isinstance(a, np.ndarray):
            continue
        if not np.array_equal(a, b, equal_nan=True):
            name = spec.arg_names[k]
            return (_inputs(spec, before) + f"\n  your {spec.name} changed its input {name}: "
                    f"leave the inputs as they were and write the result into new arrays.")
    return None


def _inputs(spec, args):
    lines = ["  inputs:"]
    for name, a in zip(spec.arg_names, args):
        lines.append(f"    {name} = {_array(a) if isinstance(a, np.ndarray) else shown(a)}")
    return "\n".join(lines)


def _array(a):
    """A small array as text, its shape and dtype after it; a large one as its range."""
    a = np.asarray(a)
    if a.size > _SHOWN:
        return f"{a.size} values from {a.min():.4g} to {a.max():.4g}   (shape {a.shape}, {a.dtype})"
    text = np.array2string(a, precision=4, suppress_small=True, separator=", ", threshold=40,
                           edgeitems=2, max_line_width=92)
    text = text.replace("\n", "\n" + " " * 8)
    return f"{text}   (shape {a.shape}, {a.dtype})" if a.ndim else text

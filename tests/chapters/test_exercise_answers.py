"""Every exercise check, fed the answers a learner might really give (and a few hostile
ones): it must print feedback and never raise, never pass garbage, never hang (issue 8)."""
import importlib
import inspect
import itertools

import numpy as np
import pytest

CHAPTERS = ("ch01", "ch02", "ch03", "ch04", "ch05", "ch06", "ch07", "ch08", "ch09", "ch10",
            "ch11", "ch12", "ch13", "ch14")
# The checks that take the learner's function rather than a value.
FUNCTION_CHECKS = {"check_update_rule", "check_momentum_step", "check_sigmoid_derivative",
                   "check_shared_weight_gradient", "check_one_hot", "check_standardize",
                   "check_output_size", "check_conv_params", "check_conv_pool_shape",
                   "check_receptive_field", "check_rnn_parameters",
                   "check_lstm_parameters", "check_batchnorm_backward", "check_multi_hot",
                   "check_sgns_grad_v", "check_block_parameters", "check_positional_encoding"}


def all_checks():
    for chapter in CHAPTERS:
        module = importlib.import_module(f"lessons.exercises.{chapter}")
        for name, check in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("check_") and check.__module__ == module.__name__:
                yield f"{chapter}.{name}", check


CHECKS = dict(all_checks())


class Hostile:
    """An answer whose every conversion raises, as a learner's own class might."""

    def __getattribute__(self, name):
        if name in ("__class__", "__dict__"):
            return object.__getattribute__(self, name)
        raise RuntimeError(f"Hostile.{name}")

    def __repr__(self):
        raise RuntimeError("no repr")

    def __float__(self):
        raise RuntimeError("no float")

    def __iter__(self):
        raise RuntimeError("no iter")

    def __eq__(self, other):
        raise RuntimeError("no ==")

    def __len__(self):
        raise RuntimeError("no len")

    def __bool__(self):
        raise RuntimeError("no bool")

    __hash__ = object.__hash__


def breaking_generator():
    yield 1.0
    raise RuntimeError("the generator broke")


WEIRD = {  # name -> a function making a fresh answer (generators are used up once read)
    "str": lambda: "abc", "numeric str": lambda: "1e999", "empty str": lambda: "",
    "bytes": lambda: b"x", "None": lambda: None, "True": lambda: True,
    "huge int": lambda: 10**400, "huge negative int": lambda: -10**400,
    "int beyond repr": lambda: 10**5000, "1e308": lambda: 1e308, "nan": lambda: float("nan"),
    "inf": lambda: float("inf"), "float32 inf": lambda: np.float32(np.inf),
    "complex": lambda: 1 + 2j, "complex list": lambda: [1j, 2.0, 3.0],
    "ragged": lambda: [1.0, [2.0, 3.0]], "ragged rows": lambda: [[1.0, 2.0, 3.0], [4.0], [5.0]],
    "huge ints in a list": lambda: [10**400, 0, 0],
    "generator": lambda: (float(x) for x in range(3)), "iterator": lambda: iter([1.0, 2.0]),
    "breaking generator": breaking_generator,
    "1e308 array": lambda: np.full((3, 3), 1e308), "1e308 vector": lambda: np.full(3, 1e308),
    "empty array": lambda: np.array([]), "3-D array": lambda: np.ones((3, 3, 3)),
    "str array": lambda: np.array(["a", "b", "c"]),
    "object array": lambda: np.array([1, None, 2], dtype=object),
    "dict": lambda: {1: 2}, "set": lambda: {1.0}, "object": object, "hostile": Hostile,
    "tuple of arrays": lambda: (np.ones(3), np.ones(2)),
}


def raising(*args):
    raise ZeroDivisionError("the learner's bug")


def answers_for(name):
    """(id, answer) pairs: functions returning each weird value for a function check."""
    if name.split(".")[1] in FUNCTION_CHECKS:
        yield "raises", raising
        for key, make in WEIRD.items():
            yield f"returns {key}", lambda *args, make=make: make()
    else:
        yield from WEIRD.items()


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_check_never_raises_and_never_passes_garbage(name, capsys):
    check = CHECKS[name]
    arity = len(inspect.signature(check).parameters)
    is_function_check = name.split(".")[1] in FUNCTION_CHECKS
    for key, answer in answers_for(name):
        make = (lambda answer=answer: answer) if is_function_check else answer
        # every argument weird at once, then one at a time beside plain numbers
        calls = [[make() for _ in range(arity)]]
        if arity > 1:
            calls += [[make() if k == j else 0.0 for k in range(arity)] for j in range(arity)]
        for args in calls:
            result = check(*args)  # must not raise
            out = capsys.readouterr().out
            assert "✘" in out and "✔" not in out, f"{name} with {key}: {out!r}"
            assert result is not None and not result, f"{name} passed {key}"


def test_every_check_is_covered():
    assert len(CHECKS) == 46  # chapters 06, 09 and 12-14 included; chapter 10's BPTT check is check_kernel's now
    assert FUNCTION_CHECKS <= {name.split(".")[1] for name in CHECKS}

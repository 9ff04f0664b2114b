"""What every layer shares: the Layer contract, the input check, the seeded generator and the
float dtypes a layer may hold."""
import numpy as np

from lessons.kernels import checks

_DTYPES = {np.dtype(np.float32), np.dtype(np.float64)}


class Layer:
    """The interface every layer follows; a subclass overrides forward and backward, and
    params/grads/output_shape when it has parameters or changes the shape."""

    name = None
    input_shape = None  # the per-example input shape, for layers that fix one (Dense: (n_in,))
    # True for layers whose kernels run on Numba's threads (prange): a Sequential holding one
    # keeps BLAS on one thread during its passes, since NumPy's BLAS threads (Dense) and
    # Numba's spinning on the same 2 cores made Weidman's CNN epoch 27 s instead of 17 s.
    numba_threads = False

    def forward(self, X, training=False):
        raise NotImplementedError(f"{type(self).__name__} must define forward(X, training)")

    def backward(self, dY):
        raise NotImplementedError(f"{type(self).__name__} must define backward(dY)")

    def backward_params(self, dY):
        """Fill grads() from dY without returning dL/dX; layers where dX is costly override."""
        self.backward(dY)

    def params(self):
        return []

    def grads(self):
        return []

    def output_shape(self, input_shape):
        return tuple(input_shape)

    @property
    def n_params(self):
        return sum(p.size for p in self.params())

    def _label(self):
        return f"{type(self).__name__} {self.name!r}" if self.name else type(self).__name__

    def _input(self, X, name="X", dtype=None):
        """A learner's X (or dY) as a C-contiguous float array (see `layer_input`)."""
        return layer_input(self._label(), name, X, dtype)

    def _stored(self, value):
        """What forward kept for backward, or an error that says forward has to come first."""
        if value is None:
            raise RuntimeError(f"{self._label()}: backward() called before forward()")
        return value



def layer_input(where, name, X, dtype=None):
    """X as a C-contiguous array of the float `dtype` (None: float32 stays float32, anything
    else becomes float64), checked in full: None, strings, complex, NaN or inf and empty
    arrays are refused naming `where` and `name`. Inside a model's pass, whose batch was
    checked once at its entry, X is only converted: scanning every activation again cost
    1.5 ms a batch on Chapter 08's 1.5 million values."""
    if checks.checked():
        X = np.asarray(X)
        if dtype is None:
            dtype = X.dtype if X.dtype in checks.FLOATS else np.float64
        return np.asarray(X, dtype=dtype, order="C")
    return checks.array(where, name, X, ndim=None, shape="[B, ...]", dtype=dtype)


def generator(func, seed, rng):
    if rng is not None:
        if seed is not None:
            raise TypeError(f"{func}: pass seed or rng, not both")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"{func}: rng must be a np.random.Generator, got {type(rng).__name__}")
        return rng
    if seed is None:
        raise TypeError(
            f"{func}: pass seed=<int> (or rng=np.random.default_rng(seed)) so that the initial "
            f"weights are the same on every run"
        )
    return np.random.default_rng(checks.number(func, "seed", seed, low=0, integer=True))


def float_dtype(func, dtype):
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in _DTYPES:
        raise TypeError(f"{func}: dtype must be np.float32 or np.float64, got {dtype!r}")
    return dt

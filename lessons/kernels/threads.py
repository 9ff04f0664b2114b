"""The kernels' BLAS threading policy: when BLAS may use its own threads, and when not.

Numba kernels that run BLAS products inside `prange` (the convolutions) and training loops of
small matrices want BLAS on one thread: two thread pools spinning on two cores were 5-10x
slower than one (DESIGN.md, field notes). `one_blas_thread()` is that policy, in one place.
"""
import contextlib
import functools


@functools.cache
def _blas_libraries():
    """threadpoolctl's controllers of the loaded BLAS libraries, SciPy's included (np.dot inside
    @njit calls SciPy's BLAS, which may not be loaded before the first product)."""
    import scipy.linalg.cython_blas  # noqa: F401
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController().select(user_api="blas").lib_controllers


@contextlib.contextmanager
def one_blas_thread():
    """A `with` block in which BLAS (NumPy's and SciPy's) uses one thread: around Numba kernels
    that run BLAS products inside `prange`, and around training loops that alternate such
    kernels with NumPy products. Measured on a 2-core machine: Skansi's CNN, 3 epochs on
    1,000 images, 56 s with BLAS free, 4.3 s inside.

    It sets the libraries' thread counts directly (a few microseconds; threadpoolctl's own
    limit() rebuilds its library table, about 50 us, which was 4% of a small conv layer's
    step) and leaves alone a library already at one thread, so nested blocks cost nothing.
    """
    changed = [(lib, n) for lib in _blas_libraries() if (n := lib.get_num_threads()) != 1]
    for lib, _ in changed:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in changed:
            lib.set_num_threads(n)

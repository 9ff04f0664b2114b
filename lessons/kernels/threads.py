"""The kernels' threading policy: when BLAS may use its own threads, and when not; and how
many threads each of several processes side by side may start.

Numba kernels that run BLAS products inside `prange` (the convolutions) and training loops of
small matrices want BLAS on one thread: two thread pools spinning on two cores were 5-10x
slower than one (DESIGN.md, field notes). `one_blas_thread()` is that policy, in one place.
"""
import contextlib
import functools
import os

# What the kernels' thread pools read when a process starts: Numba's, OpenMP's, the BLAS
# libraries'.
THREAD_VARIABLES = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MKL_NUM_THREADS")


def share_of_the_cores(processes):
    """The environment variables that give each of `processes` processes started side by side
    (the notebook kernels of pytest-xdist's workers, under nbval and in the browser tests) an
    equal share of the cores, at least one thread each; {} for one process.

    Each process taking every core spins thread pools against the other's. Measured on 2 cores,
    chapters 04 and 08 side by side: 221 s with two threads each, 138 s with one (alone, one
    after the other: 86 s and 112 s). No chapter's printed number depends on the thread count.
    """
    if processes <= 1:
        return {}
    return dict.fromkeys(THREAD_VARIABLES, str(_share(processes)))


def _share(processes):
    return max(1, (os.cpu_count() or 1) // processes)


def take_share_of_the_cores(processes):
    """The same share for this process, already running: Numba's kernels called from this
    thread and the BLAS libraries' pools (pytest-xdist's workers running tests side by side).
    Thread pools already sized by the environment keep their size; only fewer are used."""
    if processes <= 1:
        return
    import numba
    share = _share(processes)
    numba.set_num_threads(min(share, numba.config.NUMBA_NUM_THREADS))
    for lib in _blas_libraries():
        lib.set_num_threads(share)


@functools.cache
def _blas_libraries():
    """threadpoolctl's controllers of the loaded BLAS libraries, SciPy's included (np.dot inside
    @njit calls SciPy's BLAS, which may not be loaded before the first product)."""
    import scipy.linalg.cython_blas  # noqa: F401
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController().select(user_api="blas").lib_controllers


# OpenBLAS's names (openblas_get_corename) for the cores whose kernels use AVX-512.
_AVX512_CORES = frozenset({"skylakex", "cooperlake", "sapphirerapids"})


@functools.cache
def blas_runs_avx512():
    """True when every loaded BLAS is an OpenBLAS running its AVX-512 kernels. It follows
    the kernels OpenBLAS runs, not the CPU alone: OPENBLAS_CORETYPE may choose others (the
    test run's second pass takes the SSE ones). The Winograd backward (lessons.kernels.conv)
    reads it to choose who computes the kernels' gradient product."""
    libraries = _blas_libraries()
    return bool(libraries) and all(
        str(getattr(lib, "architecture", "")).lower() in _AVX512_CORES for lib in libraries)


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

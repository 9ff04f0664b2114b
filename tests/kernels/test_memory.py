"""The kernels' memory policy (lessons/kernels/memory.py): memory a kernel frees stays in the
process, so its next call does not take a page fault for every 4 kB of its temporaries."""
import os
import platform
import subprocess
import sys
import textwrap

import pytest

from lessons.kernels.memory import keep_freed_memory

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"

# A Winograd backward of chapter 09's 64 -> 64 layer on 7x7, batch 32, float64: with glibc's
# default thresholds each call after the first took about 200 page faults (800 at batch 128).
CALLS = textwrap.dedent("""
    import resource
    import numpy as np
    from lessons.kernels import raw
    from lessons.kernels.threads import blas_runs_avx512, one_blas_thread
    rng = np.random.default_rng(0)
    X, K = rng.standard_normal((32, 64, 7, 7)), rng.standard_normal((64, 64, 3, 3))
    dY = rng.standard_normal((32, 64, 7, 7))
    with one_blas_thread():
        raw.conv2d_backward_unchecked(X, K, dY, 1, 1, 1, 1, True, blas_runs_avx512())
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(5):
            raw.conv2d_backward_unchecked(X, K, dY, 1, 1, 1, 1, True, blas_runs_avx512())
    print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5)
""")


@pytest.mark.skipif(not GLIBC, reason="the thresholds are glibc's; other C libraries keep theirs")
def test_a_kernel_call_reuses_the_memory_the_last_call_freed():
    assert keep_freed_memory()  # setting them again is harmless
    out = subprocess.run([sys.executable, "-c", CALLS], capture_output=True, text=True,
                         check=True, env={**os.environ, "NUMBA_NUM_THREADS": "1"})
    faults = float(out.stdout.split()[-1])
    assert faults < 20, f"{faults:.0f} page faults a call: freed memory went back to the system"


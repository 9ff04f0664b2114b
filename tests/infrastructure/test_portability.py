"""Printed numbers must not depend on the CPU: the kernels' sums run in an order fixed by the
code, and `course.py test` re-runs nbval on another instruction set to prove it.

Numba compiles for the CPU it runs on; NUMBA_CPU_NAME and NUMBA_CPU_FEATURES make it compile
for another one, so one machine can show what an older (or a wider) CPU would compute.
"""
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A short run of chapter 04's trainers in both dtypes; prints a fingerprint of every bit of
# the trained weights and outputs.
FINGERPRINT = """
import hashlib
import numpy as np
from lessons.chapters import ch04_mnist_net as mnist_net
from lessons.data import load_mnist
from lessons.kernels import mlp_forward, mlp_minibatch_epoch, mlp_sgd_epoch

images, labels = load_mnist("train")
digest = hashlib.sha256()
for dtype in (np.float32, np.float64):
    d = mnist_net.prepare(images[:3000], labels[:3000], dtype=dtype)
    order = np.random.default_rng(0).permutation(3000)
    W1, W2 = mnist_net.init_weights(0, dtype=dtype)
    mlp_sgd_epoch(W1, W2, d.X, d.T, order, 0.01)
    # the book's quirk at lr 0.05 is the most sensitive run of chapter 04
    mlp_minibatch_epoch(W1, W2, d.X, d.T, order, 32, 0.05, average_both=False)
    for a in (W1, W2, mlp_forward(W1, W2, d.X[:500])):
        digest.update(a.tobytes())
print(digest.hexdigest())
"""


def run(code, env):
    """`code`'s output in a Python with `env` (the course's Numba cache, which keeps each CPU's
    machine code apart)."""
    env = {**os.environ, **env}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def has_flag(flag):
    """Whether /proc/cpuinfo lists this CPU flag (False where there is no /proc/cpuinfo)."""
    try:
        return flag in Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False


@pytest.mark.slow
def test_chapter_04_trainers_give_the_same_bits_on_another_instruction_set(course):
    # Failed before the fix: fastmath's "reassoc" let LLVM sum in as many lanes as the
    # vector registers hold, and skylake-avx512 differed from nehalem in the last bits.
    # Failed again when the second run took libm's exp without fused multiply-adds, until
    # the sigmoid came from lessons.kernels.fixed_order. The host's own instruction set
    # (AVX2 with FMA at least, on the machines seen) is the reference; nehalem has neither
    # AVX nor FMA.
    # Code compiled for skylake-avx512 dies with SIGILL on a CPU without AVX-512 (an AMD EPYC
    # with AVX2 and FMA, say): the wider instruction set is tried only where it runs.
    here = run(FINGERPRINT, {})
    for cpu in ("nehalem", "skylake-avx512") if has_flag("avx512f") else ("nehalem",):
        assert run(FINGERPRINT, {**course.other_isa_env(), "NUMBA_CPU_NAME": cpu}) == here, cpu


def test_the_second_nbval_run_really_changes_the_instruction_set(course):
    """The environment course.py gives nbval's second run takes effect: Numba compiles without
    AVX (no ymm/zmm registers, no fused multiply-add) and NumPy dispatches no SIMD extension."""
    env = course.other_isa_env()
    probe = (
        "import numpy as np\n"
        "from numba import njit\n"
        "m = getattr(np, '_core', None) or np.core\n"
        "on = [f for f in m._multiarray_umath.__cpu_dispatch__\n"
        "      if m._multiarray_umath.__cpu_features__.get(f)]\n"
        "@njit\n"
        "def axpy(a, x, y):\n"
        "    for i in range(x.shape[0]):\n"
        "        y[i] += a * x[i]\n"
        "x = np.ones(64)\n"
        "axpy(2.0, x, x.copy())\n"
        "asm = axpy.inspect_asm(axpy.signatures[0])\n"
        "print(on, 'ymm' in asm or 'zmm' in asm, 'vfmadd' in asm)\n"
    )
    assert run(probe, env) == "[] False False"


@pytest.mark.skipif(not (has_flag("fma") and platform.libc_ver()[0] == "glibc"),
                    reason="glibc's libm has no fused multiply-add variants to switch off here")
def test_the_second_nbval_run_takes_libms_functions_without_fused_multiply_adds(course):
    """glibc picks exp's variant by the CPU it runs on, whatever Numba compiles for: before
    course.py masked the variants, chapter 04's sigmoid and chapter 11's RNN printed other
    digits on a CPU without FMA than here, and the second run could not tell. The probe:
    libm's exp (through Python's math.exp) over 100,000 values, in both environments."""
    probe = (
        "import hashlib, math, random\n"
        "r = random.Random(0)\n"
        "print(hashlib.sha256(b''.join(math.exp(r.uniform(-30, 30)).hex().encode()\n"
        "                              for _ in range(100_000))).hexdigest())\n"
    )
    assert run(probe, course.other_isa_env()) != run(probe, {})

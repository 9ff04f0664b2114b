"""What the kernel tests share: the same-bits check on another instruction set."""
import os
import subprocess
import sys

import pytest

@pytest.fixture
def fingerprints(course):
    """fingerprints(script) -> [its output on this CPU, its output under course.other_isa_env()]:
    a script that prints a digest of kernel results shows whether they keep their bits without
    AVX and fused multiply-adds. Both use the course's Numba cache, where the other instruction
    set's machine code has entries of its own (Numba keys them by CPU name and features): the
    warm-up filled this CPU's, the first test to need a kernel there compiles the other's,
    and nbval's second run in `course.py test` loads what these tests compiled."""
    def run(script):
        return [subprocess.run([sys.executable, "-c", script], env={**os.environ, **extra},
                               check=True, capture_output=True, text=True).stdout.strip()
                for extra in ({}, course.other_isa_env())]
    return run

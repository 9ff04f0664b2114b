"""What the kernel tests share: the same-bits check on another instruction set."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fingerprints(other_isa_cache):
    """fingerprints(script) -> [its output on this CPU, its output under course.other_isa_env()]:
    a script that prints a digest of kernel results shows whether they keep their bits without
    AVX and fused multiply-adds. The other instruction set compiles into other_isa_cache."""
    spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)

    def run(script):
        return [subprocess.run([sys.executable, "-c", script], env={**os.environ, **extra},
                               check=True, capture_output=True, text=True).stdout.strip()
                for extra in ({}, {"NUMBA_CACHE_DIR": str(other_isa_cache),
                                   **course.other_isa_env()})]
    return run

"""What the kernel tests share: the same-bits check on another instruction set."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fingerprints(tmp_path):
    """fingerprints(script) -> [its output on this CPU, its output under course.other_isa_env()],
    each run with a fresh Numba cache: a script that prints a digest of kernel results shows
    whether they keep their bits without AVX and fused multiply-adds."""
    spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)

    def run(script):
        outputs = []
        for extra in ({}, course.other_isa_env()):
            env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / str(len(outputs))), **extra}
            outputs.append(subprocess.run([sys.executable, "-c", script], env=env, check=True,
                                          capture_output=True, text=True).stdout.strip())
        return outputs
    return run

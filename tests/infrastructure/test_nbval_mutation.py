"""nbval must notice when a kernel's arithmetic changes: mutate the perceptron update, expect
the chapter's saved outputs (the book's NAND trace at 4 decimals) to stop matching."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "01_perceptron.ipynb"
UPDATE = "w[j] += target * lr * x[j]"


@pytest.mark.slow
def test_nbval_fails_when_the_perceptron_update_is_scaled(tmp_path):
    kernel = ROOT / "lessons" / "kernels" / "perceptron.py"
    assert kernel.read_text().count(UPDATE) == 1, "the mutation target moved; update UPDATE"
    mutant = tmp_path / "mutant"
    shutil.copytree(ROOT / "lessons", mutant / "lessons",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "widgets", mutant / "widgets",
                    ignore=shutil.ignore_patterns("__pycache__"))
    target = mutant / "lessons" / "kernels" / "perceptron.py"
    target.write_text(target.read_text().replace(UPDATE, "w[j] += target * 0.99 * lr * x[j]"))
    # PYTHONPATH puts the mutant before the editable install. Run from tmp_path: a process
    # started in the repository would find ./lessons first. (nbval starts the notebook's
    # kernel in notebooks/, which holds no package.)
    env = {**os.environ, "PYTHONPATH": str(mutant), "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    probe = subprocess.run([sys.executable, "-c", "import lessons; print(lessons.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.strip().startswith(str(mutant))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "-q",
         str(NOTEBOOK)],
        cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "0.2990" in result.stdout, "the mismatch shown should be the scaled update"

"""Root pytest configuration for nbval runs, from any working directory.

- Point nbval at the committed sanitize file.
- Silence tqdm progress bars in the notebook kernels nbval starts (they inherit this
  process's environment): a bar's text differs run to run. Learners still see bars.
"""
import os
from pathlib import Path

SANITIZE = Path(__file__).resolve().parent / "tests" / "nbval_sanitize.cfg"


def pytest_configure(config):
    if getattr(config.option, "nbval", False):
        if not config.option.nbval_sanitize_with:
            config.option.nbval_sanitize_with = str(SANITIZE)
        os.environ["TQDM_DISABLE"] = "1"

"""Root pytest configuration for nbval runs, from any working directory.

- Point nbval at the committed sanitize file.
- Silence progress bars in the notebook kernels nbval starts (they inherit this process's
  environment): a bar's text differs run to run. lessons.train.ProgressBar reads
  TQDM_DISABLE when it creates a bar (tqdm's notebook bar ignores the variable, so chapters
  must not call tqdm directly). Learners still see bars.
"""
import os
from pathlib import Path

SANITIZE = Path(__file__).resolve().parent / "tests" / "nbval_sanitize.cfg"


def pytest_configure(config):
    if getattr(config.option, "nbval", False):
        if not config.option.nbval_sanitize_with:
            config.option.nbval_sanitize_with = str(SANITIZE)
        os.environ["TQDM_DISABLE"] = "1"

"""Choose a writable Numba cache directory before Numba is imported.

`@njit(cache=True)` writes its cache next to the kernel's source file. When the course is
installed read-only (a system site-packages, a JupyterHub image) Numba raises at import
("no locator available"), so we point NUMBA_CACHE_DIR at a user or temporary directory.
"""
import os
import sys
import tempfile
from pathlib import Path

_KERNELS = Path(__file__).resolve().parent / "kernels"


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK | os.X_OK)


def configure_numba_cache() -> str | None:
    """Set NUMBA_CACHE_DIR when the kernels' own directory is not writable.

    Returns the directory chosen, or None when Numba's default (beside the sources) is used
    or the user already set NUMBA_CACHE_DIR.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    if _writable(_KERNELS / "__pycache__"):
        return None
    candidates = [
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dl-lessons" / "numba",
        Path(tempfile.gettempdir()) / f"dl-lessons-numba-{os.getuid() if hasattr(os, 'getuid') else 'user'}",
    ]
    for candidate in candidates:
        if _writable(candidate):
            os.environ["NUMBA_CACHE_DIR"] = str(candidate)
            if "numba" in sys.modules:  # imported before us: make it re-read the environment
                sys.modules["numba"].core.config.reload_config()
            return str(candidate)
    return None

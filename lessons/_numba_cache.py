"""Choose a safe, writable Numba cache directory before Numba compiles any kernel.

`@njit(cache=True)` writes its cache next to the kernel's source file. When the course is
installed read-only (a system site-packages, a JupyterHub image) Numba finds nowhere to write
and raises at import ("no locator available"), so we point NUMBA_CACHE_DIR at a folder of the
user's own: ~/.cache/dl-lessons/numba, else dl-lessons-numba-<uid> in the temporary directory.

Numba's cache files are pickles, and loading a pickle can run any code. On a shared machine
anyone can create /tmp/dl-lessons-numba-<uid> before its owner does and plant files in it, so
a fallback folder is created with mode 0700 and refused if another user owns it or if others
may write to it. With nowhere safe to write at all, the course runs uncached (each kernel
compiles again in every new Python process, 0.5-3 s each) and says so once.
"""
import os
import stat
import sys
import tempfile
import warnings
from pathlib import Path

_KERNELS = Path(__file__).resolve().parent / "kernels"
_uncached = False  # set when no folder was usable and `cache=True` was switched off


def numba_cache_dir() -> Path | None:
    """The folder Numba caches the course's kernels in; None when the course runs uncached."""
    if _uncached:
        return None
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    return _KERNELS / "__pycache__"


def cache_dir_problem(path: Path, *, private: bool = True) -> str | None:
    """Why Numba must not cache in `path` (in words for the learner), or None if it may.

    Creates the folder if it is missing, with mode 0700 when `private`. private=True also
    refuses a folder that another user owns or that group or others may write to (checked on
    POSIX systems; Windows reports no owner this way). The package's own __pycache__ is not
    private: whoever can write there can change the kernels' source anyway.
    """
    try:
        path.mkdir(mode=0o700 if private else 0o777, parents=True, exist_ok=True)
    except FileExistsError:
        return "a file of that name is in the way"
    except OSError as error:
        return f"cannot create it ({error.strerror or error})"
    if private and os.name == "posix":
        info = path.stat()
        if info.st_uid != os.geteuid():
            return f"it belongs to {owner_name(info.st_uid)}, not to you"
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return f"other users may write to it (permissions {stat.filemode(info.st_mode)})"
    try:  # the test Numba itself makes before it caches anywhere
        tempfile.TemporaryFile(dir=path).close()
    except OSError as error:
        return f"cannot write to it ({error.strerror or error})"
    return None


def owner_name(uid: int) -> str:
    """The user name for `uid` ('uid 1001' when the system has no name for it)."""
    try:
        import pwd
        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"uid {uid}"


def _fallback_dirs() -> list[Path]:
    """The user's cache folder, then a per-user folder in the temporary directory; a place
    that cannot even be named (no home, no usable temporary directory) is left out."""
    dirs = []
    try:
        cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        dirs.append(Path(cache_home) / "dl-lessons" / "numba")
    except RuntimeError:  # Path.home(): no HOME and no entry in the password database
        pass
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    try:
        dirs.append(Path(tempfile.gettempdir()) / f"dl-lessons-numba-{user}")
    except FileNotFoundError:  # gettempdir(): every temporary directory is unwritable
        pass
    return dirs


def configure_numba_cache() -> str | None:
    """Set NUMBA_CACHE_DIR when the kernels' own directory is not writable.

    Returns the directory chosen, or None when Numba's default (beside the sources) is used,
    the user already set NUMBA_CACHE_DIR, or no folder is usable (then the kernels compile
    without a cache and a warning says so).
    """
    global _uncached
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    beside_sources = _KERNELS / "__pycache__"
    problem = cache_dir_problem(beside_sources, private=False)
    if problem is None:
        return None
    refused = [f"{beside_sources}: {problem}"]
    for candidate in _fallback_dirs():
        problem = cache_dir_problem(candidate)
        if problem is None:
            os.environ["NUMBA_CACHE_DIR"] = str(candidate)
            if "numba" in sys.modules:  # imported before us: make it re-read the environment
                sys.modules["numba"].core.config.reload_config()
            return str(candidate)
        refused.append(f"{candidate}: {problem}")
    _compile_without_cache()
    _uncached = True
    warnings.warn(
        f"dl-lessons found no safe folder to write Numba's cache to ({'; '.join(refused)}). "
        "The course still works, but every kernel compiles again (0.5-3 s each) in each new "
        "Python process. To fix this, set NUMBA_CACHE_DIR to a folder only you can write to.",
        RuntimeWarning,
        stacklevel=2,
    )
    return None


def _compile_without_cache():
    """Make `cache=True` do nothing, so that Numba compiles in memory instead of raising
    "no locator available". Numba has no switch for this: its dispatcher starts with a
    NullCache (load nothing, save nothing) and `enable_caching` replaces it, so we skip that."""
    from numba.core.dispatcher import Dispatcher

    def enable_caching(self):
        pass

    Dispatcher.enable_caching = enable_caching

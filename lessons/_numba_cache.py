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

Numba checks a cached kernel against its own source file only, while a compiled kernel holds
its own copy of every kernel it calls in another file. So after `git pull` brought a new
fixed_order.py, recurrent.py's cached kernels would go on running the old sums, with no error.
drop_stale_kernels() deletes the cache files of every kernel file that changed, or that
imports (through any chain of kernel files) one that changed, since the cache was stamped.
"""
import hashlib
import json
import os
import re
import stat
import sys
import tempfile
import warnings
from pathlib import Path

# Numba names its cache folder under NUMBA_CACHE_DIR after os.path.abspath of the sources'
# folder, not its resolved path: kernels_cache_folder() must name it the same way
_KERNELS = Path(os.path.abspath(__file__)).parent / "kernels"
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


# the stamp: for each kernel file, the digest its cache files were compiled from
_STAMP = "kernel-sources.json"
# a top-level import of kernel files: `from lessons.kernels.a import ...`, `import
# lessons.kernels.a`, `from lessons.kernels import a, b` or the same with (a, b) over lines
_KERNEL_IMPORT = re.compile(r"^(?:from lessons\.kernels\.(\w+) import"
                            r"|import lessons\.kernels\.(\w+)"
                            r"|from lessons\.kernels import (?:\(([^)]*)\)|([\w, ]+)))", re.M)


def kernels_cache_folder() -> Path | None:
    """The folder Numba writes the kernels' cache files to: beside the sources, or, under
    NUMBA_CACHE_DIR, the subfolder Numba names after the sources' folder (its name and the
    SHA-1 of its absolute path). None when the kernels run uncached."""
    where = numba_cache_dir()
    if where is None or where == _KERNELS / "__pycache__":
        return where
    folder = str(_KERNELS)
    return where / f"{_KERNELS.name}_{hashlib.sha1(folder.encode()).hexdigest()}"


def kernel_digests() -> dict[str, str]:
    """For each kernel file (module name -> digest): the SHA-256 of its source and of the
    sources of every kernel file it imports at its top level, directly or through others."""
    sources = {path.stem: path.read_bytes() for path in sorted(_KERNELS.glob("*.py"))}
    imports = {}
    for name, source in sources.items():
        found = set()
        text = source.decode("utf-8", "replace")
        for module, imported, listed, names in _KERNEL_IMPORT.findall(text):
            names = re.sub(r"#.*", "", listed or names).split(",")
            found.update([module or imported] if module or imported else map(str.strip, names))
        imports[name] = found & sources.keys()
    digests = {}
    for name in sources:
        closure, todo = set(), [name]
        while todo:  # every kernel file `name` depends on, itself included
            module = todo.pop()
            if module not in closure:
                closure.add(module)
                todo.extend(imports[module])
        digest = hashlib.sha256()
        for module in sorted(closure):
            digest.update(module.encode() + b"\0" + sources[module] + b"\0")
        digests[name] = digest.hexdigest()
    return digests


def drop_stale_kernels() -> list[str]:
    """Delete the Numba cache files of each kernel file whose digest (kernel_digests) differs
    from the one stamped in the cache folder, then stamp the folder with the current digests.
    Without a stamp (a cache from before this check), every cache file goes. Returns the kernel
    files whose cache was dropped. A folder it cannot clean gets a warning: Numba would run
    its stale kernels."""
    folder = kernels_cache_folder()
    if folder is None:
        return []
    digests = kernel_digests()
    stamp = folder / _STAMP
    try:
        stamped = json.loads(stamp.read_text())
    except (OSError, ValueError):
        stamped = None
    if stamped == digests:  # the usual case: nothing changed, nothing to list
        return []
    if not isinstance(stamped, dict):  # none yet, or not ours
        stamped = {}
    try:
        folder.mkdir(parents=True, exist_ok=True)  # stamped before Numba first writes to it
        dropped = set()
        for path in folder.iterdir():
            module = path.name.split(".")[0]
            if path.suffix in (".nbi", ".nbc") and stamped.get(module) != digests.get(module):
                path.unlink(missing_ok=True)
                dropped.add(module)
        fresh = folder / f"{_STAMP}.{os.getpid()}"  # then renamed: processes that start
        fresh.write_text(json.dumps(digests, indent=0, sort_keys=True))  # together see it whole
        os.replace(fresh, stamp)
    except OSError as error:
        warnings.warn(f"dl-lessons could not clear the stale Numba cache in {folder} ({error}). "
                      "Kernels whose sources changed may run their old code: delete that folder.",
                      RuntimeWarning, stacklevel=2)
        return []
    return sorted(dropped)

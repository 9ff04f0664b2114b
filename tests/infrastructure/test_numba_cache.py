"""Where Numba caches the kernels: beside the sources, else a private folder of the user's,
else nowhere (uncached, with one warning). Root ignores permissions, so "not writable" is
made with a path below a regular file, and "another user's folder" with a patched uid."""
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from lessons import _numba_cache

LESSONS = Path(_numba_cache.__file__).resolve().parent


@pytest.fixture
def read_only_package(tmp_path, monkeypatch):
    """The kernels' own __pycache__ cannot be created; NUMBA_CACHE_DIR is not set."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setattr(_numba_cache, "_KERNELS", blocker / "kernels")
    # setenv first, so monkeypatch restores the variable (unset, as it was) after the test:
    # configure_numba_cache sets it, and a leaked NUMBA_CACHE_DIR sent every later kernel,
    # the browser tests' JupyterLab kernels included, to compile into a cold cache (minutes)
    monkeypatch.setenv("NUMBA_CACHE_DIR", "")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    return blocker


@pytest.fixture
def uncached(monkeypatch):
    """Record, instead of doing, the switch to uncached compiling (it would last the session)."""
    calls = []
    monkeypatch.setattr(_numba_cache, "_compile_without_cache", lambda: calls.append(1))
    monkeypatch.setattr(_numba_cache, "_uncached", False)
    return calls


def test_falls_back_to_a_private_user_folder(read_only_package, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    chosen = _numba_cache.configure_numba_cache()
    assert chosen == str(tmp_path / "cache" / "dl-lessons" / "numba")
    assert os.environ["NUMBA_CACHE_DIR"] == chosen
    assert _numba_cache.numba_cache_dir() == Path(chosen)
    assert stat.S_IMODE(os.stat(chosen).st_mode) == 0o700


def test_user_cache_dir_is_respected(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert _numba_cache.configure_numba_cache() is None
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path)


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_a_folder_others_may_write_to_is_refused_for_the_next(read_only_package, tmp_path,
                                                               monkeypatch, mode):
    planted = tmp_path / "cache" / "dl-lessons" / "numba"
    planted.mkdir(parents=True)
    planted.chmod(mode)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    assert "other users may write to it" in _numba_cache.cache_dir_problem(planted)
    chosen = Path(_numba_cache.configure_numba_cache())
    assert chosen.parent == tmp_path / "tmp" and chosen.name.startswith("dl-lessons-numba-")
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o700


@pytest.mark.skipif(os.name != "posix", reason="ownership is checked on POSIX systems")
def test_a_folder_another_user_owns_is_refused(read_only_package, tmp_path, monkeypatch,
                                               uncached):
    planted = tmp_path / "dl-lessons-numba-1000"
    planted.mkdir(mode=0o700)
    monkeypatch.setattr(_numba_cache, "_fallback_dirs", lambda: [planted])
    monkeypatch.setattr(os, "geteuid", lambda: planted.stat().st_uid + 1)  # we are someone else
    assert _numba_cache.cache_dir_problem(planted).startswith("it belongs to ")
    with pytest.warns(RuntimeWarning, match=r"dl-lessons-numba-1000: it belongs to .*, not to you"):
        assert _numba_cache.configure_numba_cache() is None
    assert "NUMBA_CACHE_DIR" not in os.environ
    assert uncached == [1] and _numba_cache.numba_cache_dir() is None


def test_no_home_and_no_temporary_directory_runs_uncached(read_only_package, monkeypatch,
                                                          uncached):
    def no_home():
        raise RuntimeError("Could not determine home directory.")

    def no_temp():
        raise FileNotFoundError("No usable temporary directory found")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", no_home)
    monkeypatch.setattr(tempfile, "gettempdir", no_temp)
    with pytest.warns(RuntimeWarning, match="no safe folder .* set NUMBA_CACHE_DIR"):
        assert _numba_cache.configure_numba_cache() is None
    assert uncached == [1]


def test_a_file_in_the_way_is_named_as_such(tmp_path):
    (tmp_path / "numba").write_text("")
    assert _numba_cache.cache_dir_problem(tmp_path / "numba") == \
        "a file of that name is in the way"


def test_nowhere_writable_still_imports_and_runs_with_one_warning(tmp_path):
    """A read-only install with HOME and the temporary directory unusable: before the fix,
    Numba raised "no locator available" at import."""
    site = tmp_path / "site"
    shutil.copytree(LESSONS, site / "lessons",
                    ignore=shutil.ignore_patterns("__pycache__", "mnist", "*.egg-info"))
    (site / "lessons" / "kernels" / "__pycache__").write_text("")  # a read-only package
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    code = (
        "import tempfile, os\n"
        # Root can write anywhere, and gettempdir() would skip to /tmp: name a path that
        # cannot exist instead, as a read-only /tmp would leave it.
        "tempfile.tempdir = os.environ['TMPDIR']\n"
        "import numpy as np\n"
        "import lessons\n"
        "from lessons import kernels\n"
        "from lessons._numba_cache import numba_cache_dir\n"
        "print(lessons.__file__)\n"
        "print(kernels.sigmoid(np.zeros(2)).tolist(), numba_cache_dir())\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "NUMBA_CACHE_DIR"}
    env.update(HOME=str(blocker / "home"), XDG_CACHE_HOME=str(blocker / "cache"),
               TMPDIR=str(blocker / "tmp"), PYTHONPATH=str(site))
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(site / "lessons" / "__init__.py"),
                                          "[0.5, 0.5] None"]
    assert result.stderr.count("Warning") == 1, result.stderr
    assert "RuntimeWarning: dl-lessons found no safe folder" in result.stderr


# --- stale kernels: Numba checks a cached kernel against its own file only -------------------

@pytest.fixture
def kernels(tmp_path, monkeypatch):
    """A kernels folder of our own, cached beside its sources, with four files:
    a imports from b, b imports c (in parentheses, over lines), d imports c as a module, and
    e imports a only inside a function (which no compiled kernel can see)."""
    folder = tmp_path / "kernels"
    folder.mkdir()
    sources = {
        "a": "from lessons.kernels.b import g\n",
        "b": "from lessons.kernels import (\n    c,  # the constants\n)\n",
        "c": "x = 1\n",
        "d": "import lessons.kernels.c\n",
        "e": "def f():\n    from lessons.kernels import a\n",
    }
    for name, source in sources.items():
        (folder / f"{name}.py").write_text(source)
    monkeypatch.setattr(_numba_cache, "_KERNELS", folder)
    monkeypatch.setattr(_numba_cache, "_uncached", False)
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    return folder


def cache(folder, *modules):
    """Numba's files for one kernel of each module (an index and a data file), and a .pyc."""
    cached = folder / "__pycache__"
    cached.mkdir(exist_ok=True)
    for module in modules:
        for suffix in ("nbi", "1.nbc"):
            (cached / f"{module}.kernel-3.py311.{suffix}").write_text("")
        (cached / f"{module}.cpython-311.pyc").write_text("")
    return sorted(path.name for path in cached.iterdir())


def test_a_digest_covers_the_kernel_files_imported_through_any_chain(kernels):
    before = _numba_cache.kernel_digests()
    (kernels / "c.py").write_text("x = 2\n")
    after = _numba_cache.kernel_digests()
    assert {name for name in before if before[name] != after[name]} == {"a", "b", "c", "d"}
    (kernels / "e.py").write_text("def f():\n    return 1\n")
    assert {name for name in after if after[name] != _numba_cache.kernel_digests()[name]} == {"e"}


def test_the_cache_of_a_changed_file_and_of_its_importers_is_dropped(kernels):
    files = cache(kernels, "a", "c", "e")
    # an unstamped cache may predate any source: all of Numba's files go, nothing else
    assert _numba_cache.drop_stale_kernels() == ["a", "c", "e"]
    assert sorted(p.name for p in (kernels / "__pycache__").glob("*.nb?")) == []
    assert (kernels / "__pycache__" / "a.cpython-311.pyc").exists()
    assert cache(kernels, "a", "c", "e") == files + ["kernel-sources.json"]
    assert _numba_cache.drop_stale_kernels() == []  # nothing changed
    (kernels / "c.py").write_text("x = 2\n")
    assert _numba_cache.drop_stale_kernels() == ["a", "c"]
    left = sorted(p.name for p in (kernels / "__pycache__").glob("*.nb?"))
    assert left == ["e.kernel-3.py311.1.nbc", "e.kernel-3.py311.nbi"]


@pytest.mark.parametrize("stamp", ["", "[1, 2]", "{not json"])
def test_a_stamp_that_is_not_ours_counts_as_none(kernels, stamp):
    cache(kernels, "a")
    (kernels / "__pycache__" / "kernel-sources.json").write_text(stamp)
    assert _numba_cache.drop_stale_kernels() == ["a"]
    assert _numba_cache.drop_stale_kernels() == []


def test_a_cache_folder_it_cannot_clean_is_named_in_a_warning(kernels):
    cache(kernels, "a")
    (kernels / "__pycache__" / "kernel-sources.json").mkdir()  # in the way of the stamp
    warning = r"could not clear the stale Numba cache in .*__pycache__.* delete that folder"
    with pytest.warns(RuntimeWarning, match=warning):
        assert _numba_cache.drop_stale_kernels() == []


CALLER = ("from numba import njit\nfrom lessons.kernels.zz_callee import g\n\n\n"
          "@njit(cache=True)\ndef f(x):\n    return g(x) + 1\n")
CALLEE = "from numba import njit\n\n\n@njit(cache=True)\ndef g(x):\n    return x * {}\n"


@pytest.mark.parametrize("numba_cache_dir", [False, True],
                         ids=["beside the sources", "NUMBA_CACHE_DIR"])
def test_a_kernel_runs_the_new_code_of_a_kernel_it_calls_in_another_file(tmp_path,
                                                                         numba_cache_dir):
    """Before the fix, f kept the g it was first compiled with: it printed 21 twice."""
    site = tmp_path / "site"
    shutil.copytree(LESSONS, site / "lessons",
                    ignore=shutil.ignore_patterns("__pycache__", "data", "*.egg-info"))
    callee = site / "lessons" / "kernels" / "zz_callee.py"
    callee.write_text(CALLEE.format(2))
    (site / "lessons" / "kernels" / "zz_caller.py").write_text(CALLER)
    env = {key: value for key, value in os.environ.items() if key != "NUMBA_CACHE_DIR"}
    env["PYTHONPATH"] = str(site)
    if numba_cache_dir:
        env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba")
    code = ("import lessons\n"
            "from lessons import _numba_cache\n"
            "from lessons.kernels.zz_caller import f\n"
            "print(f(10), sorted(p.name.split('.')[0] for p in\n"
            "                    _numba_cache.kernels_cache_folder().glob('zz_*.nbi')))\n")

    def run():
        result = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout.split(maxsplit=1)

    # the cache files are where kernels_cache_folder() says Numba writes them
    assert run() == ["21", "['zz_callee', 'zz_caller']\n"]
    assert run() == ["21", "['zz_callee', 'zz_caller']\n"]  # loaded from the cache
    callee.write_text(CALLEE.format(3))
    assert run() == ["31", "['zz_callee', 'zz_caller']\n"]

#!/usr/bin/env python3
"""The course's two commands, for any machine with Python 3.11+ (no make needed):

    python3 course.py lab     create .venv, install, compile the kernels once, open JupyterLab
    python3 course.py test    the same set-up, then every test: unit, widgets, browser, nbval twice
                              (on this CPU, then on another instruction set)

For maintainers, `python3 course.py execute [NOTEBOOK ...]` re-runs notebooks (all by default)
and saves their outputs, the reference nbval compares against.

Extra arguments after `lab` go to JupyterLab (e.g. --no-browser --port 8890); after `test`
they go to pytest (e.g. -k perceptron -x).

When something goes wrong:

    python3 course.py doctor  check versions, Numba's cache, the kernels, the data, Chromium:
                              ok / warn / FAIL with a fix per problem; exit status 1 on a FAIL
"""
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".dl-lessons-installed"
NOTEBOOKS = ROOT / "notebooks"
# JupyterLab reads <prefix>/share/jupyter/lab/settings/overrides.json as its defaults: ours
# turn off the news and update checks (the course runs offline); learners can still change them.
LAB_SETTINGS = ROOT / "lab-settings" / "overrides.json"


def run(*cmd, **kwargs):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, **kwargs).returncode


def must(*cmd, **kwargs):
    code = run(*cmd, **kwargs)
    if code:
        sys.exit(code)


def setup():
    """Create .venv and install the course with its test extra, once per pyproject change."""
    if sys.version_info < (3, 11):
        sys.exit(f"dl-lessons needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if (STAMP.exists() and PYTHON.exists() and STAMP.read_text()
            == wanted + hashlib.sha256(LAB_SETTINGS.read_bytes()).hexdigest()):
        return
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    must(PYTHON, "-m", "pip", "install", "--upgrade", "pip")
    must(PYTHON, "-m", "pip", "install", "-e", ".[test]")
    settings = VENV / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(LAB_SETTINGS, settings / "overrides.json")
    STAMP.write_text(wanted + hashlib.sha256(LAB_SETTINGS.read_bytes()).hexdigest())


def warm():
    """Compile every kernel once into the Numba cache (seconds now instead of in a chapter)."""
    must(PYTHON, "-m", "lessons.warmup")


def lab_command(args):
    """The JupyterLab command line. readonly: the extension manager would otherwise query
    PyPI, and the course needs none. As root (a container, a teacher's VM) JupyterLab refuses
    to start without --allow-root, so it is added, with a note."""
    extra = []
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        print("running as root (a container?): passing --allow-root to JupyterLab", flush=True)
        extra = ["--allow-root"]
    return [str(PYTHON), "-m", "jupyter", "lab", "--LabApp.extension_manager=readonly", *extra,
            str(NOTEBOOKS), *args]


def lab(args):
    setup()
    warm()
    os.execv(PYTHON, lab_command(args))


def other_isa_env():
    """The environment of nbval's second run: the same notebooks on another instruction set.

    Numba compiles for SSE4.2 without FMA (nehalem) instead of this CPU, NumPy's SIMD loops
    drop to their baseline (every dispatched feature, such as AVX2 and AVX-512, switched
    off) and OpenBLAS takes its SSE kernels. Every CPU running x86-64 today has more than
    that, so the two runs always differ, and a printed number that depended on how a sum
    was vectorized, or on fused multiply-adds, fails the second run. On ARM and others, only
    NumPy's dispatch and Numba's CPU (generic) change.
    """
    dispatched = subprocess.run(
        [str(PYTHON), "-c", "import numpy as np; m = getattr(np, '_core', None) or np.core; "
         "print(' '.join(m._multiarray_umath.__cpu_dispatch__))"],
        capture_output=True, text=True, check=True).stdout.strip()
    # NUMBA_CPU_FEATURES must be emptied too: with a CPU name alone, Numba keeps the host's
    # features, AVX-512 included.
    env = {"NPY_DISABLE_CPU_FEATURES": dispatched, "NUMBA_CPU_NAME": "generic",
           "NUMBA_CPU_FEATURES": ""}
    if platform.machine().lower() in ("x86_64", "amd64"):
        env.update(NUMBA_CPU_NAME="nehalem", OPENBLAS_CORETYPE="Nehalem")
    return env


def test(args):
    setup()
    warm()
    nbval = ["-m", "pytest", "--nbval", "--nbval-current-env", str(NOTEBOOKS)]
    other = other_isa_env()
    # 1. unit, book-number, bad-input, widget and browser tests; 2. nbval on this CPU, warm
    # Numba cache; 3. nbval again on another instruction set, which Numba has not compiled
    # for yet (a cold cache), so the saved numbers must hold on any CPU and either cache.
    print("nbval's second run: " + " ".join(f"{k}={v!r}" for k, v in other.items()), flush=True)
    codes = [
        run(PYTHON, "-m", "pytest", "tests", *args),
        run(PYTHON, *nbval, *args),
        run(PYTHON, *nbval, *args, env={**os.environ, **other}),
    ]
    names = ["tests", "nbval (this CPU)", "nbval (another instruction set)"]
    for name, code in zip(names, codes):
        print(f"{name}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    sys.exit(max(codes))


STRIP_WIDGET_STATE = """
import sys, nbformat
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
"""


def execute(args):
    """For maintainers: run notebooks top to bottom in a fresh kernel and save their outputs,
    the reference nbval compares against. Progress bars are off (as under nbval) and no
    widget state is saved (it would only show as a blank that needs a CDN)."""
    setup()
    paths = [str(Path(a).resolve()) for a in args] or sorted(map(str, NOTEBOOKS.glob("*.ipynb")))
    env = {**os.environ, "TQDM_DISABLE": "1"}
    for path in paths:
        must(PYTHON, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
             path, env=env)
    must(PYTHON, "-c", STRIP_WIDGET_STATE, *paths)


def doctor(args):
    """Run lessons.doctor in .venv, or, before `lab` or `test` has created it, in this Python
    (which is where a JupyterHub or Binder installs the course)."""
    if args:
        sys.exit(f"doctor takes no arguments, got {' '.join(args)}")
    sys.exit(run(PYTHON if PYTHON.exists() else sys.executable, "-m", "lessons.doctor"))


def main(argv):
    commands = {"lab": lab, "test": test, "doctor": doctor, "execute": execute}
    if not argv or argv[0] not in commands:
        sys.exit(__doc__)
    commands[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""The course's two commands, for any machine with Python 3.11+ (no make needed):

    python3 course.py lab     create .venv, install, compile the kernels once, open JupyterLab
                              on my-notebooks/, your own copies of the chapters
    python3 course.py lab --fresh 04
                              the same, with a clean copy of chapter 04 (yours is kept beside it)
    python3 course.py test    the same set-up, then every test: unit, widgets, browser, nbval twice
                              (on this CPU, then on another instruction set)

For maintainers, `python3 course.py execute [NOTEBOOK ...]` re-runs notebooks (all by default)
and saves their outputs, the reference nbval compares against; `python3 course.py links`
rewrites the previous/next links at the end of every chapter (run it when a chapter is added).

Extra arguments after `lab` go to JupyterLab (e.g. --no-browser --port 8890); after `test`
they go to pytest (e.g. -k perceptron -x); `test -m ch07` runs chapter 07's tests and nbval on its
notebook only (one marker per chapter, from lessons/chapters/table.py).

When something goes wrong:

    python3 course.py doctor  check versions, Numba's cache, the kernels, the data, Chromium:
                              ok / warn / FAIL with a fix per problem; exit status 1 on a FAIL
"""
import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".dl-lessons-installed"
NOTEBOOKS = ROOT / "notebooks"  # the pristine chapters nbval checks: never edited by hand
WORKSPACE = ROOT / "my-notebooks"  # the learner's copies (untracked), what `lab` opens
ORIGINS = WORKSPACE / ".origins.json"  # {copy's name: sha256 of the chapter it was copied from}
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


@contextlib.contextmanager
def step(what):
    """Say what set-up is doing now and, when it is done, how long it took."""
    print(f"==> {what}", flush=True)
    start = time.perf_counter()
    yield
    print(f"==> {what}: done in {time.perf_counter() - start:.0f} s", flush=True)


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def setup():
    """Create .venv and install the course with its test extra, once per pyproject change."""
    if sys.version_info < (3, 11):
        sys.exit(f"dl-lessons needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = sha256(ROOT / "pyproject.toml") + sha256(LAB_SETTINGS)
    if STAMP.exists() and PYTHON.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        with step(f"creating the virtual environment {VENV}"):
            venv.create(VENV, with_pip=True)
    with step("installing the course and its dependencies with pip (about a minute)"):
        must(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        must(PYTHON, "-m", "pip", "install", "-e", ".[test]")
    settings = VENV / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(LAB_SETTINGS, settings / "overrides.json")
    STAMP.write_text(wanted)


def warm():
    """Compile every kernel once into the Numba cache (seconds now instead of in a chapter)."""
    with step("compiling the kernels into Numba's cache (once; later launches load it)"):
        must(PYTHON, "-m", "lessons.warmup")


def workspace():
    """Copy into my-notebooks/ every chapter the learner has no copy of yet; never overwrite.

    Returns the chapters whose reference changed since the learner's copy was made (a course
    update), so `lab` can say how to take the new version without losing their work."""
    WORKSPACE.mkdir(exist_ok=True)
    origins = json.loads(ORIGINS.read_text()) if ORIGINS.exists() else {}
    updated = []
    for chapter in sorted(NOTEBOOKS.glob("*.ipynb")):
        copy = WORKSPACE / chapter.name
        if not copy.exists():
            shutil.copyfile(chapter, copy)
            origins[chapter.name] = sha256(chapter)
        elif origins.get(chapter.name) != sha256(chapter):
            updated.append(chapter.name)
    ORIGINS.write_text(json.dumps(origins, indent=1, sort_keys=True) + "\n")
    return updated


def fresh(chapter):
    """Give back a clean copy of `chapter` ("04", "04_mnist_classification" or a file name)
    in my-notebooks/, keeping the learner's copy beside it under a dated name."""
    matches = [nb for nb in sorted(NOTEBOOKS.glob("*.ipynb"))
               if nb.name == chapter or nb.stem == chapter or nb.name.startswith(f"{chapter}_")]
    if len(matches) != 1:
        names = ", ".join(nb.stem for nb in sorted(NOTEBOOKS.glob("*.ipynb")))
        sys.exit(f"--fresh: no single chapter matches {chapter!r}; the chapters are: {names}")
    reference, copy = matches[0], WORKSPACE / matches[0].name
    WORKSPACE.mkdir(exist_ok=True)
    if copy.exists():
        kept = copy.with_name(f"{copy.stem}.before-fresh-{time.strftime('%Y%m%d-%H%M%S')}.ipynb")
        copy.rename(kept)
        print(f"your copy of {copy.name} is kept as my-notebooks/{kept.name}", flush=True)
    copy.unlink(missing_ok=True)
    origins = json.loads(ORIGINS.read_text()) if ORIGINS.exists() else {}
    origins.pop(copy.name, None)
    ORIGINS.write_text(json.dumps(origins, indent=1, sort_keys=True) + "\n")
    workspace()
    print(f"my-notebooks/{copy.name} is a clean copy of the chapter", flush=True)


def lab_command(args):
    """The JupyterLab command line. readonly: the extension manager would otherwise query
    PyPI, and the course needs none. As root (a container, a teacher's VM) JupyterLab refuses
    to start without --allow-root, so it is added, with a note."""
    extra = []
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        print("running as root (a container?): passing --allow-root to JupyterLab", flush=True)
        extra = ["--allow-root"]
    return [str(PYTHON), "-m", "jupyter", "lab", "--LabApp.extension_manager=readonly", *extra,
            str(WORKSPACE), *args]


def lab(args):
    """Set up, then open JupyterLab on the learner's own copies of the chapters."""
    fresh_chapter = None
    if "--fresh" in args:
        at = args.index("--fresh")
        if at + 1 >= len(args):
            sys.exit("--fresh needs a chapter, for example: python3 course.py lab --fresh 04")
        fresh_chapter, args = args[at + 1], args[:at] + args[at + 2:]
    start = time.perf_counter()
    setup()
    warm()
    if fresh_chapter:
        fresh(fresh_chapter)
    for name in workspace():
        print(f"note: the course's {name} changed since your copy in my-notebooks/ was made; "
              f"`python3 course.py lab --fresh {name[:2]}` takes the new one (yours is kept)")
    print(f"==> set-up took {time.perf_counter() - start:.0f} s; opening JupyterLab on "
          f"{WORKSPACE} (the chapters there are yours to edit)", flush=True)
    os.execv(PYTHON, lab_command(args))


def other_isa_env():
    """The environment of nbval's second run: the same notebooks on another instruction set.

    Numba compiles for SSE4.2 without FMA (nehalem) instead of this CPU, NumPy's SIMD loops
    drop to their baseline (every dispatched feature, such as AVX2 and AVX-512, switched
    off), OpenBLAS takes its SSE kernels, and glibc's libm its functions compiled without
    fused multiply-adds (exp, log, sin, pow, ... : it picks a variant by the CPU it runs
    on, whatever Numba compiles for, and the variants differ in the last bit of about one
    exp in 1,500, measured). Every CPU running x86-64 today has more than that, so the two
    runs always differ, and a printed number that depended on how a sum was vectorized, or
    on fused multiply-adds, fails the second run. On ARM and others, only NumPy's dispatch
    and Numba's CPU (generic) change.
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
        if platform.libc_ver()[0] == "glibc":
            # what glibc's libm looks at to choose its variants
            masked = "glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4"
            tunables = os.environ.get("GLIBC_TUNABLES")
            env["GLIBC_TUNABLES"] = f"{tunables}:{masked}" if tunables else masked
    return env


def chapter_marker(args):
    """(the chapter marker "chNN" if args select one with -m, args without -m EXPR).

    A marker selects tests; nbval's notebook cells carry none, so `test -m ch07` runs nbval on
    notebooks/07_*.ipynb only, and any other -m expression leaves nbval on every notebook."""
    rest, marker, k = [], None, 0
    while k < len(args):
        if args[k] == "-m" and k + 1 < len(args):
            expression = args[k + 1].strip()
            if len(expression) == 4 and expression.startswith("ch") and expression[2:].isdigit():
                marker = expression
            k += 2
        else:
            rest.append(args[k])
            k += 1
    return marker, rest


def test(args):
    setup()
    warm()
    marker, nbval_args = chapter_marker(args)
    notebooks = sorted(NOTEBOOKS.glob(f"{marker[2:]}_*.ipynb")) if marker else [NOTEBOOKS]
    # Two pytest-xdist workers (pass -n 0 to run in one process): a notebook stays on one
    # worker (its cells run in order in one kernel); the tests' units of work are in
    # tests/conftest.py. The notebooks' printed numbers do not depend on the thread count.
    workers = ["-n", "2"]
    nbval = ["-m", "pytest", *workers, "--dist", "loadscope", "--nbval", "--nbval-current-env",
             *map(str, notebooks)]
    other = other_isa_env()

    def run_nbval(env):
        return run(PYTHON, *nbval, *nbval_args, env=env) if notebooks else 0
    # 1. nbval on this CPU, right after the warm-up: every saved output, and (conftest.py)
    # no chapter compiles a kernel signature the warm-up missed; exact on a fresh clone, whose
    # cache holds only what the warm-up wrote; 2. unit, book-number, bad-input, widget and
    # browser tests; 3. nbval again on another instruction set, so the saved numbers must
    # hold on any CPU. Its machine code has its own entries in Numba's cache (keyed by CPU
    # name and features): the same-bits tests of step 2 compile some, a warm-up for that
    # CPU the rest, each kernel once and before a notebook waits for it.
    print("nbval's second run: " + " ".join(f"{k}={v!r}" for k, v in other.items()), flush=True)
    codes = [
        run_nbval({**os.environ, "DL_LESSONS_CHECK_WARM_CACHE": "1"}),
        # --durations: the slowest tests, for whoever reads a CI log to make the run shorter
        run(PYTHON, "-m", "pytest", *workers, "--dist", "loadscope", "--no-loadscope-reorder",
            "--durations=25", "tests", *args),
    ]
    warmed = 0
    if notebooks:
        with step("compiling the kernels for the other instruction set"):
            warmed = run(PYTHON, "-m", "lessons.warmup", env={**os.environ, **other})
    codes.append(max(warmed, run_nbval({**os.environ, **other})))
    names = ["nbval (this CPU) and warm-up coverage", "tests", "nbval (another instruction set)"]
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


NAV = "dl-lessons-nav"  # the metadata key marking the links cell `links` owns


def chapter_title(path):
    """"04 Multiclass Classification" from the notebook's first heading."""
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"]
    heading = "".join(first).splitlines()[0].lstrip("# ").strip()
    return f"{path.name[:2]} {heading.split(' — ', 1)[-1]}"


def nav_text(chapters, at):
    """The last cell of chapters[at]: links to the previous and next chapters that exist, and
    which chapter numbers between them (or after the last) are still to come."""
    number = int(chapters[at].name[:2])
    parts = []
    if at > 0:
        parts.append(f"**Previous:** [{chapter_title(chapters[at - 1])}]({chapters[at - 1].name})")
    if number:
        parts.append("**Contents:** [Start here](00_start_here.ipynb)")
    if at + 1 < len(chapters):
        nxt = int(chapters[at + 1].name[:2])
        parts.append(f"**Next:** [{chapter_title(chapters[at + 1])}]({chapters[at + 1].name})")
        if nxt > number + 1:
            missing = f"{number + 1:02d}" + (f"-{nxt - 1:02d}" if nxt > number + 2 else "")
            parts.append(f"(chapter{'s' if nxt > number + 2 else ''} {missing} still to come)")
    else:
        parts.append(f"This is the last chapter written so far: chapter {number + 1:02d} is "
                     "still to come.")
    return "---\n" + " · ".join(parts)


def text_of(cell):
    """A cell with its source as one string: nbformat writes it as a list of lines (after
    `execute`), this file as a string, and the two are the same cell."""
    source = cell.get("source", "")
    return {**cell, "source": "".join(source) if isinstance(source, list) else source}


def links(args):
    """For maintainers: end every notebook with a cell of links to its neighbours."""
    if args:
        sys.exit(f"links takes no arguments, got {' '.join(args)}")
    chapters = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for at, path in enumerate(chapters):
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [cell for cell in nb["cells"] if NAV not in cell.get("metadata", {})]
        cells.append({"cell_type": "markdown", "id": NAV, "metadata": {NAV: True},
                      "source": nav_text(chapters, at)})
        if list(map(text_of, cells)) != list(map(text_of, nb["cells"])):
            nb["cells"] = cells
            path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                            encoding="utf-8")
            print(f"links: {path.name}")


def doctor(args):
    """Run lessons.doctor in .venv, or, before `lab` or `test` has created it, in this Python
    (which is where a JupyterHub or Binder installs the course)."""
    if args:
        sys.exit(f"doctor takes no arguments, got {' '.join(args)}")
    sys.exit(run(PYTHON if PYTHON.exists() else sys.executable, "-m", "lessons.doctor"))


def main(argv):
    commands = {"lab": lab, "test": test, "doctor": doctor, "execute": execute, "links": links}
    if not argv or argv[0] not in commands:
        sys.exit(__doc__)
    commands[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])

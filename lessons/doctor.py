"""Is this Python ready for the course? Checks that print as a table of ok / warn / FAIL rows.

`python3 course.py doctor` runs them in the course's .venv; `python -m lessons.doctor` runs
them in any Python where the course is installed (a JupyterHub terminal); in a notebook,
`from lessons.doctor import main; main()` checks the kernel's own environment.

Each row says what was found and, for a problem, the one-line fix. A FAIL row means some
chapter will break, and makes `main` return 1 (the command's exit status). A warn row leaves
the course usable: it runs slower, or without an optional piece (Fashion-MNIST, the browser
tests' Chromium).

The supported versions are not written here: they are read from the installed metadata, that
is from pyproject.toml's dependencies and from what the packages require of each other
(numba's bounds on numpy and llvmlite, ipywidgets' on jupyterlab_widgets).
"""
import os
import platform
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from lessons._numba_cache import cache_dir_problem, numba_cache_dir, owner_name

OK, WARN, FAIL = "ok", "warn", "FAIL"
COURSE = "dl-lessons"
# The numerical stack, then the widget stack (ipywidgets 8 needs jupyterlab_widgets 3 and
# JupyterLab 3 or newer: the first bound is ipywidgets' own, the second the course's).
PACKAGES = ("numpy", "numba", "llvmlite", "scipy", "ipywidgets", "jupyterlab_widgets",
            "jupyterlab")
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; the browser tests drive it with Playwright


@dataclass(frozen=True)
class Check:
    """One row of the report: what was checked, its status (OK, WARN or FAIL), what was
    found and, for a problem, the one-line fix."""
    name: str
    status: str
    found: str
    fix: str = ""


def check_versions():
    """Python and each of PACKAGES against what the course and the other packages require."""
    from packaging.utils import canonicalize_name

    try:
        requirements = _requirements()
    except metadata.PackageNotFoundError:
        return [Check(COURSE, FAIL, f"not installed in {sys.executable}",
                      "python3 course.py lab (creates .venv and installs the course there)")]
    pythons = [(_who(dist), metadata.metadata(dist)["Requires-Python"] or "")
               for dist in (COURSE, *PACKAGES) if _installed(dist)]
    rows = [_version_row("Python", platform.python_version(), pythons,
                         f"install Python {_supported(pythons)}, delete .venv and run "
                         f"python3 course.py lab again")]
    for name in PACKAGES:
        needs = [(who, str(req.specifier)) for who, req in requirements
                 if canonicalize_name(req.name) == canonicalize_name(name)]
        fix = f"{sys.executable} -m pip install '{name}{_supported(needs)}'"
        if not _installed(name):
            # A JupyterHub may serve JupyterLab from another environment than the kernel's.
            status = WARN if name == "jupyterlab" else FAIL
            rows.append(Check(name, status, "not installed in this Python", fix))
        else:
            rows.append(_version_row(name, metadata.version(name), needs, fix))
    return rows


def check_numba_cache():
    """Where Numba caches the kernels, whether it can write there, and who owns the folder."""
    where = numba_cache_dir()
    if where is None:
        return [Check("Numba cache", WARN,
                      "no safe folder to write to: each kernel compiles again (0.5-3 s) in "
                      "every new Python process",
                      "export NUMBA_CACHE_DIR=<a folder only you can write to>")]
    # A folder named by NUMBA_CACHE_DIR (by the user, or by our fallback) must be private;
    # the one beside the kernels' sources is as trusted as the sources themselves.
    chosen = bool(os.environ.get("NUMBA_CACHE_DIR"))
    problem = cache_dir_problem(where, private=chosen)
    if problem:
        fix = ("point NUMBA_CACHE_DIR at a folder only you can write to, or unset it"
               if chosen else "export NUMBA_CACHE_DIR=<a folder only you can write to>")
        return [Check("Numba cache", FAIL, f"{where}: {problem}", fix)]
    return [Check("Numba cache", OK,
                  f"{where}: writable, owned by {owner_name(where.stat().st_uid)}")]


def check_kernels():
    """Every public kernel, in every dtype lessons.warmup compiles it for."""
    from lessons.warmup import DTYPES, kernel_calls

    failed, start = [], time.perf_counter()
    for dtype in DTYPES:
        for name, call in kernel_calls(dtype).items():
            try:
                call()
            except Exception as error:  # report every broken kernel, not only the first
                failed.append(f"{name} ({dtype.__name__}): {_first_line(error)}")
    if failed:
        cache = numba_cache_dir()
        return [Check("kernels", FAIL, f"{len(failed)} failed to compile or run: "
                      + "; ".join(failed),
                      "fix any FAIL row above first, then "
                      + (f"delete {cache} and " if cache else "")
                      + "run python -m lessons.warmup to see the whole error")]
    return [Check("kernels", OK, f"{len(kernel_calls(DTYPES[0]))} kernels compiled or loaded "
                  f"from the cache in {time.perf_counter() - start:.1f} s")]


def check_mnist():
    """The sha256 of each MNIST file shipped in the package."""
    from lessons.data.mnist import MNIST_DIR, mnist_checksum_problems

    problems = mnist_checksum_problems()
    if problems:
        return [Check("MNIST", FAIL, "; ".join(f"{name}: {problem}"
                                              for name, problem in problems.items()),
                      "git checkout -- lessons/data/mnist in a clone of the course; "
                      "elsewhere reinstall dl-lessons")]
    return [Check("MNIST", OK, f"the 4 files in {MNIST_DIR} match their sha256")]


def check_chromium():
    """The browser the browser tests drive (not needed to follow the course)."""
    if os.access(CHROMIUM, os.X_OK):
        return [Check("Chromium", OK, str(CHROMIUM))]
    return [Check("Chromium", WARN, f"{CHROMIUM} not found: the browser tests will skip",
                  "sudo apt-get install chromium")]


def check_fashion_mnist():
    """Fashion-MNIST where load_fashion_mnist looks for it (optional: a few cells use it)."""
    from lessons.data.mnist import FASHION_MNIST_INSTALL, fashion_mnist_dir, load_idx_dataset

    try:
        directory = fashion_mnist_dir()
        for kind in ("train", "test"):
            load_idx_dataset(directory, kind)
    except (OSError, ValueError) as error:  # missing, unreadable or damaged files
        found = str(error).removeprefix("load_fashion_mnist: ")
        return [Check("Fashion-MNIST", WARN, found.removesuffix(f" {FASHION_MNIST_INSTALL}"),
                      FASHION_MNIST_INSTALL)]
    return [Check("Fashion-MNIST", OK, str(directory))]


CHECKS = (check_versions, check_numba_cache, check_kernels, check_mnist, check_chromium,
          check_fashion_mnist)


def run_checks():
    """Every check's rows, in order. A check that crashes becomes a FAIL row, so one broken
    piece (numpy missing, say) cannot hide what the other checks would find."""
    rows = []
    for check in CHECKS:
        try:
            rows.extend(check())
        except Exception as error:
            rows.append(Check(check.__name__.removeprefix("check_"), FAIL,
                              f"could not run: {_first_line(error)}",
                              "fix the FAIL rows above first; if there are none, reinstall "
                              "the course (python3 course.py lab)"))
    return rows


def format_table(rows):
    """The rows as aligned text: status, check, found; a problem's fix on the next line."""
    width = max(len(row.name) for row in rows)
    lines = [f"{'status':6}  {'check':{width}}  found"]
    for row in rows:
        lines.append(f"{row.status:6}  {row.name:{width}}  {row.found}")
        if row.fix and row.status != OK:
            lines.append(f"{'':6}  {'':{width}}  fix: {row.fix}")
    return "\n".join(lines)


def main():
    """Print the report; returns 1 if any row FAILs, else 0."""
    print(f"dl-lessons doctor: checking {sys.executable} (compiling the kernels takes a "
          f"minute or two the first time)\n", flush=True)
    rows = run_checks()
    print(format_table(rows))
    failed = sum(row.status == FAIL for row in rows)
    warned = sum(row.status == WARN for row in rows)
    if failed:
        print(f"\n{failed} problem(s) to fix: see the FAIL rows.")
    else:
        print(f"\nReady for the course ({warned} warning(s), none of them blocking).")
    return 1 if failed else 0


def _requirements():
    """[(who, Requirement)]: what the course and the installed PACKAGES require (extras and
    markers that do not apply to this Python left out)."""
    from packaging.requirements import Requirement  # jupyterlab and matplotlib depend on it

    found = []
    for dist in (COURSE, *PACKAGES):
        if dist != COURSE and not _installed(dist):
            continue
        for text in metadata.requires(dist) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                found.append((_who(dist), requirement))
    return found


def _version_row(name, version, needs, fix):
    """ok if `version` meets every (who, specifier) in `needs`, else FAIL naming who."""
    from packaging.specifiers import SpecifierSet

    broken = [(who, spec) for who, spec in needs
              if not SpecifierSet(spec).contains(version, prereleases=True)]
    if broken:
        return Check(name, FAIL, f"{version}, but " + "; ".join(
            f"{who} needs {spec}" for who, spec in broken), fix)
    return Check(name, OK, f"{version} (supported: {_supported(needs) or 'any'})")


def _supported(needs):
    """All the specifiers in `needs` as one short range: the highest lower bound, the lowest
    upper bound, then any other clause ('>=1.26.4,<2.6' rather than five clauses)."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    lower = upper = None
    others = {}
    for _, text in needs:
        for spec in SpecifierSet(text):
            if spec.operator in (">=", ">"):
                if lower is None or Version(spec.version) > Version(lower.version):
                    lower = spec
            elif spec.operator in ("<", "<="):
                if upper is None or Version(spec.version) < Version(upper.version):
                    upper = spec
            else:
                others[str(spec)] = None
    return ",".join([str(spec) for spec in (lower, upper) if spec] + list(others))


def _installed(dist):
    try:
        metadata.version(dist)
    except metadata.PackageNotFoundError:
        return False
    return True


def _who(dist):
    return "the course" if dist == COURSE else f"{dist} {metadata.version(dist)}"


def _first_line(error):
    """'TypeError: the first line of the message': Numba's errors run to 45 lines."""
    lines = str(error).splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


if __name__ == "__main__":
    sys.exit(main())

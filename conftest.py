"""Root pytest configuration for nbval runs, from any working directory.

- Point nbval at the committed sanitize file.
- Silence progress bars in the notebook kernels nbval starts (they inherit this process's
  environment): a bar's text differs run to run. lessons.train.ProgressBar reads
  TQDM_DISABLE when it creates a bar (tqdm's notebook bar ignores the variable, so chapters
  must not call tqdm directly). Learners still see bars.
- Under pytest-xdist, give each worker's kernels their share of the cores
  (lessons.kernels.threads.share_of_the_cores): two chapters side by side, each on every
  core, ran 1.6x slower than on one core each. A worker running tests takes its share itself.
"""
import os
from pathlib import Path

SANITIZE = Path(__file__).resolve().parent / "tests" / "nbval_sanitize.cfg"


def pytest_configure(config):
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", 1))
    if getattr(config.option, "nbval", False):
        if not config.option.nbval_sanitize_with:
            config.option.nbval_sanitize_with = str(SANITIZE)
        os.environ["TQDM_DISABLE"] = "1"
        from lessons.kernels.threads import share_of_the_cores
        os.environ.update(share_of_the_cores(workers))
    elif workers > 1:
        # the tests run in this process; the processes they start keep the full environment
        # (the thread-count tests start some with every core)
        from lessons.kernels.threads import take_share_of_the_cores
        take_share_of_the_cores(workers)


# `course.py test` sets this for nbval's first run, which starts right after the warm-up: a
# chapter that compiles a kernel signature the warm-up missed writes a new cache file, and the
# check below fails naming it (a learner would have waited for that compile in the chapter).
CHECK_CACHE = "DL_LESSONS_CHECK_WARM_CACHE"


def cache_files():
    """The Numba cache files of the course's kernels, as paths relative to the cache."""
    from lessons._numba_cache import numba_cache_dir

    where = numba_cache_dir()
    if where is None or not where.exists():
        return set()
    return {str(path.relative_to(where)) for path in where.rglob("*.nbc")}


def pytest_sessionstart(session):
    if os.environ.get(CHECK_CACHE):
        session.config.cache_files_before = cache_files()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "cache_files_before", None)
    if before is None:
        return
    new = sorted(cache_files() - before)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if new:
        reporter.write_line(
            f"FAILED warm-up coverage: the chapters compiled {len(new)} kernel signature(s) the "
            f"warm-up did not (add a call with those argument types to "
            f"lessons.warmup.kernel_calls): {', '.join(new)}", red=True)
        session.exitstatus = 1
    else:
        reporter.write_line(f"warm-up coverage: the chapters compiled nothing new "
                            f"({len(before)} cache files, all written by the warm-up)")

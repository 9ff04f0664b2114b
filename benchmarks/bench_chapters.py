"""Every chapter's run time and peak memory, as a learner meets them: Restart and Run All.

    .venv/bin/python benchmarks/bench_chapters.py             # every chapter, 3 runs each
    .venv/bin/python benchmarks/bench_chapters.py 04 08 -n 5   # some chapters, 5 runs each

Each run starts a fresh kernel and executes the notebook top to bottom, as JupyterLab's
Restart and Run All does, with the Numba cache warm (run `python -m lessons.warmup` first; the
first run of a chapter after a kernel change compiles, so the median of 3 leaves it out).
Progress bars are off, as under nbval. The time is the wall time of the whole run, kernel
start included. The memory is the kernel's peak resident set size (ru_maxrss), read by an
extra cell appended to the in-memory copy of the notebook: the saved notebook is untouched.

The table it prints is what the chapter headers and the README's chapter table quote.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import machine_header  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PEAK_RSS = """import resource, sys
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak / 2**20 if sys.platform == "darwin" else peak / 2**10)  # bytes / KiB -> MiB"""


def run_once(path):
    """(seconds, peak MiB) of one Restart and Run All of the notebook at `path`."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_RSS))
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute(env={**os.environ, "TQDM_DISABLE": "1"})  # the kernel's environment
    seconds = time.perf_counter() - start
    return seconds, float(nb.cells[-1].outputs[0]["text"])


def chapters(selected):
    found = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not selected:
        return found
    chosen = [nb for nb in found if nb.name[:2] in selected or nb.stem in selected]
    missing = set(selected) - {nb.name[:2] for nb in chosen} - {nb.stem for nb in chosen}
    if missing:
        sys.exit(f"no chapter {', '.join(sorted(missing))}; there are: "
                 + ", ".join(nb.stem for nb in found))
    return chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", help="chapter numbers or notebook names")
    parser.add_argument("-n", "--runs", type=int, default=3, help="runs per chapter")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    print(machine_header(), "\n")
    print("| chapter | median s | runs (s) | peak memory (MiB, max) |")
    print("| --- | ---: | --- | ---: |")
    for path in chapters(args.chapters):
        runs = [run_once(path) for _ in range(args.runs)]
        times = [t for t, _ in runs]
        print(f"| {path.stem} | {statistics.median(times):.0f} | "
              f"{', '.join(f'{t:.1f}' for t in times)} | {max(m for _, m in runs):.0f} |",
              flush=True)


if __name__ == "__main__":
    main()

"""Shared helpers for the benchmarks: best-of-k wall time, the machine header, a ratio table.

Every benchmark prints ratios measured in one run, because these machines are noisy and an
absolute time from one day says little about another. Nothing here is ever a pass/fail test.
"""
import os
import platform
import time
from dataclasses import dataclass
from typing import Any, NamedTuple


class Timed(NamedTuple):
    seconds: float  # best wall time
    cpu_seconds: float  # best CPU time of the calling thread
    result: Any  # what the last call returned


def best_of(run, *, setup=None, repeat=5, warmup=1):
    """Best wall time (and best thread CPU time) of `run(*setup())` over `repeat` timed calls.

    `setup` (untimed) returns the arguments of one call, so a run that updates its input in
    place (a weight vector) starts from the same state every time. The `warmup` calls before
    timing take compilation, page faults and cold caches out of the number; the minimum
    rather than the mean because noise on a shared machine only ever adds time.
    The calling thread's CPU time leaves out the time spent waiting for a core while other
    processes run, so it is the steadier number on a busy machine; it undercounts code that
    hands work to other threads (a parallel kernel, multi-threaded BLAS).
    """
    setup = setup or tuple
    result = None
    for _ in range(warmup):
        result = run(*setup())
    best, best_cpu = float("inf"), float("inf")
    for _ in range(max(repeat, 1)):
        args = setup()
        cpu, start = time.thread_time(), time.perf_counter()
        result = run(*args)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.thread_time() - cpu)
    return Timed(best, best_cpu, result)


@dataclass(frozen=True)
class Measurement:
    """One row of a ratio table.

    seconds: time for the whole workload of `units` items (samples, images...); when only
    `timed_units` of them were timed, seconds is that time scaled linearly to `units`.
    cpu_seconds: the same for the calling thread's CPU time (None if not measured).
    """

    case: str
    implementation: str
    seconds: float
    units: int
    runs: int = 1
    timed_units: int | None = None
    note: str = ""
    cpu_seconds: float | None = None

    @property
    def extrapolated(self):
        return self.timed_units is not None and self.timed_units != self.units

    def how(self):
        runs = f"best of {self.runs}" if self.runs > 1 else "1 run"
        if self.extrapolated:
            return f"{runs} on {self.timed_units:,}, extrapolated x{self.units / self.timed_units:g}"
        return runs


def scaled(seconds, timed_units, units):
    """Linear extrapolation of a time measured on `timed_units` items to `units` items."""
    return seconds * units / timed_units


def ratio(slow, fast, *, cpu=False):
    """How many times slower `slow` is than `fast` (both Measurements), in wall or CPU time."""
    if cpu:
        return slow.cpu_seconds / fast.cpu_seconds
    return slow.seconds / fast.seconds


def markdown_table(headers, rows):
    """A Markdown table; numeric-looking columns are right-aligned."""
    def numeric(text):
        return text.replace(",", "").replace(".", "").replace("x", "").strip().isdigit()

    align = [
        "---:" if rows and all(numeric(row[k]) for row in rows) else "---"
        for k in range(len(headers))
    ]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def ratio_table(measurements, baseline, *, unit="sample", per="epoch"):
    """Markdown table of measurements with each row's ratio to the `baseline` row of its case.

    baseline: the implementation name every row of the same case is divided by ("x slower").
    """
    base = {m.case: m for m in measurements if m.implementation == baseline}
    headers = ["case", "implementation", f"s per {per}", f"ns per {unit}",
               f"x slower than {baseline}", "same, in thread CPU time", "how measured", "note"]
    rows = []
    for m in measurements:
        against = base.get(m.case)
        with_cpu = against and m.cpu_seconds and against.cpu_seconds
        rows.append([
            m.case,
            m.implementation,
            f"{m.seconds:.4g}",
            f"{m.seconds / m.units * 1e9:,.1f}",
            f"{ratio(m, against):,.1f}" if against else "",
            f"{ratio(m, against, cpu=True):,.1f}" if with_cpu else "",
            m.how(),
            m.note,
        ])
    return markdown_table(headers, rows)


TORCH_MISSING = "PyTorch not installed: pip install torch==2.13.0 (CPU build on disk here)"


def import_torch():
    """PyTorch if installed (the optional [bench] extra), else None: benchmarks then skip it."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_note(torch, left_out):
    """The line saying which PyTorch the table compares against, or why it has none."""
    if torch is not None:
        return f"PyTorch {torch.__version__}"
    return "PyTorch left out (--no-torch)" if left_out else TORCH_MISSING


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_speed():
    """One line of reference work timed on this machine, so tables from different machines
    can be compared: the course has met 2-core machines 2-3 times apart in speed (Chapter 08
    ran in 38 s on one and 112 s on another), and NumPy's float32 tanh and exp are SIMD only
    where it has a loop for the CPU (AVX-512 on x86) and libm's one value at a time elsewhere,
    about 20 times slower, which moves any table that leans on them."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    python = best_of(lambda: sum(range(10 ** 7)), repeat=3).seconds
    z = np.linspace(-3.0, 3.0, 1 << 20, dtype=np.float32)
    out = np.empty_like(z)
    tanh = best_of(lambda: np.tanh(z, out=out), repeat=5).seconds
    a = np.ones((512, 512), dtype=np.float32)
    with threadpool_limits(1):
        matmul = best_of(lambda: a @ a, repeat=5).seconds
    return (f"- speed: sum(range(10**7)) in {python * 1e3:.0f} ms; NumPy float32 tanh "
            f"{tanh / z.size * 1e9:.1f} ns a value (under 1 where it is SIMD); a 512 x 512 "
            f"float32 matmul at {2 * 512 ** 3 / matmul / 1e9:.0f} GFLOP/s on one thread")


def machine_header():
    """Markdown bullet lines naming what the numbers depend on: CPU, versions, threads, BLAS."""
    import numba
    import numpy as np
    from threadpoolctl import threadpool_info

    pools = ", ".join(
        " ".join(filter(None, (p["internal_api"], p.get("version"), p.get("architecture"))))
        + f" ({p['user_api']}, {p['num_threads']} threads)"
        for p in threadpool_info()
    ) or "none loaded"
    if hasattr(os, "getloadavg"):
        averages = os.getloadavg()
        load = ", ".join(f"{x:.1f}" for x in averages)
        # the benchmark's own threads count too: only a load above the cores means others
        load += (" (above the core count: other processes shared the CPU)"
                 if averages[0] > (os.cpu_count() or 1) else "")
    else:
        load = "n/a"
    coretype = {name: os.environ.get(name, "unset")
                for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    return "\n".join([
        f"- CPU: {_cpu_name()}, {os.cpu_count()} logical cores; Python {platform.python_version()}",
        f"- numpy {np.__version__}, numba {numba.__version__} "
        f"({numba.get_num_threads()} threads, NUMBA_NUM_THREADS="
        f"{os.environ.get('NUMBA_NUM_THREADS', 'unset')})",
        f"- thread pools (threadpoolctl): {pools}",
        "- " + ", ".join(f"{k}={v}" for k, v in coretype.items()),
        f"- load average (1, 5, 15 min) when the table was printed: {load}",
        machine_speed(),
    ])

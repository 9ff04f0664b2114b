"""The kernels' memory policy: memory a kernel frees stays in the process for its next call.

Kernels allocate their temporaries on every call: padded inputs, transformed tiles, column
matrices. At chapter 09's sizes these are megabytes. glibc's malloc gives big blocks back to
the operating system when they are freed. A block above the mmap threshold, which starts at
128 kB and adapts, is unmapped; the top of the heap is trimmed once more than twice that
threshold is free. The next call then touches fresh pages, and each 4 kB page costs a page
fault.

Measured on the 2-core VM: a Winograd backward (64 -> 64 channels on 7x7, batch 128, one
thread, float32) took 4,200 page faults a call and 20.6 ms, the best of 20 calls. With freed
memory kept it took none and 10.9 ms.

`keep_freed_memory()` fixes both thresholds, so that blocks under MMAP_THRESHOLD come from the
heap and up to TRIM_THRESHOLD of free heap stays mapped. The peak memory of a process does not
change; only what it holds after its largest temporaries are freed does.
"""
import ctypes
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters, from glibc's malloc.h
MMAP_THRESHOLD = 32 << 20  # glibc's largest (its default adapts between 128 kB and this)
TRIM_THRESHOLD = 64 << 20  # more than one call's temporaries in the chapters' largest layers


def keep_freed_memory():
    """Set glibc's thresholds for this process; True when set, False where the C library is
    not glibc (macOS, Windows, musl), whose allocators keep their own policy."""
    if not sys.platform.startswith("linux"):
        return False
    try:  # the process's own symbols: the C library it runs on, found without a subprocess
        mallopt = ctypes.CDLL(None).mallopt  # (ctypes.util.find_library runs ldconfig)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))

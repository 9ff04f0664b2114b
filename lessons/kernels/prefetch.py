"""Prefetch hints: a kernel tells the caches which memory it will read or write next.

A kernel that goes through a batch a block of images at a time (the Winograd convolution,
chapter 09) starts each block on images that are not in any cache yet: at batch 128 the
inputs, outputs and gradients of one 3x3 layer are about 10 MB, more than the share of the L3
cache that a busy shared machine leaves one process. Its copies then wait on memory, a cache
line at a time. The block's matrix products, meanwhile, are bound by arithmetic and leave
memory idle. `prefetch_images` is called between those products, a slice at a time, and asks
for the next block's images, so that they are in the L2 cache when the block starts.

A hint changes no result, and the code stays portable: LLVM's `llvm.prefetch` becomes
PREFETCHT1 (or PREFETCHW for a write) on x86, PRFM on ARM, and nothing where a target has no
such instruction. A prefetch never faults.

Measured (benchmarks/README.md, issue 13's tenth round), forward + backward against the same
code without the hints, in alternating rounds on a busy host, one thread: 16 -> 32 channels on
14x14 at batch 128 1.19x as fast (1.26x when each call gets a new batch), 32 -> 64 and
64 -> 64 on 7x7 1.04-1.09x; level at batch 32 and with two threads (0.98-1.03), where each
block's images are more often in a cache already.
"""
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic


def _prefetch_intrinsic(write):
    """A Numba intrinsic prefetch(a, i): hint that a.flat[i] (a C-contiguous array) will be
    read (write=False) or written (write=True) soon, into the L2 cache (locality 2 of 3). For an
    array of any other layout it does nothing: a flat index would not name the right value."""

    @intrinsic
    def prefetch(typingctx, a, i):
        if not isinstance(a, types.Array) or not isinstance(i, types.Integer):
            return None

        def codegen(context, builder, signature, args):
            if a.layout == "C":
                data = context.make_array(a)(context, builder, args[0]).data
                i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
                fn = builder.module.declare_intrinsic(
                    "llvm.prefetch", [i8p], ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]))
                address = builder.bitcast(cgutils.gep(builder, data, args[1]), i8p)
                builder.call(fn, [address, i32(int(write)), i32(2), i32(1)])  # 1: data, not code
            return context.get_dummy_value()

        return types.void(a, i), codegen

    return prefetch


prefetch_read, prefetch_write = _prefetch_intrinsic(False), _prefetch_intrinsic(True)


@njit(cache=True)
def image_part(per_image, first, last, part, parts):
    """(lo, hi): the flat indices lo to hi - 1 of part `part` of `parts` (0 <= part < parts) of
    the images first to last - 1 of a batch of images of per_image values each. The parts, in
    order, cover those images' values once each."""
    start, stop = first * per_image, last * per_image
    size = (stop - start + parts - 1) // parts
    lo = min(stop, start + part * size)
    return lo, min(stop, lo + size)


@njit(cache=True, inline="always")
def prefetch_images(a, first, last, part, parts, write):
    """Hint the caches to fetch part `part` of `parts` of a[first:last], the images first to
    last - 1 of a C-contiguous batch a[N, ...] (image_part), one hint per 64-byte cache line:
    for reading, or for writing if `write`. Called with `write` a constant."""
    lo, hi = image_part(a.size // a.shape[0] if a.shape[0] else 0, first, last, part, parts)
    for i in range(lo, hi, 64 // a.itemsize):
        if write:
            prefetch_write(a, i)
        else:
            prefetch_read(a, i)

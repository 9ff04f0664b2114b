"""The IDX file format of MNIST and Fashion-MNIST, read into NumPy arrays.

Chapter 04, Multiclass Classification: the book reads
`train-images-idx3-ubyte` with `idx2numpy`; this is the same idea in one screen.

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension, then the values
in C order, big-endian:

    byte 0, 1   0x00 0x00
    byte 2      type code: 0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32,
                0x0E float64
    byte 3      number of dimensions d
    4 * d bytes the sizes, e.g. 60000, 28, 28
    the rest    prod(sizes) values

The files are often gzip-compressed; `read_idx` recognises gzip by its first two bytes
(0x1f 0x8b), whatever the file is called.
"""
import gzip
import os
import zlib
from math import prod

import numpy as np

from lessons.kernels import checks

DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"
MAX_BYTES = 1 << 32  # 4 GiB: far above any MNIST-style set, far below "a corrupt header"
_CHUNK = 1 << 22


def read_idx(path, *, max_bytes=MAX_BYTES):
    """Read an IDX file (raw or gzip-compressed) -> array of the shape its header declares.

    Multi-byte values come back in the machine's byte order. Every defect of the file raises
    ValueError naming it: empty, not IDX (wrong magic), unknown type code, fewer values than
    the header promises (truncated) or more (wrong count), a damaged gzip stream. Nothing is
    allocated from the header's promise alone: a raw file's size is checked first, and a
    compressed one is decompressed in chunks and never past the promised size.
    """
    path = os.fspath(checks.path("read_idx", "path", path))
    with open(path, "rb") as f:
        compressed = f.read(2) == GZIP_MAGIC
    if compressed:
        try:
            with gzip.open(path, "rb") as f:
                return _parse(f, path, None, max_bytes)
        except (EOFError, OSError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
            raise ValueError(f"{path}: damaged or truncated gzip data ({err})") from None
    with open(path, "rb") as f:
        return _parse(f, path, os.fstat(f.fileno()).st_size, max_bytes)


def _parse(f, path, file_size, max_bytes):
    """Header, size checks, values. file_size is None for a gzip stream (size unknown)."""
    magic = f.read(4)
    if not magic:
        raise ValueError(f"{path}: file is empty, expected an IDX header")
    if len(magic) < 4:
        raise ValueError(f"{path}: truncated IDX header ({len(magic)} of 4 magic bytes)")
    if magic[:2] != b"\x00\x00":
        raise ValueError(
            f"{path}: not an IDX file: magic is {magic.hex(' ')}, expected 00 00 <type> <ndim>"
        )
    code, ndim = magic[2], magic[3]
    if code not in DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in DTYPES)
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02X} (known: {known})")
    if ndim == 0:
        raise ValueError(f"{path}: IDX header declares 0 dimensions")
    raw_dims = f.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise ValueError(
            f"{path}: truncated IDX header: {ndim} dimensions need {4 * ndim} bytes, "
            f"found {len(raw_dims)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(raw_dims, dtype=">u4"))
    dtype = DTYPES[code]
    expected = prod(shape) * dtype.itemsize  # Python ints: no overflow on a corrupt header
    if expected > max_bytes:
        raise ValueError(
            f"{path}: header declares shape {shape} ({expected} bytes), more than "
            f"max_bytes={max_bytes}; the header is corrupt or max_bytes must be raised"
        )
    header = 4 + 4 * ndim
    if file_size is None:
        data = _read_at_most(f, expected + 1)  # one byte more reveals trailing data
        found = len(data)
    else:
        data, found = b"", file_size - header
        if found == expected:
            data = f.read(expected)
            found = len(data)
    if found < expected:
        raise ValueError(
            f"{path}: truncated: header declares shape {shape} ({expected} bytes of data), "
            f"file holds {found}"
        )
    if found > expected:
        more = "more" if file_size is None else str(found - expected)
        raise ValueError(
            f"{path}: wrong count: {more} bytes after the {expected} bytes that shape {shape} "
            f"declares"
        )
    values = np.frombuffer(data, dtype=dtype).astype(dtype.newbyteorder("="))  # a writable copy
    return values.reshape(shape)


def _read_at_most(f, limit):
    """Up to `limit` bytes, read in chunks so a lying header cannot make us allocate it."""
    buf = bytearray()
    while len(buf) < limit:
        chunk = f.read(min(_CHUNK, limit - len(buf)))
        if not chunk:
            break
        buf += chunk
    return buf

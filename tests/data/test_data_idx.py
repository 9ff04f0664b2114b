"""The IDX reader on tiny files written here byte by byte: good ones read back exactly, every
kind of damaged one gives a ValueError that names the file."""
import gzip
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.data import read_idx

CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D,
         np.float64: 0x0E}


def idx_bytes(array, code=None):
    """The IDX encoding, spelled out independently of the reader: magic, dims, big-endian data."""
    array = np.asarray(array)
    code = CODES[array.dtype.type] if code is None else code
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, data, *, compress=False):
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


IMAGES = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10
LABELS = np.array([7, 0, 255], dtype=np.uint8)
FLOATS = np.array([[0.5, -1.25, 3e38], [np.pi, -0.0, 1e-30]], dtype=np.float32)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("array", [IMAGES, LABELS, FLOATS], ids=["images3d", "labels1d", "float2d"])
def test_tiny_files_read_back_exactly(tmp_path, array, compress):
    path = write(tmp_path / "tiny-idx", idx_bytes(array), compress=compress)
    got = read_idx(path)
    assert got.dtype == array.dtype.newbyteorder("=") and got.shape == array.shape
    np.testing.assert_array_equal(got, array)
    assert got.flags.writeable and got.dtype.isnative


def test_gzip_is_recognised_by_content_not_by_name(tmp_path):
    disguised = write(tmp_path / "labels.raw", idx_bytes(LABELS), compress=True)
    plain = write(tmp_path / "labels.gz", idx_bytes(LABELS))
    np.testing.assert_array_equal(read_idx(disguised), LABELS)
    np.testing.assert_array_equal(read_idx(plain), LABELS)


@settings(max_examples=40, deadline=None)
@given(
    dtype=st.sampled_from(list(CODES)),
    shape=st.lists(st.integers(0, 5), min_size=1, max_size=4),
    compress=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_type_code_round_trips(tmp_path_factory, dtype, shape, compress, seed):
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        array = rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    else:
        array = rng.standard_normal(shape).astype(dtype) * 1e3
    path = write(tmp_path_factory.mktemp("idx") / "a", idx_bytes(array), compress=compress)
    np.testing.assert_array_equal(read_idx(path), array)


def test_wide_values_are_big_endian_in_the_file(tmp_path):
    path = write(tmp_path / "one", bytes([0, 0, 0x0C, 1, 0, 0, 0, 1, 0x01, 0x02, 0x03, 0x04]))
    assert read_idx(path).tolist() == [0x01020304]


GOOD = idx_bytes(IMAGES)
DAMAGED = {
    "empty": (b"", "empty"),
    "short magic": (b"\x00\x00", "truncated IDX header"),
    "wrong magic": (b"\x1a\x2b" + GOOD[2:], "not an IDX file"),
    "text file": (b"hello, world\n", "not an IDX file"),
    "unknown type": (GOOD[:2] + b"\x0a" + GOOD[3:], "unknown IDX type code 0x0A"),
    "zero dimensions": (b"\x00\x00\x08\x00", "0 dimensions"),
    "short dims": (GOOD[:9], "truncated IDX header"),
    "truncated data": (GOOD[:-1], "truncated"),
    "header only": (GOOD[:16], "truncated"),
    "extra bytes": (GOOD + b"\x00\x01", "wrong count"),
}


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("case", list(DAMAGED))
def test_damaged_files_raise_value_errors_naming_the_file(tmp_path, case, compress):
    data, message = DAMAGED[case]
    path = write(tmp_path / f"damaged-{case.replace(' ', '-')}", data, compress=compress)
    with pytest.raises(ValueError, match=message) as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_extra_bytes_are_counted_in_a_raw_file(tmp_path):
    path = write(tmp_path / "extra", GOOD + b"abc")
    with pytest.raises(ValueError, match="wrong count: 3 bytes after the 24 bytes"):
        read_idx(path)


@pytest.mark.parametrize("cut", [3, 20, -4, -1])
def test_truncated_gzip_raises_value_error_naming_the_file(tmp_path, cut):
    # cut 3 leaves half a gzip header, -4/-1 lose part of the CRC/size trailer only.
    whole = gzip.compress(idx_bytes(np.arange(3000, dtype=np.int16)))
    path = write(tmp_path / "cut.gz", whole[:cut])
    with pytest.raises(ValueError, match="cut.gz") as err:
        read_idx(path)
    assert "gzip" in str(err.value) or "truncated" in str(err.value)


def test_corrupted_gzip_stream_raises_value_error(tmp_path):
    whole = bytearray(gzip.compress(idx_bytes(np.arange(3000, dtype=np.int16))))
    whole[len(whole) // 2] ^= 0xFF
    path = write(tmp_path / "flipped.gz", bytes(whole))
    with pytest.raises(ValueError, match="flipped.gz"):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_a_lying_header_is_refused_without_allocating_its_promise(tmp_path, compress):
    # 0xFFFFFFFF^3 float64 values would be 6e29 bytes; a few tiny files must not try to hold them.
    liar = bytes([0, 0, 0x0E, 3]) + b"\xff" * 12 + b"\x00" * 64
    path = write(tmp_path / "liar", liar, compress=compress)
    with pytest.raises(ValueError, match="max_bytes"):
        read_idx(path)
    # Below the cap the promise is still checked against what the file actually holds.
    modest = bytes([0, 0, 0x08, 1]) + struct.pack(">I", 1 << 30) + b"\x00" * 64
    path = write(tmp_path / "modest", modest, compress=compress)
    with pytest.raises(ValueError, match="truncated"):
        read_idx(path)


def test_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nowhere-idx1-ubyte")

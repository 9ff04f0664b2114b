"""MNIST shipped in the package (checksums, the sanity numbers), Fashion-MNIST from Debian,
folders named by argument or environment variable, and the stratified subset."""
import gzip
import os
import re
import shutil
import struct

import numpy as np
import pytest

from lessons.data import (
    FASHION_CLASSES,
    load_fashion_mnist,
    load_idx_dataset,
    load_mnist,
    mnist_subset,
    stratified_indices,
)
from lessons.data import mnist

MNIST_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
IN_CI = os.environ.get("CI") == "true"


def idx_bytes(array):
    """A uint8 IDX file: magic 00 00 08 ndim, big-endian sizes, the bytes."""
    return bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + \
        array.astype(np.uint8).tobytes()


def test_full_mnist_shapes_counts_and_mean_pixel():
    images, labels = load_mnist("train")
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (60000,) and labels.dtype == np.int64
    assert np.bincount(labels).tolist() == MNIST_COUNTS
    assert images.mean() == pytest.approx(33.32, abs=0.01)
    test_images, test_labels = load_mnist("test")
    assert test_images.shape == (10000, 28, 28) and test_labels.shape == (10000,)
    assert set(np.unique(test_labels)) == set(range(10))


def test_normalize_gives_float32_in_unit_interval():
    raw, _ = load_mnist("test")
    scaled, labels = load_mnist("test", normalize=True)
    assert scaled.dtype == np.float32 and labels.dtype == np.int64
    assert scaled.min() == 0.0 and scaled.max() == 1.0
    np.testing.assert_array_equal(scaled, raw.astype(np.float32) / 255)


def test_callers_cannot_corrupt_the_cache():
    images, labels = load_mnist("test")
    first = images[0].copy()
    images[0] = 255
    labels[:] = -1
    again, again_labels = load_mnist("test")
    np.testing.assert_array_equal(again[0], first)
    assert again_labels.min() == 0


def test_shipped_readme_lists_the_checked_sums():
    readme = (mnist.MNIST_DIR / "README.md").read_text()
    listed = dict(re.findall(r"([\w-]+-ubyte\.gz) \| ([0-9a-f]{64})", readme))
    assert listed == mnist.MNIST_SHA256
    assert "share-alike" in readme.lower() and "LeCun" in readme


def test_checksum_mismatch_is_refused(tmp_path, monkeypatch):
    for name in mnist.MNIST_SHA256:
        if name.startswith("t10k"):
            shutil.copy(mnist.MNIST_DIR / name, tmp_path / name)
    labels = tmp_path / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(labels.read_bytes())
    data[100] ^= 0x01
    labels.write_bytes(bytes(data))
    monkeypatch.setattr(mnist, "MNIST_DIR", tmp_path)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz: sha256 is [0-9a-f]{64}"):
        load_mnist("test")


def test_checksum_is_checked_against_the_expected_table(monkeypatch):
    sums = dict(mnist.MNIST_SHA256, **{"t10k-images-idx3-ubyte.gz": "0" * 64})
    monkeypatch.setattr(mnist, "MNIST_SHA256", sums)
    with pytest.raises(ValueError, match="expected 0000"):
        load_mnist("test")


def test_missing_shipped_file_says_to_reinstall(tmp_path, monkeypatch):
    monkeypatch.setattr(mnist, "MNIST_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="reinstall dl-lessons"):
        load_mnist("train")


def test_bad_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be 'train' or 'test'"):
        load_mnist("validation")


def write_tiny_set(directory, kind="train", *, n=12, compress=True, seed=0):
    """A tiny MNIST-format folder: n random 5 x 4 images, labels cycling through 0..9."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 5, 4), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    directory.mkdir(parents=True, exist_ok=True)
    for stem, array in zip(mnist.FILES[kind], (images, labels)):
        data = idx_bytes(array)
        if compress:
            (directory / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (directory / stem).write_bytes(data)
    return images, labels


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_any_idx_folder_loads(tmp_path, compress):
    images, labels = write_tiny_set(tmp_path, "test", compress=compress)
    got_images, got_labels = load_idx_dataset(tmp_path, "test")
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    scaled, _ = load_idx_dataset(tmp_path, "test", normalize=True)
    np.testing.assert_allclose(scaled, images / 255, rtol=1e-6)


def test_dotted_file_names_of_some_mirrors_load(tmp_path):
    images, _ = write_tiny_set(tmp_path, "train", compress=False)
    for stem in mnist.FILES["train"]:
        (tmp_path / stem).rename(tmp_path / stem.replace("-idx", ".idx"))
    np.testing.assert_array_equal(load_idx_dataset(tmp_path, "train")[0], images)


def test_a_replaced_file_is_read_again_not_served_from_cache(tmp_path):
    write_tiny_set(tmp_path, seed=1)
    first, _ = load_idx_dataset(tmp_path)
    newer, _ = write_tiny_set(tmp_path, n=7, seed=2)
    os.utime(tmp_path / "train-images-idx3-ubyte.gz", ns=(1, 1))  # a certainly new stamp
    np.testing.assert_array_equal(load_idx_dataset(tmp_path)[0], newer)


def test_folder_problems_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        load_idx_dataset(tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_idx_dataset(tmp_path)
    write_tiny_set(tmp_path, n=12)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes(np.zeros(11, np.uint8))))
    with pytest.raises(ValueError, match=r"shapes \(12, 5, 4\) and \(11,\)"):
        load_idx_dataset(tmp_path)


def test_load_mnist_reads_a_named_directory_instead(tmp_path):
    images, _ = write_tiny_set(tmp_path, "train")
    np.testing.assert_array_equal(load_mnist(directory=tmp_path)[0], images)


@pytest.fixture
def fashion_dir():
    if not mnist.FASHION_MNIST_DIR.is_dir():
        if IN_CI:
            pytest.fail(f"CI must install dataset-fashion-mnist: {mnist.FASHION_MNIST_DIR} "
                        f"is missing")
        pytest.skip(f"Fashion-MNIST not installed at {mnist.FASHION_MNIST_DIR} "
                    f"(apt-get install dataset-fashion-mnist)")
    return mnist.FASHION_MNIST_DIR


def test_fashion_mnist_from_debian(fashion_dir, monkeypatch):
    monkeypatch.delenv(mnist.FASHION_MNIST_ENV, raising=False)
    images, labels = load_fashion_mnist("train")
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [6000] * 10
    test_images, test_labels = load_fashion_mnist("test")
    assert test_images.shape == (10000, 28, 28)
    assert np.bincount(test_labels).tolist() == [1000] * 10
    assert len(FASHION_CLASSES) == 10


def test_fashion_mnist_directory_from_argument_and_environment(tmp_path, monkeypatch):
    by_arg, _ = write_tiny_set(tmp_path / "arg", seed=3)
    by_env, _ = write_tiny_set(tmp_path / "env", seed=4)
    monkeypatch.setenv(mnist.FASHION_MNIST_ENV, str(tmp_path / "env"))
    np.testing.assert_array_equal(load_fashion_mnist()[0], by_env)
    np.testing.assert_array_equal(load_fashion_mnist(directory=tmp_path / "arg")[0], by_arg)
    monkeypatch.setenv(mnist.FASHION_MNIST_ENV, str(tmp_path / "typo"))
    with pytest.raises(FileNotFoundError, match="DL_LESSONS_FASHION_MNIST=.*typo"):
        load_fashion_mnist()


def test_missing_fashion_mnist_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.delenv(mnist.FASHION_MNIST_ENV, raising=False)
    monkeypatch.setattr(mnist, "FASHION_MNIST_DIR", tmp_path / "not-installed")
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist()


def test_subset_is_balanced_seeded_and_shuffled():
    images, labels = mnist_subset(1000, seed=5)
    assert images.shape == (1000, 28, 28) and np.bincount(labels).tolist() == [100] * 10
    again, again_labels = mnist_subset(1000, seed=5)
    np.testing.assert_array_equal(again, images)
    np.testing.assert_array_equal(again_labels, labels)
    other, _ = mnist_subset(1000, seed=6)
    assert not np.array_equal(other, images)
    assert len(set(labels[:20].tolist())) > 5  # interleaved, not sorted by class
    counts = np.bincount(mnist_subset(1003, kind="test", seed=0)[1])
    assert counts.sum() == 1003 and counts.max() - counts.min() == 1


def test_subset_rows_are_real_mnist_rows():
    full, full_labels = load_mnist("test")
    rows = stratified_indices(full_labels, 50, seed=9)
    assert len(set(rows.tolist())) == 50
    images, labels = mnist_subset(50, kind="test", seed=9, normalize=True)
    np.testing.assert_array_equal(labels, full_labels[rows])
    np.testing.assert_array_equal(images, full[rows] / np.float32(255))


def test_stratified_indices_bad_input():
    labels = np.array([0, 0, 0, 1])
    with pytest.raises(ValueError, match="class 1, which has only 1"):
        stratified_indices(labels, 4)
    with pytest.raises(ValueError, match="n must be >= 1"):
        stratified_indices(labels, 0)
    with pytest.raises(TypeError, match="integer classes"):
        stratified_indices(np.array([0.5, 1.0]), 2)
    with pytest.raises(ValueError, match="non-empty 1-D"):
        stratified_indices(np.zeros((2, 2), dtype=int), 2)
    with pytest.raises(TypeError, match="seed must be an integer"):
        stratified_indices(labels, 2, seed=1.5)


@pytest.mark.parametrize("labels, error, match", [
    (np.array([0, 1, 255], np.uint8), ValueError,
     r"labels must be classes 0..9, got values in \[0, 255\]"),
    (np.array([0.0, 1.5, 2.0], ">f4"), TypeError, "labels must be integers, got float32"),
])
def test_labels_outside_the_classes_are_refused(tmp_path, labels, error, match):
    # issue 8: a label file holding 255, or float labels, loaded silently
    write_tiny_set(tmp_path, "test", n=3)
    code = 0x08 if labels.dtype == np.uint8 else 0x0D
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(
        bytes([0, 0, code, 1]) + struct.pack(">I", len(labels)) + labels.tobytes()))
    with pytest.raises(error, match=match):
        load_idx_dataset(tmp_path, "test")


def test_more_classes_can_be_allowed(tmp_path):
    images, _ = write_tiny_set(tmp_path, "test", n=3)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(
        idx_bytes(np.array([0, 25, 26], np.uint8))))
    assert load_idx_dataset(tmp_path, "test", n_classes=27)[1].tolist() == [0, 25, 26]
    with pytest.raises(ValueError, match="n_classes"):
        load_idx_dataset(tmp_path, "test", n_classes=0)

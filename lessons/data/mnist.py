"""MNIST and Fashion-MNIST, offline: the shipped MNIST, Debian's Fashion-MNIST, any IDX folder.

Chapter 04, Multiclass Classification (and every later
MNIST chapter). The full MNIST ships inside the package (`lessons/data/mnist/`, CC BY-SA 3.0,
see the README there) and is checked against its sha256 sums. Fashion-MNIST (MIT licence)
comes from Debian's `dataset-fashion-mnist` package or from a folder you name.

Decoded arrays are cached per process, so the second `load_mnist()` costs a copy (tens of
milliseconds) instead of a decompression (about 0.2 s for the training images). Every call
returns fresh arrays: changing them cannot change what the next call returns.
"""
import functools
import hashlib
import os
from pathlib import Path

import numpy as np

from lessons.kernels import checks
from lessons.data.idx import read_idx

MNIST_DIR = Path(__file__).with_name("mnist")
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz":
        "b09d8b89df4ad239afc76a323dbe9559169cd8cca365467dfe8aa1f7ca54109b",
    "train-labels-idx1-ubyte.gz":
        "c51906e7929bbf7c824fbd16019b56297269ca82cba449c5b5d59c0a02147fed",
    "t10k-images-idx3-ubyte.gz":
        "f72c2dff3457595ec2fe452d25d97b7f974a74ad5b006687704212bedd1486d8",
    "t10k-labels-idx1-ubyte.gz":
        "4baf84ddd60ae342cfdd282ec3fba3249a201a4459782165496a7cbebbe49a2e",
}
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_ENV = "DL_LESSONS_FASHION_MNIST"
FASHION_MNIST_INSTALL = (
    f"On Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist. Elsewhere, put the "
    f"four IDX files in a folder and pass directory=... or set {FASHION_MNIST_ENV}."
)
FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def load_idx_dataset(directory, kind="train", *, normalize=False, n_classes=10):
    """Images and labels of any MNIST-format folder: (images[n, rows, cols], labels[n]).

    The folder holds the standard names (`train-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`,
    ...), raw or with `.gz`; the `train-images.idx3-ubyte` spelling of some mirrors works too.
    normalize=False: images uint8 in 0..255; True: float32 in [0, 1]. Labels are int64
    classes 0..n_classes-1 (10 for MNIST and Fashion-MNIST; a label file holding anything
    else is refused, not loaded).
    """
    f = "load_idx_dataset"
    kind = _kind(f, kind)
    n_classes = checks.number(f, "n_classes", n_classes, low=1, integer=True)
    directory = Path(checks.path(f, "directory", directory))
    if not directory.is_dir():
        raise FileNotFoundError(f"{f}: {directory} is not a directory")
    paths = tuple(_find(directory, stem) for stem in FILES[kind])
    return _fresh(_decoded(*paths, _stamp(paths), None, n_classes), normalize)


def load_mnist(kind="train", *, directory=None, normalize=False):
    """MNIST: (images[n, 28, 28], labels[n]) with n = 60000 ("train") or 10000 ("test").

    By default reads the copy shipped in the package and verifies its sha256 sums (once per
    process); `directory` reads another MNIST-format folder instead, unchecked.
    normalize=False: images uint8 in 0..255 (the book's raw pixels; mean 33.32 in training);
    True: float32 in [0, 1]. Labels are int64 digits 0..9.
    """
    kind = _kind("load_mnist", kind)
    if directory is not None:
        return load_idx_dataset(checks.path("load_mnist", "directory", directory), kind,
                                normalize=normalize)
    paths = tuple(MNIST_DIR / f"{stem}.gz" for stem in FILES[kind])
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(
                f"load_mnist: {path} is missing: the package was installed without its "
                f"MNIST files; reinstall dl-lessons (its package data holds data/mnist/*)"
            )
    sums = tuple(MNIST_SHA256[p.name] for p in paths)
    return _fresh(_decoded(*paths, _stamp(paths), sums, 10), normalize)


def mnist_checksum_problems():
    """What is wrong with the MNIST files shipped in the package: {file name: problem}, empty
    when all four are present and match MNIST_SHA256. Reads 11 MB (about 0.1 s)."""
    problems = {}
    for name, expected in MNIST_SHA256.items():
        path = MNIST_DIR / name
        if not path.is_file():
            problems[name] = "missing"
        elif _sha256(path) != expected:
            problems[name] = "sha256 differs (the file is damaged or was replaced)"
    return problems


def load_fashion_mnist(kind="train", *, directory=None, normalize=False):
    """Fashion-MNIST: (images[n, 28, 28], labels[n]), labels index FASHION_CLASSES.

    Looks in `directory` if given, else in the folder named by the environment variable
    DL_LESSONS_FASHION_MNIST, else in /usr/share/datasets/fashion-mnist (where Debian's
    `dataset-fashion-mnist` package installs it). Same dtypes as load_mnist.
    """
    f = "load_fashion_mnist"
    kind = _kind(f, kind)
    if directory is None:
        directory = fashion_mnist_dir()
    else:
        checks.path(f, "directory", directory)
    return load_idx_dataset(directory, kind, normalize=normalize)


def fashion_mnist_dir():
    """The folder load_fashion_mnist reads by default: $DL_LESSONS_FASHION_MNIST if set, else
    /usr/share/datasets/fashion-mnist. Raises FileNotFoundError, with what to do, if missing."""
    if os.environ.get(FASHION_MNIST_ENV):
        directory = Path(os.environ[FASHION_MNIST_ENV])
        if not directory.is_dir():
            raise FileNotFoundError(
                f"load_fashion_mnist: {FASHION_MNIST_ENV}={directory} is not a directory"
            )
        return directory
    if not FASHION_MNIST_DIR.is_dir():
        raise FileNotFoundError(
            f"load_fashion_mnist: Fashion-MNIST is not installed ({FASHION_MNIST_DIR} is "
            f"missing). {FASHION_MNIST_INSTALL}"
        )
    return FASHION_MNIST_DIR


def stratified_indices(labels, n, *, seed=0):
    """n row indices with every class as equally represented as n allows, in seeded order.

    Each class gets n // k rows (k = number of classes present); the n % k classes that get
    one more are drawn at random, as are the rows, and the result is shuffled so that classes
    are interleaved (ready for minibatches).
    """
    f = "stratified_indices"
    labels = checks.labels(f, "labels", labels)
    n = checks.number(f, "n", n, low=1, integer=True)
    seed = checks.number(f, "seed", seed, low=0, integer=True)
    classes, counts = np.unique(labels, return_counts=True)
    k = len(classes)
    quota = np.full(k, n // k)
    rng = np.random.default_rng(seed)
    quota[rng.permutation(k)[: n % k]] += 1
    short = quota > counts
    if short.any():
        c = int(np.argmax(short))
        raise ValueError(
            f"{f}: n={n} needs {quota[c]} rows of class {classes[c]}, which has only "
            f"{counts[c]}"
        )
    picked = [rng.choice(np.flatnonzero(labels == c), q, replace=False)
              for c, q in zip(classes, quota)]
    return rng.permutation(np.concatenate(picked))


def mnist_subset(n, *, kind="train", seed=0, normalize=False):
    """A seeded, class-balanced sample of n MNIST images: (images[n, 28, 28], labels[n]).

    For cells that must run in seconds: mnist_subset(1000) has 100 images of each digit.
    The same (n, kind, seed) always gives the same images in the same order.
    """
    images, labels = load_mnist(kind)
    rows = stratified_indices(labels, n, seed=seed)
    return _fresh((images[rows], labels[rows]), normalize)


def _kind(func, kind):
    if not isinstance(kind, str) or kind not in FILES:
        raise ValueError(f"{func}: kind must be 'train' or 'test', got {kind!r}")
    return kind


def _find(directory, stem):
    """The file for `stem` in `directory`: raw or .gz, with '-' or '.' before 'idx'."""
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, f"{stem}.gz", dotted, f"{dotted}.gz"):
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(f"{directory}: no {stem} or {stem}.gz (an MNIST-format folder "
                            f"holds train-/t10k- images-idx3-ubyte and labels-idx1-ubyte)")


def _stamp(paths):
    """Size and modification time: a file replaced on disk is decoded again, not served stale."""
    return tuple((s.st_size, s.st_mtime_ns) for s in (os.stat(p) for p in paths))


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _decoded(images_path, labels_path, stamp, sums, n_classes):
    """Decoded (images, labels) as read-only arrays; sums (if given) are checked first, then
    that the images are bytes and the labels classes 0..n_classes-1."""
    for path, expected in zip((images_path, labels_path), sums or ()):
        found = _sha256(path)
        if found != expected:
            raise ValueError(
                f"{path}: sha256 is {found}, expected {expected}. The file is damaged or was "
                f"replaced; reinstall dl-lessons (or restore the file from git)."
            )
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{images_path}, {labels_path}: expected images[n, rows, cols] and labels[n], got "
            f"shapes {images.shape} and {labels.shape}"
        )
    if images.dtype != np.uint8:
        raise TypeError(f"{images_path}: images must be unsigned bytes (pixels 0..255, IDX "
                        f"type 0x08), got {images.dtype}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"{labels_path}: labels must be integers, got {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"{labels_path}: labels must be classes 0..{n_classes - 1}, got "
                         f"values in [{labels.min()}, {labels.max()}]")
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def _fresh(pair, normalize):
    images, labels = pair
    if normalize:  # one float32 allocation: 188 MB for the training set, not twice that
        return np.divide(images, np.float32(255), dtype=np.float32), labels.astype(np.int64)
    return images.copy(), labels.astype(np.int64)

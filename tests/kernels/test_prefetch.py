"""The prefetch hints (lessons/kernels/prefetch.py): which values each part covers, that the
hint is compiled in for C-contiguous arrays only, and that it changes nothing."""
import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from lessons.kernels.prefetch import image_part, prefetch_images, prefetch_read


@pytest.mark.parametrize("per_image, first, last, parts", [
    (784, 0, 4, 16), (784, 4, 8, 32), (3, 5, 6, 16), (12544, 124, 128, 16), (5, 2, 2, 4),
    (0, 0, 3, 16), (1, 0, 1, 7)])
def test_the_parts_cover_the_images_once_in_order(per_image, first, last, parts):
    covered = []
    for part in range(parts):
        lo, hi = image_part(per_image, first, last, part, parts)
        assert lo <= hi
        covered.extend(range(lo, hi))
    assert covered == list(range(first * per_image, last * per_image))


@njit
def _hint_every_part(a, first, last, parts):
    for part in range(parts):
        prefetch_images(a, first, last, part, parts, False)
        prefetch_images(a, first, last, part, parts, True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hints_leave_the_batch_unchanged(dtype):
    a = np.random.default_rng(0).standard_normal((9, 3, 5, 7)).astype(dtype)
    before = a.copy()
    _hint_every_part(a, 4, 9, 16)  # the last block: up to the batch's end
    _hint_every_part(a[:0], 0, 0, 16)  # an empty batch
    np.testing.assert_array_equal(a, before)


def test_the_hint_is_compiled_for_contiguous_arrays_only():
    a = np.zeros((4, 8, 8), dtype=np.float32)
    _hint_every_part(a, 0, 4, 4)
    _hint_every_part(a.transpose(1, 0, 2), 0, 4, 4)  # layout "A": a flat index would be wrong
    llvm = {str(sig[0].layout): _hint_every_part.inspect_llvm(sig)
            for sig in _hint_every_part.signatures}
    assert "llvm.prefetch" in llvm["C"]
    assert "llvm.prefetch" not in llvm["A"]


def test_prefetch_wants_an_array_and_an_integer_index():
    @njit
    def hint(a, i):
        prefetch_read(a, i)

    with pytest.raises(TypingError):
        hint(np.zeros(4), 1.5)
    with pytest.raises(TypingError):
        hint(3.0, 1)

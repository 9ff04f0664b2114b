"""Chapter 05: run_configuration and lr_search refuse bad input with a message that names the
function and the argument."""
import numpy as np
import pytest

from lessons.chapters import ch05_toward_dl as ch05
from lessons.data import mnist_subset


@pytest.fixture(scope="module")
def small():
    return mnist_subset(100, seed=0), mnist_subset(50, kind="test", seed=0)


@pytest.mark.parametrize("conf", [1, 2, 3, 4, 5])
def test_run_configuration_wants_prepared_data(conf):
    with pytest.raises(TypeError, match="run_configuration: train must be the Prepared data "
                                        "prepare\\(\\) returns, got str"):
        ch05.run_configuration(conf, "a", "b", epochs=1)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(n_validation=150), ValueError, "lr_search: n_validation must be a whole number in "
                                         "1..99, got 150"),
    (dict(n_validation=0), ValueError, "lr_search: n_validation must be a whole number in "
                                       "1..99, got 0"),
    (dict(n_validation=2.5), TypeError, "lr_search: n_validation must be an integer"),
    (dict(lrs=()), ValueError, "lr_search: lrs is empty"),
    (dict(lrs=(1e-3, -1.0)), ValueError, "lr_search: lrs[1] must be > 0.0, got -1.0"),
])
def test_lr_search_bad_arguments(small, kwargs, error, message):
    (images, labels), (test_images, test_labels) = small
    with pytest.raises(error) as info:
        ch05.lr_search(images, labels, test_images, test_labels,
                       **{"lrs": (1e-3,), "n_validation": 20, **kwargs})
    assert message in str(info.value)


def test_lr_search_on_a_small_split(small):
    (images, labels), (test_images, test_labels) = small
    errors, best, final = ch05.lr_search(images, labels, test_images, test_labels,
                                         lrs=(1e-3, 1e-2), n_validation=20)
    assert set(errors) == {1e-3, 1e-2} and best in errors and 0 <= final <= 1

"""Chapter 09: bad input to the chapter's counting helpers and to the residual backward gets an
error that names the function the learner called and the argument at fault."""
import numpy as np
import pytest

from lessons.chapters import ch09_deeper_cnns as ch
from lessons.kernels import residual_add_backward


@pytest.mark.parametrize("call, message", [
    (lambda: residual_add_backward(np.zeros((2, 4, 6, 6)), (2, 4, 5, 5), 1),
     "residual_add_backward: dY has shape (2, 4, 6, 6) but x_shape (2, 4, 5, 5) with stride 1 "
     "needs (2, 4, 5, 5) (x_shape is [N, C, H, W], dY is [N, F, OH, OW])"),
    (lambda: residual_add_backward(np.zeros((2, 2, 5, 5)), (2, 4, 5, 5), 1),
     "residual_add_backward: dY has 2 channels but x_shape has 4;"),
])
def test_residual_backward_names_dY_and_x_shape(call, message):
    # it once named FX and X, the forward's arguments, which the backward does not take
    with pytest.raises(ValueError) as error:
        call()
    assert str(error.value).startswith(message)
    assert "FX" not in str(error.value)


@pytest.mark.parametrize("call, error, message", [
    (lambda: ch.vgg_stack(0, 64), ValueError, "vgg_stack: n_layers must be >= 1, got 0"),
    (lambda: ch.vgg_stack(2, 0), ValueError, "vgg_stack: channels must be >= 1, got 0"),
    (lambda: ch.vgg_stack(2, 64, k=2.5), TypeError, "vgg_stack: k must be an integer"),
    (lambda: ch.inception_params(192, -64, 96, 128, 16, 32, 32), ValueError,
     "inception_params: n1 must be >= 1, got -64"),
    (lambda: ch.inception_params(192, 64, 96, 128, 16, 32, 0), ValueError,
     "inception_params: pool_proj must be >= 1, got 0"),
])
def test_counting_helpers_name_themselves(call, error, message):
    # not receptive_field or conv_params, which they call
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value).startswith(message)

"""Chapter 08, Training CNNs: exercises with offline feedback.

    check_conv_params(fn)        your `fn(c_in, c_out, k)`: the parameters of a conv layer
    check_conv_pool_shape(fn)    your `fn(shape, out_channels, k, pad, pool)`: the shape after
                                 a stride-1 convolution and a max pool
    check_receptive_field(fn)    your `fn(n_layers, k)`: what one neuron of a stack of
                                 stride-1 k x k convolutions sees

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch08`.
"""
from lessons.chapters.ch08_cnn import conv_params, receptive_field
from lessons.exercises import Exercise, first_items, is_whole, shown

PARAMS = Exercise("conv layer parameters", [
    "One output channel has one kernel: it spans every input channel, so it has "
    "c_in · k · k weights, plus one bias.",
    "The image size does not appear: the same kernel slides over every position "
    "(weight sharing, Ekman's Table 7-1).",
    "c_out · (c_in · k² + 1): Weidman's layer 32 · (1 · 25 + 1) = 832, LeNet-5's second "
    "conv 16 · (6 · 25 + 1) = 2,416.",
], "ch08")

SHAPE = Exercise("shape after conv + pool", [
    "The convolution makes out_channels maps; each side becomes (n + 2·pad − k) + 1 at "
    "stride 1.",
    "Max pooling keeps the channels and divides each side by pool, rounding down (a window "
    "must fit entirely).",
    "(out_channels, ((n + 2·pad − k + 1) // pool), same for the width): Skansi's first "
    "stage takes 1 × 28 × 28 to 32 × 25 × 25, then 32 × 12 × 12.",
], "ch08")

FIELD = Exercise("receptive field", [
    "One k × k layer: each neuron sees k × k pixels.",
    "A second layer's neuron sees k × k neurons of the first; neighbouring ones overlap and "
    "together reach k − 1 pixels further on each axis.",
    "Each stride-1 layer adds k − 1: 1 + n_layers · (k − 1). Two 3 × 3 layers see 5 × 5, "
    "three see 7 × 7 (VGG's argument for small kernels).",
], "ch08")

_PARAM_CASES = ((1, 32, 5), (6, 16, 5), (3, 64, 5), (64, 64, 3), (1, 6, 5), (32, 32, 3),
                (1, 32, 4), (256, 64, 1))
_SHAPE_CASES = (((1, 28, 28), 32, 4, 0, 2), ((1, 28, 28), 6, 5, 2, 2), ((6, 14, 14), 16, 5, 0, 2),
                ((32, 12, 12), 32, 3, 0, 2), ((3, 32, 32), 64, 3, 1, 2), ((1, 28, 28), 8, 3, 0, 3))
_FIELD_CASES = ((1, 3), (2, 3), (3, 3), (4, 3), (2, 5), (3, 7), (5, 2))


def conv_pool_shape(shape, out_channels, k, pad, pool):
    """The answer for exercise 2 (the checks' oracle)."""
    _, h, w = shape
    return (out_channels, (h + 2 * pad - k + 1) // pool, (w + 2 * pad - k + 1) // pool)



@PARAMS.check
def check_conv_params(fn):
    """fn(c_in, c_out, k) must give the weights and biases of a conv layer with c_out
    k x k kernels over c_in input channels."""
    if fn is ... or not callable(fn):
        return PARAMS.feedback(False, "Pass your function: check_conv_params(fn).")
    outputs = ": the biases belong to the output channels"
    PARAMS.count(fn, ("c_in", "c_out", "k"), _PARAM_CASES, conv_params, [
        (lambda c_in, c_out, k: c_out * c_in * k * k,
         ", the weights only: add one bias per kernel"),
        (lambda c_in, c_out, k: c_out * c_in * (k * k + 1),
         ": one bias per output channel, not per (output, input) pair"),
        (lambda c_in, c_out, k: c_out * (k * k + 1),
         ": each kernel spans all {c_in} input channels"),
        (lambda c_in, c_out, k: c_in * (k * k + 1), outputs),
        (lambda c_in, c_out, k: c_in * c_out * k * k + c_in, outputs)])
    return PARAMS.feedback(True, "c_out · (c_in · k² + 1) on every case: Weidman's 832, "
                                 "LeNet-5's 2,416, Ekman's 4,864 and 36,928.")


@SHAPE.check
def check_conv_pool_shape(fn):
    """fn(shape, out_channels, k, pad, pool) must give the (C, H, W) shape after a stride-1
    k x k convolution with `pad` and a pool x pool max pool with stride pool."""
    if fn is ... or not callable(fn):
        return SHAPE.feedback(False, "Pass your function: check_conv_pool_shape(fn).")
    for shape, f, k, pad, pool in _SHAPE_CASES:
        answer = SHAPE.call(fn, shape, f, k, pad, pool)
        want = conv_pool_shape(shape, f, k, pad, pool)
        got = first_items(answer, 3)  # at most 4 items: a generator that never ends is wrong
        if got is None:
            return SHAPE.feedback(False, f"Expected a tuple (C, H, W), got {shown(answer)}.")
        if len(got) == 3 and all(is_whole(g) for g in got) and got == want:
            continue
        case = f"shape {shape}, out_channels {f}, k = {k}, pad = {pad}, pool = {pool}"
        c, h, w = shape
        conv_side = h + 2 * pad - k + 1
        if len(got) != 3 or not all(is_whole(g) for g in got):
            detail = f"{case}: expected three whole numbers (C, H, W), got {shown(got)}."
        elif got[0] == c and c != f:
            detail = f"{case}: you return {shown(got)}: the convolution makes {f} channels."
        elif got[1:] == (conv_side, w + 2 * pad - k + 1):
            detail = f"{case}: you return {shown(got)}: the pooling is missing."
        elif got[1] == -(-conv_side // pool):
            detail = f"{case}: you return {shown(got)}: round down, a pool window must fit."
        elif got[1] == (h + 2 * pad - k) // pool:
            detail = (f"{case}: you return {shown(got)}: the convolution gives "
                      f"n + 2·pad − k + 1.")
        elif got[1] == (h - k + 1) // pool:
            detail = f"{case}: you return {shown(got)}: the padding is missing."
        else:
            detail = f"{case}: you return {shown(got)}; the answer is {want}."
        return SHAPE.feedback(False, detail)
    return SHAPE.feedback(True, "conv then pool on every case: Skansi's 32 × 12 × 12, "
                                "LeNet-5's 6 × 14 × 14 and 16 × 5 × 5.")


@FIELD.check
def check_receptive_field(fn):
    """fn(n_layers, k) must give the side of the input window one neuron sees after
    n_layers stacked stride-1 k x k convolutions."""
    if fn is ... or not callable(fn):
        return FIELD.feedback(False, "Pass your function: check_receptive_field(fn).")
    FIELD.count(fn, ("n_layers", "k"), _FIELD_CASES, receptive_field, [
        (lambda n, k: n * k, ": neighbouring windows overlap, each layer adds k − 1, not k"),
        (lambda n, k: k ** n, ": the field grows by addition, not product"),
        (lambda n, k: n * (k - 1), ": start from the 1 pixel a neuron sits on")])
    return FIELD.feedback(True, "1 + n_layers · (k − 1): 3 × 3 layers see 3, 5, 7, 9 pixels "
                                "wide as they stack.")

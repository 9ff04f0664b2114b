"""Chapter 08, Training CNNs: the books' convolutional networks, built from lessons.layers.

    weidman_cnn(seed=)   Weidman's chapter 5 experiment: Conv2D(32, 5x5, 'same') -> tanh ->
                         Dropout(keep 0.8) -> Flatten -> Dense(10); 251,722 parameters
    weidman_cnn(seed=, book_gradient=True)   the same network trained with the kernel
                         gradient of the book's code, which pairs the wrong rows (an erratum)
    weidman_filter_gradient(X, dY, k, pad, book=False)   that gradient, right or as the book
    lenet5(seed=)        LeCun's LeNet-5 as Tavenard gives it, on 28 x 28 MNIST padded by 2
                         (the 32 x 32 the network was designed for); 61,706 parameters
    skansi_cnn(seed=)    Skansi's MNIST CNN: two conv + max-pool stages, dropout 0.3;
                         17,802 parameters
    layer_table(model, input_shape)   (name, output shape, parameters) per layer
    standardize(X, mean, std)         images [n, 28, 28] -> float [n, 1, 28, 28]

and the counting rules of Ekman's Chapter 7 (Table 7-1) and Chapter 8:
conv_params(c_in, c_out, k) = c_out (c_in k^2 + 1), dense_params(n_in, n_out) =
n_out (n_in + 1), receptive_field(n_layers, k) = 1 + n_layers (k - 1) for stride 1.

Every builder draws all its layers' initial weights, and the dropout masks, from one
np.random.default_rng(seed), so a model and its training run are the same on every run.
"""
import numpy as np

from lessons.kernels import checks
from lessons.layers import (
    Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU, Sequential, Tanh, float_dtype,
    generator,
)

MNIST_SHAPE = (1, 28, 28)  # one example: [channels, height, width]

# Weidman's run, Deep Learning from Scratch chapter 5: validation accuracy (%) on the
# 10,000 MNIST test images after 100, 200, ..., 900 batches, and after the whole epoch.
WEIDMAN_SEED = 20190402
WEIDMAN_LR, WEIDMAN_MOMENTUM = 0.01, 0.9
WEIDMAN_BATCHES = (100, 200, 300, 400, 500, 600, 700, 800, 900)
WEIDMAN_ACCURACY = (79.65, 86.25, 85.47, 87.27, 88.93, 88.25, 89.91, 89.59, 89.96)
WEIDMAN_EPOCH_ACCURACY = 90.50
WEIDMAN_EPOCH_MINUTES = 10  # "about 10 minutes per epoch" for the book's NumPy code

# Tavenard's LeNet-5 table: per-example output shapes (channels first) and parameters of
# the five layers with weights.
LENET5_SHAPES = ((6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (400,))
LENET5_PARAMS = (156, 2416, 48120, 10164, 850)
LENET5_TOTAL = 61706


def weidman_cnn(*, seed=WEIDMAN_SEED, dtype=np.float32, book_gradient=False):
    """Weidman's one-conv-layer network: X[B, 1, 28, 28] -> logits[B, 10].

    Conv2D(1 -> 32, 5 x 5, pad 2: 'same', Glorot) -> Tanh -> Dropout(keep_prob=0.8) ->
    Flatten (32 x 28 x 28 = 25,088 features) -> Dense(25,088 -> 10, Glorot); train with
    softmax_cross_entropy and SGD(0.01, momentum=0.9). Parameters: 800 + 32 in the conv
    layer, 250,880 + 10 in the dense one.

    book_gradient=True trains the kernels with the gradient the book's code computes
    (weidman_filter_gradient(..., book=True)) instead of the right one: the run that reports
    90.5 %. The same seed draws the same initial weights either way.
    """
    rng = generator("weidman_cnn", seed, None)
    dtype = float_dtype("weidman_cnn", dtype)
    conv = (BookGradientConv2D if book_gradient else Conv2D)
    return Sequential([
        conv(1, 32, 5, pad=2, init="glorot", rng=rng, dtype=dtype),
        Tanh(),
        Dropout(keep_prob=0.8, rng=rng),
        Flatten(),
        Dense(32 * 28 * 28, 10, init="glorot", rng=rng, dtype=dtype),
    ])


def weidman_filter_gradient(X, dY, k, pad, *, book=False):
    """dK[F, C, k, k] of a stride-1 convolution, from its input X[B, C, H, W] and dY[B, F, OH, OW],
    as one product of the patches with the output gradients, the way Weidman's code does it.

    Every receptive field (patch) and the gradient of the output it made must sit on the same
    row: dK = patches^T @ grads, summed over every (image, position) row. book=False lists
    both in (image, position) order. book=True repeats the code in the book's repository
    (lincoln/conv.py, `_param_grad`): its patches come stacked position by position, in
    (position, image) order, and are reshaped without the transpose its forward pass applies,
    so row r pairs the patch of one (image, position) with the output gradient of another.
    """
    f = "weidman_filter_gradient"
    X = checks.array(f, "X", X, ndim=4, shape="[B, C, H, W]")
    dY = checks.array(f, "dY", dY, ndim=4, shape="[B, F, OH, OW]")
    k = checks.number(f, "k", k, low=1, integer=True)
    pad = checks.number(f, "pad", pad, low=0, integer=True)
    B, C, H, W = X.shape
    F, OH, OW = dY.shape[1:]
    if dY.shape[0] != B or (OH, OW) != (H + 2 * pad - k + 1, W + 2 * pad - k + 1):
        raise ValueError(f"{f}: dY has shape {dY.shape} but a stride-1 {k} x {k} convolution "
                         f"of X {X.shape} with pad {pad} gives "
                         f"{(B, F, H + 2 * pad - k + 1, W + 2 * pad - k + 1)}")
    Xp = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(Xp, (k, k), axis=(2, 3))
    # windows[b, c, i, j] is the k x k patch of image b at output position (i, j)
    order = (2, 3, 0, 1, 4, 5) if book else (0, 2, 3, 1, 4, 5)
    patches = windows.transpose(order).reshape(B * OH * OW, C * k * k)
    grads = dY.transpose(0, 2, 3, 1).reshape(B * OH * OW, F)  # rows (image, position)
    return (patches.T @ grads).T.reshape(F, C, k, k)


class BookGradientConv2D(Conv2D):
    """Conv2D whose kernel gradient is the book's (weidman_filter_gradient(book=True)); the
    input and bias gradients stay right. For Chapter 08's erratum only.

    The book's sum pairs the patch of (image r % B, position r // B) with the output gradient
    of (image r // P, position r % P), P positions per image. That is the right formula
    applied to output gradients moved to other (image, position) slots, so the layer moves
    them and calls the fast kernel, instead of building the patch matrix of every batch.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.stride != 1:
            raise ValueError(f"BookGradientConv2D: the book's gradient is for stride 1, "
                             f"got stride={self.stride}")

    def _backward(self, dY, input_grad):
        _, dY = self._upstream(dY)
        dX = super()._backward(dY, input_grad) if input_grad else None
        B, F, OH, OW = dY.shape
        # the book's rows: (image, position) order, read back as if (position, image)
        rows = np.ascontiguousarray(np.transpose(dY, (0, 2, 3, 1))).reshape(OH * OW, B, F)
        moved = rows.transpose(1, 2, 0).reshape(B, F, OH, OW)  # slot (b, p) gets row p*B + b
        super()._backward(moved, False)  # db, a sum over every slot, is the same
        return dX


def lenet5(*, seed, dtype=np.float32, input_size=28):
    """LeNet-5 (LeCun et al. 1998) as in Tavenard's notes, with ReLU and max pooling:
    Conv(6, 5x5) -> pool 2 -> Conv(16, 5x5) -> pool 2 -> Dense 120 -> Dense 84 -> Dense 10.

    The network expects 32 x 32 images. For input_size=28 (MNIST) the first convolution
    pads by 2, giving the digit that border, so the shapes are the paper's: 6 x 28 x 28,
    6 x 14 x 14, 16 x 10 x 10, 16 x 5 x 5, 400. input_size=32 (images padded beforehand)
    is the same network with pad 0. 61,706 parameters either way.
    """
    rng = generator("lenet5", seed, None)
    dtype = float_dtype("lenet5", dtype)
    input_size = checks.number("lenet5", "input_size", input_size, integer=True)
    if input_size not in (28, 32):
        raise ValueError(f"lenet5: input_size must be 28 (MNIST, padded by 2 in the first "
                         f"convolution) or 32 (LeNet-5's own size), got {input_size!r}")
    pad = (32 - input_size) // 2
    return Sequential([
        Conv2D(1, 6, 5, pad=pad, init="he", rng=rng, dtype=dtype), ReLU(), MaxPool2D(2),
        Conv2D(6, 16, 5, init="he", rng=rng, dtype=dtype), ReLU(), MaxPool2D(2),
        Flatten(),
        Dense(16 * 5 * 5, 120, init="he", rng=rng, dtype=dtype),
        ReLU(),
        Dense(120, 84, init="he", rng=rng, dtype=dtype), ReLU(),
        Dense(84, 10, init="glorot", rng=rng, dtype=dtype),
    ])


def skansi_cnn(*, seed, dtype=np.float32):
    """Skansi's MNIST CNN: Conv(32, 4x4, ReLU) -> MaxPool 2 -> Conv(32, 3x3, ReLU) ->
    MaxPool 2 -> Dropout(rate=0.3) -> Flatten -> Dense(10).

    Shapes 32 x 25 x 25, 32 x 12 x 12, 32 x 10 x 10, 32 x 5 x 5, 800; parameters
    544 + 9,248 + 8,010 = 17,802. The book trains with softmax outputs and MSE; this course
    trains the logits with softmax_cross_entropy.
    """
    rng = generator("skansi_cnn", seed, None)
    dtype = float_dtype("skansi_cnn", dtype)
    return Sequential([
        Conv2D(1, 32, 4, init="he", rng=rng, dtype=dtype), ReLU(), MaxPool2D(2),
        Conv2D(32, 32, 3, init="he", rng=rng, dtype=dtype), ReLU(), MaxPool2D(2),
        Dropout(rate=0.3, rng=rng),
        Flatten(),
        Dense(32 * 5 * 5, 10, init="glorot", rng=rng, dtype=dtype),
    ])


def layer_table(model, input_shape=MNIST_SHAPE):
    """[(layer name, per-example output shape, parameters)] for each layer of a Sequential:
    the numbers of model.summary(), as data."""
    shape = checks.sizes("layer_table", "input_shape", input_shape)
    rows = []
    for layer in model.layers:
        shape = layer.output_shape(shape)
        rows.append((layer.name, shape, layer.n_params))
    return rows


def standardize(images, mean, std, *, dtype=np.float32):
    """images[n, 28, 28] (uint8 pixels) -> X[n, 1, 28, 28] = (images - mean) / std.

    Use the *training* set's mean and std for every set (Chapter 04: no leak from the test
    set). The channel axis is what Conv2D expects (NCHW).
    """
    f = "standardize"
    images = checks.array(f, "images", images, ndim=3, shape="[n, height, width]",
                            dtype=np.float64)
    std = checks.number(f, "std", std, low=0.0, low_open=True)
    mean = checks.number(f, "mean", mean)
    return ((images - mean) / std).astype(dtype)[:, None]


def conv_params(c_in, c_out, k):
    """Parameters of a conv layer with c_out k x k kernels over c_in channels:
    c_out (c_in k^2 + 1), whatever the image size (Ekman, Table 7-1)."""
    c_in, c_out, k = _counts("conv_params", c_in=c_in, c_out=c_out, k=k)
    return c_out * (c_in * k * k + 1)


def dense_params(n_in, n_out):
    """Parameters of a fully connected layer: n_out (n_in + 1) (Ekman, Table 7-1)."""
    n_in, n_out = _counts("dense_params", n_in=n_in, n_out=n_out)
    return n_out * (n_in + 1)


def receptive_field(n_layers, k=3):
    """Side of the input window one neuron sees after n_layers stacked stride-1 k x k convs:
    1 + n_layers (k - 1). Two 3 x 3 layers see 5 x 5, three see 7 x 7 (Ekman, Chapter 8)."""
    n_layers, k = _counts("receptive_field", n_layers=n_layers, k=k)
    return 1 + n_layers * (k - 1)


def _counts(func, **values):
    """The whole numbers >= 1 a counting rule takes."""
    return [checks.number(func, name, v, low=1, integer=True) for name, v in values.items()]

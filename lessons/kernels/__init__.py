"""Numba kernels, one idea each, and their checked public entry points.

The kernels' boundary: this package imports numpy, numba, scipy (and threadpoolctl for the BLAS
policy in `threads`) and nothing from the library above it. Its input checks live in `checks`,
its threading policy in `threads`; the unchecked compiled cores the layers, benchmarks and
chapters call are public in `raw`. Nothing outside this package imports a private name from it
(tests/infrastructure/test_layering.py).

Bring your own kernel: `use(conv2d_forward=my_fn)` makes the layers, `fit` and the widgets
run a learner's kernel instead of the course's (`registry` lists which; `use()` restores).

Set NUMBA_DISABLE_JIT=1 before starting Python (or the Jupyter kernel) to run every kernel
as plain Python and step through it in a debugger.

Importing this package keeps the memory kernels free in the process for their next call
(`memory`: on glibc, a page fault per 4 kB of every call's temporaries otherwise).
"""
from lessons.kernels.perceptron import perceptron_epoch, perceptron_predict, perceptron_train
from lessons.kernels.descent import linear_mse_epoch
from lessons.kernels.activations import (
    relu, relu_backward, sigmoid, sigmoid_backward, tanh, tanh_backward,
)
from lessons.kernels.dense import dense_backward, dense_forward, sgd_step
from lessons.kernels.losses import (
    binary_cross_entropy, half_sse, softmax, softmax_cross_entropy,
)
from lessons.kernels.conv import (
    conv1d_backward, conv1d_forward, conv2d_backward, conv2d_forward, conv_output_size,
)
from lessons.kernels.pool import (
    avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward,
)
from lessons.kernels.dropout import inverted_dropout
from lessons.kernels.mlp import mlp_forward, mlp_minibatch_epoch, mlp_predict, mlp_sgd_epoch
# use swaps kernels but is none: it stays out of __all__, the kernels lessons.warmup compiles
from lessons.kernels.registry import use
from lessons.kernels.memory import keep_freed_memory

keep_freed_memory()

__all__ = [
    "perceptron_predict",
    "perceptron_epoch",
    "perceptron_train",
    "linear_mse_epoch",
    "sigmoid",
    "sigmoid_backward",
    "tanh",
    "tanh_backward",
    "relu",
    "relu_backward",
    "dense_forward",
    "dense_backward",
    "sgd_step",
    "half_sse",
    "binary_cross_entropy",
    "softmax",
    "softmax_cross_entropy",
    "mlp_sgd_epoch",
    "mlp_minibatch_epoch",
    "mlp_forward",
    "mlp_predict",
    "conv_output_size",
    "conv1d_forward",
    "conv1d_backward",
    "conv2d_forward",
    "conv2d_backward",
    "maxpool2d_forward",
    "maxpool2d_backward",
    "avgpool2d_forward",
    "avgpool2d_backward",
    "inverted_dropout",
]
from lessons.kernels.regression import (  # noqa: E402  (Chapter 06)
    regression_adam_epoch, regression_loss_grad, regression_predict,
)

__all__ += ["regression_loss_grad", "regression_adam_epoch", "regression_predict"]

from lessons.kernels.recurrent import (  # noqa: E402  Chapters 10 and 11
    gru_backward, gru_forward, lstm_backward, lstm_forward, rnn_backward, rnn_forward,
)
from lessons.kernels.time_dense import time_dense_backward, time_dense_forward  # noqa: E402
from lessons.kernels.sampling import sample_with_temperature  # noqa: E402

__all__ += [
    "rnn_forward",
    "rnn_backward",
    "lstm_forward",
    "lstm_backward",
    "gru_forward",
    "gru_backward",
    "time_dense_forward",
    "time_dense_backward",
    "sample_with_temperature",
]

# Chapter 05, Toward Deep Learning
from lessons.kernels.activations import elu, elu_backward, leaky_relu, leaky_relu_backward
from lessons.kernels.normalization import (
    batchnorm2d_backward, batchnorm2d_forward, batchnorm_backward, batchnorm_forward,
)
from lessons.kernels.optimizers import (
    adagrad_step, adam_step, clip_by_global_norm, global_norm, momentum_step, nesterov_step,
    rmsprop_step,
)
from lessons.kernels.mlp_adam import mlp_adam_epoch, mlp_logits

__all__ += [
    "leaky_relu", "leaky_relu_backward", "elu", "elu_backward",
    "batchnorm_forward", "batchnorm_backward", "batchnorm2d_forward", "batchnorm2d_backward",
    "momentum_step", "rmsprop_step", "adam_step", "nesterov_step", "adagrad_step",
    "global_norm", "clip_by_global_norm", "mlp_adam_epoch", "mlp_logits",
]

# Chapter 09, Deeper CNNs
from lessons.kernels.residual import residual_add_backward, residual_add_forward  # noqa: E402
from lessons.kernels.global_pool import (  # noqa: E402
    global_avgpool2d_backward, global_avgpool2d_forward,
)
from lessons.kernels.depthwise import (  # noqa: E402
    depthwise_conv2d_backward, depthwise_conv2d_forward, pointwise_conv2d_backward,
    pointwise_conv2d_forward,
)
from lessons.kernels.augment import augment_images  # noqa: E402

__all__ += [
    "residual_add_forward",
    "residual_add_backward",
    "global_avgpool2d_forward",
    "global_avgpool2d_backward",
    "depthwise_conv2d_forward",
    "depthwise_conv2d_backward",
    "pointwise_conv2d_forward",
    "pointwise_conv2d_backward",
    "augment_images",
]

# Chapter 11, LSTM, GRU and Text: the embedding layer
from lessons.kernels.embedding import embedding_backward, embedding_forward  # noqa: E402

__all__ += ["embedding_forward", "embedding_backward"]

# Chapter 12, Language Models and Embeddings: skip-gram with negative sampling
from lessons.kernels.sgns import cosine_top_k, sgns_epoch, sgns_loss_grad  # noqa: E402

__all__ += ["sgns_loss_grad", "sgns_epoch", "cosine_top_k"]

# Chapter 14, The Transformer
from lessons.kernels.attention import (  # noqa: E402
    attention_backward, attention_forward, merge_heads, split_heads,
)
from lessons.kernels.layer_norm import layer_norm_backward, layer_norm_forward  # noqa: E402
from lessons.kernels.gelu import gelu, gelu_backward  # noqa: E402
from lessons.kernels.positional import positional_encoding  # noqa: E402

__all__ += [
    "attention_forward", "attention_backward", "split_heads", "merge_heads",
    "layer_norm_forward", "layer_norm_backward", "gelu", "gelu_backward", "positional_encoding",
]

# Chapter 13, Seq2seq and Attention: the decoder's attention over the encoder
from lessons.kernels.seq2seq_attention import (  # noqa: E402
    additive_attention_backward, additive_attention_forward, dot_attention_backward,
    dot_attention_forward,
)

__all__ += ["dot_attention_forward", "dot_attention_backward", "additive_attention_forward",
            "additive_attention_backward"]

# Chapter 06, Regression and Regularization (Chollet 3.4-3.5): the dense layer on multi-hot words
from lessons.kernels.multi_hot import multi_hot_backward, multi_hot_forward  # noqa: E402

__all__ += ["multi_hot_forward", "multi_hot_backward"]

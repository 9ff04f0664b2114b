"""Plain-NumPy twins of every kernel: the readable specification and the tests' oracle.

Each function here computes what the kernel of the same name in `lessons.kernels` computes,
written the way one would write it in NumPy without thinking about speed; one module per
kernel family, named as in lessons/kernels/. Tests compare the two on random input.
No input checks here: the twins are called by tests and benchmarks with valid arrays.
"""
from lessons.reference.perceptron import perceptron_predict, perceptron_epoch, perceptron_train
from lessons.reference.descent import linear_mse_epoch
from lessons.reference.activations import (
    sigmoid, sigmoid_backward, tanh, tanh_backward, relu, relu_backward,
)
from lessons.reference.dense import dense_forward, dense_backward, sgd_step
from lessons.reference.losses import half_sse, binary_cross_entropy, softmax, softmax_cross_entropy
from lessons.reference.mlp import mlp_sgd_epoch, mlp_minibatch_epoch, mlp_forward, mlp_predict
from lessons.reference.conv import conv2d_forward, conv2d_backward, conv1d_forward, conv1d_backward
from lessons.reference.pool import (
    maxpool2d_forward, maxpool2d_backward, avgpool2d_forward, avgpool2d_backward,
)
from lessons.reference.dropout import inverted_dropout

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
    "conv2d_forward",
    "conv2d_backward",
    "conv1d_forward",
    "conv1d_backward",
    "maxpool2d_forward",
    "maxpool2d_backward",
    "avgpool2d_forward",
    "avgpool2d_backward",
    "inverted_dropout",
]
from lessons.reference.regression import (  # noqa: E402  (Chapter 06)
    regression_adam_epoch, regression_loss_grad, regression_predict,
)

__all__ += ["regression_loss_grad", "regression_adam_epoch", "regression_predict"]

from lessons.reference.recurrent import (  # noqa: E402  Chapters 10 and 11
    rnn_forward, rnn_backward, lstm_forward, lstm_backward, gru_forward, gru_backward,
    time_dense_forward, time_dense_backward,
)
from lessons.reference.sampling import sample_with_temperature  # noqa: E402

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
from lessons.reference.activations import elu, elu_backward, leaky_relu, leaky_relu_backward
from lessons.reference.normalization import (
    batchnorm2d_backward, batchnorm2d_forward, batchnorm_backward, batchnorm_forward,
)
from lessons.reference.optimizers import (
    adagrad_step, adam_step, clip_by_global_norm, global_norm, momentum_step, nesterov_step,
    rmsprop_step,
)
from lessons.reference.mlp import mlp_adam_epoch, mlp_logits

__all__ += [
    "leaky_relu", "leaky_relu_backward", "elu", "elu_backward",
    "batchnorm_forward", "batchnorm_backward", "batchnorm2d_forward", "batchnorm2d_backward",
    "momentum_step", "rmsprop_step", "adam_step", "nesterov_step", "adagrad_step",
    "global_norm", "clip_by_global_norm", "mlp_adam_epoch", "mlp_logits",
]

# Chapter 09, Deeper CNNs
from lessons.reference.residual import residual_add_forward, residual_add_backward  # noqa: E402
from lessons.reference.global_pool import (  # noqa: E402
    global_avgpool2d_forward, global_avgpool2d_backward,
)
from lessons.reference.depthwise import (  # noqa: E402
    depthwise_conv2d_forward, depthwise_conv2d_backward, pointwise_conv2d_forward,
    pointwise_conv2d_backward,
)
from lessons.reference.augment import augment_images  # noqa: E402

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
from lessons.reference.embedding import embedding_backward, embedding_forward  # noqa: E402

__all__ += ["embedding_forward", "embedding_backward"]

# Chapter 12, Language Models and Embeddings: skip-gram with negative sampling
from lessons.reference.sgns import cosine_top_k, sgns_epoch, sgns_loss_grad  # noqa: E402

__all__ += ["sgns_loss_grad", "sgns_epoch", "cosine_top_k"]

# Chapter 14, The Transformer
from lessons.reference.attention import (  # noqa: E402
    attention_backward, attention_forward, merge_heads, split_heads,
)
from lessons.reference.layer_norm import layer_norm_backward, layer_norm_forward  # noqa: E402
from lessons.reference.gelu import gelu, gelu_backward  # noqa: E402
from lessons.reference.positional import positional_encoding  # noqa: E402

__all__ += [
    "attention_forward", "attention_backward", "split_heads", "merge_heads",
    "layer_norm_forward", "layer_norm_backward", "gelu", "gelu_backward", "positional_encoding",
]

# Chapter 13, Seq2seq and Attention: the decoder's attention over the encoder
from lessons.reference.seq2seq_attention import (  # noqa: E402
    additive_attention_backward, additive_attention_forward, dot_attention_backward,
    dot_attention_forward,
)

__all__ += ["dot_attention_forward", "dot_attention_backward", "additive_attention_forward",
            "additive_attention_backward"]

# Chapter 06 (Chollet 3.4-3.5): the dense layer on multi-hot words
from lessons.reference.multi_hot import (  # noqa: E402
    multi_hot, multi_hot_backward, multi_hot_forward,
)

__all__ += ["multi_hot", "multi_hot_forward", "multi_hot_backward"]

"""The unchecked compiled cores, under public names.

Every function in `lessons.kernels` checks its arguments and then calls one of these. The layers
check a batch once and then call the cores directly (a check per layer per step would cost more
than a small layer's arithmetic), the benchmarks time them without the checks, and the chapters
list their source (`inspect.getsource(core.py_func)`). Call them only with arrays of the shapes
and dtypes the checked entry point would have produced: they do not look.

This module is the only place outside a kernel's own file that names its private helpers.
"""
from lessons.kernels.activations import _flat as elementwise
from lessons.kernels.activations import _relu_backward_kernel as relu_backward_unchecked
from lessons.kernels.activations import _relu_kernel as relu_unchecked
from lessons.kernels.activations import _sigmoid_backward_kernel as sigmoid_backward_unchecked
from lessons.kernels.activations import _sigmoid_kernel as sigmoid_unchecked
from lessons.kernels.activations import _tanh_backward_kernel as tanh_backward_unchecked
from lessons.kernels.activations import _tanh_kernel as tanh_unchecked
from lessons.kernels.conv import _col2im as col2im
from lessons.kernels.conv import _conv_backward_kernel as conv2d_backward_unchecked
from lessons.kernels.conv import _conv_forward_kernel as conv2d_forward_unchecked
from lessons.kernels.conv import _im2col as im2col
from lessons.kernels.conv import _pad as pad
from lessons.kernels.dense import _dense_backward_kernel as dense_backward_unchecked
from lessons.kernels.dense import _dense_forward_kernel as dense_forward_unchecked
from lessons.kernels.dense import _dense_param_grads_kernel as dense_param_grads_unchecked
from lessons.kernels.dense import _sgd_step_kernel as sgd_step_unchecked
from lessons.kernels.descent import _linear_mse_epoch_kernel as linear_mse_epoch_unchecked
from lessons.kernels.dropout import _apply as inverted_dropout_unchecked
from lessons.kernels.losses import _softmax_cross_entropy_kernel as softmax_cross_entropy_unchecked
from lessons.kernels.mlp import _backward_one as mlp_backward_one
from lessons.kernels.multi_hot import _multi_hot_forward_kernel as multi_hot_forward_unchecked
from lessons.kernels.multi_hot import (
    _multi_hot_param_grads_kernel as multi_hot_param_grads_unchecked,
)
from lessons.kernels.mlp import _mlp_sgd_epoch_kernel as mlp_sgd_epoch_unchecked
from lessons.kernels.perceptron import _perceptron_epoch_kernel as perceptron_epoch_unchecked
from lessons.kernels.perceptron import _perceptron_output as perceptron_output
from lessons.kernels.perceptron import _perceptron_step as perceptron_step
from lessons.kernels.pool import _maxpool_backward_kernel as maxpool2d_backward_unchecked
from lessons.kernels.pool import _maxpool_forward_kernel as maxpool2d_forward_unchecked
from lessons.kernels.regression import _forward_batch as regression_forward_unchecked
from lessons.kernels.regression import _loss_grad as regression_loss_grad_unchecked

from lessons.kernels.recurrent import _gru_backward_kernel as gru_backward_unchecked
from lessons.kernels.recurrent import _gru_forward_kernel as gru_forward_unchecked
from lessons.kernels.recurrent import _lstm_backward_kernel as lstm_backward_unchecked
from lessons.kernels.recurrent import _lstm_forward_kernel as lstm_forward_unchecked
from lessons.kernels.recurrent import _rnn_backward_kernel as rnn_backward_unchecked
from lessons.kernels.recurrent import _rnn_forward_kernel as rnn_forward_unchecked
from lessons.kernels.embedding import _embedding_backward_kernel as embedding_backward_unchecked
from lessons.kernels.embedding import _embedding_forward_kernel as embedding_forward_unchecked

__all__ = [
    # activations: elementwise(kernel, *arrays) runs a 1-D kernel over arrays of any shape
    "elementwise", "sigmoid_unchecked", "sigmoid_backward_unchecked", "tanh_unchecked",
    "tanh_backward_unchecked",
    "relu_unchecked", "relu_backward_unchecked",
    # dense layers and the plain SGD step
    "dense_forward_unchecked", "dense_backward_unchecked", "dense_param_grads_unchecked",
    "sgd_step_unchecked",
    # losses
    "softmax_cross_entropy_unchecked",
    # convolution and its pieces (chapter 07 lists them)
    "pad", "im2col", "col2im", "conv2d_forward_unchecked", "conv2d_backward_unchecked",
    # pooling and dropout
    "maxpool2d_forward_unchecked", "maxpool2d_backward_unchecked", "inverted_dropout_unchecked",
    # the book-exact training loops and their steps (chapters 01, 02 and 04 list them)
    "perceptron_output", "perceptron_step", "perceptron_epoch_unchecked",
    "linear_mse_epoch_unchecked", "mlp_sgd_epoch_unchecked", "mlp_backward_one",
    # chapter 06's regression network (the chapter lists them)
    "regression_forward_unchecked", "regression_loss_grad_unchecked",
    # and its text classifier's multi-hot first layer
    "multi_hot_forward_unchecked", "multi_hot_param_grads_unchecked",

    # the recurrent layers over whole sequences (chapters 10 and 11 list their backward passes)
    "rnn_forward_unchecked", "rnn_backward_unchecked", "lstm_forward_unchecked",
    "lstm_backward_unchecked", "gru_forward_unchecked", "gru_backward_unchecked",
    "embedding_forward_unchecked", "embedding_backward_unchecked",
]

# Chapter 05, Toward Deep Learning: batch norm, the rectifiers, the optimizer steps, fused Adam
from lessons.kernels.normalization import _bn_backward_kernel as batchnorm_backward_unchecked
from lessons.kernels.normalization import _bn_forward_kernel as batchnorm_forward_unchecked
from lessons.kernels.normalization import _as3d as features_3d
from lessons.kernels.activations import _elu_backward_kernel as elu_backward_unchecked
from lessons.kernels.activations import _elu_kernel as elu_unchecked
from lessons.kernels.activations import _leaky_relu_backward_kernel as leaky_relu_backward_unchecked
from lessons.kernels.activations import _leaky_relu_kernel as leaky_relu_unchecked
from lessons.kernels.optimizers import _adagrad_kernel as adagrad_step_unchecked
from lessons.kernels.optimizers import _adam_kernel as adam_step_unchecked
from lessons.kernels.optimizers import _momentum_kernel as momentum_step_unchecked
from lessons.kernels.optimizers import _nesterov_kernel as nesterov_step_unchecked
from lessons.kernels.optimizers import _rmsprop_kernel as rmsprop_step_unchecked
from lessons.kernels.mlp_adam import _adam as adam_sweep

__all__ += [
    "batchnorm_forward_unchecked", "batchnorm_backward_unchecked", "features_3d",
    "leaky_relu_unchecked", "leaky_relu_backward_unchecked", "elu_unchecked",
    "elu_backward_unchecked", "nesterov_step_unchecked", "adagrad_step_unchecked", "adam_sweep",
    "momentum_step_unchecked", "rmsprop_step_unchecked", "adam_step_unchecked",
]

# Chapter 09, Deeper CNNs
from lessons.kernels.depthwise import _depthwise_backward_kernel as depthwise_conv2d_backward_unchecked  # noqa: E402,E501
from lessons.kernels.depthwise import _depthwise_forward_kernel as depthwise_conv2d_forward_unchecked  # noqa: E402,E501
from lessons.kernels.depthwise import _pointwise_backward_kernel as pointwise_conv2d_backward_unchecked  # noqa: E402,E501
from lessons.kernels.depthwise import _pointwise_forward_kernel as pointwise_conv2d_forward_unchecked  # noqa: E402,E501
from lessons.kernels.global_pool import _gap_backward_kernel as global_avgpool2d_backward_unchecked  # noqa: E402,E501
from lessons.kernels.global_pool import _gap_forward_kernel as global_avgpool2d_forward_unchecked  # noqa: E402,E501
from lessons.kernels.residual import _residual_add_backward_kernel as residual_add_backward_unchecked  # noqa: E402,E501
from lessons.kernels.residual import _residual_add_kernel as residual_add_forward_unchecked  # noqa: E402,E501

__all__ += [
    "residual_add_forward_unchecked", "residual_add_backward_unchecked",
    "global_avgpool2d_forward_unchecked", "global_avgpool2d_backward_unchecked",
    "depthwise_conv2d_forward_unchecked", "depthwise_conv2d_backward_unchecked",
    "pointwise_conv2d_forward_unchecked", "pointwise_conv2d_backward_unchecked",
]

# Chapter 12, Language Models and Embeddings: the SGNS epoch (the chapter lists it) and the
# per-pair loss and row gradients sgns_loss_grad scatters back
from lessons.kernels.sgns import _sgns_epoch_kernel as sgns_epoch_unchecked  # noqa: E402
from lessons.kernels.sgns import _sgns_row_grads_kernel as sgns_row_grads_unchecked  # noqa: E402

__all__ += ["sgns_epoch_unchecked", "sgns_row_grads_unchecked"]

# Chapter 14, The Transformer (the chapter lists the attention backward)
from lessons.kernels.attention import _attention_backward_kernel as attention_backward_unchecked  # noqa: E402,E501
from lessons.kernels.attention import _attention_forward_kernel as attention_forward_unchecked  # noqa: E402,E501
from lessons.kernels.attention import _merge_heads_kernel as merge_heads_unchecked  # noqa: E402
from lessons.kernels.attention import _split_heads_kernel as split_heads_unchecked  # noqa: E402
from lessons.kernels.gelu import _gelu_backward_kernel as gelu_backward_unchecked  # noqa: E402
from lessons.kernels.gelu import _gelu_kernel as gelu_unchecked  # noqa: E402
from lessons.kernels.layer_norm import _layer_norm_backward_kernel as layer_norm_backward_unchecked  # noqa: E402,E501
from lessons.kernels.layer_norm import _layer_norm_forward_kernel as layer_norm_forward_unchecked  # noqa: E402,E501

__all__ += [
    "attention_forward_unchecked", "attention_backward_unchecked", "split_heads_unchecked",
    "merge_heads_unchecked", "gelu_unchecked", "gelu_backward_unchecked",
    "layer_norm_forward_unchecked", "layer_norm_backward_unchecked",
]

# Chapter 13, Seq2seq and Attention
from lessons.kernels.seq2seq_attention import _additive_attention_backward_kernel as additive_attention_backward_unchecked  # noqa: E402,E501
from lessons.kernels.seq2seq_attention import _additive_scores as additive_attention_scores  # noqa: E402,E501
from lessons.kernels.seq2seq_attention import _dot_attention_backward_kernel as dot_attention_backward_unchecked  # noqa: E402,E501
from lessons.kernels.seq2seq_attention import _dot_attention_forward_kernel as dot_attention_forward_unchecked  # noqa: E402,E501
from lessons.kernels.seq2seq_attention import _score_gradient as attention_score_gradient  # noqa: E402,E501

__all__ += [
    "dot_attention_forward_unchecked", "dot_attention_backward_unchecked",
    "attention_score_gradient", "additive_attention_scores",
    "additive_attention_backward_unchecked",
]

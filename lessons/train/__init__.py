"""Chapter 04, Multiclass Classification: the training loop.

fit() repeats, for each minibatch of a shuffled epoch:

    out = model.forward(X_batch, training=True)
    loss_value, d_out = loss(out, y_batch)       e.g. softmax_cross_entropy(Z, labels)
    model.backward(d_out)                        every layer's grads now hold dL/dparam
    optimizer.step(model.params(), model.grads())

and records the epoch in a History. Everything else is a callback, a small object told when
training begins, after each batch, after each epoch (it may ask to stop) and when training
ends: the progress bar, EarlyStopping, Snapshots. Write your own by subclassing Callback.

The loss is any function (output, targets) -> (loss, d_output): the Chapter 03 kernels
softmax_cross_entropy (model ends in Dense, targets are integer labels), binary_cross_entropy
(model ends in Sigmoid, targets 0/1 shaped like the output) or half_sse (any output).
The reported loss of an epoch is the average of the minibatch losses weighted by batch size:
for a loss that averages over its batch (softmax and binary cross-entropy) that is the mean
loss per example, whatever the batch size. half_sse *sums* over its batch, so its reported
value grows with the batch size (Ekman trains with batch size 1, where it is per example).

Accuracy is recorded when the targets are classes: integer labels against the argmax of a
several-column output, one-hot rows against the argmax, or 0/1 targets against an output
thresholded at 0.5 (a sigmoid's probability).

A learning rate that is too large is a result, not an error: when the loss, the model's
output, a gradient or a parameter stops being finite, fit stops and sets history.diverged.
fit checks X and y once, at its entry; the model does not scan every batch again.

The package: loop (fit, evaluate, predict), history (History), callbacks (Callback,
EarlyStopping, Snapshots), progress (the progress-bar rule every training loop follows) and
metrics (accuracy, confusion_matrix, class_frequencies, shuffled_label_accuracy).
"""
from lessons.train.callbacks import Callback, EarlyStopping, FitState, Snapshots
from lessons.train.history import LOSS_METRICS, History
from lessons.train.loop import evaluate, fit, predict
from lessons.train.metrics import (
    accuracy, class_frequencies, confusion_matrix, shuffled_label_accuracy,
)
from lessons.train.progress import ProgressBar, progress_bar, tqdm_disabled

__all__ = [
    "LOSS_METRICS", "Callback", "EarlyStopping", "FitState", "History", "ProgressBar",
    "Snapshots", "accuracy", "class_frequencies", "confusion_matrix", "evaluate", "fit",
    "predict", "progress_bar", "shuffled_label_accuracy", "tqdm_disabled",
]

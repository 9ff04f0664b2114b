"""NumPy twins: Chapter 03, Sigmoid Neurons and Backpropagation: dense layer and SGD step."""


def dense_forward(X, W, b):
    """Chapter 03. Z = X W + b for X[B, n_in], W[n_in, n_out], b[n_out]."""
    return X @ W + b


def dense_backward(X, W, dZ):
    """Chapter 03. (dX, dW, db) = (dZ W^T, X^T dZ, column sums of dZ)."""
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


def sgd_step(param, grad, lr):
    """Chapter 03. param -= lr * grad, in place."""
    param -= lr * grad

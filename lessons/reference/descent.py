"""NumPy twins: Chapter 02, Gradient-Based Learning."""


def linear_mse_epoch(w, X, y, order, batch_size, lr):
    """Chapter 02. Minibatch gradient descent on mean squared error; updates w in place."""
    losses = []
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        residual = X[batch] @ w - y[batch]
        losses.append(residual @ residual)
        w -= lr * (2.0 / len(batch)) * (X[batch].T @ residual)
    return sum(losses) / len(order)

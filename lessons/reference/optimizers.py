"""NumPy twins: Chapter 05, Toward Deep Learning: optimizer steps, clipping by global norm."""
import numpy as np


def momentum_step(p, g, v, lr, momentum=0.9):
    """Chapter 05. v <- mu v - lr g; p <- p + v, in place."""
    v *= momentum
    v -= lr * g
    p += v


def rmsprop_step(p, g, s, lr=1e-3, rho=0.9, eps=1e-7):
    """Chapter 05. s <- rho s + (1 - rho) g^2; p <- p - lr g / (sqrt(s) + eps), in place."""
    s *= rho
    s += (1.0 - rho) * g * g
    p -= lr * g / (np.sqrt(s) + eps)


def adam_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    """Chapter 05. Adam's step number t, in place; m and v stay uncorrected."""
    m *= beta1
    m += (1.0 - beta1) * g
    v *= beta2
    v += (1.0 - beta2) * g * g
    m_hat = m / (1.0 - beta1 ** t)
    v_hat = v / (1.0 - beta2 ** t)
    p -= lr * m_hat / (np.sqrt(v_hat) + eps)


def nesterov_step(p, g, v, lr, momentum=0.9):
    """Chapter 05. v <- mu v - lr g; p <- p + mu v - lr g, in place."""
    v *= momentum
    v -= lr * g
    p += momentum * v - lr * g


def adagrad_step(p, g, r, lr=0.01, eps=1e-7):
    """Chapter 05. r <- r + g^2; p <- p - lr g / (sqrt(r) + eps), in place."""
    r += g * g
    p -= lr * g / (np.sqrt(r) + eps)


def global_norm(grads):
    """Chapter 05. The norm of all gradients taken together, as one long vector."""
    return float(np.sqrt(sum(np.sum(np.asarray(g, dtype=np.float64) ** 2) for g in grads)))


def clip_by_global_norm(grads, max_norm):
    """Chapter 05. Scale all grads (in place) so their global norm is at most max_norm."""
    norm = global_norm(grads)
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return norm

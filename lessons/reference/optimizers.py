"""NumPy twin: gradient clipping by the global norm (Ekman, Chapters 5 and 9)."""
import numpy as np


def clip_by_global_norm(grads, max_norm):
    """(clipped, norm): every array times min(1, max_norm / ||all gradients||)."""
    norm = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads)))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return [g * g.dtype.type(scale) for g in grads], norm

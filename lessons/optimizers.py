"""Chapter 05, Toward DL: the optimizer family in one place.

SGD (with classical momentum), RMSprop and Adam come from Chapter 02/04's lessons.optim; this
module adds Nesterov and AdaGrad (their steps are the kernels of lessons.kernels.optimizers),
Clipped, which clips any optimizer's gradients by their global norm before it steps, and
StoredCorrectionAdam, the Adam of Tavenard's notes, kept to show its erratum.
All share lessons.optim.Optimizer's contract: step(params, grads) updates params in place.
"""
import numpy as np

from lessons.kernels import checks
from lessons.kernels.optimizers import _adagrad_kernel, _nesterov_kernel, clip_by_global_norm
from lessons.optim import SGD, Adam, Optimizer, RMSprop, _decay

__all__ = ["SGD", "Nesterov", "AdaGrad", "RMSprop", "Adam", "Clipped", "StoredCorrectionAdam"]


class Nesterov(Optimizer):
    """Nesterov momentum (Keras' SGD(nesterov=True)):  v <- mu v - lr g;  p <- p + mu v - lr g.

    The gradient is taken at the stored point, which is the look-ahead w + mu v of the
    textbook form (see lessons.kernels.optimizers): momentum that "looks before it leaps",
    so it brakes before an uphill stretch instead of after it.
    """

    slots = ("velocity",)
    _names = ("lr", "momentum")

    def __init__(self, lr, momentum=0.9):
        super().__init__()
        self.lr = checks.number("Nesterov", "lr", lr, low=0.0, low_open=True)
        self.momentum = _decay("Nesterov", "momentum", momentum)

    def step(self, params, grads):
        for p, g, st in self._begin(params, grads):
            _nesterov_kernel(p.reshape(-1), g.reshape(-1), st["velocity"].reshape(-1),
                             p.dtype.type(self.lr), p.dtype.type(self.momentum))


class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al. 2011):  r <- r + g^2;  p <- p - lr g / (sqrt(r) + eps).

    r only grows, so every parameter's step shrinks for ever: good for sparse features,
    often too cautious late in deep-network training (RMSprop's decay is the fix).
    """

    slots = ("sum_squares",)
    _names = ("lr", "eps")

    def __init__(self, lr=0.01, eps=1e-7):
        super().__init__()
        self.lr = checks.number("AdaGrad", "lr", lr, low=0.0, low_open=True)
        self.eps = checks.number("AdaGrad", "eps", eps, low=0.0, low_open=True)

    def step(self, params, grads):
        for p, g, st in self._begin(params, grads):
            _adagrad_kernel(p.reshape(-1), g.reshape(-1), st["sum_squares"].reshape(-1),
                            p.dtype.type(self.lr), p.dtype.type(self.eps))


class Clipped:
    """Wraps an optimizer: scales the gradients (in place) so that their global norm is at
    most max_norm, then lets the optimizer step. last_norm: the norm before clipping."""

    def __init__(self, optimizer, max_norm):
        if not hasattr(optimizer, "step"):
            raise TypeError(f"Clipped: optimizer must have a step(params, grads) method, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        self.max_norm = checks.number("Clipped", "max_norm", max_norm, low=0.0, low_open=True)
        self.last_norm = None

    def step(self, params, grads):
        grads = checks.as_list("Clipped.step", "grads", grads, "gradient arrays")
        self.last_norm = clip_by_global_norm(grads, self.max_norm)
        self.optimizer.step(params, grads)

    def __repr__(self):
        return f"Clipped({self.optimizer!r}, max_norm={self.max_norm!r})"


class StoredCorrectionAdam(Adam):
    """ERRATUM, kept to be compared: Adam as Tavenard's notes write it, which stores the
    bias-corrected moments

        m <- [beta1 m + (1 - beta1) g] / (1 - beta1^t)   (and the same for v)

    and feeds them into the next step, where they are corrected again, and again. For a
    constant gradient g = 1 the true Adam's m_hat is exactly 1 at every step; this one's m
    is 5.3 at step 2 and about 1,800 at step 12, and v grows faster still (1 - beta2^t stays
    small for thousands of steps), so the steps shrink towards nothing: after 30 steps at
    lr 0.1 it has moved 0.13 where Adam moved 3.0 (the chapter measures it). Use
    lessons.optim.Adam.
    """

    def step(self, params, grads):
        for p, g, st in self._begin(params, grads):
            m, v = st["m"], st["v"]
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            m /= 1.0 - self.beta1 ** self.t
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            v /= 1.0 - self.beta2 ** self.t
            p -= self.lr * m / (np.sqrt(v) + self.eps)

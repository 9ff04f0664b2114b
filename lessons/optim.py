"""Chapter 05, Toward Deep Learning: Frameworks and Network Tweaks: optimizers.

An optimizer's step(params, grads) updates every array of params in place from the gradient
at the same position of grads (the lists Sequential.params() and .grads() return). Whatever
an optimizer remembers between steps (a velocity, running averages) is kept per parameter,
in a list parallel to params, created at the first step.

- SGD: plain gradient descent, or with classical momentum (Chapter 02's ball rolling downhill).
- RMSprop: divides each step by a running root-mean-square of that parameter's gradients,
  so parameters with large gradients take smaller steps (Chollet's default optimizer).
- Adam: momentum and RMSprop together, with a correction for their zero start.

SGD with momentum, RMSprop and Adam step through fused kernels (lessons.kernels.optimizers:
momentum_step, rmsprop_step, adam_step), one pass over memory with the same operations as
their NumPy twins in lessons.reference, and so the same bits. NumPy's in-place operators make
five to seven passes and temporaries. Measured on a 2-core AVX2 AMD EPYC, one RMSprop step
of a 784 x 512 weight matrix: 0.54 ms against 8.8 ms in float64, 0.18 against 0.78 ms in
float32 (Chapter 04's 784-512-10 network spent a quarter of its training step there). An
earlier fused loop had lost to NumPy in float32: its constants were float64, which sends
every float32 value through float64 and back; these pass constants in p's dtype.
"""
import numpy as np

from lessons.kernels import checks, raw
from lessons.kernels.optimizers import (adam_constants, clip_by_global_norm, decay_factor,
                                        rmsprop_constants)


class Optimizer:
    """The shared bookkeeping: checks the lists and creates the per-parameter state."""

    slots = ()  # names of the per-parameter arrays, e.g. ("velocity",)
    _names = ()  # the settings shown by repr

    def __init__(self):
        self.state = None  # one {slot: array} dict per parameter, made at the first step
        self._params = None  # the arrays stepped last time
        self.t = 0  # number of steps taken

    def _begin(self, params, grads):
        """(param, grad, state) triples, once every gradient has been checked against its
        parameter: a bad gradient in the last pair must not leave the first ones moved."""
        f = f"{type(self).__name__}.step"
        params = checks.as_list(f, "params", params, "weight arrays")
        grads = checks.as_list(f, "grads", grads, "gradient arrays")
        if len(params) != len(grads):
            raise ValueError(f"{f}: got {len(params)} params but {len(grads)} grads "
                             f"(one gradient per parameter array)")
        first = self.state is None
        # The arrays of the last step were checked then and changed only by our updates since
        # (from checked gradients): only new arrays are checked, the NaN scan at the first step.
        if first or len(params) != len(self._params) or \
                any(p is not q for p, q in zip(params, self._params)):
            for i, p in enumerate(params):
                checks.inplace(f, f"params[{i}]", p, ndim=None, shape="(a weight array)",
                                 finite=first)
            shapes, before = [p.shape for p in params], [p.shape for p in self._params or ()]
            if not first and shapes != before:
                raise ValueError(f"{f}: params are not the arrays this optimizer stepped before "
                                 f"(shapes {shapes}, last step {before}); use one optimizer "
                                 f"per model")
        grads = [checks.like(f, f"grads[{i}]", g, p, f"params[{i}]")
                 for i, (p, g) in enumerate(zip(params, grads))]
        if first:
            self.state = [{s: np.zeros_like(p) for s in self.slots} for p in params]
        self._params = params
        self.t += 1
        return zip(params, grads, self.state)

    def __repr__(self):
        settings = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._names)
        return f"{type(self).__name__}({settings})"


class SGD(Optimizer):
    """Gradient descent, optionally with classical momentum:

        v <- momentum v - lr g;   p <- p + v        (momentum = 0: p <- p - lr g)

    The velocity v sums the past steps, decayed by `momentum` each time, so a ball rolling
    down a slope keeps going through a shallow dip (Chapter 02's tilted well). This is the
    corrected form of Chollet's Listing 2.39, whose velocity collects +lr g and pushes uphill.
    """

    _names = ("lr", "momentum")

    def __init__(self, lr, momentum=0.0):
        super().__init__()
        self.lr = checks.number("SGD", "lr", lr, low=0.0, low_open=True)
        self.momentum = decay_factor("SGD", "momentum", momentum)
        self.slots = ("velocity",) if self.momentum else ()

    def step(self, params, grads):
        for p, g, st in self._begin(params, grads):
            if self.momentum:
                dt = p.dtype.type
                raw.momentum_step_unchecked(p.reshape(-1), g.reshape(-1),
                                            st["velocity"].reshape(-1), dt(self.lr),
                                            dt(self.momentum))
            else:
                p -= self.lr * g


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture notes; Keras defaults lr 1e-3, rho 0.9, eps 1e-7):

        s <- rho s + (1 - rho) g^2;   p <- p - lr g / (sqrt(s) + eps)

    s is a running mean of squared gradients, so sqrt(s) is the size of a typical recent
    gradient: a parameter whose gradient is steady moves about lr per step, whatever the
    gradient's scale.
    """

    slots = ("square_avg",)
    _names = ("lr", "rho", "eps")

    def __init__(self, lr=1e-3, rho=0.9, eps=1e-7):
        super().__init__()
        self.lr = checks.number("RMSprop", "lr", lr, low=0.0, low_open=True)
        self.rho = decay_factor("RMSprop", "rho", rho)
        self.eps = checks.number("RMSprop", "eps", eps, low=0.0, low_open=True)

    def step(self, params, grads):
        for p, g, st in self._begin(params, grads):
            raw.rmsprop_step_unchecked(p.reshape(-1), g.reshape(-1), st["square_avg"].reshape(-1),
                                       *rmsprop_constants(p.dtype, self.lr, self.rho, self.eps))


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015, Algorithm 1, with Keras' default settings):

        m <- beta1 m + (1 - beta1) g          running mean of gradients (momentum)
        v <- beta2 v + (1 - beta2) g^2        running mean of squared gradients (RMSprop)
        m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)     t = 1, 2, ... steps
        p <- p - lr m_hat / (sqrt(v_hat) + eps)

    m and v start at 0, so early on they underestimate; dividing by 1 - beta^t undoes that
    exactly for a constant gradient. The stored m and v stay *uncorrected*; only the step
    uses m_hat and v_hat. (Some lecture notes store the corrected values instead, which
    then get corrected again at every later step.) At t = 1, m_hat = g and v_hat = g^2, so
    the first step is lr * g / (|g| + eps): about lr for every parameter.
    (Keras adds eps to sqrt(v) before the correction instead; the two differ only while
    sqrt(v_hat) is close to eps.)
    """

    slots = ("m", "v")
    _names = ("lr", "beta1", "beta2", "eps")

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
        super().__init__()
        self.lr = checks.number("Adam", "lr", lr, low=0.0, low_open=True)
        self.beta1 = decay_factor("Adam", "beta1", beta1)
        self.beta2 = decay_factor("Adam", "beta2", beta2)
        self.eps = checks.number("Adam", "eps", eps, low=0.0, low_open=True)

    def step(self, params, grads):
        for p, g, st in self._begin(params, grads):
            raw.adam_step_unchecked(p.reshape(-1), g.reshape(-1), st["m"].reshape(-1),
                                    st["v"].reshape(-1),
                                    *adam_constants(p.dtype, self.t, self.lr, self.beta1,
                                                    self.beta2, self.eps))


# --- Chapter 05, Toward Deep Learning: Nesterov, AdaGrad, clipping, and Tavenard's erratum ------

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
        self.momentum = decay_factor("Nesterov", "momentum", momentum)

    def step(self, params, grads):
        for p, g, st in self._begin(params, grads):
            raw.nesterov_step_unchecked(p.reshape(-1), g.reshape(-1), st["velocity"].reshape(-1),
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
            raw.adagrad_step_unchecked(p.reshape(-1), g.reshape(-1), st["sum_squares"].reshape(-1),
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

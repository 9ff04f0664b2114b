"""Initial weights: one initialiser driven by fan-in and fan-out, and one check of what it drew.

Not from the books' text (Ekman names the schemes but prints no formulas); these match the
original papers and Keras. A weight sees fan_in inputs and feeds fan_out outputs: for Dense
W[n_in, n_out], fan_in = n_in and fan_out = n_out; for Conv2D K[F, C, kh, kw], fan_in = C kh kw
and fan_out = F kh kw (Keras' convention). Each scheme draws in float64 from the generator.
"""
import numpy as np


def glorot(rng, shape, fan_in, fan_out):
    """Glorot & Bengio (2010), uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)). For tanh,
    sigmoid and output layers; Keras' default."""
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape)


def he(rng, shape, fan_in, fan_out):
    """He et al. (2015), normal: N(0, 2 / fan_in), keeping the variance of ReLU activations
    from shrinking layer by layer. (Keras truncates the normal at 2 sigma; we do not.)"""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


def uniform(rng, shape, fan_in, fan_out):
    """U(-0.1, 0.1) whatever the layer size: Ekman's hand-tuned choice for his MNIST network."""
    return rng.uniform(-0.1, 0.1, size=shape)


INITIALIZERS = {"glorot": glorot, "he": he, "uniform": uniform}


def initial_weights(func, init, rng, shape, fan_in, fan_out, *, custom, signature):
    """Weights of `shape` in float64 from the scheme `init` names, or from `custom()` when init
    is a function (each layer calls its own kind of function: `signature` says which, for the
    error). Returns (weights, how), `how` naming the scheme or the function."""
    if callable(init):
        return np.asarray(custom(), dtype=np.float64), getattr(init, "__name__", "init")
    name = init if isinstance(init, str) else None  # an array == "he" compares elementwise
    if name not in INITIALIZERS:
        raise ValueError(f"{func}: init must be one of {sorted(INITIALIZERS)} or a function "
                         f"{signature}, got {init!r}")
    return INITIALIZERS[name](rng, shape, fan_in, fan_out), name


def check_weights(func, how, W, shape, layout):
    """W as drawn, refused unless it has `shape` (`layout` names its axes, e.g. "W ... [n_in,
    n_out]") and finite values. `how` names the init in the error (None: just "init")."""
    init = "init" if how is None else f"init {how!r}"
    if W.shape != shape:
        raise ValueError(f"{func}: {init} must return {layout[0]} of shape {shape} "
                         f"({layout[1]}), got {W.shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"{func}: {init} returned NaN or inf weights")
    return W

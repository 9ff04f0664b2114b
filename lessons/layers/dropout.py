"""Chapter 08: inverted dropout as a layer."""
from lessons.kernels import checks
from lessons.kernels.dropout import dropout_bits, dropout_threshold, keep_probability
from lessons.kernels.raw import inverted_dropout_unchecked
from lessons.layers.base import Layer, generator


class Dropout(Layer):
    """Inverted dropout (Srivastava et al. 2014), elementwise on any shape; no parameters.

    While training, each value is kept with probability keep_prob and divided by keep_prob,
    or set to 0: Y = X * mask with mask in {0, 1 / keep_prob}. The mean of every unit is
    unchanged, so at inference the layer is the identity and nothing has to be rescaled.
    Give keep_prob (Weidman: keep 0.8) or rate = 1 - keep_prob (Keras, Skansi: Dropout(0.3)),
    as keywords, never both. At every training forward the layer draws `bits`, one uint32
    per unit, from its seeded np.random.Generator (lessons.kernels.dropout), so the same seed
    gives the same masks; backward sends each gradient through the mask of the last forward
    (a dropped unit gets no gradient).
    """

    numba_threads = True

    def __init__(self, *, keep_prob=None, rate=None, seed=None, rng=None, name=None):
        f = "Dropout"
        if (keep_prob is None) == (rate is None):
            raise TypeError(f"{f}: pass keep_prob=<probability of keeping a unit> or "
                            f"rate=<probability of dropping it>, exactly one of them")
        if rate is not None:
            rate = checks.number(f, "rate", rate, low=0.0)
            if rate >= 1.0:
                raise ValueError(f"{f}: rate must be in [0, 1) (rate 1 drops every unit), "
                                 f"got {rate}")
            keep_prob = 1.0 - rate
        else:
            keep_prob = keep_probability(f, keep_prob)
        self.keep_prob = float(keep_prob)
        self.rng = generator(f, seed, rng)
        self.name = name
        self._threshold = dropout_threshold(self.keep_prob)
        self.bits = None  # the last training forward's draws; None after an inference forward
        self._shape = None

    def forward(self, X, training=False):
        X = self._input(X)
        self._shape = X.shape
        if not training or self.keep_prob == 1.0:
            self.bits = None
            return X
        self.bits = dropout_bits(self.rng, X.shape)
        return inverted_dropout_unchecked(X, self.bits, self._threshold, self.keep_prob)

    @property
    def mask(self):
        """The last training forward's multipliers, 0 or 1 / keep_prob (None after inference)."""
        if self.bits is None:
            return None
        return (self.bits < self._threshold) / self.keep_prob

    def backward(self, dY):
        shape = self._stored(self._shape)
        dY = self._input(dY, "dY")
        if dY.shape != shape:
            raise ValueError(f"{self._label()}: backward expects dY {list(shape)} (the shape "
                             f"of the last forward's input), got {dY.shape}")
        if self.bits is None:
            return dY
        return inverted_dropout_unchecked(dY, self.bits, self._threshold, self.keep_prob)

    def __repr__(self):
        return f"Dropout(keep_prob={self.keep_prob:g})"

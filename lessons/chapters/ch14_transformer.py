"""Chapter 14, The Transformer (Ekman, Chapter 15 and Appendix D): a small transformer built
from the chapter's kernels, forward and backward by hand.

    ids[B, T] -> Embedding(D) + positional encoding
              -> L blocks:  x = x + MultiHeadAttention(LN(x));  x = x + FFN(LN(x))
              -> LN -> Dense(V) -> logits[B, T, V]

Pre-LN blocks (GPT-2's arrangement): the layer norm sits inside each residual branch, so the
residual path from the output back to the embedding is a chain of additions and the gradient
reaches the bottom unscaled. Ekman's Fig. 15-10 shows the original post-LN, y = LN(x + f(x)),
which trains less easily without a learning-rate warm-up. MultiHeadAttention: one dense layer
makes Q, K and V side by side (Wqkv[D, 3D]), split into H heads of D / H, scaled dot-product
attention per head, heads merged and mixed by Wo[D, D]. FFN: Dense(F) -> GELU -> Dense(D).

Three switches show what each piece is for: `causal` (a decoder, GPT: position t sees 0..t;
off for an encoder, BERT), `positional` (off: the model cannot tell order) and `scaled`
(off: scores not divided by sqrt(d_k)). Every product is a fixed-order kernel, float64: the
numbers print the same on every CPU.
"""
import numpy as np

from lessons.kernels import (
    attention_backward, attention_forward, embedding_backward, embedding_forward, gelu,
    gelu_backward, layer_norm_backward, layer_norm_forward, merge_heads, positional_encoding,
    softmax_cross_entropy, split_heads, time_dense_backward, time_dense_forward,
)
from lessons.kernels import checks

BLOCK_PARAMS = ("ln1_g", "ln1_b", "Wqkv", "bqkv", "Wo", "bo", "ln2_g", "ln2_b",
                "W1", "b1", "W2", "b2")


def block_parameters(D, F):
    """Parameters of one block: attention 4(D^2 + D) (Q, K, V and the output mixing, each a
    D x D matrix and a bias), two layer norms 2 * 2D (gamma and beta), FFN 2DF + F + D."""
    D, F = (checks.number("block_parameters", n, v, low=1, integer=True)
            for n, v in (("D", D), ("F", F)))
    return 4 * (D * D + D) + 2 * 2 * D + 2 * D * F + F + D


def transformer_parameters(V, D, F, L):
    """The whole model: embedding V D, L blocks, the final layer norm 2D, read-out D V + V
    (the sinusoidal encoding has no parameters)."""
    V, L = (checks.number("transformer_parameters", n, v, low=1, integer=True)
            for n, v in (("V", V), ("L", L)))
    return V * D + L * block_parameters(D, F) + 2 * D + D * V + V


class Transformer:
    """A stack of L pre-LN transformer blocks on V symbols, float64, seeded.

    Weights: Glorot-uniform; embedding uniform in [-0.05, 0.05] scaled by sqrt(D) on the way in
    (so that it is not drowned by the positional code, whose entries are of size 1); layer
    norms start as gamma = 1, beta = 0.
    """

    def __init__(self, V, D=32, H=4, L=2, F=128, *, causal=True, positional=True, scaled=True,
                 seed):
        f = "Transformer"
        self.V, self.D, self.F, self.L = (checks.number(f, n, v, low=1, integer=True)
                                          for n, v in (("V", V), ("D", D), ("F", F), ("L", L)))
        self.H = checks.number(f, "H", H, low=1, integer=True)
        if D % H:
            raise ValueError(f"{f}: D = {D} is not a multiple of H = {H} (each head takes D / H)")
        self.causal, self.positional, self.scaled = (
            checks.flag(f, n, v) for n, v in (("causal", causal), ("positional", positional),
                                              ("scaled", scaled)))
        rng = np.random.default_rng(checks.number(f, "seed", seed, low=0, integer=True))

        def glorot(a, b):
            return rng.uniform(-1, 1, size=(a, b)) * np.sqrt(6.0 / (a + b))

        self.E = rng.uniform(-0.05, 0.05, size=(V, D))
        self.blocks = []
        for _ in range(L):
            self.blocks.append(dict(
                ln1_g=np.ones(D), ln1_b=np.zeros(D), Wqkv=glorot(D, 3 * D), bqkv=np.zeros(3 * D),
                Wo=glorot(D, D), bo=np.zeros(D), ln2_g=np.ones(D), ln2_b=np.zeros(D),
                W1=glorot(D, F), b1=np.zeros(F), W2=glorot(F, D), b2=np.zeros(D)))
        self.lnf_g, self.lnf_b = np.ones(D), np.zeros(D)
        self.Wy, self.by = glorot(D, V), np.zeros(V)

    def params(self):
        """Every array, in a fixed order (the optimizer's and the gradients' order)."""
        return [self.E, *(blk[k] for blk in self.blocks for k in BLOCK_PARAMS),
                self.lnf_g, self.lnf_b, self.Wy, self.by]

    @property
    def n_params(self):
        return sum(p.size for p in self.params())

    @property
    def scale(self):
        return None if self.scaled else 1.0  # None: the kernel's 1 / sqrt(d_k)

    # --- forward ----------------------------------------------------------------------------

    def embed(self, ids):
        X = embedding_forward(ids, self.E) * np.sqrt(self.D)
        if self.positional:
            X = X + positional_encoding(ids.shape[1], self.D)
        return X

    def attention(self, blk, a, key_mask=None):
        """Multi-head self-attention of a[B, T, D]: (output, cache)."""
        D = self.D
        qkv = time_dense_forward(a, blk["Wqkv"], blk["bqkv"])
        Q, K, V = (split_heads(np.ascontiguousarray(qkv[..., i * D:(i + 1) * D]), self.H)
                   for i in range(3))
        O, A = attention_forward(Q, K, V, causal=self.causal, key_mask=key_mask,
                                 scale=self.scale)
        M = merge_heads(O)
        return time_dense_forward(M, blk["Wo"], blk["bo"]), (a, Q, K, V, A, M)

    def block_forward(self, blk, X, key_mask=None):
        a = layer_norm_forward(X, blk["ln1_g"], blk["ln1_b"])
        y, att = self.attention(blk, a, key_mask)
        X1 = X + y
        c = layer_norm_forward(X1, blk["ln2_g"], blk["ln2_b"])
        Z = time_dense_forward(c, blk["W1"], blk["b1"])
        G = gelu(Z)
        return X1 + time_dense_forward(G, blk["W2"], blk["b2"]), (X, att, X1, c, Z, G)

    def forward(self, ids, key_mask=None):
        """(logits[B, T, V], cache) for integer ids[B, T]."""
        ids = checks.indices("Transformer.forward", "ids", ids, upper=self.V, ndim=2,
                             shape="[B, T] of symbols")
        X = self.embed(ids)
        caches = []
        for blk in self.blocks:
            X, cache = self.block_forward(blk, X, key_mask)
            caches.append(cache)
        Xf = layer_norm_forward(X, self.lnf_g, self.lnf_b)
        return time_dense_forward(Xf, self.Wy, self.by), (ids, caches, X, Xf)

    def attention_maps(self, ids):
        """A[L, H, T, T]: every layer's and head's attention weights for one sequence ids[T]."""
        _, (_, caches, _, _) = self.forward(np.asarray(ids)[None])
        return np.stack([cache[1][4][0] for cache in caches])

    # --- backward ---------------------------------------------------------------------------

    def attention_backward(self, blk, dy, cache):
        a, Q, K, V, A, M = cache
        dM, dWo, dbo = time_dense_backward(M, blk["Wo"], dy)
        dQ, dK, dV = attention_backward(Q, K, V, A, split_heads(dM, self.H), scale=self.scale)
        dqkv = np.concatenate([merge_heads(g) for g in (dQ, dK, dV)], axis=-1)
        da, dWqkv, dbqkv = time_dense_backward(a, blk["Wqkv"], dqkv)
        return da, dict(Wqkv=dWqkv, bqkv=dbqkv, Wo=dWo, bo=dbo)

    def block_backward(self, blk, dX2, cache):
        X, att, X1, c, Z, G = cache
        dG, dW2, db2 = time_dense_backward(G, blk["W2"], dX2)
        dc, dW1, db1 = time_dense_backward(c, blk["W1"], gelu_backward(Z, dG))
        dX1c, dg2, dbe2 = layer_norm_backward(X1, blk["ln2_g"], dc)
        dX1 = dX2 + dX1c
        da, g = self.attention_backward(blk, dX1, att)
        dXa, dg1, dbe1 = layer_norm_backward(X, blk["ln1_g"], da)
        g.update(ln1_g=dg1, ln1_b=dbe1, ln2_g=dg2, ln2_b=dbe2, W1=dW1, b1=db1, W2=dW2, b2=db2)
        return dX1 + dXa, [g[k] for k in BLOCK_PARAMS]

    def backward(self, cache, dlogits):
        """Gradients of every parameter (the order of params()) from dL/dlogits[B, T, V]."""
        ids, caches, X, Xf = cache
        dXf, dWy, dby = time_dense_backward(Xf, self.Wy, dlogits)
        dX, dgf, dbf = layer_norm_backward(X, self.lnf_g, dXf)
        block_grads = []
        for blk, c in zip(reversed(self.blocks), reversed(caches)):
            dX, g = self.block_backward(blk, dX, c)
            block_grads = g + block_grads
        dE = embedding_backward(ids, dX * np.sqrt(self.D), self.V)
        return [dE, *block_grads, dgf, dbf, dWy, dby]

    def loss_and_grads(self, ids, targets, weights=None, key_mask=None):
        """(mean cross-entropy over the positions scored, gradients). weights[B, T] (0 or 1)
        picks the positions the loss counts (BERT's masked 15 %); None counts them all."""
        f = "Transformer.loss_and_grads"
        targets = checks.indices(f, "targets", targets, upper=self.V, ndim=2,
                                 shape="[B, T], one symbol per position of ids")
        if targets.shape != np.shape(ids):
            raise ValueError(f"{f}: targets has shape {targets.shape} but ids has shape "
                             f"{np.shape(ids)} (one target per position)")
        if weights is not None:
            weights = checks.array(f, "weights", weights, ndim=2, shape="[B, T] of 0 and 1")
            if weights.shape != targets.shape:
                raise ValueError(f"{f}: weights has shape {weights.shape} but ids has shape "
                                 f"{targets.shape} (one weight per position)")
            if not np.all((weights == 0) | (weights == 1)) or not weights.any():
                raise ValueError(f"{f}: weights must hold only 0 and 1, at least one 1 (the "
                                 f"positions the loss counts)")
        logits, cache = self.forward(ids, key_mask)
        B, T, V = logits.shape
        rows = np.arange(B * T) if weights is None else np.flatnonzero(weights.reshape(-1))
        loss, dZ = softmax_cross_entropy(logits.reshape(B * T, V)[rows],
                                         targets.reshape(-1)[rows])
        dlogits = np.zeros((B * T, V))
        dlogits[rows] = dZ
        return loss, self.backward(cache, dlogits.reshape(B, T, V))

    def next_logp(self, ids):
        """log-probabilities of the symbol after ids[T] (one sequence)."""
        logits, _ = self.forward(np.asarray(ids)[None])
        z = logits[0, -1] - logits[0, -1].max()
        return z - np.log(np.exp(z).sum())

"""Chapter 07, Convolution: convolution forward and backward, 1D and 2D.

Like every deep-learning library, "convolution" here is cross-correlation: the kernel slides
over the input unflipped (a true convolution flips it by 180 degrees, Ekman's Appendix G).

    Y[n, f, i, j] = b[f] + sum over c, u, v of  K[f, c, u, v] * Xp[n, c, i*s + u, j*s + v]

with X[N, C, H, W] (NCHW), K[F, C, kh, kw], b[F], stride s >= 1 and Xp the input with `pad`
zeros on every side. Each output side has conv_output_size(n, k, s, pad) =
floor((n + 2 pad - k) / s) + 1 positions ("valid" when pad = 0).

Backward, for the upstream gradient dY[N, F, OH, OW] (Weidman's chapter 5 formulas, in 2D):
    db[f]          = sum of dY[:, f]                         (the bias input is 1)
    dK[f, c, u, v] = sum over n, i, j of dY[n, f, i, j] * Xp[n, c, i*s + u, j*s + v]
                     (shared weights: one kernel, so its gradient adds up every image and
                     every output position it touched)
    dXp[n, c, i*s + u, j*s + v] += K[f, c, u, v] * dY[n, f, i, j]
                     (each input cell collects the errors of every output it fed; the padding
                     border's share is dropped, since the zeros are not inputs)

How it is computed: im2col ("image to columns"), image by image. Every receptive field of one
image is copied into one column of a matrix `cols[C*kh*kw, OH*OW]`, so the layer becomes one
matrix product per image, K[F, C*kh*kw] @ cols. The backward copies each image's columns
again (the forward returns only Y): dK is the sum over the images of dY[n] cols[n]^T, and
dX[n] is col2im of K^T dY[n], where col2im adds each column back onto the input cells it came
from. At stride 1 each copy is a run of adjacent input cells, which the compiler turns into
vector loads. The products call BLAS (np.dot inside @njit needs SciPy).

The images are shared among Numba's threads (`prange`), each thread running its own small
products, so BLAS must stay on one thread meanwhile: two thread pools spinning on the same 2
cores were 5-10x slower. conv2d_forward/conv2d_backward (and the Conv2D layer) hold BLAS to
one thread for the call, `one_blas_thread()`. Each image is computed alone, so the results do
not depend on the number of threads. Measured against the alternatives (benchmarks/README.md):
one product over the whole batch (a column matrix of several MB, out of the caches) made the
forward 2-7x slower, and direct loops without im2col were 2-6x slower at LeNet sizes.
lessons/reference/conv.py holds the readable version: one output position at a time.

A 1D convolution is the 2D one over images of height 1 with no padding along the height:
conv1d_forward reshapes and calls the same kernels.
"""
import numpy as np
from numba import njit, prange

from lessons.kernels import checks, registry
from lessons.kernels.prefetch import prefetch_images
from lessons.kernels.threads import blas_runs_avx512, one_blas_thread

_LAYOUT2 = "(X is [N, C, H, W], K is [F, C, kh, kw])"
_LAYOUT1 = "(X is [N, C, L], K is [F, C, k])"


@njit(cache=True)
def _pad(X, ph, pw):
    """X[N, C, H, W] with ph zero rows above and below and pw zero columns left and right."""
    N, C, H, W = X.shape
    if ph == 0 and pw == 0:
        return X
    Xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=X.dtype)
    Xp[:, :, ph:ph + H, pw:pw + W] = X
    return Xp


@njit(cache=True)
def _im2col(Xn, kh, kw, sh, sw, OH, OW, cols, start):
    """Copy one padded image Xn[C, Hp, Wp] into cols[C*kh*kw, :] from column `start` on:
    column start + i*OW + j holds the receptive field of output (i, j)."""
    C = Xn.shape[0]
    for c in range(C):
        for u in range(kh):
            for v in range(kw):
                row = (c * kh + u) * kw + v
                for i in range(OH):
                    first = start + i * OW
                    if sw == 1:  # a contiguous run of the input row: the compiler vectorizes it
                        for j in range(OW):
                            cols[row, first + j] = Xn[c, i * sh + u, j + v]
                    else:
                        for j in range(OW):
                            cols[row, first + j] = Xn[c, i * sh + u, j * sw + v]
    return cols


@njit(cache=True)
def _image_cols(Xn, kh, kw, sh, sw, OH, OW):
    """cols[C*kh*kw, OH*OW] of one padded image."""
    cols = np.empty((Xn.shape[0] * kh * kw, OH * OW), dtype=Xn.dtype)
    return _im2col(Xn, kh, kw, sh, sw, OH, OW, cols, 0)


@njit(cache=True)
def _col2im(dcols, Hp, Wp, kh, kw, sh, sw, OH, OW):
    """The adjoint of _im2col: dXp[C, Hp, Wp] collects each column back onto the cells it
    was copied from."""
    C = dcols.shape[0] // (kh * kw)
    dXp = np.zeros((C, Hp, Wp), dtype=dcols.dtype)
    for c in range(C):
        for u in range(kh):
            for v in range(kw):
                row = (c * kh + u) * kw + v
                for i in range(OH):
                    if sw == 1:
                        for j in range(OW):
                            dXp[c, i * sh + u, j + v] += dcols[row, i * OW + j]
                    else:
                        for j in range(OW):
                            dXp[c, i * sh + u, j * sw + v] += dcols[row, i * OW + j]
    return dXp


@njit(cache=True)
def _kernel_gradient_image(Xn, dYn, kh, kw, sh, sw, dKTn):
    """dKTn[C*kh*kw, F] = cols dY^T: one padded image's share of the (shared) kernel's
    gradient, transposed. (Both factors row-major made this product 2x faster in OpenBLAS
    than dY cols^T with the column matrix transposed.)"""
    F, OH, OW = dYn.shape
    dYT = np.ascontiguousarray(dYn.reshape(F, OH * OW).T)
    dKTn[:] = np.dot(_image_cols(Xn, kh, kw, sh, sw, OH, OW), dYT)


@njit(cache=True)
def _input_gradient_image(Kf, dYn, kh, kw, sh, sw, ph, pw, dXn):
    """dXn[C, H, W] = col2im(Kf^T dY) without the padding border (its zeros are not inputs)."""
    F, OH, OW = dYn.shape
    C, H, W = dXn.shape
    dcols = np.dot(Kf.T, dYn.reshape(F, OH * OW))
    dXn[:] = _col2im(dcols, H + 2 * ph, W + 2 * pw, kh, kw, sh, sw, OH, OW)[:, ph:ph + H, pw:pw + W]


@njit(cache=True, parallel=True)
def _conv_forward_kernel(X, K, b, sh, sw, ph, pw):
    """Y[N, F, OH, OW], image by image: Y[n] = K[F, C*kh*kw] @ cols(Xp[n]) + b (3x3
    kernels at stride 1 by Winograd, Chapter 09)."""
    N, C, H, W = X.shape
    F, _, kh, kw = K.shape
    if kh == 3 and kw == 3 and sh == 1 and sw == 1:
        return _winograd_forward_kernel(X, K, b, ph, pw)
    OH, OW = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    Xp, Kf = _pad(X, ph, pw), np.ascontiguousarray(K).reshape(F, C * kh * kw)
    Y = np.empty((N, F, OH, OW), dtype=X.dtype)
    for n in prange(N):
        Yn = np.dot(Kf, _image_cols(Xp[n], kh, kw, sh, sw, OH, OW))
        for f in range(F):
            Yn[f] += b[f]
        Y[n] = Yn.reshape(F, OH, OW)
    return Y


@njit(cache=True, parallel=True)
def _conv_backward_kernel(X, K, dY, sh, sw, ph, pw, input_grad, blas_kernel_grad):
    """(dX, dK, db), image by image; with input_grad False, dX is an empty array (a first
    layer's step). 3x3 kernels at stride 1 by Winograd (Chapter 09), whose kernels' gradient
    product runs in BLAS if blas_kernel_grad (pass blas_runs_avx512()), else in a loop of our
    own."""
    N, C, H, W = X.shape
    F, _, kh, kw = K.shape
    if kh == 3 and kw == 3 and sh == 1 and sw == 1:
        return _winograd_backward_kernel(X, K, dY, ph, pw, input_grad, blas_kernel_grad)
    Xp, Kf = _pad(X, ph, pw), np.ascontiguousarray(K).reshape(F, C * kh * kw)
    dX = np.empty((N if input_grad else 0, C, H, W), dtype=X.dtype)
    dKTs = np.empty((N, C * kh * kw, F), dtype=X.dtype)  # per image: the weights are shared
    for n in prange(N):
        _kernel_gradient_image(Xp[n], dY[n], kh, kw, sh, sw, dKTs[n])
        if input_grad:
            _input_gradient_image(Kf, dY[n], kh, kw, sh, sw, ph, pw, dX[n])
    dK = np.ascontiguousarray(dKTs.sum(axis=0).T).reshape(F, C, kh, kw)
    return dX, dK, _bias_gradient(dY, np.empty(F, dtype=dY.dtype))


# --- Winograd F(2x2, 3x3): 3x3 kernels at stride 1 (Chapter 09) -----------------------------
#
# Each 2x2 block of outputs of one (image, filter) needs a 4x4 tile d of the padded input
# (tiles every 2 pixels, overlapping by 2). Winograd's minimal filtering computes it as
#     y = A^T [ sum over c of (G g_c G^T) * (B^T d_c B) ] A       (* elementwise, 4x4)
# with 16 multiplications per channel where the direct sum takes 36: the transforms A, B, G
# only add, subtract and halve. Gathered over the channels, the 16 elementwise products become
# 16 independent matrix products M[e] = V[e][tiles, C] @ U[e][C, F], e = 4 a + b the entry of
# the 4x4 tile, each run by BLAS (the kernels' gradient by a loop of our own, but where
# OpenBLAS runs its AVX-512 kernels: blas_runs_avx512, passed in). The channels are
# innermost in V and M, so that the transforms run along whole runs of values in vector
# instructions (a tile at a time, they were bound by their 16 scalar stores or loads per tile
# and channel). Every step is linear, so the backward is its adjoint, computed with the same
# 16 products transposed.
# lessons/reference/conv.py holds the readable version (winograd_conv2d_forward/backward),
# with the matrices written out.
# The images go in blocks (_block_images), the blocks shared among Numba's threads: a
# block is computed alone and dK's and db's shares are added in block order, so the results do
# not depend on the thread count. A block pads its own images and writes its own outputs (or
# input gradients), so that little but those sums runs on one thread: the whole batch padded,
# cropped and its bias gradient summed before and after the blocks held two threads to 1.35x
# one thread's speed (1.9x now; 32->64 on 7x7, batch 128). Between its products, a block
# hints the caches to fetch the next block's images (lessons/kernels/prefetch.py), which its
# copies would otherwise wait for: 1.19x as fast at 16->32 on 14x14, batch 128, one thread.

# A block holds 4 images, or more where the images are small: the 16 products of a block have
# a row per tile, and OpenBLAS ran products of 64 rows (4 images of 7x7, 16 tiles each) well
# below its speed at 196 (4 of 14x14). Doubled while the block has at most 256 tiles, up to 16
# images, and while the batch fills at least 4 blocks, so that the blocks still go round two
# threads (or more): one block of 16 at batch 16 ran 0.83-0.87x as fast on two threads as 4
# blocks of 4. Forward + backward at 7x7 (32->64 and 64->64, Zen 3), against blocks of 4: at
# batch 128 (blocks of 16) 1.14-1.17x as fast on one thread, 1.12-1.16x on two; at batch 32
# (blocks of 8) 1.06-1.10x and 1.07-1.09x; at batch 8 and 16 (blocks of 4) 0.99-1.02x. 14x14
# and larger keep 4: 8 images there were level on the Zen 3 and 0.97x on a Zen 5.
_WINOGRAD_IMAGES, _WINOGRAD_MOST_IMAGES, _WINOGRAD_TILES, _WINOGRAD_BLOCKS = 4, 16, 256, 4


@njit(cache=True)
def _block_images(N, th, tw):
    """Images in a block, for N images of th x tw tiles each: 4, doubled while the doubled
    block holds at most _WINOGRAD_TILES tiles and at most _WINOGRAD_MOST_IMAGES images, and N
    fills _WINOGRAD_BLOCKS of them. A function of the batch's shape alone, so the blocks, and
    the order of dK's sums, do not depend on the thread count."""
    images = _WINOGRAD_IMAGES
    while (2 * images * th * tw <= _WINOGRAD_TILES and 2 * images <= _WINOGRAD_MOST_IMAGES
           and _WINOGRAD_BLOCKS * 2 * images <= N):
        images *= 2
    return images


@njit(cache=True)
def _winograd_kernels(K, by_channel):
    """U[e] = (G g G^T)[e] of every 3x3 kernel g = K[f, c] (4x4, flattened), each entry e a
    matrix in a row of _stack: [C, F] (U[e, c*F + f]) if by_channel, for the forward's
    V[e] @ U[e], else [F, C] (U[e, f*C + c]), for the backward's dM[e] @ U[e]. Rows a power of
    two bytes apart made the 16 stores of each kernel fall on the same cache sets (3x slower at
    64->64)."""
    F, C = K.shape[0], K.shape[1]
    U = _stack(C, F, K.dtype)
    t = np.empty((4, 3))
    for f in range(F):
        for c in range(C):
            g, i = K[f, c], c * F + f if by_channel else f * C + c
            for v in range(3):  # t = G g
                t[0, v] = g[0, v]
                t[1, v] = 0.5 * (g[0, v] + g[1, v] + g[2, v])
                t[2, v] = 0.5 * (g[0, v] - g[1, v] + g[2, v])
                t[3, v] = g[2, v]
            for a in range(4):  # U = t G^T
                U[4 * a, i] = t[a, 0]
                U[4 * a + 1, i] = 0.5 * (t[a, 0] + t[a, 1] + t[a, 2])
                U[4 * a + 2, i] = 0.5 * (t[a, 0] - t[a, 1] + t[a, 2])
                U[4 * a + 3, i] = t[a, 2]
    return U


@njit(cache=True)
def _bt(d0, d1, d2, d3):
    """B^T d for four values d along a column or a row of a tile."""
    return d0 - d2, d1 + d2, d2 - d1, d1 - d3


@njit(cache=True)
def _b(v0, v1, v2, v3):
    """B v: the adjoint of _bt."""
    return v0, v1 - v2 + v3, v1 + v2 - v0, -v3


@njit(cache=True)
def _at(m0, m1, m2, m3):
    """A^T m: four values of a Winograd tile to two outputs."""
    return m0 + m1 + m2, m1 - m2 - m3


@njit(cache=True)
def _a(y0, y1):
    """A y: the adjoint of _at."""
    return y0, y0 + y1, y0 - y1, -y1


# The copies between NCHW and channels last go _GROUP channels at a time, in a loop of that
# constant length, which the compiler unrolls. A loop over all C channels of a pixel (compiled
# as a vector loop, with its overlap checks and remainder, for 8 to 64 values) made _split_pad
# 1.8x as slow at 16 channels on 14x14, 3x at 8 and 1.2x at 64 on 7x7 (Zen 5).
_GROUP = 8


@njit(cache=True)
def _split_pad(X, ph, pw, th, tw):
    """Xs[n, r, k, j, c] = Xp[n, c, r, 2j + k]: the images of X (a block) with ph zero rows
    above, pw zero columns left and zeros below and right up to [2*th + 2, 2*tw + 2] (th x tw
    tiles of 4x4 every 2 pixels, all inside), channels last, each row's even columns (k = 0)
    apart from its odd ones (k = 1). Tile j of a row reads columns 2j, 2j + 1, 2j + 2, 2j + 3:
    even j, odd j, even j + 1, odd j + 1, so each of its four columns, over a whole row of
    tiles and every channel, is one run of values."""
    N, C, H, W = X.shape
    Xs = np.zeros((N, 2 * th + 2, 2, tw + 1, C), dtype=X.dtype)
    for n in range(N):
        for i in range(H):
            _copy_row(X[n, :, i], pw, Xs[n, i + ph], True)
    return Xs


@njit(cache=True, inline="always")
def _copy_row(x, pw, xs, to_channels_last):
    """xs[s % 2, s // 2, c] = x[c, j] if to_channels_last, else x[c, j] = xs[s % 2, s // 2, c],
    s = j + pw, for every channel c and column j of x[C, W], a row of an NCHW image, and xs
    the row in _split_pad's layout: _GROUP channels at a time, then the last C % _GROUP.
    Called with to_channels_last a constant, so each call compiles to its own loops."""
    C, W = x.shape
    whole = C - C % _GROUP
    for c0 in range(0, whole, _GROUP):
        for j in range(W):
            s = j + pw
            v = xs[s % 2, s // 2, c0:c0 + _GROUP]
            for c in range(_GROUP):
                if to_channels_last:
                    v[c] = x[c0 + c, j]
                else:
                    x[c0 + c, j] = v[c]
    for j in range(W):
        s = j + pw
        v = xs[s % 2, s // 2]
        for c in range(whole, C):
            if to_channels_last:
                v[c] = x[c, j]
            else:
                x[c, j] = v[c]


# The transforms and their adjoints run along whole runs of values (one entry of many tiles
# and channels), in loops the compiler turns into vector instructions: one tile at a time,
# they were bound by their 16 scalar stores (or loads) per tile and channel. Each loop writes
# at most 4 arrays: a loop writing all 16 entries of a tile is not vectorized (LLVM gives up on
# the overlap checks between so many arrays). The loops are inlined into their callers: as
# calls, each took about 50 ns to take its 8 arrays (reference counts), most of the time at 8
# channels on 7x7. The rows they run along are views taken from one reshape per block: a
# reshape is a call the compiler cannot see through, and one per row (Xs[n, r, 0].reshape(-1))
# made the input transform's row pass 1.7x as slow (0.72 against 0.43 us an image at 16->32 on
# 14x14), and a whole forward and backward 4-8% slower at 14x14 and 28x28.

@njit(cache=True, inline="always")
def _bt_rows(d0, d1, d2, d3, v0, v1, v2, v3):
    """(v0[k], v1[k], v2[k], v3[k]) = B^T (d0[k], d1[k], d2[k], d3[k]) for every k."""
    for k in range(v0.size):
        v0[k], v1[k], v2[k], v3[k] = _bt(d0[k], d1[k], d2[k], d3[k])


@njit(cache=True, inline="always")
def _b_rows(v0, v1, v2, v3, d0, d1, d2, d3):
    """(d0[k], d1[k], d2[k], d3[k]) = B (v0[k], v1[k], v2[k], v3[k]) for every k."""
    for k in range(d0.size):
        d0[k], d1[k], d2[k], d3[k] = _b(v0[k], v1[k], v2[k], v3[k])


@njit(cache=True, inline="always")
def _ata_rows(M, o, bias, y00, y10, y01, y11):
    """[[y00[k], y01[k]], [y10[k], y11[k]]] = A^T m A + bias[k], m = M[:, o + k] as 4x4, for
    every k: each row times A, then A^T down both columns, and the bias, in one pass (no array
    between the steps)."""
    e = o + y00.size
    m0, m1, m2, m3 = M[0, o:e], M[1, o:e], M[2, o:e], M[3, o:e]
    m4, m5, m6, m7 = M[4, o:e], M[5, o:e], M[6, o:e], M[7, o:e]
    m8, m9, m10, m11 = M[8, o:e], M[9, o:e], M[10, o:e], M[11, o:e]
    m12, m13, m14, m15 = M[12, o:e], M[13, o:e], M[14, o:e], M[15, o:e]
    for k in range(y00.size):
        a0, b0 = _at(m0[k], m1[k], m2[k], m3[k])  # row i of m times A: (a_i, b_i)
        a1, b1 = _at(m4[k], m5[k], m6[k], m7[k])
        a2, b2 = _at(m8[k], m9[k], m10[k], m11[k])
        a3, b3 = _at(m12[k], m13[k], m14[k], m15[k])
        z00, z10 = _at(a0, a1, a2, a3)  # A^T down the first column
        z01, z11 = _at(b0, b1, b2, b3)
        c = bias[k]
        y00[k], y10[k], y01[k], y11[k] = z00 + c, z10 + c, z01 + c, z11 + c


@njit(cache=True, inline="always")
def _aa_rows(p, y00, y10, y01, y11, m0, m1, m2, m3):
    """(m0[k], m1[k], m2[k], m3[k]) = row p of A dy A^T, dy = [[y00[k], y01[k]],
    [y10[k], y11[k]]], for every k: the columns times A, then A^T along the row, in one pass.
    Called with p a constant, so each call compiles to a loop of its own."""
    for k in range(m0.size):
        m0[k], m1[k], m2[k], m3[k] = _a(_a(y00[k], y10[k])[p], _a(y01[k], y11[k])[p])


@njit(cache=True, inline="always")
def _overlap_add(a, b, shift, out):
    """out = (a then `shift` zeros) + (`shift` zeros then b), for a and b of one size: the
    adjoint of reading a and b as two windows of out, `shift` values apart."""
    n = a.size
    head, middle, tail = out[:shift], out[shift:n], out[n:]
    later, earlier, last = a[shift:], b[:n - shift], b[n - shift:]
    for k in range(shift):
        head[k] = a[k]
    for k in range(n - shift):
        middle[k] = later[k] + earlier[k]
    for k in range(shift):
        tail[k] = last[k]


@njit(cache=True)
def _winograd_tiles(X, ph, pw, th, tw, V):
    """V[e, t*C + c] = (B^T d B)[e] for the 4x4 tile d of channel c at tile t of the images of
    X (a block), padded, t = (n*th + ti)*tw + tj: each entry a matrix [tiles, C], channels
    innermost. Every step runs along whole runs of tiles and channels (_bt_rows): first each
    row of the padded images times B, every tile of the row at once (_split_pad's layout), then
    B^T down the columns, every tile of an image at once (the rows kept apart by parity, so
    that the rows 2*ti + a of the tiles follow one another). Padding and transform took 1.17 ms
    tile by tile, with 16 scalar stores per tile and channel, and take 0.56 ms so (64->64 on
    7x7, batch 128, one thread; 0.78 -> 0.57 at 16->32 on 14x14)."""
    N, C = X.shape[0], X.shape[1]
    Xs = _split_pad(X, ph, pw, th, tw)
    L, S = tw * C, th * tw * C  # a row of tiles, an image's tiles; channels innermost
    rows = Xs.reshape(N, 2 * th + 2, 2, -1)  # rows[n, r, k]: a padded row's even or odd columns
    w = np.empty((2, 4, (th + 1) * L), dtype=X.dtype)  # row r times B: w[r % 2, :, (r // 2)*L:]
    for n in range(N):
        for r in range(2 * th + 2):
            even, odd = rows[n, r, 0], rows[n, r, 1]
            k, o = r % 2, (r // 2) * L
            _bt_rows(even[:L], odd[:L], even[C:], odd[C:], w[k, 0, o:o + L], w[k, 1, o:o + L],
                     w[k, 2, o:o + L], w[k, 3, o:o + L])
        first = n * S
        for q in range(4):  # the tiles of row ti take the rows 2 ti, 2 ti + 1, 2 ti + 2, 2 ti + 3
            _bt_rows(w[0, q, :S], w[1, q, :S], w[0, q, L:], w[1, q, L:], V[q, first:first + S],
                     V[4 + q, first:first + S], V[8 + q, first:first + S],
                     V[12 + q, first:first + S])
    return V


@njit(cache=True)
def _winograd_outputs(M, b, th, tw, Y):
    """Y[n, f] tile by tile = A^T m A + b[f], m = M[:, t*F + f] as 4x4 (each entry stored
    [tiles, F]), for the images of Y (a block); a tile's outputs past Y's last row or column
    (an odd size) are left out. Image by image, along runs of values: every tile's 2x2 outputs
    at once, with the bias (_ata_rows), then each row of outputs copied into Y (_copy_row).
    0.65 -> 0.37 ms at 16->32 on 14x14 and 0.38 -> 0.20 at 64->64 on 7x7 (batch 128, one
    thread, Zen 5) against a tile at a time; 13 us either way at the depth lab's 8 filters
    (float64, batch 32). The rows times A to an array of their own first, then the columns,
    was 4-25% slower at 32 and 64 filters and 21% slower at 8. The copy _GROUP filters at a
    time, with the bias added before it, took 0.44 -> 0.34 ms at 16->32 (the same at 64->64)
    against a loop over F per pixel adding the bias. One pass for both columns and the bias
    took 20.6 -> 18.1 us for a block of 4 images at 16->32 (Zen 3) against a pass per column
    and one adding the bias; the bias added in the copy instead was slower."""
    N, F, OH, OW = Y.shape
    S = th * tw * F  # an image's tiles, the filters innermost
    y = np.empty((2, 2, th, tw, F), dtype=Y.dtype)  # y[i, j]: output (i, j) of every tile
    yj = y.reshape(2, 2, -1)
    bias = np.empty((th * tw, F), dtype=Y.dtype)  # b[f] at every tile
    bias[:] = b
    bias = bias.reshape(-1)
    for n in range(N):
        _ata_rows(M, n * S, bias, yj[0, 0], yj[1, 0], yj[0, 1], yj[1, 1])
        for r in range(OH):
            _copy_row(Y[n, :, r], 0, y[r % 2, :, r // 2], False)
    return Y


@njit(cache=True)
def _stack(rows, cols, dtype):
    """Room for 16 matrices [rows, cols], one in each row, each row 16 values longer than
    needed: 16 matrices a power of two bytes apart (64->64 on 7x7) would fall on the same
    cache sets."""
    return np.empty((16, rows * cols + 16), dtype=dtype)


@njit(cache=True, parallel=True)
def _winograd_forward_kernel(X, K, b, ph, pw):
    """Y[N, F, OH, OW] of a 3x3 kernel at stride 1, by Winograd F(2x2, 3x3), a block of
    images at a time (_block_images): M[e] = V[e] @ U[e] for the 16 entries e of a tile."""
    N, C, H, W = X.shape
    F = K.shape[0]
    OH, OW = H + 2 * ph - 2, W + 2 * pw - 2
    th, tw = (OH + 1) // 2, (OW + 1) // 2
    U = _winograd_kernels(K, by_channel=True)
    Y = np.empty((N, F, OH, OW), dtype=X.dtype)
    images = _block_images(N, th, tw)
    blocks = (N + images - 1) // images
    for k in prange(blocks):
        first, last = k * images, min(N, k * images + images)
        T = (last - first) * th * tw
        V = _winograd_tiles(X[first:last], ph, pw, th, tw, _stack(T, C, X.dtype))
        M = _stack(T, F, X.dtype)
        following = min(N, last + images)  # the next block's images
        for e in range(16):
            prefetch_images(X, last, following, e, 16, False)
            prefetch_images(Y, last, following, e, 16, True)
            np.dot(V[e, :T * C].reshape(T, C), U[e, :C * F].reshape(C, F),
                   M[e, :T * F].reshape(T, F))
        _winograd_outputs(M, b, th, tw, Y[first:last])
    return Y


@njit(cache=True)
def _winograd_output_grads(dY, th, tw, dM, db):
    """dM[:, t*F + f] = A dy A^T for the 2x2 tile dy of dY[n, f] at tile t (zeros past an odd
    size's last row or column), for the images of dY (a block): the adjoint of
    _winograd_outputs, each entry stored [tiles, F] (row t holds the tile's F filters), the
    layout of M. And db[f] = the sum of dY[:, f] (the bias input is 1), tile by tile in order,
    each tile's four values in a fixed order. dY is copied channels last first (_split_pad; the
    tiles do not overlap), then each row of the transform runs along a whole row of tiles
    (_aa_rows): 0.82 -> 0.42 ms at 16->32 on 14x14, 0.52 -> 0.25 at 64->64 on 7x7 (batch 128,
    one thread, Zen 5) against a tile at a time; 19 -> 21 us at the depth lab's 8 filters
    (float64, batch 32). The columns times A to an array of their own first, then the rows, was
    84% slower than a tile at a time at 8 filters."""
    N, F = dY.shape[0], dY.shape[1]
    ys = _split_pad(dY, 0, 0, th - 1, tw - 1)  # ys[n, r, k, j] = dY[n, :, r, 2j + k]
    rows = ys.reshape(N, 2 * th, 2, -1)  # rows[n, r, k]: row r's even or odd columns
    L = tw * F  # a row of tiles, the filters innermost
    db[:] = 0
    for n in range(N):
        for ti in range(th):
            y00, y01 = rows[n, 2 * ti, 0], rows[n, 2 * ti, 1]
            y10, y11 = rows[n, 2 * ti + 1, 0], rows[n, 2 * ti + 1, 1]
            for tj in range(tw):
                a, b = y00[tj * F:(tj + 1) * F], y01[tj * F:(tj + 1) * F]
                c, d = y10[tj * F:(tj + 1) * F], y11[tj * F:(tj + 1) * F]
                for f in range(F):
                    db[f] += (a[f] + b[f]) + (c[f] + d[f])
            o, e = (n * th + ti) * L, (n * th + ti + 1) * L
            _aa_rows(0, y00, y10, y01, y11, dM[0, o:e], dM[1, o:e], dM[2, o:e], dM[3, o:e])
            _aa_rows(1, y00, y10, y01, y11, dM[4, o:e], dM[5, o:e], dM[6, o:e], dM[7, o:e])
            _aa_rows(2, y00, y10, y01, y11, dM[8, o:e], dM[9, o:e], dM[10, o:e], dM[11, o:e])
            _aa_rows(3, y00, y10, y01, y11, dM[12, o:e], dM[13, o:e], dM[14, o:e],
                     dM[15, o:e])
    return dM


@njit(cache=True)
def _winograd_input_grads(dV, th, tw, ph, pw, dX):
    """dX[n, c] = the sum over tiles of B dv B^T, dv = dV[:, t*C + c] as 4x4 (each entry
    stored [tiles, C]), for the images of dX (a block), whatever it held before, less what
    falls on the padding: the adjoint of _winograd_tiles, step by step in reverse. The tiles
    overlap by 2 pixels, so the shares of two neighbours add up (_overlap_add): B down the
    columns of every tile of an image at once, then B along each row of the padded image,
    whose C values per pixel are then copied into dX (_copy_row; 0.81 -> 0.64 ms at
    16->32 on 14x14, 0.95 -> 0.60 at 64->64 on 7x7, batch 128, against a tile at a time, and
    0.42 -> 0.34 at 16->32 on Zen 5 with the copy _GROUP channels at a time)."""
    N, C, H, W = dX.shape
    L, S = tw * C, th * tw * C  # a row of tiles, an image's tiles; channels innermost
    g = np.empty((4, S), dtype=dX.dtype)  # B down the columns: row a of every tile
    dw = np.empty((2, 4, S + L), dtype=dX.dtype)  # row r's share: dw[r % 2, :, (r // 2)*L:]
    h = np.empty((4, L), dtype=dX.dtype)  # B along a row: column a of every tile of the row
    row = np.empty((2, tw + 1, C), dtype=dX.dtype)  # a padded row, _split_pad's layout
    even, odd = row.reshape(2, -1)
    for n in range(N):
        o = n * S
        for q in range(4):  # row 2i: row 0 of the tiles of row i, row 2 of those of row i - 1
            _b_rows(dV[q, o:o + S], dV[4 + q, o:o + S], dV[8 + q, o:o + S], dV[12 + q, o:o + S],
                    g[0], g[1], g[2], g[3])
            _overlap_add(g[0], g[2], L, dw[0, q])
            _overlap_add(g[1], g[3], L, dw[1, q])
        for r in range(ph, ph + H):  # the padding's rows are left out
            k, a = r % 2, (r // 2) * L
            _b_rows(dw[k, 0, a:a + L], dw[k, 1, a:a + L], dw[k, 2, a:a + L], dw[k, 3, a:a + L],
                    h[0], h[1], h[2], h[3])
            _overlap_add(h[0], h[2], C, even)  # columns 2j and 2j + 2: even j
            _overlap_add(h[1], h[3], C, odd)
            _copy_row(dX[n, :, r - ph], pw, row, False)
    return dX


@njit(cache=True, inline="always")
def _transposed_product(A, B, O):
    """O[i, j] = the sum over k, in order, of A[k, i] B[k, j]: O = A^T B, for the kernels'
    gradient dU[e]^T = V[e]^T @ dM[e] (C x F, summed over a block's tiles). Rows of B go in
    four at a time, each pass adding their four shares to O in order (one load and one store of
    O per four products), and the loop along a row of O runs in vector instructions. For this
    long, thin product (k over hundreds of tiles, i and j over channels and filters) OpenBLAS
    packs both operands for little work: its Haswell kernels ran at 13-15 GMAC/s at 16->32 on
    14x14 on a Zen 3 (AVX2, one thread), this at 20-27; the sums go in a fixed order, the same
    bits on every instruction set. Where OpenBLAS runs its AVX-512 kernels, BLAS is taken
    instead (blas_runs_avx512), by estimate, not measured against this loop: on a Zen 5 it ran
    this product at 88-103 GMAC/s, 3.5-4x this loop's speed on the Zen 3, where twice the
    vector width would give this loop at most 2x; and on Intel's AVX-512 cores a product and
    a sum kept apart (no fused multiply-add, for the bits) take two issue slots of the two
    vector ports where BLAS's fused one takes one."""
    K, I = A.shape
    O[...] = 0
    whole = K - K % 4
    for k in range(0, whole, 4):
        b0, b1, b2, b3 = B[k], B[k + 1], B[k + 2], B[k + 3]
        for i in range(I):
            x0, x1, x2, x3 = A[k, i], A[k + 1, i], A[k + 2, i], A[k + 3, i]
            o = O[i]
            for j in range(o.size):
                o[j] = (((o[j] + x0 * b0[j]) + x1 * b1[j]) + x2 * b2[j]) + x3 * b3[j]
    for k in range(whole, K):
        b0 = B[k]
        for i in range(I):
            x0, o = A[k, i], O[i]
            for j in range(o.size):
                o[j] += x0 * b0[j]


@njit(cache=True)
def _add_in_block_order(parts, total):
    """total = parts[0] + parts[1] + ... in this order, whatever the thread count."""
    total[...] = parts[0]
    for k in range(1, parts.shape[0]):
        total += parts[k]


@njit(cache=True)
def _winograd_kernel_grads(dUT, dK):
    """dK[f, c] = G^T du G, du = dUT[:, c*F + f] as 4x4 (each entry a matrix [C, F] in a row
    of _stack(C, F)): the adjoint of _winograd_kernels."""
    F, C = dK.shape[0], dK.shape[1]
    t = np.empty((3, 4))
    for f in range(F):
        for c in range(C):
            i = c * F + f
            for b in range(4):  # t = G^T du
                t[0, b] = dUT[b, i] + 0.5 * (dUT[4 + b, i] + dUT[8 + b, i])
                t[1, b] = 0.5 * (dUT[4 + b, i] - dUT[8 + b, i])
                t[2, b] = dUT[12 + b, i] + 0.5 * (dUT[4 + b, i] + dUT[8 + b, i])
            for u in range(3):  # dk = t G
                dK[f, c, u, 0] = t[u, 0] + 0.5 * (t[u, 1] + t[u, 2])
                dK[f, c, u, 1] = 0.5 * (t[u, 1] - t[u, 2])
                dK[f, c, u, 2] = t[u, 3] + 0.5 * (t[u, 1] + t[u, 2])
    return dK


@njit(cache=True)
def _bias_gradient(dY, db):
    """db[f] = the sum of dY[:, f] (the bias input is 1): each column's sum down the rows of
    the images in order, then the columns' sums in order. The columns add side by side (vector
    lanes) in an order the code fixes, where one running sum waits on every add."""
    col = np.empty(dY.shape[3], dtype=dY.dtype)
    for f in range(dY.shape[1]):
        col[:] = 0
        for n in range(dY.shape[0]):
            for i in range(dY.shape[2]):
                col += dY[n, f, i]
        db[f] = col[0]
        for j in range(1, col.size):
            db[f] += col[j]
    return db


@njit(cache=True, parallel=True)
def _winograd_backward_kernel(X, K, dY, ph, pw, input_grad, blas_kernel_grad):
    """(dX, dK, db) of a 3x3 kernel at stride 1: the adjoint of every step of the forward,
    dM = A dy A^T per output tile, dU[e]^T = V[e]^T @ dM[e] (each block's share kept apart and
    added in block order), dV[e] = dM[e] @ U[e], dX = B dv B^T tile by tile. V, dM and dV are
    stored [tiles, channels] like the forward's V and M, and dV takes V's place once dU's
    product has read it: a block's matrices are most of the L2 cache at 16->32 on 14x14 (the
    gain was within the noise of the timings). U is stored [F, C] here: as the forward's
    U[C, F], transposed in the product, OpenBLAS ran dM[e] @ U[e] 1.45x slower. dU's product
    is _transposed_product, but for one channel and where blas_kernel_grad (an OpenBLAS with
    AVX-512 kernels)."""
    N, C, H, W = X.shape
    F = K.shape[0]
    OH, OW = dY.shape[2], dY.shape[3]
    th, tw = (OH + 1) // 2, (OW + 1) // 2
    U = _winograd_kernels(K, by_channel=False)
    images = _block_images(N, th, tw)
    blocks = (N + images - 1) // images
    dUTs = np.empty((16, blocks, C * F), dtype=X.dtype)
    dbs = np.empty((blocks, F), dtype=X.dtype)
    dX = np.empty((N if input_grad else 0, C, H, W), dtype=X.dtype)
    for k in prange(blocks):
        first, last = k * images, min(N, k * images + images)
        T = (last - first) * th * tw
        V = _winograd_tiles(X[first:last], ph, pw, th, tw, _stack(T, C, X.dtype))
        dM = _winograd_output_grads(dY[first:last], th, tw, _stack(T, F, X.dtype), dbs[k])
        following = min(N, last + images)  # the next block's images
        dY_parts = 32 if input_grad else 16  # dY's hints spread over the products that run
        for e in range(16):
            prefetch_images(X, last, following, e, 16, False)
            prefetch_images(dY, last, following, e, dY_parts, False)
            if C == 1 or blas_kernel_grad:  # a vector times a matrix (a first layer), or
                # an OpenBLAS with AVX-512 kernels: BLAS's is faster
                np.dot(V[e, :T * C].reshape(T, C).T, dM[e, :T * F].reshape(T, F),
                       dUTs[e, k].reshape(C, F))
            else:
                _transposed_product(V[e, :T * C].reshape(T, C), dM[e, :T * F].reshape(T, F),
                                    dUTs[e, k].reshape(C, F))
        if input_grad:
            dV = V
            for e in range(16):
                prefetch_images(dY, last, following, 16 + e, dY_parts, False)
                prefetch_images(dX, last, following, e, 16, True)
                np.dot(dM[e, :T * F].reshape(T, F), U[e, :F * C].reshape(F, C),
                       dV[e, :T * C].reshape(T, C))
            _winograd_input_grads(dV, th, tw, ph, pw, dX[first:last])
    dUT, db = _stack(C, F, X.dtype), np.empty(F, dtype=X.dtype)
    for e in prange(16):
        _add_in_block_order(dUTs[e], dUT[e, :C * F])
    _add_in_block_order(dbs, db)
    return dX, _winograd_kernel_grads(dUT, np.empty(K.shape, dtype=X.dtype)), db


# --- checked public entry points -------------------------------------------------------------

def conv_output_size(n, k, stride=1, pad=0):
    """Output positions along one side: floor((n + 2 pad - k) / stride) + 1.

    Chapter 07. n: input size, k: kernel size, stride >= 1, pad >= 0 (zeros on each side).
    Skansi's 3x3 "valid" fields: 10 -> 8 -> 6 -> 4. Keras' 'same' (pad = k // 2, odd k) keeps
    n at stride 1.
    """
    f = "conv_output_size"
    n = checks.number(f, "n", n, low=1, integer=True)
    k = checks.number(f, "k", k, low=1, integer=True)
    stride = checks.number(f, "stride", stride, low=1, integer=True)
    pad = checks.number(f, "pad", pad, low=0, integer=True)
    if k > n + 2 * pad:
        raise ValueError(f"{f}: the kernel (k = {k}) is larger than the padded input "
                         f"(n + 2 pad = {n + 2 * pad})")
    return (n + 2 * pad - k) // stride + 1


def _check_conv(func, X, K, stride, pad, ndim):
    """Validated (X, K, stride, pad) for a conv with `ndim` spatial axes (1 or 2)."""
    layout, xs, ks = ((_LAYOUT1, "[N, C, L]", "[F, C, k]") if ndim == 1 else
                      (_LAYOUT2, "[N, C, H, W]", "[F, C, kh, kw]"))
    X = checks.array(func, "X", X, ndim=ndim + 2, shape=xs)
    K = checks.array(func, "K", K, ndim=ndim + 2, shape=ks)
    stride = checks.number(func, "stride", stride, low=1, integer=True)
    pad = checks.number(func, "pad", pad, low=0, integer=True)
    if K.shape[1] != X.shape[1]:
        raise ValueError(f"{func}: K has {K.shape[1]} input channels but X has {X.shape[1]} "
                         f"{layout}")
    for axis, name in enumerate(("H", "W") if ndim == 2 else ("L",)):
        n, k = X.shape[2 + axis], K.shape[2 + axis]
        if k > n + 2 * pad:
            raise ValueError(f"{func}: K is {k} wide along {name} but the padded input X is "
                             f"only {n} + 2*{pad} = {n + 2 * pad} {layout}")
    return X, K, stride, pad


def _check_bias(func, b, F):
    b = checks.array(func, "b", b, ndim=1, shape="[F]")
    if b.shape[0] != F:
        raise ValueError(f"{func}: b has {b.shape[0]} entries but K has {F} filters "
                         f"(b is [F], one bias per output channel)")
    return b


def _check_dY(func, dY, want, ndim):
    dY = checks.array(func, "dY", dY, ndim=ndim + 2,
                        shape="[N, F, L_out]" if ndim == 1 else "[N, F, OH, OW]")
    if dY.shape != want:
        raise ValueError(f"{func}: dY has shape {dY.shape} but the forward output is {want} "
                         f"(dY is dL/dY, the same shape as Y)")
    return dY


def _out_shape(X, K, stride, pad):
    return (X.shape[0], K.shape[0]) + tuple(
        (n + 2 * pad - k) // stride + 1 for n, k in zip(X.shape[2:], K.shape[2:]))


@registry.course_kernel
def conv2d_forward(X, K, b, stride=1, pad=0):
    """Y[N, F, OH, OW] = the cross-correlation of X[N, C, H, W] with K[F, C, kh, kw], plus b[F].

    Chapter 07. OH = conv_output_size(H, kh, stride, pad), likewise OW. The result is float32
    when all inputs are float32, float64 otherwise.
    """
    f = "conv2d_forward"
    X, K, stride, pad = _check_conv(f, X, K, stride, pad, 2)
    b = _check_bias(f, b, K.shape[0])
    dt = np.result_type(X, K, b)
    X, K, b = (a.astype(dt, copy=False) for a in (X, K, b))
    if registry.swapped(f):
        return registry.run(f, (X, K, b, stride, pad), [("Y", _out_shape(X, K, stride, pad))],
                            dt)
    with one_blas_thread():
        return _conv_forward_kernel(X, K, b, stride, stride, pad, pad)


@registry.course_kernel
def conv2d_backward(X, K, dY, stride=1, pad=0):
    """Gradients (dX[N, C, H, W], dK[F, C, kh, kw], db[F]) from dY[N, F, OH, OW].

    Chapter 07. X, K, stride and pad are the forward's; dK and db add up over the batch and
    over every output position (the weights are shared).
    """
    f = "conv2d_backward"
    X, K, stride, pad = _check_conv(f, X, K, stride, pad, 2)
    dY = _check_dY(f, dY, _out_shape(X, K, stride, pad), 2)
    dt = np.result_type(X, K, dY)
    X, K, dY = (a.astype(dt, copy=False) for a in (X, K, dY))
    if registry.swapped(f):
        return registry.run(f, (X, K, dY, stride, pad), [("dX", X.shape), ("dK", K.shape),
                                                         ("db", (K.shape[0],))], dt)
    with one_blas_thread():
        return _conv_backward_kernel(X, K, dY, stride, stride, pad, pad, True,
                                     blas_runs_avx512())


def conv1d_forward(X, K, b, stride=1, pad=0):
    """Y[N, F, L_out] from X[N, C, L], K[F, C, k], b[F]: the 1D cross-correlation.

    Chapter 07. Weidman's example: [1, 2, 3, 4, 5] with kernel [1, 1, 1] and pad 1 gives
    [3, 6, 9, 12, 9].
    """
    f = "conv1d_forward"
    X, K, stride, pad = _check_conv(f, X, K, stride, pad, 1)
    b = _check_bias(f, b, K.shape[0])
    dt = np.result_type(X, K, b)
    with one_blas_thread():
        Y = _conv_forward_kernel(X.astype(dt, copy=False)[:, :, None, :],
                                 K.astype(dt, copy=False)[:, :, None, :],
                                 b.astype(dt, copy=False), 1, stride, 0, pad)
    return Y[:, :, 0, :]


def conv1d_backward(X, K, dY, stride=1, pad=0):
    """Gradients (dX[N, C, L], dK[F, C, k], db[F]) from dY[N, F, L_out]. Chapter 07."""
    f = "conv1d_backward"
    X, K, stride, pad = _check_conv(f, X, K, stride, pad, 1)
    dY = _check_dY(f, dY, _out_shape(X, K, stride, pad), 1)
    dt = np.result_type(X, K, dY)
    with one_blas_thread():
        dX, dK, db = _conv_backward_kernel(
            X.astype(dt, copy=False)[:, :, None, :], K.astype(dt, copy=False)[:, :, None, :],
            dY.astype(dt, copy=False)[:, :, None, :], 1, stride, 0, pad, True,
            blas_runs_avx512())
    return dX[:, :, 0, :], dK[:, :, 0, :], db

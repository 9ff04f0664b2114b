"""Products and activations that give the same bits on every CPU.

BLAS adds in an order that depends on the CPU, with fused multiply-adds where the CPU has
them; the products here (for lessons.kernels.recurrent and lessons.kernels.time_dense) run
their innermost loop over output units, so it vectorizes without reordering any sum, and a
chapter's training prints the same digits everywhere.

libm's exp is no better: glibc picks its variant by the CPU it runs on (with fused
multiply-adds or without), and the variants differ in the last bit of about one exp in
1,500 (measured). Every kernel therefore takes e^x, the logistic sigmoid and tanh from the
polynomial exp_neg below, and the positional encoding its sines from sin_cos. log, log1p,
expm1, erf, pow (Adam's beta^t) and the augmentation's rotations still come from libm: the
second instruction set's run (course.other_isa_env) shows no printed number that moves
with them, and the same-bits tests no kernel result.
"""
import math

import numpy as np
from numba import literal_unroll, njit, types
from numba.extending import intrinsic, overload


@njit(cache=True)
def add_product(A, W, out):
    """out[R, n] += A[R, k] @ W[k, n], each entry summing over k in order.

    Four rows of A and four steps of k at a time: the innermost loop (over the n output
    columns, which vectorizes without reordering any sum) loads each W[k, :] once for four
    rows and each out[r, :] once for four terms, which keeps the loop on arithmetic rather
    than on loads and stores. Every out[r, j] still adds A[r, 0] W[0, j], A[r, 1] W[1, j], ...
    one after the other."""
    R, K = A.shape
    N = W.shape[1]
    K4 = K - K % 4
    r = 0
    while r + 4 <= R:
        for k in range(0, K4, 4):
            a00, a01, a02, a03 = A[r, k], A[r, k + 1], A[r, k + 2], A[r, k + 3]
            a10, a11, a12, a13 = A[r + 1, k], A[r + 1, k + 1], A[r + 1, k + 2], A[r + 1, k + 3]
            a20, a21, a22, a23 = A[r + 2, k], A[r + 2, k + 1], A[r + 2, k + 2], A[r + 2, k + 3]
            a30, a31, a32, a33 = A[r + 3, k], A[r + 3, k + 1], A[r + 3, k + 2], A[r + 3, k + 3]
            for j in range(N):
                w0, w1, w2, w3 = W[k, j], W[k + 1, j], W[k + 2, j], W[k + 3, j]
                out[r, j] = out[r, j] + a00 * w0 + a01 * w1 + a02 * w2 + a03 * w3
                out[r + 1, j] = out[r + 1, j] + a10 * w0 + a11 * w1 + a12 * w2 + a13 * w3
                out[r + 2, j] = out[r + 2, j] + a20 * w0 + a21 * w1 + a22 * w2 + a23 * w3
                out[r + 3, j] = out[r + 3, j] + a30 * w0 + a31 * w1 + a32 * w2 + a33 * w3
        for k in range(K4, K):
            a0, a1, a2, a3 = A[r, k], A[r + 1, k], A[r + 2, k], A[r + 3, k]
            for j in range(N):
                w = W[k, j]
                out[r, j] += a0 * w
                out[r + 1, j] += a1 * w
                out[r + 2, j] += a2 * w
                out[r + 3, j] += a3 * w
        r += 4
    for r in range(r, R):
        for k in range(K):
            a = A[r, k]
            for j in range(N):
                out[r, j] += a * W[k, j]


@njit(cache=True)
def add_outer(A, D, out):
    """out[k, n] += A[R, k]^T @ D[R, n]: a weight gradient, summing over the rows in order."""
    add_product(A.T, D, out)


@njit(cache=True)
def add_rows(D, out):
    """out[n] += the column sums of D[R, n]: a bias gradient."""
    for b in range(D.shape[0]):
        for j in range(D.shape[1]):
            out[j] += D[b, j]


# --- activations: exp as a polynomial, in + * and bit operations only -------------------------
# libm's exp is a scalar call (17 ns in float32, measured), which no loop vectorizes; these add
# and multiply in a fixed order without fused multiply-adds, so every CPU rounds them alike, and
# a loop over a contiguous array of them vectorizes (float32: 2 ns per value against 12 for
# libm's expf, measured under load). Within 1.2 ulps of the exact exp (libm: 0.5).

@intrinsic
def _bits(typingctx, x):
    """The bits of a float, as the signed integer of its width."""
    if not isinstance(x, types.Float):
        return None
    ity = types.int32 if x.bitwidth == 32 else types.int64

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(ity))
    return ity(x), codegen


@intrinsic
def _float_from_bits(typingctx, i, like):
    """The float of like's type whose bits are the integer i (cut to that width)."""
    if not isinstance(i, types.Integer) or not isinstance(like, types.Float):
        return None

    def codegen(context, builder, signature, args):
        v, width = args[0], like.bitwidth
        ity = context.get_value_type(types.int32 if width == 32 else types.int64)
        if i.bitwidth > width:
            v = builder.trunc(v, ity)
        elif i.bitwidth < width:
            v = builder.sext(v, ity)
        return builder.bitcast(v, context.get_value_type(like))
    return like(i, like), codegen


def exp_neg(x):
    """e^-x for x >= 0, in x's float type (compiled only: the overload below)."""
    raise TypeError("exp_neg runs inside @njit functions only")


def sigma_scalar(z):
    """1 / (1 + e^-z), in z's float type (compiled only: the overload below)."""
    raise TypeError("sigma_scalar runs inside @njit functions only")


def tanh_scalar(z):
    """tanh z, in z's float type (compiled only: the overload below)."""
    raise TypeError("tanh_scalar runs inside @njit functions only")


@overload(exp_neg)
def _exp_neg(x):
    """x = k ln 2 + r with |r| <= ln(2) / 2, so e^-x = 2^-k e^-r: e^-r from its Taylor
    polynomial (degree 7 in float32, 13 in float64: below 0.1 ulp), 2^-k written into the
    exponent bits, in two halves so that results below the smallest normal number round once."""
    if not isinstance(x, types.Float):
        return None
    f, mantissa, bias, degree, top = ((np.float32, 23, 127, 7, 104.0) if x.bitwidth == 32 else
                                      (np.float64, 52, 1023, 13, 746.0))
    # ln 2 in two parts (Cody and Waite): k * ln2_hi is exact for every k used here
    ln2_hi, ln2_lo = ((0.693145751953125, 1.428606765330187e-06) if f is np.float32 else
                      (0.6931471803691238, 1.9082149292705877e-10))
    log2e, ln2_hi, ln2_lo, top = f(1 / math.log(2)), f(ln2_hi), f(ln2_lo), f(top)
    # adding 1.5 * 2^mantissa rounds to an integer, which then sits in the low bits
    shift = f(1.5 * 2.0 ** mantissa)
    shift_bits = int(np.array(shift).view(np.int32 if f is np.float32 else np.int64))
    highest, *coefficients = (f(1 / math.factorial(i)) for i in range(degree, -1, -1))
    coefficients = tuple(coefficients)

    def impl(x):
        x = top if x > top else x  # e^-top rounds to 0
        t = x * log2e + shift
        k = _bits(t) - shift_bits  # round(x / ln 2)
        kf = t - shift
        minus_r = kf * ln2_lo - (x - kf * ln2_hi)
        p = highest
        for c in literal_unroll(coefficients):
            p = p * minus_r + c
        k1 = k >> 1
        return (p * _float_from_bits((bias - k1) << mantissa, x)
                * _float_from_bits((bias - (k - k1)) << mantissa, x))
    return impl


# error_model="numpy": Numba's default checks every division for a zero divisor, a branch that
# raises, which kept the loops over these from vectorizing (measured); 1 + e is never 0
@overload(sigma_scalar, jit_options={"error_model": "numpy"})
def _sigma_scalar(z):
    """From e^-|z|, which never overflows."""
    if not isinstance(z, types.Float):
        return None
    one = np.float32(1) if z.bitwidth == 32 else np.float64(1)

    def impl(z):
        e = exp_neg(abs(z))
        d = one / (one + e)
        return d if z >= 0 else e * d
    return impl


@overload(tanh_scalar, jit_options={"error_model": "numpy"})
def _tanh_scalar(z):
    """tanh z = (1 - e^-2|z|) / (1 + e^-2|z|) with the sign of z: libm's tanh, a slower
    algorithm, took half the LSTM forward pass (measured)."""
    if not isinstance(z, types.Float):
        return None
    one, two = (np.float32(1), np.float32(2)) if z.bitwidth == 32 else (1.0, 2.0)

    def impl(z):
        e = exp_neg(two * abs(z))
        t = (one - e) / (one + e)
        return t if z >= 0 else -t
    return impl


# pi / 2 in three parts of 33 bits (fdlibm's): k times each is exact for k < 2^20
_PIO2_1, _PIO2_2, _PIO2_3 = 1.57079632673412561417e+00, 6.07710050630396597660e-11, \
    2.02226624871116645580e-21
_SIN = tuple((-1.0) ** n / math.factorial(2 * n + 1) for n in range(8, 0, -1))  # r^17 ... r^3
_COS = tuple((-1.0) ** n / math.factorial(2 * n) for n in range(9, 0, -1))  # r^18 ... r^2


@njit(cache=True)
def sin_cos(x):
    """(sin x, cos x) for a float64 |x| < 2^20 (about 1.6 million), within 2 ulps (10^-26
    absolute near a zero, where x - k pi/2 cancels the 99 bits of pi/2 kept): x = k pi/2 + r
    with |r| <= pi/4, the Taylor polynomials of sin r and cos r (to r^17 and r^18: below 1e-17),
    then a quarter turn k mod 4."""
    k = np.floor(x * (2.0 / np.pi) + 0.5)
    r = ((x - k * _PIO2_1) - k * _PIO2_2) - k * _PIO2_3
    r2 = r * r
    s = 0.0
    for c in literal_unroll(_SIN):
        s = (s + c) * r2
    c2 = 0.0
    for c in literal_unroll(_COS):
        c2 = (c2 + c) * r2
    sin_r, cos_r = r + r * s, 1.0 + c2
    quarter = int(k) & 3
    if quarter == 0:
        return sin_r, cos_r
    if quarter == 1:
        return cos_r, -sin_r
    if quarter == 2:
        return -sin_r, -cos_r
    return -cos_r, sin_r


@njit(cache=True)
def sigma_columns(Z, start, stop):
    """Z[:, start:stop] = sigma(Z[:, start:stop]), in place: a loop of its own over one row's
    slice at a time, so that it vectorizes. Measured: inside a loop that also reads and writes
    other arrays it did not, nor indexing Z[s, j] with j running from start (5x slower)."""
    for s in range(Z.shape[0]):
        row = Z[s, start:stop]
        for j in range(row.shape[0]):
            row[j] = sigma_scalar(row[j])


@njit(cache=True)
def tanh_columns(Z, start, stop):
    """Z[:, start:stop] = tanh(Z[:, start:stop]), in place, as sigma_columns."""
    for s in range(Z.shape[0]):
        row = Z[s, start:stop]
        for j in range(row.shape[0]):
            row[j] = tanh_scalar(row[j])

"""Chapter 09, Deeper CNNs: image augmentation (shift, small rotation, horizontal flip).

Data augmentation trains on label-preserving variants of each image (Ekman's Chapter 8: one
image, ten variants). Each image n gets its own transform: a horizontal flip (flips[n] = 1),
then a rotation by angle a_n about the image centre, then a shift by (dy_n, dx_n) pixels:

    output pixel (i, j)  <-  input at  flip(R(-a_n) [(i - dy_n, j - dx_n) - centre] + centre)

Every output pixel looks up where it came from (the inverse transform) and reads that point
by bilinear interpolation between the four nearest pixels; points outside the image read 0
(the background of MNIST and Fashion-MNIST). A whole-pixel shift with no rotation moves the
pixels exactly.

The randomness is drawn in Python (lessons.chapters.ch09_deeper_cnns.draw_augmentation) and
passed in as numbers: cos_a[n], sin_a[n] (so that the kernel needs no trigonometry, whose last
bits vary between CPUs), shifts[n] = (dy, dx) and flips[n]. Images are independent: prange.
"""
import math

import numpy as np
from numba import njit, prange

from lessons.kernels import checks


@njit(cache=True)
def _bilinear(image, y, x):
    """image read at the real point (y, x): the four nearest pixels, weighted by closeness;
    0 outside the image."""
    H, W = image.shape
    y0, x0 = math.floor(y), math.floor(x)
    fy, fx = y - y0, x - x0
    total = 0.0
    for dy in range(2):
        for dx in range(2):
            r, c = int(y0) + dy, int(x0) + dx
            if 0 <= r < H and 0 <= c < W:
                weight = (fy if dy else 1.0 - fy) * (fx if dx else 1.0 - fx)
                total += weight * image[r, c]
    return total


@njit(cache=True, parallel=True)
def _augment_kernel(images, cos_a, sin_a, shifts, flips):
    N, H, W = images.shape
    cy, cx = (H - 1) / 2.0, (W - 1) / 2.0
    out = np.empty((N, H, W), dtype=np.float64)
    for n in prange(N):
        for i in range(H):
            for j in range(W):
                # undo the shift, then the rotation (by -a), then the flip
                y, x = i - shifts[n, 0] - cy, j - shifts[n, 1] - cx
                ys = cos_a[n] * y + sin_a[n] * x + cy
                xs = cos_a[n] * x - sin_a[n] * y + cx
                if flips[n]:
                    xs = (W - 1) - xs
                out[n, i, j] = _bilinear(images[n], ys, xs)
    return out


def augment_images(images, angles, shifts, flips):
    """out[N, H, W] (float64): images[N, H, W] each flipped (flips[n] true: left-right), rotated
    by angles[n] degrees (counter-clockwise as displayed) and shifted by shifts[n] = (down,
    right) pixels. Chapter 09.

    Draw angles, shifts and flips in Python from a seeded generator (draw_augmentation does);
    angle 0, shift (0, 0) and no flip returns the image unchanged.
    """
    f = "augment_images"
    images = checks.array(f, "images", images, ndim=3, shape="[N, H, W]", dtype=np.float64)
    N = images.shape[0]
    angles = checks.array(f, "angles", angles, ndim=1, shape=f"[{N}] (degrees)",
                          dtype=np.float64)
    shifts = checks.array(f, "shifts", shifts, ndim=2, shape=f"[{N}, 2] (down, right)",
                          dtype=np.float64)
    flips = np.asarray(flips)
    if flips.dtype.kind not in "bi" or flips.ndim != 1:
        raise TypeError(f"{f}: flips must be a 1-D array of booleans [{N}], got "
                        f"{flips.dtype} of shape {flips.shape}")
    for name, a, want in (("angles", angles, (N,)), ("shifts", shifts, (N, 2)),
                          ("flips", flips, (N,))):
        if a.shape != want:
            raise ValueError(f"{f}: {name} has shape {a.shape} but images has {N} images "
                             f"(expected {list(want)})")
    radians = [math.radians(a) for a in angles]  # Python's libm, once per image
    cos_a = np.array([math.cos(r) for r in radians])
    sin_a = np.array([math.sin(r) for r in radians])
    return _augment_kernel(images, cos_a, sin_a, shifts, flips.astype(np.bool_))

"""NumPy twins: Chapter 09, Deeper CNNs: image augmentation, all pixels of an image at once."""
import numpy as np


def augment_images(images, angles, shifts, flips):
    """Chapter 09. Each output pixel reads, by bilinear interpolation (0 outside), the input
    point that the flip, rotation and shift moved onto it."""
    N, H, W = images.shape
    cy, cx = (H - 1) / 2, (W - 1) / 2
    i, j = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    out = np.empty((N, H, W))
    for n in range(N):
        a = np.radians(angles[n])
        y, x = i - shifts[n][0] - cy, j - shifts[n][1] - cx
        ys = np.cos(a) * y + np.sin(a) * x + cy
        xs = np.cos(a) * x - np.sin(a) * y + cx
        if flips[n]:
            xs = (W - 1) - xs
        y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
        fy, fx = ys - y0, xs - x0
        total = np.zeros((H, W))
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                r, c = y0 + dy, x0 + dx
                inside = (r >= 0) & (r < H) & (c >= 0) & (c < W)
                total += np.where(inside, wy * wx * images[n][r.clip(0, H - 1), c.clip(0, W - 1)],
                                  0.0)
        out[n] = total
    return out

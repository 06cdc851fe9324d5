"""Fast pictures of digits: mosaics as arrays and PNG bytes, for plots and for widgets.

A slider that re-renders a 20-subplot Matplotlib figure takes ~200 ms here; one mosaic image
encoded as PNG takes a few milliseconds.  Introduced in notebook 02.
"""
from __future__ import annotations

import io

import numpy as np


def mosaic(images, ncols: int | None = None, *, side: int = 28, pad: int = 2, fill: float = 1.0) -> np.ndarray:
    """Tile images (``(k, side*side)`` or ``(k, side, side)``) into one 2-D array, row-major."""
    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim == 2 and arr.shape[1] == side * side:
        arr = arr.reshape(-1, side, side)
    if arr.ndim != 3 or arr.shape[1:] != (side, side):
        raise ValueError(f"images must have shape (k, {side * side}) or (k, {side}, {side}); got {np.shape(images)}")
    k = len(arr)
    if k == 0:
        raise ValueError("images must hold at least one image; got 0")
    ncols = k if ncols is None else int(ncols)
    if ncols < 1:
        raise ValueError(f"ncols must be ≥ 1; got {ncols}")
    nrows = -(-k // ncols)
    out = np.full((nrows * (side + pad) + pad, ncols * (side + pad) + pad), fill, dtype=np.float32)
    for i, img in enumerate(arr):
        r, c = divmod(i, ncols)
        y, x = pad + r * (side + pad), pad + c * (side + pad)
        out[y:y + side, x:x + side] = img
    return out


def to_png(array, *, scale: int = 3, vmin: float = 0.0, vmax: float = 1.0, invert: bool = False) -> bytes:
    """Encode a 2-D array as greyscale PNG bytes, enlarged ``scale`` times (nearest neighbour)."""
    from PIL import Image

    arr = np.asarray(array, dtype=np.float32)
    if arr.ndim != 2:
        raise ValueError(f"to_png expects a 2-D array; got shape {arr.shape}")
    if not vmax > vmin:
        raise ValueError(f"vmax must exceed vmin; got vmin={vmin}, vmax={vmax}")
    norm = np.clip((arr - vmin) / (vmax - vmin), 0.0, 1.0)
    if invert:
        norm = 1.0 - norm
    pixels = (norm * 255.0 + 0.5).astype(np.uint8)
    if scale > 1:
        pixels = np.kron(pixels, np.ones((scale, scale), dtype=np.uint8))
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()

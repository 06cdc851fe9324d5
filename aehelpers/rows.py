"""Rows of digits with a label per row: noisy/denoised/clean, latent vs pixel interpolation, samples.

Introduced in notebook 06.
"""
from __future__ import annotations

import numpy as np

from .images import mosaic

SIDE = 28


def plot_rows(rows: dict, *, title: str = "", xlabel: str = "", ax=None):
    """One row of digits per ``{label: images}`` entry (white on black), labels on the left. Returns ``(fig, ax)``."""
    import matplotlib.pyplot as plt

    if not isinstance(rows, dict) or not rows:
        raise ValueError(f"rows must be a non-empty dict {{label: images}}; got {type(rows).__name__}")
    arrays = {k: np.asarray(v, dtype=np.float32).reshape(len(v), SIDE, SIDE) for k, v in rows.items()}
    widths = {len(a) for a in arrays.values()}
    if len(widths) != 1:
        raise ValueError(f"every row must hold the same number of images; got {sorted(widths)}")
    n = widths.pop()
    pad = 2
    pic = mosaic(np.concatenate(list(arrays.values())), ncols=n, pad=pad)
    if ax is None:
        fig, ax = plt.subplots(figsize=(0.75 * n + 1.2, 0.8 * len(arrays) + 0.7))
    else:
        fig = ax.figure
    ax.imshow(pic, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([pad + SIDE / 2 + i * (SIDE + pad) for i in range(len(arrays))])
    ax.set_yticklabels(list(arrays))
    ax.grid(False)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return fig, ax

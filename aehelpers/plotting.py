"""Plots shared by the notebooks: rows of digits and loss curves, and the ``ax``/``axes`` plumbing.

Every plot takes ``ax=None`` (``axes=None`` for several panels; a new figure when omitted) and
returns the ``ax`` or ``axes`` it drew on, nothing else, so notebooks stay free of cosmetic code.
``plot_digit_rows`` is the series' one way to draw rows of images (white digits on black, as
MNIST stores them), introduced in notebook 02; ``plot_loss_curves`` in notebook 04.  Plots of one
topic live beside it (``code_plots``, ``bottleneck_plots``, ``linear_plots``…).
"""
from __future__ import annotations

import numpy as np

from .checks import as_matrix, check_int_in_range
from .images import mosaic


def axes_for(ax, figsize):
    """``ax``, or the axes of a new figure of ``figsize``."""
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1] if ax is None else ax


def panels(axes, count: int, width: float = 4.2, height: float = 3.4) -> np.ndarray:
    """``axes`` as an array, or ``count`` new panels side by side (``width`` × ``height`` inches each)."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, count, figsize=(width * count, height), constrained_layout=True)
    axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
    if axes.size != count:
        raise ValueError(f"axes must hold {count} Matplotlib axes; got {axes.size}")
    return axes


def _flat(images):
    """(k, side, side) or (k, side, side, 1) images as (k, side²); anything else unchanged (checked later)."""
    arr = np.asarray(images)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    return arr.reshape(len(arr), -1) if arr.ndim == 3 and arr.shape[1] == arr.shape[2] else arr


def plot_digit_rows(rows: dict, *, ncols: int | None = None, title: str = "", xlabel: str = "",
                    column_labels=None, cmap: str = "gray", vmin: float = 0.0, vmax: float = 1.0, ax=None):
    """Labelled rows of square images (white digits on black): ``rows`` maps a label to k images,
    each flat (side²) or square (side × side, with or without a trailing channel of 1).

    ``ncols`` defaults to the longest row; longer rows are cut, shorter ones end in blank tiles.
    ``column_labels`` names the columns (else no x ticks).  A diverging ``cmap`` with
    ``vmin = −vmax`` shows signed pictures (weights, Jacobian rows).  Returns ``ax``.
    """
    if not rows:
        raise ValueError("rows must map at least one label to images; got none")
    arrays = {label: as_matrix(_flat(x), f"row {label!r}", dtype=np.float32) for label, x in rows.items()}
    widths = {x.shape[1] for x in arrays.values()}
    side = int(round(np.sqrt(max(widths))))
    if len(widths) != 1 or side * side != max(widths):
        raise ValueError(f"every row must hold square images of one size (side² pixels); got widths {sorted(widths)}")
    ncols = check_int_in_range(ncols or max(len(x) for x in arrays.values()), "ncols", 1)
    blank = np.full((ncols, side * side), np.nan, dtype=np.float32)  # shown as background
    tiles = np.concatenate([np.concatenate([x[:ncols], blank[len(x):]]) for x in arrays.values()])
    ax = axes_for(ax, (0.55 * ncols + 1.6, 0.55 * len(arrays) + 0.6))
    ax.imshow(mosaic(tiles, ncols=ncols, side=side, fill=np.nan), cmap=cmap, vmin=vmin, vmax=vmax,
              interpolation="nearest")
    centres = [2 + (side + 2) * i + side / 2 for i in range(max(len(arrays), ncols))]  # mosaic's pad is 2
    ax.set_yticks(centres[:len(arrays)], [str(label) for label in arrays])
    if column_labels is None:
        ax.set_xticks([])
    else:
        labels = [str(c) for c in column_labels]
        ax.set_xticks(centres[:len(labels)], labels)
    ax.set_xlabel(xlabel)
    ax.grid(False)
    ax.set_title(title)
    return ax


def plot_loss_curves(history: dict, *, floor: float | None = None, baseline: float | None = None,
                     baseline_label: str = "predict the mean image", title: str = "Training and validation loss",
                     ylabel: str = "binary cross-entropy (nats per pixel)", ax=None):
    """``loss`` and ``val_loss`` per epoch, with the entropy floor (and a baseline) as lines.

    ``floor`` is the least cross-entropy any model can reach on the validation images (their
    mean binary entropy).  Returns ``ax``.
    """
    if "loss" not in history or not len(history["loss"]):
        raise ValueError(f"history must hold a non-empty 'loss' list; got keys {sorted(history)}")
    ax = axes_for(ax, (7, 4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax.plot(epochs, history["loss"], marker=".", label="training loss")
    if history.get("val_loss"):
        ax.plot(epochs, history["val_loss"], marker=".", label="validation loss")
    if floor is not None:
        ax.axhline(floor, color="k", linestyle="--", linewidth=1,
                   label=f"entropy floor {floor:.4f} (no model can go lower)")
    if baseline is not None:
        ax.axhline(baseline, color="grey", linestyle=":", linewidth=1, label=f"{baseline_label} {baseline:.4f}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return ax

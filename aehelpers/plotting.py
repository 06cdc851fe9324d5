"""Plots shared by the notebooks: rows of digits, loss curves, codes, loss against p.

Every function takes ``ax=None`` (a new figure when omitted) and returns the ``ax`` it drew
on, so notebooks stay free of cosmetic code.  ``plot_digit_rows`` is the series' one way to
draw rows of images (white digits on black, as MNIST stores them), introduced in notebook 02;
the loss and code plots in notebook 04.
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
    return np.atleast_1d(axes)


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


def plot_code_activity(codes, *, title: str = "How often each code unit fires", ax=None):
    """Bar per code unit: the share of images on which it is non-zero; dead units marked in red. Returns ``ax``."""
    codes = as_matrix(codes, "codes")
    active = np.mean(codes > 0, axis=0)
    ax = axes_for(ax, (7, 3))
    colours = np.where(active == 0, "tab:red", "tab:blue")
    ax.bar(np.arange(codes.shape[1]), active, color=colours)
    dead = int(np.sum(active == 0))
    ax.set_xlabel(f"code unit (red: dead on all {len(codes):,} images; {dead} of {codes.shape[1]})")
    ax.set_ylabel("fraction of images active")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    return ax


def plot_loss_vs_p(p_values, losses, *, mse=None, pca_mse=None, floor: float | None = None,
                   current: int | None = None, title: str = "Validation loss against bottleneck size p",
                   ax=None):
    """Validation cross-entropy against p (log₂ axis), optionally MSE and PCA's MSE on a second axis.

    ``current`` marks one p.  Returns ``ax`` (the loss axis; the MSE axis is its twin).
    """
    p_values = np.asarray(list(p_values), dtype=float)
    losses = np.asarray(list(losses), dtype=float)
    if p_values.ndim != 1 or p_values.size == 0 or losses.shape != p_values.shape:
        raise ValueError(f"p_values and losses must be equal-length 1-D lists; got {p_values.shape} and {losses.shape}")
    ax = axes_for(ax, (6, 3.6))
    ax.plot(p_values, losses, marker="o", color="tab:blue", label="val loss (BCE)")
    if floor is not None:
        ax.axhline(floor, color="k", linestyle="--", linewidth=1, label=f"entropy floor {floor:.3f}")
    ax.set_xscale("log", base=2)
    ax.set_xticks(p_values)
    ax.set_xticklabels([str(int(p)) for p in p_values])
    ax.set_xlabel("bottleneck size p (log scale)")
    ax.set_ylabel("validation BCE (nats/pixel)", color="tab:blue")
    ax.set_title(title)
    ax_mse = None
    if mse is not None:
        ax_mse = ax.twinx()
        ax_mse.plot(p_values, np.asarray(list(mse), dtype=float), marker="s", color="tab:orange",
                    label="MSE, autoencoder")
        if pca_mse is not None:
            ax_mse.plot(p_values, np.asarray(list(pca_mse), dtype=float), marker="^", linestyle="--",
                        color="tab:green", label="MSE, rank-p PCA")
        ax_mse.set_ylabel("test MSE", color="tab:orange")
        ax_mse.grid(False)
    if current is not None:
        idx = np.flatnonzero(p_values == current)
        if idx.size == 0:
            raise ValueError(f"current must be one of p_values {p_values.astype(int).tolist()}; got {current}")
        ax.axvline(current, color="tab:red", linewidth=1.5)
        ax.plot([current], [losses[idx[0]]], marker="o", markersize=10, color="tab:red", zorder=5)
    handles, labels = ax.get_legend_handles_labels()
    if ax_mse is not None:
        h2, l2 = ax_mse.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, fontsize=8, loc="upper right")
    return ax

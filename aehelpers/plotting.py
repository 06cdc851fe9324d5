"""Plots for the Keras notebooks: digits and reconstructions, loss curves, codes, loss against p.

Every function takes ``ax=None`` (a new figure when omitted) and returns the Matplotlib
objects it drew, so notebooks stay free of cosmetic code.  Introduced in notebook 04.
"""
from __future__ import annotations

import numpy as np

from .checks import as_matrix, check_int_in_range
from .images import mosaic


def _axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def plot_reconstructions(x, x_hat, *, n: int = 10, title: str = "Test digits (top) and their reconstructions (bottom)",
                         ax=None):
    """The blog's figure: ``n`` digits in the top row, their reconstructions below. Returns ``(fig, ax)``."""
    x = as_matrix(x, "x", dtype=np.float32)
    x_hat = as_matrix(x_hat, "x_hat", n_cols=x.shape[1], dtype=np.float32)
    n = check_int_in_range(n, "n", 1, min(len(x), len(x_hat)))
    side = int(round(np.sqrt(x.shape[1])))
    if side * side != x.shape[1]:
        raise ValueError(f"images must be square (n = side²); got {x.shape[1]} pixels")
    fig, ax = _axes(ax, (1.0 * n + 0.6, 2.6))
    picture = mosaic(np.concatenate([x[:n], x_hat[:n]]), ncols=n, side=side)
    ax.imshow(picture, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([side / 2 + 2, 1.5 * side + 4])
    ax.set_yticklabels(["original", "reconstructed"])
    ax.grid(False)
    ax.set_xlabel(f"{n} test images")
    ax.set_title(title)
    return fig, ax


def plot_loss_curves(history: dict, *, floor: float | None = None, baseline: float | None = None,
                     baseline_label: str = "predict the mean image", title: str = "Training and validation loss",
                     ylabel: str = "binary cross-entropy (nats per pixel)", ax=None):
    """``loss`` and ``val_loss`` per epoch, with the entropy floor (and a baseline) as lines.

    ``floor`` is the least cross-entropy any model can reach on the validation images (their
    mean binary entropy).  Returns ``(fig, ax)``.
    """
    if "loss" not in history or not len(history["loss"]):
        raise ValueError(f"history must hold a non-empty 'loss' list; got keys {sorted(history)}")
    fig, ax = _axes(ax, (7, 4))
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
    return fig, ax


def plot_code_activity(codes, *, title: str = "How often each code unit fires", ax=None):
    """Bar per code unit: the share of images on which it is non-zero; dead units marked in red.

    Returns ``(fig, ax, bars)``.
    """
    codes = as_matrix(codes, "codes")
    active = np.mean(codes > 0, axis=0)
    fig, ax = _axes(ax, (7, 3))
    colours = np.where(active == 0, "tab:red", "tab:blue")
    bars = ax.bar(np.arange(codes.shape[1]), active, color=colours)
    dead = int(np.sum(active == 0))
    ax.set_xlabel(f"code unit (red: dead on all {len(codes):,} images; {dead} of {codes.shape[1]})")
    ax.set_ylabel("fraction of images active")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    return fig, ax, bars


def plot_loss_vs_p(p_values, losses, *, mse=None, pca_mse=None, floor: float | None = None,
                   current: int | None = None, title: str = "Validation loss against bottleneck size p",
                   ax=None):
    """Validation cross-entropy against p (log₂ axis), optionally MSE and PCA's MSE on a second axis.

    ``current`` marks one p.  Returns ``(fig, ax, ax_mse)`` (``ax_mse`` is None without ``mse``).
    """
    p_values = np.asarray(list(p_values), dtype=float)
    losses = np.asarray(list(losses), dtype=float)
    if p_values.ndim != 1 or p_values.size == 0 or losses.shape != p_values.shape:
        raise ValueError(f"p_values and losses must be equal-length 1-D lists; got {p_values.shape} and {losses.shape}")
    fig, ax = _axes(ax, (6, 3.6))
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
    return fig, ax, ax_mse


def plot_reconstructions_by_p(x, x_hat_by_p: dict, *, title: str = "Reconstructions through bottlenecks of size p",
                              ax=None):
    """One row of digits, then one row of reconstructions per p (the slider's pages side by side).

    Returns ``(fig, ax)``.
    """
    x = as_matrix(x, "x", dtype=np.float32)
    if not x_hat_by_p:
        raise ValueError("x_hat_by_p must map at least one p to its reconstructions; got none")
    rows = [x]
    for p, x_hat in x_hat_by_p.items():
        x_hat = as_matrix(x_hat, f"x_hat[{p}]", n_cols=x.shape[1], dtype=np.float32)
        if len(x_hat) != len(x):
            raise ValueError(f"x_hat[{p}] must hold {len(x)} images like x; got {len(x_hat)}")
        rows.append(x_hat)
    side = int(round(np.sqrt(x.shape[1])))
    k = len(x)
    fig, ax = _axes(ax, (0.8 * k + 1.2, 0.8 * len(rows) + 0.6))
    ax.imshow(mosaic(np.concatenate(rows), ncols=k, side=side), cmap="gray", vmin=0, vmax=1,
              interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([2 + (side + 2) * i + side / 2 for i in range(len(rows))])
    ax.set_yticklabels(["original"] + [f"p = {p}" for p in x_hat_by_p])
    ax.grid(False)
    ax.set_xlabel(f"{k} test digits")
    ax.set_title(title)
    return fig, ax

"""Loss and error against the bottleneck size p: one quantity per axis, never a curve on a twin axis.

``plot_loss_vs_p`` draws the validation cross-entropy with its entropy floor, ``plot_mse_vs_p``
the test MSE of the autoencoder (and of rank-p PCA), and ``plot_loss_and_mse_vs_p`` puts the two
side by side.  ``current`` marks one p (the bottleneck slider marks the p it shows).
Introduced in notebook 04.
"""
from __future__ import annotations

import numpy as np

from .plotting import axes_for, panels


def _sizes(p_values) -> np.ndarray:
    ps = np.asarray(list(p_values), dtype=float)
    if ps.ndim != 1 or ps.size == 0 or np.any(ps <= 0):
        raise ValueError(f"p_values must be a non-empty list of positive sizes; got {list(p_values)!r}")
    return ps


def _values(xs, name: str, n: int) -> np.ndarray:
    out = np.asarray(list(xs), dtype=float)
    if out.shape != (n,):
        raise ValueError(f"{name} must hold one number per p ({n}); got shape {out.shape}")
    return out


def _p_axis(ax, ps: np.ndarray, current, ys: np.ndarray) -> None:
    """Log₂ p axis with every p as a tick; ``current`` (one of ``ps``) marked by a line and a dot."""
    ax.set_xscale("log", base=2)
    ax.set_xticks(ps, [str(int(p)) for p in ps])
    ax.minorticks_off()
    ax.set_xlabel("bottleneck size p (log scale)")
    if current is not None:
        idx = np.flatnonzero(ps == current)
        if idx.size == 0:
            raise ValueError(f"current must be one of p_values {ps.astype(int).tolist()}; got {current!r}")
        ax.axvline(current, color="tab:red", linewidth=1.2, zorder=1)
        ax.plot([current], [ys[idx[0]]], "o", markersize=9, color="tab:red", zorder=5, label=f"p = {current}")


def plot_loss_vs_p(p_values, losses, *, floor: float | None = None, current: int | None = None,
                   title: str = "the loss the autoencoder minimises", ax=None):
    """Validation cross-entropy against p (log₂ axis), with the entropy floor as a dashed line. Returns ``ax``."""
    ps = _sizes(p_values)
    losses = _values(losses, "losses", ps.size)
    ax = axes_for(ax, (5.5, 3.8))
    ax.plot(ps, losses, marker="o", color="tab:blue", label="autoencoder, validation")
    if floor is not None:
        ax.axhline(floor, color="k", linestyle="--", linewidth=1, label=f"entropy floor {floor:.3f}")
    _p_axis(ax, ps, current, losses)
    ax.set_ylabel("cross-entropy (nats per pixel)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_mse_vs_p(p_values, mse, pca_mse=None, *, current: int | None = None,
                  title: str = "squared error (what PCA minimises)", ax=None):
    """Test MSE of the autoencoder against p (log₂ axis), and of rank-p PCA when given. Returns ``ax``."""
    ps = _sizes(p_values)
    mse = _values(mse, "mse", ps.size)
    ax = axes_for(ax, (5.5, 3.8))
    ax.plot(ps, mse, marker="o", color="tab:blue", label="autoencoder")
    if pca_mse is not None:
        ax.plot(ps, _values(pca_mse, "pca_mse", ps.size), marker="^", linestyle="--", color="tab:green",
                label="rank-p PCA")
    _p_axis(ax, ps, current, mse)
    ax.set_ylabel("mean squared error per pixel")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_loss_and_mse_vs_p(p_values, losses, mse, pca_mse=None, *, floor: float | None = None,
                           current: int | None = None, axes=None):
    """Two panels: ``plot_loss_vs_p`` (left) and ``plot_mse_vs_p`` (right). Returns the two ``axes``."""
    n = _sizes(p_values).size
    for name, values in (("losses", losses), ("mse", mse), ("pca_mse", pca_mse)):
        if values is not None:
            _values(values, name, n)  # every input checked before a figure is made
    ax_loss, ax_mse = panels(axes, 2, width=5.5, height=3.8)
    plot_loss_vs_p(p_values, losses, floor=floor, current=current, ax=ax_loss)
    plot_mse_vs_p(p_values, mse, pca_mse, current=current, ax=ax_mse)
    return np.array([ax_loss, ax_mse])

"""Loss and error against the bottleneck size p, in two panels (no curve hidden on twin axes).

``plot_loss_and_mse_vs_p`` puts the validation cross-entropy (with the entropy floor) on the
left and the test MSE of the autoencoder and of rank-p PCA on the right, each on its own
labelled axis.  Introduced in notebook 04.
"""
from __future__ import annotations

import numpy as np


def _values(xs, name: str, n: int) -> np.ndarray:
    out = np.asarray(list(xs), dtype=float)
    if out.shape != (n,):
        raise ValueError(f"{name} must hold one number per p ({n}); got shape {out.shape}")
    return out


def plot_loss_and_mse_vs_p(p_values, losses, mse, pca_mse=None, *, floor: float | None = None, axes=None):
    """Left: validation cross-entropy against p (log₂ axis) and the floor; right: MSE, autoencoder vs PCA.

    Returns ``(fig, (ax_loss, ax_mse))``.
    """
    import matplotlib.pyplot as plt

    ps = np.asarray(list(p_values), dtype=float)
    if ps.ndim != 1 or ps.size == 0 or np.any(ps <= 0):
        raise ValueError(f"p_values must be a non-empty list of positive sizes; got {list(p_values)!r}")
    losses, mse = _values(losses, "losses", ps.size), _values(mse, "mse", ps.size)
    if axes is None:
        fig, (ax_loss, ax_mse) = plt.subplots(1, 2, figsize=(11, 3.8))
    else:
        ax_loss, ax_mse = axes
        fig = ax_loss.figure
    ax_loss.plot(ps, losses, marker="o", color="tab:blue", label="autoencoder, validation")
    if floor is not None:
        ax_loss.axhline(floor, color="k", linestyle="--", linewidth=1, label=f"entropy floor {floor:.3f}")
    ax_loss.set_ylabel("cross-entropy (nats per pixel)")
    ax_loss.set_title("the loss the autoencoder minimises")
    ax_mse.plot(ps, mse, marker="o", color="tab:blue", label="autoencoder")
    if pca_mse is not None:
        ax_mse.plot(ps, _values(pca_mse, "pca_mse", ps.size), marker="^", linestyle="--", color="tab:green",
                    label="rank-p PCA")
    ax_mse.set_ylabel("mean squared error per pixel")
    ax_mse.set_title("squared error (what PCA minimises)")
    for ax in (ax_loss, ax_mse):
        ax.set_xscale("log", base=2)
        ax.set_xticks(ps, [str(int(p)) for p in ps])
        ax.set_xlabel("bottleneck size p (log scale)")
        ax.legend(fontsize=8)
    return fig, (ax_loss, ax_mse)

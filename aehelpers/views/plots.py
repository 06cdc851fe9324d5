"""Plots of what the notebooks measure: loss against p, the linear landscape, Hebbian and Boolean runs.

Cosmetic code a reader may skip: each plot takes ``ax=None`` (``axes=None`` for several panels)
and returns what it drew; one quantity per axis, never a curve on a twin axis (a second scale for the
same values is fine: ``plot_convergence`` reads its 1 − cos θ in degrees too).

* Against the bottleneck size p (notebook 04): ``plot_loss_vs_p`` (validation cross-entropy and
  its entropy floor), ``plot_mse_vs_p`` (test MSE, and rank-p PCA's), both side by side in
  ``plot_loss_and_mse_vs_p``; ``current`` marks the p the bottleneck slider shows.
* The codes themselves (notebook 04) are pictured by ``views/codes.py``.
* The linear landscape (notebook 02): spectrum, error against p, convergence, error surface,
  critical points and descent paths.
* Notebook 05: Hebbian runs converging to the PCA subspace, and the cost of exhaustive Boolean search.
* Notebook 03: ``plot_remedies``, digit and non-digit error of each remedy for copying.
"""
from __future__ import annotations

import numpy as np

from aehelpers.checks import as_matrix
from aehelpers.theory.pca import PCA
from aehelpers.views.pictures import axes_for, panels


# --- loss and error against p (notebook 04) ---------------------------------------------------------

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


# --- the linear landscape (notebook 02) --------------------------------------------------------------

def plot_spectrum(pca: PCA, p: int | None = None, axes=None):
    """Three panels: eigenvalues λᵢ (log), variance explained, and the optimal MSE Σ_{i>p} λᵢ / n."""
    ax1, ax2, ax3 = panels(axes, 3)
    idx = np.arange(1, pca.n + 1)
    positive = pca.eigenvalues > 1e-12 * pca.eigenvalues[0]  # below that: round-off of zero eigenvalues
    ax1.semilogy(idx[positive], pca.eigenvalues[positive], lw=1.5)
    ax1.set(xlabel="index i", ylabel="eigenvalue λᵢ of Σ_XX", title="Eigenvalue spectrum")
    ax2.plot(idx, 100 * pca.variance_explained(), lw=1.5)
    ax2.set(xlabel="p", ylabel="variance explained (%)", title="Variance kept by the top p", xscale="log")
    ax3.plot(idx, pca.optimal_errors()[1:] / pca.n, lw=1.5)
    ax3.set(xlabel="p", ylabel=r"optimal MSE  $\sum_{i>p} \lambda_i / n$", title="Best error of any linear n/p/n AE",
            xscale="log")
    if p is not None:
        for ax, y in ((ax1, pca.eigenvalues[p - 1]), (ax2, 100 * pca.variance_explained()[p - 1]),
                      (ax3, pca.optimal_mse(p))):
            ax.plot([p], [y], "o", color="C3", label=f"p = {p}")
            ax.legend()
    return ax1, ax2, ax3


def plot_convergence(ratios, cosines, *, seconds=None, axes=None):
    """Two panels over the epochs: error ratio to PCA, and every principal-angle cosine (last in red).

    The x axis counts epochs, not seconds: the first epoch also pays for tracing the training step
    (and for XLA's compilation when it is on).  With ``seconds`` (elapsed at each epoch's end) the
    axis label says how long the
    first epoch and each later one took.
    """
    ax1, ax2 = panels(axes, 2, width=5.0)
    ratios = np.asarray(ratios, dtype=float)
    cos = np.asarray(cosines, dtype=float)
    if cos.ndim != 2 or len(cos) != len(ratios):
        raise ValueError(f"cosines must be epochs × k with one row per ratio ({len(ratios)}); got shape {cos.shape}")
    epochs = np.arange(1, len(ratios) + 1)
    xlabel = "epoch"
    if seconds is not None:
        t = np.asarray(seconds, dtype=float)
        later = f", then {np.diff(t).mean():.2f} s each" if len(t) > 1 else ""
        xlabel = f"epoch (the first took {t[0]:.1f} s, tracing included{later})"
    ax1.semilogy(epochs, np.maximum(ratios - 1, 1e-7), "o-", ms=3)  # ≤ 0 would vanish on log
    ax1.set(xlabel=xlabel, ylabel="test MSE ratio − 1 (AE / PCA)", title="Reconstruction error reaches the PCA optimum")
    ax2.plot(epochs, 1 - cos[:, :-1], color="C0", alpha=0.35, lw=1)
    ax2.plot(epochs, 1 - cos[:, -1], color="C3", lw=2, label="last (largest) angle")
    ax2.set(yscale="log", xlabel=xlabel, ylabel="1 − cos(principal angle)",
            title="col(A) turns onto the top-p eigenvectors")
    ax2.legend()
    _degrees_axis(ax2)
    from matplotlib.ticker import MaxNLocator

    for ax in (ax1, ax2):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return ax1, ax2


def _degrees_axis(ax):
    """A right-hand axis reading ``ax``'s 1 − cos(θ) values (log scale) as the angle θ in degrees."""
    def to_degrees(one_minus_cos):
        return np.degrees(np.arccos(np.clip(1 - np.asarray(one_minus_cos, dtype=float), -1.0, 1.0)))

    def from_degrees(deg):
        return 1 - np.cos(np.radians(np.asarray(deg, dtype=float)))

    right = ax.secondary_yaxis("right", functions=(to_degrees, from_degrees))
    low, high = ax.get_ylim()
    ticks = [d for d in (0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 90) if low <= from_degrees(d) <= high]
    right.set_yticks(ticks, [f"{d:g}°" for d in ticks])
    right.set_ylabel("principal angle θ")
    return right


def plot_error_surface(theta1, theta2, errors, *, labels=("θ₁", "θ₂"), ax=None, title="E around a saddle"):
    """Filled contours of a 2-D error slice ``errors[i, j]`` at (theta1[i], theta2[j]), saddle marked."""
    ax = panels(ax, 1)[0]
    deg1, deg2 = np.degrees(theta1), np.degrees(theta2)
    cs = ax.contourf(deg1, deg2, np.asarray(errors).T, levels=20, cmap="viridis")
    ax.figure.colorbar(cs, ax=ax, label="E / m")
    ax.plot([0], [0], "w*", ms=12, label="critical point")
    ax.set(xlabel=f"{labels[0]} (degrees)", ylabel=f"{labels[1]} (degrees)", title=title)
    ax.legend(loc="upper right")
    return ax


def plot_error_vs_p(pca: PCA, test_mse, trained: dict, *, ax=None):
    """Test MSE against p: PCA on test data (solid), PCA's closed form on training data (dashed, drawn
    on top so that both stay visible where they nearly coincide) and trained linear AEs (open circles)."""
    ax = panels(ax, 1, width=6.0)[0]
    ps = np.arange(1, pca.n + 1)
    ax.plot(ps, np.asarray(test_mse)[1:], color="C0", lw=3, alpha=0.6, label="PCA, test digits")
    ax.plot(ps, pca.optimal_errors()[1:] / pca.n, "--", color="k", lw=1.2,
            label=r"PCA, training digits ($\sum_{i>p} \lambda_i / n$)")
    qs = sorted(trained)
    ax.plot(qs, [trained[q] for q in qs], "o", mfc="none", mec="C3", mew=2, ms=9,
            label="linear AE by gradient descent, test")
    ax.set(xscale="log", ylim=(0, None), xlabel="p (code size, log scale)", ylabel="MSE per pixel",
           title="Trained linear autoencoders sit on the PCA curve")
    ax.legend()
    return ax


def plot_entropy_floor(x, ax=None):
    """Where the cross-entropy floor of grey-level digits comes from, three panels (notebook 01).

    The binary entropy H(v) of one pixel value, a histogram of the strictly grey pixels of ``x``
    (log counts) and the mean H at each of the 28 × 28 positions.  Returns the three axes.
    """
    from aehelpers.theory.framework import binary_entropy

    x = as_matrix(x, "x", n_cols=784)
    if x.min() < 0 or x.max() > 1:
        raise ValueError(f"x must hold pixel values in [0, 1]; got values from {x.min()} to {x.max()}")
    ax_H, ax_h, ax_map = panels(ax, 3, width=4.6, height=3.8)
    grid = np.linspace(0, 1, 201)
    ax_H.plot(grid, binary_entropy(grid), color="#a23b3b")
    ax_H.set(xlabel="pixel value v", ylabel="binary entropy H(v), nats", title="the entropy of one pixel")
    ax_h.hist(x[(x > 0) & (x < 1)], bins=51, range=(0, 1), color="#9ecae1")
    ax_h.set(yscale="log", xlabel="pixel value (strictly between 0 and 1)", ylabel="number of pixels (log scale)",
             title="grey pixels")
    h_map = binary_entropy(x).mean(axis=0).reshape(28, 28)
    im = ax_map.imshow(h_map, cmap="magma")
    ax_map.set(title=f"mean H per pixel position\n(overall mean {h_map.mean():.4f} nats)",
               xlabel="pixel column", ylabel="pixel row")
    ax_map.grid(False)
    ax_map.figure.colorbar(im, ax=ax_map, label="nats")
    return ax_H, ax_h, ax_map


def plot_critical_points(points, *, ax=None):
    """Horizontal bars: the error Σ_{i∉I} λᵢ of each critical point, minimum green, saddles orange."""
    ax = panels(ax, 1)[0]
    order = sorted(points, key=lambda pt: pt.error)
    colours = ["C2" if pt.kind == "minimum" else "C1" for pt in order]
    ax.barh([pt.label() for pt in order], [pt.error for pt in order], color=colours)
    ax.invert_yaxis()
    lo = min(pt.error for pt in order)
    ax.set(xlim=(lo * 0.995, max(pt.error for pt in order) * 1.002), xlabel="E / m at the critical point",
           ylabel="eigenvectors I", title="Critical points (green: minimum, orange: saddles)")
    return ax


def plot_paths(paths: dict, *, ax=None, title="Descending from saddles to the minimum"):
    """Error along paths: ``{label: (t, errors)}`` with t the path parameter (rotation in degrees)."""
    ax = panels(ax, 1)[0]
    for label, (t, errors) in paths.items():
        ax.plot(t, errors, lw=2, label=label)
    ax.set(xlabel="rotation along the path (degrees)", ylabel="E / m", title=title)
    ax.legend(fontsize=8)
    return ax


# --- Hebbian learning (notebook 05) ------------------------------------------------------------------

def plot_hebbian_convergence(results, ax=None):
    """Smallest principal-angle cosine to the PCA subspace after every epoch, one line per run.

    ``results`` maps a label to a :class:`~aehelpers.theory.hebbian.HebbianResult` trained with a ``track`` returning that cosine.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for label, res in results.items():
        if not res.trace:
            raise ValueError(f"{label}: no trace; train with track=... to plot convergence")
        ax.plot(np.arange(1, len(res.trace) + 1), res.trace, "o-", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("smallest cosine of the principal angles")
    ax.set_title("Hebbian learning converges to the PCA subspace")
    ax.legend()
    return ax


# --- Boolean autoencoders (notebook 05) --------------------------------------------------------------

def plot_exhaustive_growth(rows, ax=None):
    """Time of exhaustive search against the number of points m, one line per p (log scale).

    ``rows`` are ``(m, p, n_partitions, seconds)`` tuples.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    rows = np.asarray(rows, dtype=float)
    for p in np.unique(rows[:, 1]):
        sel = rows[rows[:, 1] == p]
        ax.semilogy(sel[:, 0], sel[:, 3], "o-", label=f"p = {int(p)} (≤ {2 ** int(p)} clusters)")
    ax.set_xlabel("number of points m")
    ax.set_ylabel("exhaustive search time (s, log scale)")
    ax.set_title("Exact Boolean autoencoder: time grows with the number of partitions")
    ax.legend()
    return ax


def plot_remedies(rows, *, ax=None):
    """Bars per ``ae.error_table`` row: digit and non-digit error, the gap hatched on top (notebook 03). Returns ``ax``."""
    keys = ("digits", "non-digits", "gap")
    if not rows or not all(isinstance(r, dict) and {"model", *keys} <= r.keys() for r in rows):
        raise ValueError(f"rows must be ae.error_table rows with the keys 'model', {keys}; got {str(rows)[:200]}")
    d, nd, gap = as_matrix([[r[k] for k in keys] for r in rows], "the rows' errors (digits, non-digits, gap)").T
    ax, pos = axes_for(ax, (7.5, 3.6)), np.arange(len(rows))
    ax.bar(pos - 0.2, d, width=0.4, label="digits (unseen test digits)")
    ax.bar(pos + 0.2, nd, width=0.4, label="non-digits (mean over the families)")
    ax.bar(pos + 0.2, gap, bottom=d, width=0.4, fill=False, hatch="//", edgecolor="black", label="gap = non-digits − digits")
    ax.set_xticks(pos, [str(r["model"]).replace(" ", "\n", 1) for r in rows])
    ax.set(xlabel="model (all trained on the same digits)", ylabel="reconstruction MSE per pixel", ylim=(0, 1.3 * nd.max()),
           title="Remedies pay in digit error and refuse to copy non-digits")
    ax.legend(loc="upper left", fontsize=8)
    return ax

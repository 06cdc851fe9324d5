"""The pictures of notebook 02 (cosmetic): spectrum, convergence, error surface and paths.

Each takes ``ax``/``axes=None`` and returns what it drew.  Introduced in notebook 02.
"""
from __future__ import annotations

import numpy as np

from .pca import PCA
from .plotting import panels


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


def plot_convergence(seconds, ratios, cosines, axes=None):
    """Two panels over training time: error ratio to PCA, and every principal-angle cosine (last in red)."""
    ax1, ax2 = panels(axes, 2, width=5.0)
    ax1.semilogy(seconds, np.maximum(np.asarray(ratios) - 1, 1e-7), "o-", ms=3)  # ≤ 0 would vanish on log
    ax1.set(xlabel="training time (s)", ylabel="test MSE ratio − 1 (AE / PCA)",
            title="Reconstruction error reaches the PCA optimum")
    cos = np.asarray(cosines)
    ax2.plot(seconds, 1 - cos[:, :-1], color="C0", alpha=0.35, lw=1)
    ax2.plot(seconds, 1 - cos[:, -1], color="C3", lw=2, label="last (largest) angle")
    ax2.set(yscale="log", xlabel="training time (s)", ylabel="1 − cos(principal angle)",
            title="col(A) turns onto the top-p eigenvectors")
    ax2.legend()
    return ax1, ax2


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
    """Test MSE against p: PCA's closed form on training data, PCA on test data, trained linear AEs."""
    ax = panels(ax, 1, width=6.0)[0]
    ps = np.arange(1, pca.n + 1)
    ax.plot(ps, pca.optimal_errors()[1:] / pca.n, color="0.6", lw=2,
            label=r"PCA, training ($\sum_{i>p} \lambda_i / n$)")
    ax.plot(ps, np.asarray(test_mse)[1:], color="C0", lw=1.5, label="PCA, test")
    qs = sorted(trained)
    ax.plot(qs, [trained[q] for q in qs], "o", color="C3", ms=7, label="linear AE by gradient descent, test")
    ax.set(xscale="log", ylim=(0, None), xlabel="p (code size, log scale)", ylabel="MSE per pixel",
           title="Error against p: trained linear autoencoders sit on the PCA curve")
    ax.legend()
    return ax


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

"""Figures of the appendix notebooks (the deep dives), so that their cells show the measurement, not Matplotlib.

Cosmetic code a reader may skip; each function checks what it is given and returns what it drew.
Introduced in notebook 02a.

* ``plot_captured_by_step`` (02a): how much of each eigenvector uᵢ lies in col(A), step by step.
* ``plot_alternating`` (02a): alternating least squares' excess error per round, against the rate
  (λ_{p+1}/λ_p)^{2k} the eigengap predicts.
* ``plot_jacobian`` (03a): rows of each model's Jacobian at a few output pixels, then one model's
  columns at a few input pixels, as signed 28 × 28 pictures.
* ``plot_weight_pictures`` (03a): each model's first decoder columns and encoder rows as signed pictures.
* ``plot_family_sweep`` (03a): each probe family's absolute and relative error against the code size.
* ``plot_class_profiles`` (04a): the average code of each digit class, units in standard scores.
* ``plot_hebbian_neurons`` (05a): how fast each Hebbian rule reaches the PCA subspace, and its neurons
  beside the eigenvectors.
"""
from __future__ import annotations

import numpy as np

from aehelpers.checks import as_matrix, as_real_array
from aehelpers.views.pictures import axes_for, panels, plot_digit_rows
from aehelpers.views.codes import standardise, unit_order


def _vector(x, name: str, *, min_size: int = 1) -> np.ndarray:
    arr = as_real_array(x, name).astype(float)
    if arr.ndim != 1 or arr.size < min_size or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be a 1-D array of at least {min_size} finite number(s); "
                         f"got shape {arr.shape}{'' if np.all(np.isfinite(arr)) else ' with NaN/inf'}")
    return arr


def _sub(n: int) -> str:
    """``n`` in subscript digits (u₃₂, not u_32)."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def plot_captured_by_step(history, *, ax=None):
    """‖P_A uᵢ‖² (the share of eigenvector uᵢ inside col(A)) after every step, one thin line per i
    coloured from u₁ (dark) to u_p (light), with the means of the first four and the last four thick.
    ``history`` is steps × p, each row in [0, 1].  Returns ``ax``."""
    import matplotlib.pyplot as plt

    history = as_matrix(history, "history (steps × p shares ‖P_A uᵢ‖²)")
    if history.min() < -1e-9 or history.max() > 1 + 1e-9:
        raise ValueError(f"history must hold shares in [0, 1]; got values from {history.min():.3g} to {history.max():.3g}")
    steps, p = history.shape
    ax = axes_for(ax, (7, 3.8))
    x = np.arange(1, steps + 1)
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, p))
    for i in range(p):
        ax.plot(x, history[:, i], color=colours[i], lw=0.6, alpha=0.6)
    k = min(4, p)
    ax.plot(x, history[:, :k].mean(axis=1), color=colours[0], lw=2.5, label=f"u₁…u{_sub(k)}, mean")
    ax.plot(x, history[:, -k:].mean(axis=1), color=colours[-1], lw=2.5, label=f"the last {k} (…u{_sub(p)}), mean")
    ax.axhline(0.5, color="0.5", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set(xlabel="gradient step (log scale)", ylabel="‖P_A uᵢ‖², share of uᵢ in col(A)", ylim=(-0.02, 1.02),
           title="Plain gradient descent: each eigenvector's share of the code space")
    ax.legend(loc="lower right")
    return ax


def plot_alternating(ratios, eigen_ratio: float, *, ax=None):
    """E/E* − 1 after each round of alternating least squares (log scale), with the dashed rate
    (λ_{p+1}/λ_p)^{2(k−1)} started at the first round.  ``ratios`` are E/E* (≥ 1), ``eigen_ratio``
    is λ_{p+1}/λ_p in (0, 1].  Returns ``ax``."""
    ratios = _vector(ratios, "ratios (E / E* per round)")
    if not 0 < float(eigen_ratio) <= 1:
        raise ValueError(f"eigen_ratio must be λ_(p+1)/λ_p in (0, 1]; got {eigen_ratio!r}")
    excess = ratios - 1  # round-off at the optimum can dip below 0: the log axis leaves those rounds out
    k = np.arange(1, len(ratios) + 1)
    ax = axes_for(ax, (6, 3.6))
    ax.semilogy(k, excess, label="alternating least squares")
    ax.semilogy(k, excess[0] * float(eigen_ratio) ** (2 * (k - 1)), "--", color="0.5",
                label=r"$(\lambda_{p+1}/\lambda_p)^{2k}$")
    ax.set(xlabel="round k", ylabel="E / E* − 1", title="Alternating the fixed-layer solutions")
    ax.legend()
    return ax


def _square(m, name: str) -> np.ndarray:
    m = as_matrix(m, name)
    side = int(round(np.sqrt(m.shape[1])))
    if m.shape[0] != m.shape[1] or side * side != m.shape[1]:
        raise ValueError(f"{name} must be an n × n Jacobian with n a square (784 = 28²); got shape {m.shape}")
    return m


def _pixels(pixels, side: int, name: str) -> list[tuple[int, int]]:
    try:
        out = [(int(r), int(c)) for r, c in pixels]
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be (row, column) pairs; got {str(pixels)[:120]}") from err
    if not out or any(not (0 <= r < side and 0 <= c < side) for r, c in out):
        raise ValueError(f"{name} must be a non-empty list of (row, column) pairs in [0, {side}); got {out}")
    return out


def plot_jacobian(jacobians: dict, pixels, columns_at, *, distances: dict | None = None, columns_note: str = ""):
    """One panel per model: the rows of its Jacobian (``jacobians`` maps a label to an n × n matrix,
    output pixel × input pixel) at the output ``pixels``; then a last panel with the *columns* of the
    first model at the input pixels ``columns_at``.  ``distances`` (same labels) puts ‖J − I‖/‖I‖ on
    the seen pixels in each title; ``columns_note`` says what the column pixels are.  Red is positive, blue negative, each panel on its own symmetric
    scale.  Returns the figure."""
    import matplotlib.pyplot as plt

    if not isinstance(jacobians, dict) or not jacobians:
        raise ValueError(f"jacobians must map a label to an n × n Jacobian; got {type(jacobians).__name__}")
    mats = {label: _square(m, f"jacobians[{label!r}]") for label, m in jacobians.items()}
    side = int(round(np.sqrt(next(iter(mats.values())).shape[1])))
    rows_at, cols_at = _pixels(pixels, side, "pixels"), _pixels(columns_at, side, "columns_at")
    distances = distances or {}
    fig, axes = plt.subplots(len(mats) + 1, 1, figsize=(7.5, 2.2 * (len(mats) + 1)), constrained_layout=True)

    def panel(ax, label, pictures, at, xlabel, title):
        lim = float(np.abs(pictures).max()) or 1.0
        plot_digit_rows({label: pictures}, ax=ax, cmap="RdBu_r", vmin=-lim, vmax=lim,
                        column_labels=[f"({r},{c})" for r, c in at], xlabel=xlabel, title=title)

    for ax, (label, m) in zip(axes, mats.items()):
        name = str(label).splitlines()[0]
        title = name if label not in distances else f"{name}: ‖J − I‖/‖I‖ = {float(distances[label]):.2f} on seen pixels"
        panel(ax, label, np.stack([m[r * side + c] for r, c in rows_at]), rows_at,
              "output pixel (row, column) · red +, blue −", title)
    first = next(iter(mats))
    name = str(first).splitlines()[0]
    panel(axes[-1], f"{name}\ncolumns", np.stack([mats[first][:, r * side + c] for r, c in cols_at]), cols_at,
          f"input pixel (row, column){', ' + columns_note if columns_note else ''}", f"{name}: columns (the identity: one dot at the pixel)")
    fig.suptitle("The Jacobian ∂(A∘B)/∂x at a test digit: rows (top), columns (bottom)")
    return fig


def plot_weight_pictures(weights: dict, *, units: int = 12):
    """One panel per model: ``weights`` maps a name to ``(W_enc, W_dec)``, both p × n (encoder rows,
    decoder columns); the first ``units`` of each are drawn as signed 28 × 28 pictures, red positive, blue
    negative, on the panel's own symmetric scale.  Returns the figure."""
    import matplotlib.pyplot as plt

    if not isinstance(weights, dict) or not weights:
        raise ValueError(f"weights must map a model's name to (W_enc, W_dec); got {type(weights).__name__}")
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise ValueError(f"units must be a positive integer; got {units!r}")
    pairs = {}
    for name, pair in weights.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"weights[{name!r}] must be a pair (W_enc, W_dec); got {type(pair).__name__}")
        enc, dec = (as_matrix(w, f"weights[{name!r}][{k}] ({what}, p × n)")
                    for k, (w, what) in enumerate(zip(pair, ("encoder rows", "decoder columns"))))
        if enc.shape != dec.shape:
            raise ValueError(f"weights[{name!r}]: encoder and decoder must have the same shape; got {enc.shape} and {dec.shape}")
        pairs[name] = (enc, dec)
    fig, axes = plt.subplots(len(pairs), 1, figsize=(12, 3.2 * len(pairs)), constrained_layout=True, squeeze=False)
    for ax, (name, (enc, dec)) in zip(axes[:, 0], pairs.items()):
        k = min(units, len(dec))
        shown = {"decoder\ncolumn": dec[:k], "encoder\nrow": enc[:k]}
        lim = float(max(np.abs(w).max() for w in shown.values())) or 1.0
        plot_digit_rows(shown, ax=ax, cmap="RdBu_r", vmin=-lim, vmax=lim, column_labels=range(1, k + 1),
                        xlabel="code unit", title=f"{name} (p = {len(dec)}): first {k} code units")
    fig.suptitle("Weights as 28×28 images: decoder columns and encoder rows (red +, blue −)")
    return fig


def plot_family_sweep(results: dict, *, n: int = 784, axes=None):
    """Each family's reconstruction error (left) and relative error Σ‖x − x̂‖²/Σ‖x‖² (right) against
    the code size p on log axes, with n dashed; ``results`` comes from ``ae.identity_views``.  Returns the axes."""
    if not isinstance(results, dict) or not {"families", "views"} <= results.keys() or not results["views"]:
        raise ValueError(f"results must come from ae.identity_views (keys 'families' and 'views'); "
                         f"got {str(results)[:120]}")
    sizes = sorted(results["views"])
    ax_abs, ax_rel = panels(axes, 2, width=6, height=4.2)
    for family in results["families"]:
        style = dict(lw=2.5 if family == "digits" else 1.2, label=family)
        for ax, key in ((ax_abs, "errors"), (ax_rel, "relative")):
            ax.plot(sizes, [results["views"][s][key][family] for s in sizes], "o-", **style)
    for ax, ylabel, title in ((ax_abs, "reconstruction MSE per pixel (log)", "Absolute error"),
                              (ax_rel, "relative error Σ‖x − x̂‖² / Σ‖x‖² (log)",
                               "Relative error: divided by each family's ink")):
        ax.axvline(n, color="grey", ls="--", lw=1)
        ax.set(yscale="log", xlabel="code size p (log scale)", ylabel=ylabel, title=title)
        ax.set_xscale("log", base=2)
    ax_abs.legend(fontsize=8)
    ax_abs.figure.suptitle(f"Every family against p, towards and past n = {n} (dashed)")
    return np.array([ax_abs, ax_rel])


def plot_class_profiles(codes, labels, *, limit: float = 1.5, ax=None):
    """One row per class: the average code of its examples, each unit in standard deviations above its
    own average over all examples (red more, blue less, clipped at ± ``limit``), units ordered by the
    class they favour (``ae.unit_order``).  Returns ``ax``."""
    codes = as_matrix(codes, "codes")
    labels = np.asarray(labels)
    order = unit_order(codes, labels)  # checks one label per code row
    classes = np.unique(labels)
    scores = standardise(codes)
    profiles = np.stack([scores[labels == c].mean(axis=0) for c in classes])[:, order]
    ax = axes_for(ax, (9, 3.4))
    im = ax.imshow(profiles, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
    p = codes.shape[1]
    ax.set(yticks=range(len(classes)), yticklabels=[str(c) for c in classes], ylabel="digit class", xticks=[],
           xlabel=f"code unit (the {p} units, by the class they favour)", title=f"The average {p}-number code of each class")
    ax.grid(False)
    ax.figure.colorbar(im, ax=ax, label="stds above the unit's average")
    return ax


def plot_hebbian_neurons(results: dict, eigenvectors, *, aligned=(),
                         titles=("How fast each rule reaches the PCA subspace", "The neurons beside the eigenvectors")):
    """Left: 1 − the smallest principal cosine to the PCA subspace per epoch for each rule in ``results``
    (label → ``HebbianResult`` trained with that cosine as ``track``); right: the eigenvectors
    (``eigenvectors``, n × p, columns) above each rule's neurons (rows of ``W``, scaled to unit length;
    the rules in ``aligned`` also get each neuron's sign turned towards its eigenvector).  ``titles`` are the
    two panels'.  The first two rules are drawn wide and pale, then thin and dashed, so both show where they
    coincide.  Returns the figure."""
    import matplotlib.pyplot as plt

    if not isinstance(results, dict) or not results:
        raise ValueError(f"results must map a rule's name to its HebbianResult; got {type(results).__name__}")
    for label, res in results.items():
        if not getattr(res, "trace", None) or getattr(res, "W", None) is None:
            raise ValueError(f"results[{label!r}] must be a HebbianResult trained with track=...; "
                             f"got {type(res).__name__} without a trace")
    U = as_matrix(eigenvectors, "eigenvectors (n × p, one per column)")
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw={"width_ratios": [1, 1.3]})
    widths = iter([dict(lw=5, ms=10, alpha=0.35, marker="o"), dict(lw=1.2, ms=4, ls="--", marker="s")])
    rows = {"PCA": U.T}
    for label, res in results.items():
        gap = np.maximum(1 - np.asarray(res.trace, dtype=float), 1e-12)  # 1 − cosine on a log scale
        ax0.semilogy(np.arange(1, len(gap) + 1), gap, label=label, **next(widths, dict(lw=1)))
        W = as_matrix(res.W, f"results[{label!r}].W", n_cols=U.shape[0])
        W = W / np.linalg.norm(W, axis=1, keepdims=True)
        if label in aligned:
            W = np.sign(np.sum(W * U.T[:len(W)], axis=1))[:, None] * W
        rows[label] = W
    ax0.set(xlabel="epoch", ylabel="1 − smallest principal cosine", title=titles[0])
    ax0.legend()
    lim = max(float(np.abs(r).max()) for r in rows.values())
    plot_digit_rows(rows, cmap="RdBu_r", vmin=-lim, vmax=lim, ax=ax1, column_labels=range(1, U.shape[1] + 1),
                    xlabel="eigenvector / neuron", title=titles[1])
    return fig

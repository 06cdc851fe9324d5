"""Pictures of the codes an encoder gives (notebook 04): which units fire for which digit.

Cosmetic code a reader may skip, like ``views/plots.py``: each plot takes ``ax=None`` (``axes=None``
for several panels) and returns what it drew.

* ``plot_codes_by_class``: one row per test digit grouped 0…9, one column per unit in standard
  scores, units ordered by ``unit_order``; and each unit's mean activity, dead units marked.
* ``plot_code_heatmap``: a few raw codes, white = large, black = 0.
* ``pick_by_class``, ``standardise`` and ``unit_order``: the choices behind those pictures.

Introduced in notebook 04.
"""
from __future__ import annotations

import numpy as np

from aehelpers.checks import as_matrix, check_int_in_range
from aehelpers.views.pictures import axes_for, panels


def pick_by_class(labels, per_class: int = 20) -> np.ndarray:
    """Indices of the first ``per_class`` examples of each class, classes in increasing order."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array; got shape {labels.shape}")
    per_class = check_int_in_range(per_class, "per_class", 1)
    return np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in np.unique(labels)])


def standardise(codes) -> np.ndarray:
    """Each unit's activations as standard scores over the rows: 0 is the unit's mean, ±1 one std (dead units 0)."""
    codes = as_matrix(codes, "codes")
    std = codes.std(axis=0)
    return (codes - codes.mean(axis=0)) / np.where(std > 0, std, 1.0)


def unit_order(codes, labels) -> np.ndarray:
    """Code units ordered by the class they respond to most (relative to the unit's own mean), then by how much."""
    codes = as_matrix(codes, "codes")
    labels = np.asarray(labels)
    if labels.shape != (len(codes),):
        raise ValueError(f"labels must hold one class per code row ({len(codes)}); got shape {labels.shape}")
    classes = np.unique(labels)
    scores = standardise(codes)
    means = np.stack([scores[labels == c].mean(axis=0) for c in classes])  # classes × p
    favourite = means.argmax(axis=0)
    strength = means.max(axis=0)
    return np.lexsort((-strength, favourite))


def plot_codes_by_class(codes, labels, *, per_class: int = 20, title: str | None = None, axes=None):
    """Heat-map of standardised codes by digit class (left) and each unit's mean ± std activation, sorted (right).

    ``codes`` is (m, p) from the encoder, ``labels`` the m digit classes.  The heat-map's columns
    are the units in the order ``unit_order(codes, labels)``.  Returns the two ``axes``.
    """
    codes = as_matrix(codes, "codes")
    labels = np.asarray(labels)
    order = unit_order(codes, labels)  # also checks one label per code row
    rows = pick_by_class(labels, per_class)
    shown, shown_labels = standardise(codes)[rows][:, order], labels[rows]
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1.3, 1]})
    ax_map, ax_units = panels(axes, 2)
    fig = ax_map.figure
    p = codes.shape[1]
    im = ax_map.imshow(shown, aspect="auto", cmap="RdBu_r", interpolation="nearest", vmin=-2.5, vmax=2.5)
    bounds = np.flatnonzero(np.diff(shown_labels)) + 0.5
    for y in bounds:
        ax_map.axhline(y, color="white", linewidth=0.6)
    starts = np.concatenate([[0], np.ceil(bounds).astype(int)])
    ends = np.concatenate([np.ceil(bounds).astype(int), [len(rows)]])
    ax_map.set_yticks((starts + ends - 1) / 2, [str(c) for c in shown_labels[starts]])
    ax_map.set_ylabel(f"test digits, grouped by class ({per_class} each)")
    ax_map.set_xlabel(f"code unit (the {p} units, ordered by the digit they respond to most)")
    ax_map.set_xticks([])
    ax_map.grid(False)
    ax_map.set_title("codes of test digits")
    fig.colorbar(im, ax=ax_map, label="activation in stds above the unit's mean")

    mean, std = codes.mean(axis=0), codes.std(axis=0)
    by_mean = np.argsort(-mean)
    dead = np.all(codes <= 0, axis=0)[by_mean]
    xs = np.arange(p)
    ax_units.errorbar(xs[~dead], mean[by_mean][~dead], yerr=std[by_mean][~dead], fmt="o", markersize=3,
                      capsize=2, color="tab:blue", label="mean ± std over all test digits")
    if dead.any():
        ax_units.plot(xs[dead], np.zeros(dead.sum()), "x", color="tab:red",
                      label=f"dead: zero on every digit ({int(dead.sum())})")
    ax_units.set_xlabel("code unit, sorted by mean activation")
    ax_units.set_ylabel("activation")
    ax_units.set_title("each unit's activation")
    ax_units.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return np.array([ax_map, ax_units])


def plot_code_heatmap(codes, *, vmax: float | None = None, colorbar: bool = True, ax=None):
    """A few codes as a heat-map: one row per digit, one column per code unit; white = large, black = 0.

    ``vmax`` fixes the top of the colour scale (default: the largest value shown).  Returns ``ax``.
    """
    codes = as_matrix(codes, "codes")
    top = float(codes.max()) if vmax is None else float(vmax)
    k, p = codes.shape
    ax = axes_for(ax, (4.2, 3.2))
    im = ax.imshow(codes, aspect="auto", cmap="gray", vmin=0.0, vmax=top if top > 0 else 1.0,
                   interpolation="nearest")
    units = range(1, p + 1) if p <= 8 else sorted({1, *(q * p // 4 for q in range(1, 5))})  # 1, p/4, …, p
    ax.set_xticks([u - 1 for u in units], [str(u) for u in units])
    ax.set_yticks(range(k), [str(i + 1) for i in range(k)])
    ax.tick_params(labelsize=8)
    ax.set_xlabel(f"code unit (1 … {p})")
    ax.set_ylabel("test digit")
    ax.grid(False)
    ax.set_title(f"codes: {k} digits × {p} units")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label="activation")
    return ax

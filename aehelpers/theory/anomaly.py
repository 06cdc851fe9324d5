"""Anomaly scores and the area under the ROC curve, in NumPy (no scikit-learn).

``roc_auc(normal, anomalous)`` is the chance that a random anomaly scores higher than a random
normal example (ties count one half): the Mann–Whitney U statistic divided by the number of
pairs.  ``roc_curve`` gives the points to draw (``aehelpers.views.robustness`` draws them).
``cross_entropy_excess`` is a reconstruction score with each image's own entropy floor taken out.
Introduced in notebook 06.
"""
from __future__ import annotations

import numpy as np

from aehelpers.checks import as_real_array, check_images
from aehelpers.theory.framework import binary_entropy, mean_cross_entropy


def check_scores(x, name: str = "scores") -> np.ndarray:
    """``x`` as a non-empty 1-D float array of finite scores, else ``ValueError`` saying what was wrong."""
    arr = as_real_array(x, name).astype(np.float64)
    if arr.ndim != 1 or len(arr) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of scores; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {int(np.sum(~np.isfinite(arr)))} NaN/inf score(s)")
    return arr


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks with ties given their average rank."""
    order = np.argsort(values, kind="mergesort")
    sorted_v = values[order]
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    _, first, counts = np.unique(sorted_v, return_index=True, return_counts=True)
    for start, c in zip(first, counts):
        if c > 1:
            ranks[order[start:start + c]] = start + (c + 1) / 2
    return ranks


def roc_auc(normal, anomalous) -> float:
    """Area under the ROC curve when higher scores mean "anomaly": 1 perfect, 0.5 chance."""
    a, b = check_scores(normal, "normal"), check_scores(anomalous, "anomalous")
    ranks = _ranks(np.concatenate([a, b]))
    u = ranks[len(a):].sum() - len(b) * (len(b) + 1) / 2
    return float(u / (len(a) * len(b)))


def roc_curve(normal, anomalous) -> tuple[np.ndarray, np.ndarray]:
    """``(false positive rate, true positive rate)`` at every threshold, from (0, 0) to (1, 1)."""
    a, b = check_scores(normal, "normal"), check_scores(anomalous, "anomalous")
    thresholds = np.unique(np.concatenate([a, b]))[::-1]
    fpr = np.array([0.0, *[(a >= t).mean() for t in thresholds]])
    tpr = np.array([0.0, *[(b >= t).mean() for t in thresholds]])
    return fpr, tpr


def cross_entropy_excess(x_hat, x) -> np.ndarray:
    """Per image, cross-entropy of ``x_hat`` against ``x`` minus x's own floor, in nats per pixel.

    Mean over pixels of Δ(x̂ₖ, xₖ) − H(xₖ) = KL(Bern(xₖ) ‖ Bern(x̂ₖ)) ≥ 0: what the model gets wrong,
    without the grey-level entropy every reconstruction of x pays (more for blurred letters than
    for digits).  Notebook 06.
    """
    x = check_images(x, "images x", dtype=np.float64)
    x = x.reshape(len(x), -1)
    raw = mean_cross_entropy(x_hat, x, per_image=True)
    return raw - binary_entropy(x).mean(axis=1)

"""Inputs a trained autoencoder never saw: the noise-level slider, ROC curves and the threshold slider.

Denoising: ``prepare_noise_view`` corrupts a few test digits at every level of a grid once
(``ae.add_noise``, one noise pattern scaled) and runs the denoiser on them once;
``render_noise`` only tiles those arrays, so a slider move runs no model.  Anomalies:
``plot_roc`` draws the ROC curves of anomaly scores (``aehelpers.theory.anomaly``);
``prepare_threshold_view`` draws the score histograms once and ``render_threshold`` only marks
the threshold on them and counts what lies above it.  Introduced in notebook 06.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from aehelpers.checks import as_matrix, check_images, check_stop
from aehelpers.probes import SIDE, add_noise
from aehelpers.theory.anomaly import check_scores, roc_auc, roc_curve
from aehelpers.theory.framework import mean_cross_entropy
from aehelpers.views.pictures import axes_for, figure_pixels, mosaic, new_figure, to_png
from aehelpers.views.slider import Frame, Slider, format_label


# --- noisy digits and the denoiser (the noise-level slider) ---------------------------------------

def check_level(level, name: str = "noise level") -> float:
    """``level`` as a float in [0, 1], else ``ValueError`` naming the value."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number in [0, 1]; got {level!r} ({type(level).__name__})")
    v = float(level)
    if not np.isfinite(v) or v < 0.0 or v > 1.0:
        raise ValueError(f"{name} must lie in [0, 1]; got {v:g}")
    return v


def _as_images(x, name: str = "x") -> np.ndarray:
    """``x`` as float32 ``(k, 28, 28, 1)``, the shape the convolutional models take, else ``ValueError``.

    ``(k, 28, 28)`` gets its channel axis added; anything else (e.g. flattened ``(k, 784)``) is
    refused, and so are pixels outside [0, 1] or not finite (``checks.check_images``).
    """
    arr = check_images(x, name)
    if arr.ndim == 3 and arr.shape[1:] == (SIDE, SIDE):
        arr = arr[..., None]
    if arr.ndim != 4 or arr.shape[1:] != (SIDE, SIDE, 1) or len(arr) == 0:
        raise ValueError(f"{name}: the convolutional model takes images of shape (k, {SIDE}, {SIDE}, 1) "
                         f"or (k, {SIDE}, {SIDE}); got {arr.shape}"
                         + (" (flattened: use x.reshape(-1, 28, 28, 1))" if arr.ndim == 2 else ""))
    return arr


@dataclasses.dataclass(frozen=True)
class NoiseView:
    """Noisy inputs and denoised outputs of a few digits at every noise level, computed once."""

    levels: tuple
    clean: np.ndarray  # (k, 28, 28)
    noisy: dict  # level -> (k, 28, 28)
    denoised: dict  # level -> (k, 28, 28)
    bce: dict  # level -> mean cross-entropy of denoised against clean (all k digits), nats per pixel


def prepare_noise_view(denoise, x_clean, levels, *, seed: int = 0) -> NoiseView:
    """Corrupt ``x_clean`` at every level (one fixed noise pattern, scaled) and run ``denoise`` once on all.

    ``denoise`` maps ``(m, 28, 28, 1)`` images to the same shape (e.g. ``model.predict``).  The same
    standard-normal draw is scaled by each level, so moving the slider changes only the amount of noise.
    """
    levels = tuple(check_level(v, "each noise level") for v in levels)
    if not levels or len(set(levels)) != len(levels):
        raise ValueError(f"levels must be non-empty without repeats; got {levels!r}")
    clean = _as_images(x_clean, "x_clean")
    noisy = np.stack([add_noise(clean, v, seed) for v in levels])  # (L, k, 28, 28, 1): one pattern, scaled
    out = np.asarray(denoise(noisy.reshape(-1, SIDE, SIDE, 1)))
    if out.size != noisy.size:
        raise ValueError(f"denoise must return one {SIDE}×{SIDE} image per input ({noisy.shape[0] * noisy.shape[1]} "
                         f"images of shape ({SIDE}, {SIDE}, 1)); got shape {out.shape}")
    out = as_matrix(out.reshape(-1, SIDE * SIDE), "denoise(noisy images)", dtype=np.float32).reshape(noisy.shape)
    return NoiseView(levels, clean[..., 0],
                     {v: noisy[i, ..., 0] for i, v in enumerate(levels)},
                     {v: out[i, ..., 0] for i, v in enumerate(levels)},
                     {v: mean_cross_entropy(np.clip(out[i], 0.0, 1.0), clean) for i, v in enumerate(levels)})


def render_noise(view: NoiseView, level: float) -> Frame:
    """Rows: noisy input, denoised output, clean digit, at ``level`` (one of the view's levels)."""
    level = check_stop(level, view.levels, "noise level")
    k = len(view.clean)
    pic = mosaic(np.concatenate([view.noisy[level], view.denoised[level], view.clean]), ncols=k)
    label = f"noise level = {level:.2f} · denoised vs clean: BCE = {view.bce[level]:.4f}"
    return Frame(to_png(pic, scale=2), label, {"noise level": level, "BCE": view.bce[level]})


def noise_slider(view: NoiseView, level: float = 0.5) -> Slider:
    """One slider over the noise levels, starting at the one nearest ``level`` (outside them: ``ValueError``)."""
    return Slider(lambda level: render_noise(view, level), {"level": view.levels}, {"level": level}, nearest=True,
                  caption="rows: noisy input · denoised by the model · the clean digit")


# --- anomaly scores (ROC curves and the threshold slider) -----------------------------------------

def plot_roc(curves: dict, *, title: str = "ROC curves", ax=None):
    """One ROC curve per name in ``curves`` (``{name: (normal, anomalous)}``), AUC in the legend. Returns ``ax``."""
    ax = axes_for(ax, (4.6, 4.2))
    for name, (normal, anomalous) in curves.items():
        fpr, tpr = roc_curve(normal, anomalous)
        ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc(normal, anomalous):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1, label="chance")
    ax.set_xlabel("false positive rate (test digits flagged)")
    ax.set_ylabel("true positive rate (non-digits flagged)")
    ax.set_title(title)
    ax.legend(fontsize=7)
    return ax


@dataclasses.dataclass(frozen=True)
class ThresholdView:
    """Score histograms drawn once, and the share of each group flagged at every threshold."""

    thresholds: tuple
    flagged: dict  # threshold -> {group: share of the group scoring >= threshold}
    hist_rgb: np.ndarray  # (H, W, 3) uint8, the histograms (log-scaled score axis)
    to_pixel: tuple  # (x0, pixels per unit of log10(score)): score -> column
    hist_png: bytes = b""  # the histograms as PNG, encoded once


def _draw_histograms(groups: dict, lo: float, hi: float, xlabel: str, size=(420, 240)) -> tuple[np.ndarray, tuple]:
    from matplotlib import colormaps

    fig = new_figure(size[0] / 100, size[1] / 100, facecolor="black")
    ax = fig.add_axes((0.02, 0.2, 0.96, 0.78), facecolor="black")
    bins = np.logspace(np.log10(lo), np.log10(hi), 60)
    colours = colormaps["tab10"]
    for k, (name, scores) in enumerate(groups.items()):
        colour = "white" if k == 0 else colours(k - 1)  # the test digits in white, as the digits themselves
        ax.hist(scores, bins=bins, density=True, histtype="step", color=colour, linewidth=1.2, label=name)
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_yticks([])
    ax.set_xlabel(xlabel, color="0.8", fontsize=7, labelpad=1)
    ax.tick_params(colors="0.8", labelsize=7)
    for spine in ax.spines.values():
        spine.set_color("0.4")
    ax.legend(fontsize=6, facecolor="black", labelcolor="0.9", edgecolor="0.4", loc="upper right")
    rgb = figure_pixels(fig)
    (x_lo, _), (x_hi, _) = ax.transData.transform([(lo, 1.0), (hi, 1.0)])
    per_decade = (x_hi - x_lo) / (np.log10(hi) - np.log10(lo))
    return rgb, (float(x_lo - per_decade * np.log10(lo)), float(per_decade))


def prepare_threshold_view(normal, anomalous: dict, *, n_stops: int = 25, normal_name: str = "test digits",
                           score_name: str = "score") -> ThresholdView:
    """Thresholds between the lowest and highest scores (log-spaced), the histograms drawn once.

    ``normal`` are the scores of normal examples, ``anomalous`` maps a family name to its scores
    (higher means more anomalous, positive numbers such as a cross-entropy).
    """
    if not isinstance(anomalous, dict) or not anomalous:
        raise ValueError(f"anomalous must map at least one family name to scores; got {type(anomalous).__name__}")
    groups = {normal_name: check_scores(normal, "normal")}
    groups.update({str(k): check_scores(v, f"anomalous[{k!r}]") for k, v in anomalous.items()})
    lo, hi = min(g.min() for g in groups.values()), max(g.max() for g in groups.values())
    if lo <= 0:
        raise ValueError(f"scores must be positive (the axis is logarithmic); got a smallest score of {lo:g}")
    if isinstance(n_stops, bool) or not isinstance(n_stops, (int, np.integer)) or n_stops < 2:
        raise ValueError(f"n_stops must be an integer >= 2; got {n_stops!r}")
    unit = 10.0 ** (np.floor(np.log10(lo)) - 2)  # three significant digits of the lowest score, rounded down,
    first = float(f"{np.floor(lo / unit) * unit:.3g}")  # so the first stop flags everything; 3 digits as printed
    if first > lo:  # a float rounding of the last digit upwards: one unit lower still flags everything
        first = float(f"{first - unit:.3g}")
    stops = sorted({first, *(float(f"{t:.3g}") for t in np.geomspace(lo, hi, n_stops)[1:])})
    flagged = {t: {name: float((g >= t).mean()) for name, g in groups.items()} for t in stops}
    rgb, to_pixel = _draw_histograms(groups, lo / 1.05, hi * 1.05, f"{score_name} (log scale)")
    return ThresholdView(tuple(stops), flagged, rgb, to_pixel, to_png(rgb))


def render_threshold(view: ThresholdView, threshold: float) -> Frame:
    """The histograms with a yellow line at ``threshold`` (one of the view's); the label: the share flagged."""
    threshold = check_stop(threshold, view.thresholds, "threshold")
    w = view.hist_rgb.shape[1]
    x0, per_decade = view.to_pixel
    col = min(max(x0 + per_decade * np.log10(threshold), 0.0), w - 1.0)
    shares = view.flagged[threshold]
    label = format_label({"threshold": f"{threshold:.3g}",
                          **{f"{name} flagged": f"{100 * v:.1f} %" for name, v in shares.items()}})
    return Frame(view.hist_png, label, {"threshold": float(threshold), **shares},
                 marks=((0, col / w, 0.0, "vline"),))  # the yellow line: drawn live, laid over on the site


def threshold_slider(view: ThresholdView, threshold: float | None = None) -> Slider:
    """One slider over the view's thresholds, starting nearest ``threshold``; what scores at or above it is flagged."""
    start = None if threshold is None else {"threshold": threshold}
    return Slider(lambda threshold: render_threshold(view, threshold), {"threshold": view.thresholds}, start,
                  nearest=True, caption="score histograms (log scale); the yellow line is the threshold: "
                          "everything to its right is flagged as not a digit")

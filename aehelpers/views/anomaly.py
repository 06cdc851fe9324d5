"""Pictures of anomaly scores: ROC curves, and the threshold slider over the score histograms.

``prepare_threshold_view`` draws the score histograms once; ``render_threshold``, the pure
function behind the threshold slider, only marks the threshold on that picture and counts what
lies above it.  Introduced in notebook 06.
"""
from __future__ import annotations

import dataclasses
import io

import numpy as np

from aehelpers.theory.anomaly import _scores, roc_auc, roc_curve
from aehelpers.views.pictures import axes_for
from aehelpers.views.slider import Frame, Slider, format_label

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


def _draw_histograms(groups: dict, lo: float, hi: float, xlabel: str, size=(420, 240)) -> tuple[np.ndarray, tuple]:
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] / 100, size[1] / 100), dpi=100, facecolor="black")
    canvas = FigureCanvasAgg(fig)
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
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3].copy()
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
    groups = {normal_name: _scores(normal, "normal")}
    groups.update({str(k): _scores(v, f"anomalous[{k!r}]") for k, v in anomalous.items()})
    lo, hi = min(g.min() for g in groups.values()), max(g.max() for g in groups.values())
    if lo <= 0:
        raise ValueError(f"scores must be positive (the axis is logarithmic); got a smallest score of {lo:g}")
    if isinstance(n_stops, bool) or not isinstance(n_stops, (int, np.integer)) or n_stops < 2:
        raise ValueError(f"n_stops must be an integer >= 2; got {n_stops!r}")
    unit = 10.0 ** (np.floor(np.log10(lo)) - 2)  # three significant digits of the lowest score, rounded down,
    first = float(np.floor(lo / unit) * unit)     # so the first stop flags everything
    stops = sorted({first, *(float(f"{t:.3g}") for t in np.geomspace(lo, hi, n_stops)[1:])})
    flagged = {t: {name: float((g >= t).mean()) for name, g in groups.items()} for t in stops}
    rgb, to_pixel = _draw_histograms(groups, lo / 1.05, hi * 1.05, f"{score_name} (log scale)")
    return ThresholdView(tuple(stops), flagged, rgb, to_pixel)


def render_threshold(view: ThresholdView, threshold: float) -> Frame:
    """The histograms with a yellow line at ``threshold`` (one of the view's); the label: the share flagged."""
    if threshold not in view.flagged:
        raise ValueError(f"threshold must be one of the precomputed thresholds {list(view.thresholds)}; "
                         f"got {threshold!r}")
    from PIL import Image

    rgb = view.hist_rgb.copy()
    x0, per_decade = view.to_pixel
    col = int(round(x0 + per_decade * np.log10(threshold)))
    col = min(max(col, 0), rgb.shape[1] - 2)
    rgb[:, col:col + 2] = (255, 230, 0)  # yellow: no family is drawn in it
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", compress_level=1)
    shares = view.flagged[threshold]
    label = format_label({"threshold": f"{threshold:.3g}",
                          **{f"{name} flagged": f"{100 * v:.1f} %" for name, v in shares.items()}})
    return Frame(buf.getvalue(), label, {"threshold": float(threshold), **shares})


def threshold_slider(view: ThresholdView, threshold: float | None = None) -> Slider:
    """One slider over the view's thresholds; everything scoring at or above it is flagged."""
    start = None if threshold is None else {"threshold": min(view.thresholds, key=lambda t: abs(t - threshold))}
    return Slider(lambda threshold: render_threshold(view, threshold), {"threshold": view.thresholds}, start,
                  caption="score histograms (log scale); the yellow line is the threshold: "
                          "everything to its right is flagged as not a digit")

"""The bottleneck slider: move p and see digits, reconstructions, codes and loss for that p.

``render_bottleneck(sweep, curves, p)`` is a pure function of a precomputed ``Sweep`` (see
``aehelpers.sweep``) returning a ``Frame``; ``bottleneck_slider(sweep)`` puts it in the series'
one slider shell (``aehelpers.slider``).  Nothing is trained or evaluated when the slider
moves: reconstructions, codes and metrics were computed once when the sweep was loaded, the
loss-against-p curves (one per p, with that p marked) are drawn once with Matplotlib's Agg
backend, and a move only tiles arrays into two small PNGs (a few milliseconds).
Introduced in notebook 04.
"""
from __future__ import annotations

import functools
import io

import numpy as np

from .images import mosaic, to_png
from .plotting import plot_loss_vs_p
from .slider import Frame, Slider, format_label

CODE_WIDTH = 256  # pixels across the code picture, whatever p is
CODE_ROW = 14  # pixels per digit in the code picture


def _loss_curve_png(sweep, p: int, *, dpi: int = 80) -> bytes:
    """PNG of validation loss and MSE against p with ``p`` marked (Matplotlib Agg, ~50 ms)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.2, 3.0))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ps = sweep.p_values
    plot_loss_vs_p(ps, [sweep.val_loss[q] for q in ps], mse=[sweep.mse[q] for q in ps], floor=sweep.floor,
                   current=p, title=f"Loss against p (current p = {p})", ax=ax)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def render_curves(sweep, *, dpi: int = 80) -> dict[int, bytes]:
    """The loss-against-p PNG for every p of the sweep (that p marked): drawn once, swapped on a move."""
    return {p: _loss_curve_png(sweep, p, dpi=dpi) for p in sweep.p_values}


def code_picture(codes: np.ndarray, *, vmax: float | None = None) -> np.ndarray:
    """Codes (digits × p) as a picture ``CODE_ROW`` pixels per digit and ~``CODE_WIDTH`` across, in [0, 1]."""
    codes = np.asarray(codes, dtype=np.float32)
    if codes.ndim != 2 or codes.size == 0:
        raise ValueError(f"codes must be a non-empty 2-D array (digits × p); got shape {codes.shape}")
    top = float(codes.max()) if vmax is None else float(vmax)
    scaled = codes / top if top > 0 else np.zeros_like(codes)
    cell = max(1, CODE_WIDTH // codes.shape[1])
    return np.repeat(np.repeat(np.clip(scaled, 0, 1), CODE_ROW, axis=0), cell, axis=1)


def render_bottleneck(sweep, curves: dict, p: int, *, scale: int = 2) -> Frame:
    """What the slider shows at ``p`` (one of ``sweep.p_values``, checked by the slider).

    Images: the test digits above their reconstructions; their codes (one row per digit, one
    column per unit, brighter = larger); ``curves[p]`` (from ``render_curves``).  Numbers:
    ``val_loss``, ``mse`` and ``dead`` (units never active on the test set).
    """
    picture = mosaic(np.concatenate([sweep.x_show, sweep.x_hat[p]]), ncols=len(sweep.x_show))
    val_loss, mse, dead = float(sweep.val_loss[p]), float(sweep.mse[p]), int(sweep.dead[p])
    label = format_label({"p": p, "val loss": val_loss, "MSE": mse, "dead units": f"{dead}/{p}"})
    return Frame((to_png(picture, scale=scale), to_png(code_picture(sweep.codes[p]), scale=1), curves[p]),
                 label, {"val_loss": val_loss, "mse": mse, "dead": dead})


def bottleneck_slider(sweep, p: int | None = None) -> Slider:
    """The p slider over the sweep's code sizes (see ``aehelpers.slider.Slider``), starting at ``p``."""
    render = functools.partial(render_bottleneck, sweep, render_curves(sweep))
    return Slider(render, {"p": sweep.p_values}, None if p is None else {"p": p}, width="500px",
                  caption="top row: test digits · bottom row: their reconstruction through a p-unit "
                          "bottleneck · right: their p-dimensional codes (one row per digit, brighter = "
                          "larger; black columns are units that stayed at zero)")

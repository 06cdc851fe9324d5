"""The bottleneck slider: move p and see digits, reconstructions, codes and loss for that p.

``render_bottleneck(sweep, pictures, p)`` is a pure function of a precomputed ``Sweep`` (see
``aehelpers.sweep``) returning a ``Frame``; ``bottleneck_slider(sweep)`` puts it in the series'
one slider shell (``aehelpers.slider``).  Nothing is trained or evaluated when the slider
moves: reconstructions, codes and metrics were computed once when the sweep was loaded; the
two Matplotlib pictures of each p (its codes as a heat-map with labelled axes, and loss and
MSE against p in two panels with that p marked) are drawn once with the Agg backend
(``render_pictures``), and a move only tiles the digits into one PNG (a few milliseconds).
Introduced in notebook 04.
"""
from __future__ import annotations

import functools
import io

import numpy as np

from .bottleneck_plots import plot_loss_vs_p, plot_mse_vs_p
from .code_plots import plot_code_heatmap
from .images import mosaic, to_png
from .slider import Frame, Slider, format_label


def _png(fig, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _agg_figure(width: float, height: float):
    """A Matplotlib figure outside pyplot (nothing displayed, no global state), Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def codes_png(codes, *, dpi: int = 80) -> bytes:
    """PNG of the shown digits' codes: one row per digit (as in the row of digits above), one column per unit."""
    fig = _agg_figure(3.9, 3.1)
    ax = plot_code_heatmap(codes, ax=fig.add_subplot())
    ax.set_ylabel(f"test digit (1–{len(codes)}, left to right above)", fontsize=9)
    fig.subplots_adjust(left=0.17, right=0.97, bottom=0.16, top=0.9)
    return _png(fig, dpi)


def curves_png(sweep, p: int, *, dpi: int = 80) -> bytes:
    """PNG of validation loss (left) and test MSE (right) against p, ``p`` marked in both."""
    fig = _agg_figure(7.6, 3.1)
    ax_loss, ax_mse = fig.subplots(1, 2)
    ps = sweep.p_values
    plot_loss_vs_p(ps, [sweep.val_loss[q] for q in ps], floor=sweep.floor, current=p,
                   title="validation loss", ax=ax_loss)
    plot_mse_vs_p(ps, [sweep.mse[q] for q in ps], current=p, title="test MSE", ax=ax_mse)
    fig.subplots_adjust(left=0.09, right=0.99, bottom=0.16, top=0.9, wspace=0.32)
    return _png(fig, dpi)


def render_pictures(sweep, *, dpi: int = 80) -> dict[int, tuple[bytes, bytes]]:
    """``{p: (codes PNG, curves PNG)}`` for every p of the sweep: drawn once, swapped on a move."""
    return {p: (codes_png(sweep.codes[p], dpi=dpi), curves_png(sweep, p, dpi=dpi)) for p in sweep.p_values}


def render_bottleneck(sweep, pictures: dict, p: int, *, scale: int = 2) -> Frame:
    """What the slider shows at ``p`` (one of ``sweep.p_values``, checked by the slider).

    Images: the test digits above their reconstructions, then ``pictures[p]`` (from
    ``render_pictures``): their codes and the curves against p.  Numbers: ``val_loss``, ``mse``
    and ``dead`` (units never active on the test set).
    """
    picture = mosaic(np.concatenate([sweep.x_show, sweep.x_hat[p]]), ncols=len(sweep.x_show))
    val_loss, mse, dead = float(sweep.val_loss[p]), float(sweep.mse[p]), int(sweep.dead[p])
    label = format_label({"p": p, "val loss": val_loss, "MSE": mse, "dead units": f"{dead}/{p}"})
    codes, curves = pictures[p]
    return Frame((to_png(picture, scale=scale), codes, curves), label,
                 {"val_loss": val_loss, "mse": mse, "dead": dead})


def bottleneck_slider(sweep, p: int | None = None) -> Slider:
    """The p slider over the sweep's code sizes (see ``aehelpers.slider.Slider``), starting at ``p``."""
    render = functools.partial(render_bottleneck, sweep, render_pictures(sweep))
    return Slider(render, {"p": sweep.p_values}, None if p is None else {"p": p}, width="500px",
                  caption=f"top row: {len(sweep.x_show)} test digits · second row: their reconstructions "
                          "through a p-unit bottleneck · beside them: their p numbers each (row k is the "
                          "k-th digit; white = large, black = 0) · below: loss and squared error for "
                          "every p, the one shown in red")

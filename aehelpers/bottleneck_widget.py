"""The bottleneck slider: move p and see digits, reconstructions, codes and loss for that p.

``render_bottleneck_view(sweep, p)`` is a pure function of a precomputed ``Sweep`` (see
``aehelpers.sweep``) returning PNG bytes and the numbers shown; ``bottleneck_slider(sweep)``
is a thin ipywidgets shell around it.  Nothing is trained or evaluated when the slider
moves: reconstructions, codes and metrics were computed once when the sweep was loaded, the
loss-against-p curves (one per p, with that p marked) are drawn once with Matplotlib's Agg
backend, and a move only tiles arrays into two small PNGs (a few milliseconds).
Introduced in notebook 04.
"""
from __future__ import annotations

import io

import numpy as np

from .images import mosaic, to_png

CODE_WIDTH = 256  # pixels across the code picture, whatever p is
CODE_ROW = 14  # pixels per digit in the code picture


def error_text(p: int, val_loss: float, mse: float, dead: int | None = None) -> str:
    """The label under the slider, e.g. ``p = 32 · val loss = 0.0925 · MSE = 0.0101``."""
    text = f"p = {p} · val loss = {val_loss:.4f} · MSE = {mse:.4f}"
    return text if dead is None else f"{text} · dead units = {dead}/{p}"


def _check_p(sweep, p) -> int:
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or int(p) not in sweep.p_values:
        raise ValueError(f"p must be one of the sweep's code sizes {list(sweep.p_values)}; got {p!r}")
    return int(p)


def render_curve(sweep, p: int, *, dpi: int = 80) -> bytes:
    """PNG of validation loss and MSE against p with ``p`` marked (Matplotlib Agg, ~50 ms)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .plotting import plot_loss_vs_p

    p = _check_p(sweep, p)
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
    """``{p: render_curve(sweep, p)}`` for every p of the sweep: drawn once, swapped on a move."""
    return {p: render_curve(sweep, p, dpi=dpi) for p in sweep.p_values}


def code_picture(codes: np.ndarray, *, vmax: float | None = None) -> np.ndarray:
    """Codes (digits × p) as a picture ``CODE_ROW`` pixels per digit and ~``CODE_WIDTH`` across, in [0, 1]."""
    codes = np.asarray(codes, dtype=np.float32)
    if codes.ndim != 2 or codes.size == 0:
        raise ValueError(f"codes must be a non-empty 2-D array (digits × p); got shape {codes.shape}")
    top = float(codes.max()) if vmax is None else float(vmax)
    scaled = codes / top if top > 0 else np.zeros_like(codes)
    cell = max(1, CODE_WIDTH // codes.shape[1])
    return np.repeat(np.repeat(np.clip(scaled, 0, 1), CODE_ROW, axis=0), cell, axis=1)


def render_bottleneck_view(sweep, p, *, curves: dict | None = None, scale: int = 2) -> dict:
    """Everything the slider shows for ``p``.

    Returns ``{"p", "image", "code", "curve", "val_loss", "mse", "dead", "text"}``: ``image`` is a
    PNG with the test digits above their reconstructions, ``code`` a PNG of their codes (one row
    per digit, one column per unit, brighter = larger), ``curve`` the loss-against-p PNG (taken
    from ``curves`` when given, else drawn now).
    """
    p = _check_p(sweep, p)
    k = len(sweep.x_show)
    picture = mosaic(np.concatenate([sweep.x_show, sweep.x_hat[p]]), ncols=k)
    curve = curves[p] if curves is not None and p in curves else render_curve(sweep, p)
    val_loss, mse, dead = float(sweep.val_loss[p]), float(sweep.mse[p]), int(sweep.dead[p])
    return {"p": p, "image": to_png(picture, scale=scale), "code": to_png(code_picture(sweep.codes[p]), scale=1),
            "curve": curve, "val_loss": val_loss, "mse": mse, "dead": dead,
            "text": error_text(p, val_loss, mse, dead)}


def bottleneck_slider(sweep, p: int | None = None):
    """A VBox with ``.slider`` (description "p"), ``.label`` (CSS class ``ae-error``), ``.image``,
    ``.code``, ``.curve`` and ``.update(p)``; moving the slider swaps in the pictures for that p."""
    import ipywidgets as widgets

    p = sweep.p_values[len(sweep.p_values) // 2] if p is None else _check_p(sweep, p)
    curves = render_curves(sweep)

    class BottleneckSlider(widgets.VBox):
        """The bottleneck slider (see ``bottleneck_slider``)."""

        def __init__(self):
            self.sweep, self.curves = sweep, curves
            self.slider = widgets.SelectionSlider(options=list(sweep.p_values), value=p, description="p",
                                                  continuous_update=True, layout=widgets.Layout(width="500px"))
            self.label = widgets.HTML()
            self.label.add_class("ae-error")
            self.image = widgets.Image(format="png")
            self.code = widgets.Image(format="png")
            self.curve = widgets.Image(format="png")
            caption = widgets.HTML("<small>top row: test digits · bottom row: their reconstruction through a "
                                   "p-unit bottleneck · below: their p-dimensional codes (one row per digit, "
                                   "brighter = larger; black columns are units that stayed at zero)</small>")
            super().__init__([self.slider, self.label, self.image, caption,
                              widgets.HBox([self.code, self.curve])])
            self.last = None
            self.slider.observe(lambda change: self._show(change["new"]), names="value")
            self._show(p)

        def _show(self, value):
            out = render_bottleneck_view(self.sweep, value, curves=self.curves)
            self.image.value, self.code.value, self.curve.value = out["image"], out["code"], out["curve"]
            self.label.value = out["text"]
            self.last = out
            return out

        def update(self, value):
            """Move to ``value`` as a user would (the slider follows) and return what is shown."""
            value = _check_p(self.sweep, value)
            if self.slider.value != value:
                self.slider.value = value  # the observer redraws
                return self.last
            return self._show(value)

    return BottleneckSlider()

"""Two-number latent spaces: the map of codes, the decoded grid, interpolation and the explorer.

``grid_codes`` lays out the points a 2-D decoder is asked to draw (the post's 15 × 15
manifold, or the explorer's stops); ``prepare_latent_view`` decodes every stop of the explorer
once and draws the code map once; ``render_latent`` is the pure function behind the explorer
slider: it picks the decoded digit of a stop and marks the stop on the map (a few milliseconds,
no model runs).  Introduced in notebook 06.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from aehelpers.checks import as_matrix, as_real_array, check_images, check_int_in_range, check_stop
from aehelpers.probes import SIDE
from aehelpers.views.pictures import axes_for, figure_pixels, mosaic, new_figure, to_png
from aehelpers.views.slider import Frame, Slider


def _codes_and_labels(codes, labels, *, exactly_two: bool) -> tuple[np.ndarray, np.ndarray]:
    """Codes ``(k, 2)`` (or ``(k, ≥2)``) and one finite label per code, checked before matplotlib sees them."""
    shape = as_real_array(codes, "codes").shape
    if len(shape) != 2 or (shape[1] != 2 if exactly_two else shape[1] < 2):
        raise ValueError(f"codes must have shape (k, {'2' if exactly_two else '≥ 2'}), one row per code; got {shape}")
    codes = as_matrix(codes, "codes", dtype=np.float32)
    labels = as_real_array(labels, "labels")
    if labels.shape != (len(codes),):
        raise ValueError(f"labels must have shape ({len(codes)},), one per code; got {labels.shape}")
    if not np.all(np.isfinite(labels)):
        raise ValueError(f"labels must be finite digit labels; got {int(np.sum(~np.isfinite(labels)))} NaN/inf")
    return codes, labels


def latent_dim_of(decoder) -> int:
    """The code size a Keras decoder takes (its input's last dimension)."""
    return int(decoder.inputs[0].shape[-1])


def check_decoder(decoder, latent_dim: int = 2, *, at_least: bool = False):
    """``decoder`` if it takes ``latent_dim`` numbers (or more, with ``at_least``) and draws 28 × 28 images.

    Otherwise ``ValueError`` naming the expected and the received code size or output shape.
    """
    got = latent_dim_of(decoder)
    if got < latent_dim or (got != latent_dim and not at_least):
        want = f"at least {latent_dim}" if at_least else f"{latent_dim}"
        raise ValueError(f"expected a decoder of a code with {want} numbers (z1, z2); "
                         f"got one that takes {got} number{'s' if got != 1 else ''}")
    out = tuple(decoder.outputs[0].shape[1:])
    if int(np.prod(out)) != SIDE * SIDE:
        raise ValueError(f"expected a decoder that draws {SIDE}×{SIDE} images; got output shape {out}")
    return decoder


def grid_codes(n: int = 15, lo: float = -3.0, hi: float = 3.0) -> np.ndarray:
    """``(n*n, 2)`` codes on an n × n grid, row by row: z1 grows to the right, z2 grows upwards."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer ≥ 2; got {n!r}")
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(f"need lo < hi; got lo={lo}, hi={hi}")
    z1 = np.linspace(lo, hi, n)
    z2 = np.linspace(hi, lo, n)  # top row = largest z2, as on a map
    return np.array([(a, b) for b in z2 for a in z1], dtype=np.float32)


def interpolate(a, b, steps: int = 10) -> np.ndarray:
    """``steps`` points on the straight line from ``a`` to ``b`` (both included), shape ``(steps, *a.shape)``."""
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
        raise ValueError(f"steps must be an integer ≥ 2; got {steps!r}")
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32).reshape(-1, *([1] * a.ndim))
    return (1 - t) * a + t * b


def plot_latent_map(codes, labels, *, title: str = "Test digits in the code space", ax=None,
                    s: float = 2.0, lim: float | None = None):
    """Scatter of 2-D codes coloured by digit label, with a legend of the ten digits. Returns ``ax``."""
    import matplotlib.pyplot as plt

    codes, labels = _codes_and_labels(codes, labels, exactly_two=True)
    ax = axes_for(ax, (5, 4.6))
    cmap = plt.get_cmap("tab10")
    for d in range(10):
        pts = codes[labels == d]
        ax.scatter(pts[:, 0], pts[:, 1], s=s, color=cmap(d), label=str(d), rasterized=True)
    if lim is not None:
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    ax.set_xlabel("z₁ (first code number)")
    ax.set_ylabel("z₂ (second code number)")
    ax.set_title(title)
    ax.legend(title="digit", markerscale=4, fontsize=7, loc="upper right", ncols=2)
    return ax


def plot_grid(images, n: int, *, lo: float, hi: float, title: str = "Decoded grid", ax=None):
    """An n × n mosaic of decoded digits (``grid_codes`` order) with z₁/z₂ tick labels. Returns ``ax``."""
    n = check_int_in_range(n, "n", 1)
    images = check_images(images, "images", "decoded pixels")
    if len(images) != n * n or images[0].size != SIDE * SIDE:
        raise ValueError(f"images must be n × n = {n * n} decoded {SIDE}×{SIDE} digits; got shape {images.shape}")
    real = (int, float, np.integer, np.floating)
    if not (isinstance(lo, real) and isinstance(hi, real) and np.isfinite([lo, hi]).all() and lo < hi):
        raise ValueError(f"need finite numbers lo < hi; got lo={lo!r}, hi={hi!r}")
    pic = mosaic(images.reshape(-1, SIDE, SIDE), ncols=n, pad=0)
    ax = axes_for(ax, (6.5, 6.5))
    ax.imshow(pic, cmap="gray", vmin=0, vmax=1, interpolation="nearest",
              extent=(lo, hi, lo, hi))
    ax.grid(False)
    ax.set_xlabel("z₁")
    ax.set_ylabel("z₂")
    ax.set_title(title)
    return ax


@dataclasses.dataclass(frozen=True)
class LatentView:
    """Everything the explorer shows, computed once: decoded digits per stop and the map raster."""

    z1: tuple
    z2: tuple
    digits: np.ndarray  # (len(z1), len(z2), 28, 28): the decoded digit at every stop
    map_rgb: np.ndarray  # (H, W, 3) uint8: the code map, drawn once
    to_pixel: tuple  # (x0, x_per_unit, y0, y_per_unit): latent → map pixel
    map_png: bytes = b""  # the map as PNG, encoded once


def _draw_map(codes, labels, lim: float, size: int = 252) -> tuple[np.ndarray, tuple]:
    from matplotlib import colormaps

    fig = new_figure(size / 100, size / 100, facecolor="black")
    ax = fig.add_axes((0, 0, 1, 1), facecolor="black")
    ax.axhline(0, color="0.35", linewidth=0.8)  # the axes z1 = 0 and z2 = 0, for orientation
    ax.axvline(0, color="0.35", linewidth=0.8)
    if codes is not None and len(codes):
        ax.scatter(codes[:, 0], codes[:, 1], s=1.5, c=colormaps["tab10"](np.asarray(labels) % 10), linewidths=0)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    rgb = figure_pixels(fig)
    h, w = rgb.shape[:2]
    return rgb, (w / 2, w / (2 * lim), h / 2, -h / (2 * lim))


def prepare_latent_view(decoder, stops, *, codes=None, labels=None, batch_size: int = 1024) -> LatentView:
    """Decode every (z1, z2) stop once and draw the code map once (test ``codes`` coloured by ``labels``).

    ``stops`` is one increasing sequence used for both z1 and z2, e.g. ``np.linspace(-3, 3, 21)``.  A
    decoder of a longer code explores its first two numbers with the others held at 0 (``codes``:
    only their first two columns are drawn).
    """
    dim = latent_dim_of(check_decoder(decoder, 2, at_least=True))
    values = np.round(as_real_array(stops, "stops").astype(np.float64), 6)
    if values.ndim != 1 or len(values) < 2 or not np.all(np.isfinite(values)) or np.any(np.diff(values) <= 0):
        raise ValueError(f"stops must be an increasing 1-D sequence of at least 2 finite values; got {stops!r}")
    if codes is not None:
        codes, labels = _codes_and_labels(codes, labels, exactly_two=False)
    z = np.array([(a, b) for a in values for b in values], dtype=np.float32)
    z = np.pad(z, ((0, 0), (0, dim - 2)))  # any further code numbers held at 0
    digits = np.asarray(decoder.predict(z, batch_size=batch_size, verbose=0)).reshape(len(z), SIDE * SIDE)
    digits = as_matrix(digits, "the decoder's digits", dtype=np.float32).reshape(len(values), len(values), SIDE, SIDE)
    lim = float(max(abs(values[0]), abs(values[-1])))
    rgb, to_pixel = _draw_map(None if codes is None else codes[:, :2], labels, lim)
    stops_t = tuple(float(v) for v in values)
    return LatentView(stops_t, stops_t, digits, rgb, to_pixel, to_png(rgb))


def _mark(view: LatentView, z1: float, z2: float) -> tuple:
    """The cross at (z1, z2) as a ``Frame`` mark on picture 1 (the map): fractions of its width and height."""
    h, w = view.map_rgb.shape[:2]
    x0, sx, y0, sy = view.to_pixel
    px, py = min(max(x0 + sx * z1, 0.0), w - 1.0), min(max(y0 + sy * z2, 0.0), h - 1.0)
    return (1, px / w, py / h, "cross")


def render_latent(view: LatentView, z1: float, z2: float) -> Frame:
    """The explorer at (z1, z2): the decoded digit and the code map with a cross at that point.

    The map is one picture for every stop; the cross is a ``Frame`` mark (drawn in by the live
    slider, laid over the picture by the static page: the site keeps all 441 stops small)."""
    i = view.z1.index(check_stop(z1, view.z1, "z1", nearest=True))  # any number in range: the nearest stop
    j = view.z2.index(check_stop(z2, view.z2, "z2", nearest=True))
    digit = view.digits[i, j]
    label = f"z = ({view.z1[i]:+.2f}, {view.z2[j]:+.2f}) · ink = {float(digit.mean()):.3f}"
    return Frame((to_png(digit, scale=9), view.map_png), label,
                 {"z1": view.z1[i], "z2": view.z2[j], "ink": float(digit.mean())},
                 marks=(_mark(view, view.z1[i], view.z2[j]),))


def latent_slider(view: LatentView, z1: float = 0.0, z2: float = 0.0) -> Slider:
    """Two sliders (z1, z2) over the view's stops, starting at the stops nearest (z1, z2), which must lie in range."""
    return Slider(lambda z1, z2: render_latent(view, z1, z2), {"z1": view.z1, "z2": view.z2},
                  {"z1": z1, "z2": z2}, nearest=True,
                  caption="left: the decoder's digit at (z₁, z₂); right: test codes coloured by digit, "
                          "the cross marks (z₁, z₂)")

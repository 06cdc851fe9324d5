"""The p slider: rank-p PCA reconstructions of test digits and their error, redrawn at once.

``render_pca(view, p)`` is a pure function returning a ``Frame`` (PNG bytes, label, numbers);
``pca_slider(view)`` puts it in the series' one slider shell (``aehelpers.slider``).  Everything is closed
form (no training): the test digits' coordinates in the eigenbasis are computed once, so a
move costs one small matrix product, one mosaic PNG and one tiny curve PNG (a few ms).
Introduced in notebook 02.
"""
from __future__ import annotations

import dataclasses
import functools
import io

import numpy as np

from .checks import as_matrix, check_int_in_range
from .images import mosaic, to_png
from .pca import PCA
from .slider import Frame, Slider, format_label

CURVE_SIZE = (380, 190)  # width, height of the error-vs-p picture in pixels
_MARGIN = (52, 14, 12, 34)  # left, right, top, bottom


@dataclasses.dataclass
class PCAView:
    """Everything a move of the slider needs, precomputed by ``prepare_pca_view``."""

    U: np.ndarray  # n × n eigenvectors, float32
    mean: np.ndarray  # training mean (n,)
    originals: np.ndarray  # k × n test digits shown
    codes: np.ndarray  # k × n their centred coordinates in the eigenbasis
    test_mse: np.ndarray  # index p = 0…n: MSE of the rank-p reconstruction over the whole test set
    train_mse: np.ndarray  # index p = 0…n: closed form Σ_{i>p} λᵢ / n on the training set
    scale: int = 3
    _curve_base: object = None  # PIL image of the curves without the marker, built on first use

    @property
    def n(self) -> int:
        """Dimension of the data (the slider's maximum)."""
        return int(self.U.shape[0])


def prepare_pca_view(pca: PCA, x_test, mean, *, n_digits: int = 8, indices=None, scale: int = 3) -> PCAView:
    """Precompute the eigen-coordinates of the test set and the test MSE for every p = 0…n.

    ``x_test`` are raw (uncentred) test images, ``mean`` the training mean used for the PCA.
    ``indices`` picks the digits shown (default: the first ``n_digits``).
    """
    n = pca.n
    x_test = as_matrix(x_test, "x_test", n_cols=n)
    mean = np.asarray(mean, dtype=np.float64)
    if mean.shape != (n,):
        raise ValueError(f"mean must have shape ({n},); got {mean.shape}")
    if indices is None:
        k = check_int_in_range(n_digits, "n_digits", 1, len(x_test))
        indices = np.arange(k)
    indices = np.asarray(indices, dtype=int)
    if indices.ndim != 1 or indices.size == 0 or indices.min() < 0 or indices.max() >= len(x_test):
        raise ValueError(f"indices must be 1-D positions in 0…{len(x_test) - 1}; got {indices.tolist()}")
    xc = x_test - mean
    Z = xc @ pca.U
    energy = np.mean(Z ** 2, axis=0)  # mean squared coordinate along each eigenvector
    total = float(np.mean(np.sum(xc ** 2, axis=1)))
    test_err = np.clip(total - np.concatenate([[0.0], np.cumsum(energy)]), 0.0, None)
    return PCAView(U=pca.U.astype(np.float32), mean=mean.astype(np.float32),
                   originals=x_test[indices].astype(np.float32), codes=Z[indices].astype(np.float32),
                   test_mse=test_err / n, train_mse=pca.optimal_errors() / n,
                   scale=check_int_in_range(scale, "scale", 1, 8))


def reconstruct_digits(view: PCAView, p) -> np.ndarray:
    """The shown digits rebuilt from their top-p coordinates: mean + Σ_{i≤p} zᵢ uᵢ."""
    return _reconstruct(view, check_int_in_range(p, "p", 1, view.n))


def _reconstruct(view: PCAView, p: int) -> np.ndarray:
    return view.mean + view.codes[:, :p] @ view.U[:, :p].T


def _curve_xy(view: PCAView):
    w, h = CURVE_SIZE
    left, right, top, bottom = _MARGIN
    ymax = float(max(view.test_mse[1], view.train_mse[1])) * 1.05 or 1.0
    lognmax = np.log(view.n)

    def to_px(p, mse):
        x = left + (w - left - right) * np.log(np.asarray(p, dtype=float)) / lognmax
        y = top + (h - top - bottom) * (1.0 - np.asarray(mse, dtype=float) / ymax)
        return x, y

    return to_px, ymax


def _curve_base(view: PCAView):
    """The curves, axes and labels (no marker), drawn once with PIL and kept on the view."""
    if view._curve_base is not None:
        return view._curve_base
    from PIL import Image, ImageDraw

    w, h = CURVE_SIZE
    left, right, top, bottom = _MARGIN
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    to_px, ymax = _curve_xy(view)
    draw.rectangle([left, top, w - right, h - bottom], outline=(120, 120, 120))
    for p in (1, 10, 100, view.n):
        x, _ = to_px(p, 0)
        draw.line([(x, h - bottom), (x, h - bottom + 4)], fill=(80, 80, 80))
        draw.text((x - 6, h - bottom + 6), str(p), fill=(0, 0, 0))
    for frac in (0.0, 0.5, 1.0):
        _, y = to_px(1, frac * ymax / 1.05)
        draw.line([(left - 4, y), (left, y)], fill=(80, 80, 80))
        draw.text((2, y - 6), f"{frac * ymax / 1.05:.3f}", fill=(0, 0, 0))
    draw.text((left + 60, h - 14), "p (log scale)", fill=(0, 0, 0))
    draw.text((left + 6, top + 2), "MSE: test (blue), training optimum (grey)", fill=(0, 0, 0))
    ps = np.arange(1, view.n + 1)
    for curve, colour in ((view.train_mse, (150, 150, 150)), (view.test_mse, (31, 119, 180))):
        xs, ys = to_px(ps, curve[1:])
        draw.line(list(zip(xs.tolist(), ys.tolist())), fill=colour, width=2)
    view._curve_base = img
    return img


def _curve_png(view: PCAView, p: int) -> bytes:
    """PNG of test MSE against p with a marker at ``p`` (the cached base picture plus one line)."""
    from PIL import ImageDraw

    img = _curve_base(view).copy()
    draw = ImageDraw.Draw(img)
    to_px, _ = _curve_xy(view)
    x, y = to_px(p, view.test_mse[p])
    draw.line([(x, _MARGIN[2]), (x, CURVE_SIZE[1] - _MARGIN[3])], fill=(214, 39, 40), width=1)
    draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=(214, 39, 40))
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def render_pca(view: PCAView, p: int) -> Frame:
    """What the slider shows at ``p`` (one of ``1…n``, checked by the slider).

    Images: the test digits above their rank-p reconstructions, then test MSE against p with p
    marked.  Numbers: ``test_mse`` (measured on the test set) and ``train_mse`` (the closed form
    Σ_{i>p} λᵢ/n on the training set).
    """
    x_hat = _reconstruct(view, p)
    picture = mosaic(np.concatenate([view.originals, x_hat]), ncols=len(x_hat))
    mse, train = float(view.test_mse[p]), float(view.train_mse[p])
    label = format_label({"p": p, "test MSE": mse, "training optimum Σ_(i>p) λᵢ/n": train})
    return Frame((to_png(picture, scale=view.scale), _curve_png(view, p)), label,
                 {"test_mse": mse, "train_mse": train})


def p_stops(n: int) -> list[int]:
    """Slider stops over 1…n, dense where the picture changes fast: every p up to 32, then sparser.

    Steps of 4 to 64, 8 to 128, 16 to 256, 32 to 512, 64 beyond, and n itself, so that small p
    (where most of the variance is) gets about half of the track instead of 4% of it.
    """
    n = check_int_in_range(n, "n", 1)
    stops = set(range(1, min(n, 32) + 1))
    for lo, hi, step in ((32, 64, 4), (64, 128, 8), (128, 256, 16), (256, 512, 32), (512, n, 64)):
        stops.update(range(lo + step, min(hi, n) + 1, step))
    stops.add(n)
    return sorted(stops)


def pca_slider(view: PCAView, p: int = 32, *, stops=None) -> Slider:
    """The p slider (see ``aehelpers.slider.Slider``) starting at ``p``; ``stops`` default to :func:`p_stops`."""
    stops = p_stops(view.n) if stops is None else stops
    return Slider(functools.partial(render_pca, view), {"p": stops}, {"p": p}, width="600px",
                  caption="top row: test digits · bottom row: rank-p PCA reconstruction "
                          "(the best any linear autoencoder with p hidden units can do)")

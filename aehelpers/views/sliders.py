"""Sliders over the code size p: PCA reconstructions, the Keras bottleneck sweep, and the identity.

Each slider is a pure ``render_*(view, p) -> Frame`` over arrays computed once beforehand, put
in the series' one slider shell (``aehelpers.views.slider``); a move trains and predicts nothing.

* ``pca_slider`` (notebook 02): rank-p PCA reconstructions of test digits and the test MSE
  against p, all in closed form (``prepare_pca_view`` computes the eigen-coordinates once).
* ``bottleneck_slider`` (notebook 04): digits, reconstructions, codes and loss of the model of each p of a
  precomputed ``Sweep`` (``aehelpers.nets.sweep``); its two Matplotlib pictures per p are drawn the first time
  the slider shows that p.  Given the ``SweepJob``, it is shown while the workers train and fills in each p as
  its model lands (``render_training`` until then).
* ``identity_slider`` (notebook 03): non-digit reconstructions sharpening into copies as p
  grows; ``identity_views`` arranges what the notebook's models returned
  (``ae.family_outputs``) into the slider's frames.
"""
from __future__ import annotations

import dataclasses
import functools
import threading

import numpy as np

from aehelpers.checks import as_matrix, check_int_in_range, check_stop
from aehelpers.theory.pca import PCA
from aehelpers.views.pictures import mosaic, new_figure, to_png
from aehelpers.views.codes import plot_code_heatmap
from aehelpers.views.plots import plot_loss_vs_p, plot_mse_vs_p
from aehelpers.views.slider import Frame, Slider, format_label

_DIGITS = "digits"  # the family the models were trained on (``aehelpers.nets.identity.DIGITS``)


# --- PCA: rank-p reconstructions in closed form (notebook 02) ----------------------------------

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
    return to_png(np.asarray(img))


def render_pca(view: PCAView, p: int) -> Frame:
    """What the slider shows at ``p`` (one of ``1…n``, checked here as by the slider: ``checks.check_stop``).

    Images: the test digits above their rank-p reconstructions, then test MSE against p with p marked.  Numbers:
    ``test_mse`` (measured on the test set) and ``train_mse`` (the closed form Σ_{i>p} λᵢ/n on the training set)."""
    p = check_stop(p, range(1, view.n + 1), "p")
    x_hat = _reconstruct(view, p)
    picture = mosaic(np.concatenate([view.originals, x_hat]), ncols=len(x_hat))
    mse, train = float(view.test_mse[p]), float(view.train_mse[p])
    label = format_label({"p": p, "test MSE": mse, "training optimum Σ_(i>p) λᵢ/n": train})
    return Frame((to_png(picture, scale=view.scale), _curve_png(view, p)), label,
                 {"test_mse": mse, "train_mse": train})


def p_stops(n: int) -> list[int]:
    """Slider stops over 1…n, dense where the picture changes fast: every p up to 32, then sparser.

    Steps of 4 to 64, 8 to 128, 16 to 256, 32 to 512, 64 beyond, and n itself, so that small p (where most of
    the variance is) gets about half of the track instead of 4% of it."""
    n = check_int_in_range(n, "n", 1)
    stops = set(range(1, min(n, 32) + 1))
    for lo, hi, step in ((32, 64, 4), (64, 128, 8), (128, 256, 16), (256, 512, 32), (512, n, 64)):
        stops.update(range(lo + step, min(hi, n) + 1, step))
    stops.add(n)
    return sorted(stops)


def pca_slider(view: PCAView, p: int = 32, *, stops=None) -> Slider:
    """The p slider (see ``aehelpers.views.slider.Slider``) starting at ``p``; ``stops`` default to :func:`p_stops`."""
    stops = p_stops(view.n) if stops is None else stops
    return Slider(functools.partial(render_pca, view), {"p": stops}, {"p": p}, width="600px",
                  caption="top row: test digits · bottom row: rank-p PCA reconstruction "
                          "(the best any linear autoencoder with p hidden units can do)")


# --- the bottleneck sweep (notebook 04) -------------------------------------------------------

def codes_png(codes, *, dpi: int = 80) -> bytes:
    """PNG of the shown digits' codes: one row per digit (as in the row of digits above), one column per unit."""
    fig = new_figure(3.9, 3.1, dpi=dpi)
    ax = plot_code_heatmap(codes, ax=fig.add_subplot())
    ax.set_ylabel(f"test digit (1–{len(codes)}, left to right above)", fontsize=9)
    fig.subplots_adjust(left=0.17, right=0.97, bottom=0.16, top=0.9)
    return to_png(fig)


def curves_png(sweep, p: int, *, dpi: int = 80) -> bytes:
    """PNG of validation loss (left) and test MSE (right) against p, ``p`` marked in both."""
    fig = new_figure(7.6, 3.1, dpi=dpi)
    ax_loss, ax_mse = fig.subplots(1, 2)
    ps = sweep.p_values
    plot_loss_vs_p(ps, [sweep.val_loss[q] for q in ps], floor=sweep.floor, current=p,
                   title="validation loss", ax=ax_loss)
    plot_mse_vs_p(ps, [sweep.mse[q] for q in ps], current=p, title="test MSE", ax=ax_mse)
    fig.subplots_adjust(left=0.09, right=0.99, bottom=0.16, top=0.9, wspace=0.32)
    return to_png(fig)


def render_pictures(sweep, *, dpi: int = 80) -> dict[int, tuple[bytes, bytes]]:
    """``{p: (codes PNG, curves PNG)}`` for every p of the sweep: drawn once, swapped on a move."""
    return {p: (codes_png(sweep.codes[p], dpi=dpi), curves_png(sweep, p, dpi=dpi)) for p in sweep.p_values}


class _PicturesOnDemand(dict):
    """``render_pictures(sweep)``, each p drawn on first use and kept: the slider opens after one p's pictures."""
    def __init__(self, sweep):
        super().__init__()
        self.sweep = sweep

    def __missing__(self, p):
        self[p] = (codes_png(self.sweep.codes[p]), curves_png(self.sweep, p))
        return self[p]


def render_bottleneck(sweep, pictures: dict, p: int, *, scale: int = 2) -> Frame:
    """What the slider shows at ``p`` (one of ``sweep.p_values``, checked here as by the slider).
    Images: the test digits above their reconstructions, then ``pictures[p]`` (from ``render_pictures``):
    their codes and the curves against p.  Numbers: ``val_loss``, ``mse`` and ``dead`` (units never active)."""
    p = check_stop(p, sweep.p_values, "p")
    picture = mosaic(np.concatenate([sweep.x_show, sweep.x_hat[p]]), ncols=len(sweep.x_show))
    val_loss, mse, dead = float(sweep.val_loss[p]), float(sweep.mse[p]), int(sweep.dead[p])
    label = format_label({"p": p, "val loss": val_loss, "MSE": mse, "dead units": f"{dead}/{p}"})
    codes, curves = pictures[p]
    return Frame((to_png(picture, scale=scale), codes, curves), label,
                 {"val_loss": val_loss, "mse": mse, "dead": dead})


_CAPTION = ("top row: {k} test digits · second row: their reconstructions through a p-unit bottleneck · "
            "beside them: their p numbers each (row k is the k-th digit; white = large, black = 0) · below: loss "
            "and squared error for every p, the one shown in red")


def bottleneck_slider(sweep, p: int | None = None, *, show=10) -> Slider:
    """The p slider over the sweep's code sizes (see ``aehelpers.views.slider.Slider``), starting at ``p``.

    ``sweep``: a ``Sweep``, or a ``SweepJob`` (``ae.start_sweep``) whose workers still train: then the
    slider is shown at once, each p as soon as its model is trained (the others say "still training"),
    ``show`` test digits (as ``job.result(show=...)``).  A job without workers is trained here first, and
    so is every job while ``make site`` renders the frames ahead (``AEHELPERS_STATIC_SLIDERS``).
    """
    if hasattr(sweep, "ready") and hasattr(sweep, "watch"):  # a SweepJob
        from aehelpers.runtime import env_flag

        if sweep.in_background and not env_flag("AEHELPERS_STATIC_SLIDERS"):  # a page built ahead shows all p's
            return _live_bottleneck_slider(sweep, p, show)
        sweep = sweep.result(show=show, progress=False, verbose=False)
    render = functools.partial(render_bottleneck, sweep, _PicturesOnDemand(sweep))
    return Slider(render, {"p": sweep.p_values}, None if p is None else {"p": p}, width="500px",
                  caption=_CAPTION.format(k=len(sweep.x_show)))


def render_training(x_show, p: int, ready: tuple, *, scale: int = 2) -> Frame:
    """What the slider shows at a ``p`` whose model is still training: the digits above a grey row, and a label
    saying so and which p's are ``ready``."""
    x_show = np.asarray(x_show, dtype=np.float32)
    picture = mosaic(np.concatenate([x_show, np.full_like(x_show, 0.5)]), ncols=len(x_show))
    label = format_label({"p": p, "model": "still training, shown here when done",
                          "ready": ", ".join(map(str, ready)) or "none yet"})
    blank = to_png(np.full((4, 4), 1.0), scale=1)
    return Frame((to_png(picture, scale=scale), blank, blank), label, {})


class _LiveView:
    """A sweep in training seen by a slider: ``render(p)`` from the models landed so far, redrawn as each lands."""

    def __init__(self, job, show):
        self.job, self.show, self.slider = job, show, None
        self.x_show = job.plan.x_eval[np.arange(show) if np.ndim(show) == 0 else np.asarray(show)]
        self._sweep, self._pictures, self._lock = None, None, threading.Lock()

    def refresh(self, _p=None) -> None:  # a model landed (in the watcher's thread): new curves, same stops
        with self._lock:
            self._sweep = self.job.ready(show=self.show)
            self._pictures = _PicturesOnDemand(self._sweep)
        if self.slider is not None:
            self.slider._show()

    def render(self, p: int) -> Frame:
        with self._lock:  # this sweep with its own pictures: a model landing meanwhile swaps both for the next render
            sweep, pictures, training = self._sweep, self._pictures, self.job.training()
        if sweep is None or p not in sweep.p_values:
            return render_training(self.x_show, p, () if sweep is None else sweep.p_values)
        frame = render_bottleneck(sweep, pictures, p)
        if training:
            label = frame.label + " · " + format_label({"still training": ", ".join(map(str, training))})
            frame = dataclasses.replace(frame, label=label)
        return frame


def _live_bottleneck_slider(job, p, show) -> Slider:
    view = _LiveView(job, show)
    view.refresh()
    stops = job.plan.p_values
    slider = Slider(view.render, {"p": stops}, None if p is None else {"p": p}, width="500px",
                    caption=_CAPTION.format(k=len(view.x_show)))
    view.slider = slider
    job.watch(view.refresh)
    return slider


# --- the identity problem (notebook 03) ----------------------------------------------------------

def identity_views(outputs: dict, *, n_show: int = 8) -> dict:
    """Arrange each model's outputs into the identity slider's frames, ``n_show`` images per family.

    ``outputs`` maps code size p → what ``ae.family_outputs(model, digits, probes)`` returned for
    that model: ``(inputs, reconstructions, per-image MSE)``, three dicts keyed by family,
    ``"digits"`` first.  Returns ``{"families": [...], "inputs": {family: (n_show, 784)}, "views":
    {p: {"outputs": {family: ...}, "errors": {family: MSE}, "relative": {family: relative error},
    "gap": non-digits − digits}}}``, the errors being means over *all* the images given, not just
    the ones shown.  The relative error of a family is its MSE over its mean squared pixel value
    (the MSE of an all-black reconstruction): a family with little ink has a small MSE even when
    badly reconstructed, and the relative error does not reward it for that.
    """
    n_show = check_int_in_range(n_show, "n_show", 1)
    if not isinstance(outputs, dict) or not outputs:
        raise ValueError("outputs must map at least one code size p to family_outputs(model, digits, probes); got none")
    views = {}
    for p, parts in sorted(outputs.items()):
        if not (isinstance(parts, tuple) and len(parts) == 3 and all(isinstance(d, dict) for d in parts)):
            raise ValueError(f"outputs[{p}] must be the (inputs, reconstructions, errors) dicts of family_outputs; "
                             f"got {type(parts).__name__}")
        sets, x_hat, errors = parts
        means = {f: float(np.mean(e)) for f, e in errors.items()}
        views[int(p)] = {"outputs": {f: np.clip(x[:n_show], 0.0, 1.0).astype(np.float32) for f, x in x_hat.items()},
                         "errors": means,
                         "relative": {f: means[f] / max(float(np.mean(np.square(x, dtype=np.float64))), 1e-12)
                                      for f, x in sets.items()},
                         "gap": gap(means)}
    return {"families": list(sets), "inputs": {f: x[:n_show] for f, x in sets.items()}, "views": views}


def gap(errors: dict) -> float:
    """Mean MSE over the non-digit families minus the digit MSE: how much worse the unseen kinds fare."""
    others = [float(e) for f, e in errors.items() if f != _DIGITS]
    if _DIGITS not in errors or not others:
        raise ValueError(f"errors must hold 'digits' and at least one other family; got {sorted(errors)}")
    return float(np.mean(others)) - float(errors[_DIGITS])


def _gap_chart(results: dict, p: int) -> bytes:
    """PNG of the gap against p (log scale) with ``p`` marked."""
    ps = sorted(results["views"])
    gaps = [gap(results["views"][q]["errors"]) for q in ps]
    fig = new_figure(3.4, 2.3, dpi=90, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(ps, gaps, "o-", color="tab:blue", lw=1.5, ms=4)
    ax.plot([p], [gap(results["views"][p]["errors"])], "o", color="tab:red", ms=9)
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(784, color="grey", ls="--", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("code size p (log scale)", fontsize=8)
    ax.set_ylabel("gap (MSE per pixel)", fontsize=8)
    ax.set_title("non-digit − digit error", fontsize=9)
    ax.tick_params(labelsize=7)
    return to_png(fig)


def render_identity(results: dict, p: int, *, scale: int = 2) -> Frame:
    """What the slider shows at ``p`` (one of the precomputed code sizes, checked here as by the slider).

    The mosaic has two rows per family: the inputs, then their reconstructions by the model
    with code size p; beside it the gap (mean non-digit MSE − digit MSE) against p.  The label
    gives the gap, then each family's MSE; ``numbers`` is ``{family: MSE, "gap": gap}``.
    """
    p = check_stop(p, sorted(results["views"]), "p")
    view = results["views"][p]
    rows = []
    for family in results["families"]:
        rows += [results["inputs"][family], view["outputs"][family]]
    png = to_png(mosaic(np.concatenate(rows), ncols=len(rows[0]), fill=0.5), scale=scale)
    errors = {family: float(view["errors"][family]) for family in results["families"]}
    g = gap(errors)
    label = format_label({"p": p, "gap (non-digits − digits)": g, **{f"{family} MSE": e for family, e in errors.items()}},
                         note=f"{'≥' if p >= 784 else '<'} n = 784")
    return Frame((png, _gap_chart(results, p)), label, {**errors, "gap": g})


def identity_slider(results: dict, p: int | None = None) -> Slider:
    """A slider over the precomputed code sizes in ``results`` (from :func:`identity_views`)."""
    if not isinstance(results, dict) or not {"families", "inputs", "views"} <= set(results) or not results["views"]:
        raise ValueError("results must be the dict made by identity_views (keys families, inputs, views, "
                         f"at least one p); got {type(results).__name__}")
    return Slider(functools.partial(render_identity, results), {"p": sorted(results["views"])},
                  None if p is None else {"p": p},
                  caption="row pairs: inputs, then their reconstructions by the model with code size p; "
                          f"families top to bottom: {', '.join(results['families'])}. Right: the gap "
                          "(mean non-digit error − digit error) against p, the red dot at the p shown")

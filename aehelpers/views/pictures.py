"""Pictures of digits and losses: mosaics, the one PNG path of every slider frame, and shared plots.

A slider frame is PNG bytes, always made by :func:`to_png`: from a 2-D array of grey values (a
``mosaic`` of digits, a few milliseconds), from an RGB array drawn once and marked per move, or
from a Matplotlib figure made with :func:`new_figure` (outside pyplot: nothing is displayed and
no figure is left open).  Re-rendering a 20-subplot figure per move would take ~200 ms.

Every plot takes ``ax=None`` (``axes=None`` for several panels; a new figure when omitted) and
returns the ``ax`` or ``axes`` it drew on, nothing else, so notebooks stay free of cosmetic code.
``plot_digit_rows`` is the series' one way to draw rows of images (white digits on black, as
MNIST stores them).  Introduced in notebook 02; ``plot_loss_curves`` in notebook 04,
``plot_losses`` (greedy versus end-to-end training) in notebook 05.
"""
from __future__ import annotations

import io

import numpy as np

from aehelpers.checks import as_matrix, check_int_in_range


def mosaic(images, ncols: int | None = None, *, side: int = 28, pad: int = 2, fill: float = 1.0) -> np.ndarray:
    """Tile images (``(k, side*side)`` or ``(k, side, side)``) into one 2-D array, row-major."""
    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim == 2 and arr.shape[1] == side * side:
        arr = arr.reshape(-1, side, side)
    if arr.ndim != 3 or arr.shape[1:] != (side, side):
        raise ValueError(f"images must have shape (k, {side * side}) or (k, {side}, {side}); got {np.shape(images)}")
    k = len(arr)
    if k == 0:
        raise ValueError("images must hold at least one image; got 0")
    ncols = k if ncols is None else int(ncols)
    if ncols < 1:
        raise ValueError(f"ncols must be ≥ 1; got {ncols}")
    nrows = -(-k // ncols)
    out = np.full((nrows * (side + pad) + pad, ncols * (side + pad) + pad), fill, dtype=np.float32)
    for i, img in enumerate(arr):
        r, c = divmod(i, ncols)
        y, x = pad + r * (side + pad), pad + c * (side + pad)
        out[y:y + side, x:x + side] = img
    return out


def new_figure(width: float, height: float, *, dpi: int = 100, **kwargs):
    """A Matplotlib figure of ``width`` × ``height`` inches outside pyplot, on an Agg canvas.

    Nothing is displayed and no global state is touched; pass it to :func:`to_png` or
    :func:`figure_pixels`.  ``kwargs`` go to ``Figure`` (``facecolor``, ``layout``...).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi, **kwargs)
    FigureCanvasAgg(fig)
    return fig


def figure_pixels(fig) -> np.ndarray:
    """Draw a figure from :func:`new_figure` and return its pixels, ``(H, W, 3)`` uint8."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def to_png(picture, *, scale: int | None = None, vmin: float = 0.0, vmax: float = 1.0, invert: bool = False) -> bytes:
    """PNG bytes of a slider frame's picture, enlarged ``scale`` times (nearest neighbour).

    ``picture`` is a 2-D array of grey values in [``vmin``, ``vmax``] (``scale`` 3 unless given),
    an ``(H, W, 3)`` uint8 RGB array, or a figure from :func:`new_figure` (both ``scale`` 1).
    """
    from PIL import Image

    if hasattr(picture, "canvas") and hasattr(picture, "savefig"):
        picture = figure_pixels(picture)
    arr = np.asarray(picture)
    if arr.ndim == 3 and arr.shape[-1] == 3:
        if arr.dtype != np.uint8:
            raise ValueError(f"an RGB picture must be uint8 (0–255); got dtype {arr.dtype}")
        pixels, scale = arr, 1 if scale is None else scale
    elif arr.ndim == 2:
        if not vmax > vmin:
            raise ValueError(f"vmax must exceed vmin; got vmin={vmin}, vmax={vmax}")
        norm = np.clip((arr.astype(np.float32) - vmin) / (vmax - vmin), 0.0, 1.0)
        pixels, scale = ((1.0 - norm if invert else norm) * 255.0 + 0.5).astype(np.uint8), 3 if scale is None else scale
    else:
        raise ValueError(f"to_png expects a 2-D grey array, an (H, W, 3) RGB array or a figure; got shape {arr.shape}")
    if scale > 1:
        pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def axes_for(ax, figsize):
    """``ax``, or the axes of a new figure of ``figsize``."""
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1] if ax is None else ax


def panels(axes, count: int, width: float = 4.2, height: float = 3.4) -> np.ndarray:
    """``axes`` as an array, or ``count`` new panels side by side (``width`` × ``height`` inches each)."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, count, figsize=(width * count, height), constrained_layout=True)
    axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
    if axes.size != count:
        raise ValueError(f"axes must hold {count} Matplotlib axes; got {axes.size}")
    return axes


def _flat(images):
    """(k, side, side) or (k, side, side, 1) images as (k, side²); anything else unchanged (checked later)."""
    arr = np.asarray(images)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    return arr.reshape(len(arr), -1) if arr.ndim == 3 and arr.shape[1] == arr.shape[2] else arr


def plot_digit_rows(rows: dict, *, ncols: int | None = None, title: str = "", xlabel: str = "",
                    column_labels=None, cmap: str = "gray", vmin: float = 0.0, vmax: float = 1.0, ax=None):
    """Labelled rows of square images (white digits on black): ``rows`` maps a label to k images,
    each flat (side²) or square (side × side, with or without a trailing channel of 1).

    ``ncols`` defaults to the longest row; longer rows are cut, shorter ones end in blank tiles.
    ``column_labels`` names the columns (else no x ticks).  A diverging ``cmap`` with
    ``vmin = −vmax`` shows signed pictures (weights, Jacobian rows).  Returns ``ax``.
    """
    if not rows:
        raise ValueError("rows must map at least one label to images; got none")
    arrays = {label: as_matrix(_flat(x), f"row {label!r}", dtype=np.float32) for label, x in rows.items()}
    widths = {x.shape[1] for x in arrays.values()}
    side = int(round(np.sqrt(max(widths))))
    if len(widths) != 1 or side * side != max(widths):
        raise ValueError(f"every row must hold square images of one size (side² pixels); got widths {sorted(widths)}")
    ncols = check_int_in_range(ncols or max(len(x) for x in arrays.values()), "ncols", 1)
    blank = np.full((ncols, side * side), np.nan, dtype=np.float32)  # shown as background
    tiles = np.concatenate([np.concatenate([x[:ncols], blank[len(x):]]) for x in arrays.values()])
    ax = axes_for(ax, (0.55 * ncols + 1.6, 0.55 * len(arrays) + 0.6))
    ax.imshow(mosaic(tiles, ncols=ncols, side=side, fill=np.nan), cmap=cmap, vmin=vmin, vmax=vmax,
              interpolation="nearest")
    centres = [2 + (side + 2) * i + side / 2 for i in range(max(len(arrays), ncols))]  # mosaic's pad is 2
    ax.set_yticks(centres[:len(arrays)], [str(label) for label in arrays])
    if column_labels is None:
        ax.set_xticks([])
    else:
        labels = [str(c) for c in column_labels]
        ax.set_xticks(centres[:len(labels)], labels)
    ax.set_xlabel(xlabel)
    ax.grid(False)
    ax.tick_params(length=0)  # labels only: the tiles are the frame
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title)
    return ax


def plot_loss_curves(history: dict, *, floor: float | None = None, baseline: float | None = None,
                     baseline_label: str = "predict the mean image", title: str = "Training and validation loss",
                     ylabel: str = "binary cross-entropy (nats per pixel)", ax=None):
    """``loss`` and ``val_loss`` per epoch, with the entropy floor (and a baseline) as lines.

    ``floor`` is the least cross-entropy any model can reach on the validation images (their
    mean binary entropy).  Returns ``ax``.
    """
    if "loss" not in history or not len(history["loss"]):
        raise ValueError(f"history must hold a non-empty 'loss' list; got keys {sorted(history)}")
    ax = axes_for(ax, (7, 4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax.plot(epochs, history["loss"], marker=".", label="training loss")
    if history.get("val_loss"):
        ax.plot(epochs, history["val_loss"], marker=".", label="validation loss")
    if floor is not None:
        ax.axhline(floor, color="k", linestyle="--", linewidth=1,
                   label=f"entropy floor {floor:.4f} (no model can go lower)")
    if baseline is not None:
        ax.axhline(baseline, color="grey", linestyle=":", linewidth=1, label=f"{baseline_label} {baseline:.4f}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    return ax


def plot_losses(end_to_end: dict, greedy: dict, baseline: float, ax=None):
    """Validation loss against cumulative epochs: end to end versus greedy stages then fine-tuning.

    ``end_to_end`` is a training history (``val_loss`` per epoch); ``greedy`` a dict with
    ``pretrain_epochs``, ``stacked_loss`` and the fine-tuning ``val_loss``, as notebook 05's
    greedy fit returns it.  Returns ``ax``.
    """
    missing = {"pretrain_epochs", "stacked_loss", "val_loss"} - set(greedy)
    if missing or "val_loss" not in end_to_end:
        raise ValueError(f"expected greedy keys pretrain_epochs, stacked_loss, val_loss and an end-to-end val_loss; "
                         f"missing {sorted(missing) or ['val_loss (end to end)']}")
    ax = axes_for(ax, (7, 4))
    e2e = end_to_end["val_loss"]
    ax.plot(np.arange(1, len(e2e) + 1), e2e, "o-", label="end to end")
    done = int(greedy["pretrain_epochs"])
    ax.axvspan(0.5, done + 0.5, color="0.9", label="greedy: pretraining layers (other losses)")
    ax.plot([done], [greedy["stacked_loss"]], "s", color="C1", label="greedy: stacked, before fine-tuning")
    ft = list(greedy["val_loss"])
    if ft:
        ax.plot(np.arange(done + 1, done + len(ft) + 1), ft, "o-", color="C1", label="greedy: fine-tuning")
    ax.axhline(baseline, color="k", ls="--", lw=1, label="predict the mean image")
    ax.set_xlabel("epochs spent (all stages)")
    ax.set_ylabel("validation binary cross-entropy")
    ax.set_title("Deep 784-128-64-32-64-128-784: end to end vs greedy layer-wise")
    ax.legend(fontsize=8)
    return ax

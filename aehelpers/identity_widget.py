"""A slider over the code size p: watch non-digit reconstructions sharpen into the identity.

``identity_views`` runs every model once on the same probes (pure, all the compute);
``render_identity(results, p)`` turns one p into a ``Frame`` (a PNG mosaic, a small chart of
the gap non-digit − digit error against p, and the errors, tens of milliseconds); ``identity_slider(results)`` puts it in the series' one slider shell
(``aehelpers.slider``), so moving the slider trains and predicts nothing.  Introduced in
notebook 03.
"""
from __future__ import annotations

import functools
import io

import numpy as np

from .checks import check_int_in_range
from .identity import DIGITS, family_outputs
from .images import mosaic, to_png
from .slider import Frame, Slider, format_label


def identity_views(models: dict, digits, probes: dict, *, n_show: int = 8) -> dict:
    """Reconstruct ``n_show`` digits and ``n_show`` images of each probe family with every model.

    ``models`` maps code size p → KerasAutoencoder.  Returns ``{"families": [...], "inputs":
    {family: (n_show, 784)}, "views": {p: {"outputs": {family: ...}, "errors": {family: MSE},
    "relative": {family: relative error}, "gap": non-digits − digits}}}``, the errors being means
    over *all* the images given, not just the ones shown.  The relative error of a family is its
    MSE over its mean squared pixel value (the MSE of an all-black reconstruction): sparse ink,
    as in letters and shapes, has a small MSE even when badly reconstructed.
    """
    n_show = check_int_in_range(n_show, "n_show", 1)
    if not models:
        raise ValueError("models must map at least one code size p to a model; got none")
    views = {}
    for p, kae in sorted(models.items()):
        sets, x_hat, errors = family_outputs(kae, digits, probes)
        means = {f: float(np.mean(e)) for f, e in errors.items()}
        views[int(p)] = {"outputs": {f: np.clip(x[:n_show], 0.0, 1.0).astype(np.float32) for f, x in x_hat.items()},
                         "errors": means,
                         "relative": {f: means[f] / max(float(np.mean(np.square(x, dtype=np.float64))), 1e-12)
                                      for f, x in sets.items()},
                         "gap": gap(means)}
    return {"families": list(sets), "inputs": {f: x[:n_show] for f, x in sets.items()}, "views": views}


def gap(errors: dict) -> float:
    """Mean MSE over the non-digit families minus the digit MSE: how much worse the unseen kinds fare."""
    others = [float(e) for f, e in errors.items() if f != DIGITS]
    if DIGITS not in errors or not others:
        raise ValueError(f"errors must hold 'digits' and at least one other family; got {sorted(errors)}")
    return float(np.mean(others)) - float(errors[DIGITS])


def _gap_chart(results: dict, p: int) -> bytes:
    """PNG of the gap against p (log scale) with ``p`` marked; drawn without pyplot (no figure is left open)."""
    from matplotlib.figure import Figure

    ps = sorted(results["views"])
    gaps = [gap(results["views"][q]["errors"]) for q in ps]
    fig = Figure(figsize=(3.4, 2.3), dpi=90, layout="constrained")
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
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def render_identity(results: dict, p: int, *, scale: int = 2) -> Frame:
    """What the slider shows at ``p`` (one of the precomputed code sizes, checked by the slider).

    The mosaic has two rows per family: the inputs, then their reconstructions by the model
    with code size p; beside it the gap (mean non-digit MSE − digit MSE) against p.  The label
    gives the gap, then each family's MSE; ``numbers`` is ``{family: MSE, "gap": gap}``.
    """
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
                          "(mean non-digit error − digit error) against p; it shrinks towards 0 as the model "
                          "learns to copy")

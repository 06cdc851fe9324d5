"""A slider over the code size p: watch non-digit reconstructions sharpen into the identity.

``identity_views`` runs every model once on the same probes (pure, all the compute);
``render_identity(results, p)`` turns one p into a ``Frame`` (a PNG mosaic and the errors,
milliseconds); ``identity_slider(results)`` puts it in the series' one slider shell
(``aehelpers.slider``), so moving the slider trains and predicts nothing.  Introduced in
notebook 03.
"""
from __future__ import annotations

import functools

import numpy as np

from .checks import check_int_in_range
from .identity import family_outputs
from .images import mosaic, to_png
from .slider import Frame, Slider, format_label


def identity_views(models: dict, digits, probes: dict, *, n_show: int = 8) -> dict:
    """Reconstruct ``n_show`` digits and ``n_show`` images of each probe family with every model.

    ``models`` maps code size p → KerasAutoencoder.  Returns ``{"families": [...], "inputs":
    {family: (n_show, 784)}, "views": {p: {"outputs": {family: ...}, "errors": {family: MSE}}}}``,
    the errors being means over *all* the images given, not just the ones shown.
    """
    n_show = check_int_in_range(n_show, "n_show", 1)
    if not models:
        raise ValueError("models must map at least one code size p to a model; got none")
    views = {}
    for p, kae in sorted(models.items()):
        sets, x_hat, errors = family_outputs(kae, digits, probes)
        views[int(p)] = {"outputs": {f: np.clip(x[:n_show], 0.0, 1.0).astype(np.float32) for f, x in x_hat.items()},
                         "errors": {f: float(np.mean(e)) for f, e in errors.items()}}
    return {"families": list(sets), "inputs": {f: x[:n_show] for f, x in sets.items()}, "views": views}


def render_identity(results: dict, p: int, *, scale: int = 2) -> Frame:
    """What the slider shows at ``p`` (one of the precomputed code sizes, checked by the slider).

    The mosaic has two rows per family: the inputs, then their reconstructions by the model
    with code size p.  The label gives each family's MSE; ``numbers`` is ``{family: MSE}``.
    """
    view = results["views"][p]
    rows = []
    for family in results["families"]:
        rows += [results["inputs"][family], view["outputs"][family]]
    png = to_png(mosaic(np.concatenate(rows), ncols=len(rows[0]), fill=0.5), scale=scale)
    errors = {family: float(view["errors"][family]) for family in results["families"]}
    label = format_label({"p": p, **{f"{family} MSE": e for family, e in errors.items()}},
                         note=f"{'≥' if p >= 784 else '<'} n = 784")
    return Frame(png, label, errors)


def identity_slider(results: dict, p: int | None = None) -> Slider:
    """A slider over the precomputed code sizes in ``results`` (from :func:`identity_views`)."""
    if not isinstance(results, dict) or not {"families", "inputs", "views"} <= set(results) or not results["views"]:
        raise ValueError("results must be the dict made by identity_views (keys families, inputs, views, "
                         f"at least one p); got {type(results).__name__}")
    return Slider(functools.partial(render_identity, results), {"p": sorted(results["views"])},
                  None if p is None else {"p": p},
                  caption="row pairs: inputs, then their reconstructions by the model with code size p; "
                          f"families top to bottom: {', '.join(results['families'])}")

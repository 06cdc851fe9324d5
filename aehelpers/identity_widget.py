"""A slider over the code size p: watch non-digit reconstructions sharpen into the identity.

``identity_views`` runs every model once on the same probes (pure, all the compute);
``render_identity_view(results, p)`` turns one p into a PNG mosaic and an HTML table of errors
(pure, milliseconds); ``identity_slider(results)`` is the thin ipywidgets shell around it, so
moving the slider trains and predicts nothing.  Introduced in notebook 03.
"""
from __future__ import annotations

import html

import numpy as np

from .checks import as_matrix, check_int_in_range
from .images import mosaic, to_png

DIGITS = "digits"


def identity_views(models: dict, digits, probes: dict, *, n_show: int = 8) -> dict:
    """Reconstruct ``n_show`` digits and ``n_show`` images of each probe family with every model.

    ``models`` maps code size p → KerasAutoencoder.  Returns ``{"families": [...], "inputs":
    {family: (n_show, 784)}, "views": {p: {"outputs": {family: ...}, "errors": {family: MSE}}}}``,
    the errors being means over *all* the images given, not just the ones shown.
    """
    from .framework import squared_euclidean
    from .identity import as_framework

    n_show = check_int_in_range(n_show, "n_show", 1)
    if not models:
        raise ValueError("models must map at least one code size p to a model; got none")
    sets = {DIGITS: as_matrix(digits, "digits", n_cols=784, dtype=np.float32)}
    sets.update({name: as_matrix(x, f"probe family {name!r}", n_cols=784, dtype=np.float32)
                 for name, x in probes.items()})
    results = {"families": list(sets), "inputs": {f: x[:n_show] for f, x in sets.items()}, "views": {}}
    everything = np.concatenate(list(sets.values()))
    starts = np.cumsum([0] + [len(x) for x in sets.values()])[:-1]
    for p, kae in sorted(models.items()):
        ae = as_framework(kae)
        x_hat = ae(everything)  # one pass through the model for every family
        errors = squared_euclidean(x_hat, everything) / ae.n  # Δ(A∘B(x), x)/n per image
        outputs, means = {}, {}
        for (family, x), start in zip(sets.items(), starts):
            outputs[family] = np.clip(x_hat[start:start + n_show], 0.0, 1.0).astype(np.float32)
            means[family] = float(np.mean(errors[start:start + len(x)]))
        results["views"][int(p)] = {"outputs": outputs, "errors": means}
    return results


def _check_results(results) -> None:
    if not isinstance(results, dict) or not {"families", "inputs", "views"} <= set(results):
        raise ValueError("results must be the dict made by identity_views (keys families, inputs, views); "
                         f"got {type(results).__name__} with keys {sorted(results) if isinstance(results, dict) else '-'}")
    if not results["views"]:
        raise ValueError("results hold no views (no code sizes p)")


def render_identity_view(results: dict, p: int, *, scale: int = 2) -> dict:
    """PNG bytes and an HTML error table for code size ``p``.

    The mosaic has two rows per family: the inputs, then their reconstructions by the model
    with code size p.  Returns ``{"p", "png", "html", "errors"}``.
    """
    _check_results(results)
    if p not in results["views"]:
        raise ValueError(f"p must be one of the precomputed code sizes {sorted(results['views'])}; got {p!r}")
    view = results["views"][p]
    rows = []
    for family in results["families"]:
        rows += [results["inputs"][family], view["outputs"][family]]
    n_show = len(rows[0])
    png = to_png(mosaic(np.concatenate(rows), ncols=n_show, fill=0.5), scale=scale)
    digit_err = view["errors"][DIGITS]
    cells = "".join(
        f"<tr><td>{html.escape(f)}</td><td>{view['errors'][f]:.4f}</td>"
        f"<td>{view['errors'][f] / max(digit_err, 1e-12):.1f}×</td></tr>" for f in results["families"])
    label = (f"<div class='ae-error'><b>p = {p}</b> ({'≥' if p >= 784 else '<'} n = 784): "
             "row pairs are inputs / reconstructions, families top to bottom as listed"
             f"<table><tr><th>family</th><th>MSE</th><th>÷ digits</th></tr>{cells}</table></div>")
    return {"p": p, "png": png, "html": label, "errors": dict(view["errors"])}


class IdentitySlider:
    """The widget: ``.slider`` (over p), ``.image``, ``.label``; ``.update(p)`` redraws; ``.widget`` to display."""

    def __init__(self, results: dict, p: int | None = None):
        import ipywidgets as w

        _check_results(results)
        self.results = results
        sizes = sorted(results["views"])
        self.slider = w.SelectionSlider(options=sizes, value=sizes[-1] if p is None else p,
                                        description="code size p", continuous_update=True,
                                        style={"description_width": "initial"},
                                        layout=w.Layout(width="420px"))
        self.image = w.Image(format="png")
        self.label = w.HTML()
        self.slider.observe(lambda change: self.update(change["new"]), names="value")
        self.widget = w.VBox([self.slider, w.HBox([self.image, self.label])])
        self.update(self.slider.value)

    def update(self, p: int) -> dict:
        """Draw the view for code size ``p`` and return it."""
        view = render_identity_view(self.results, p)
        self.image.value = view["png"]
        self.label.value = view["html"]
        return view

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def identity_slider(results: dict, p: int | None = None) -> IdentitySlider:
    """A slider over the precomputed code sizes in ``results`` (from :func:`identity_views`)."""
    return IdentitySlider(results, p)

"""Measuring the identity-function problem: how much did an autoencoder learn about its data?

A model that learned digits reconstructs digits well and non-digits (``aehelpers.probes``)
badly; a model that learned the identity reconstructs both.  This module turns that into
numbers: per-image errors through Baldi's framework (``aehelpers.theory.framework``), an error table
over probe families, the code's sparsity, and the distance of A∘B's Jacobian from the identity
matrix.  The models themselves are built and trained in the notebook's cells.
Introduced in notebook 03.
"""
from __future__ import annotations

import numpy as np

from aehelpers.theory import framework as fw
from aehelpers.checks import as_matrix
from aehelpers.nets.models import as_framework
from aehelpers.runtime import import_tensorflow_quietly

DIGITS = "digits"


def reconstruction_errors(kae, X, Y=None) -> np.ndarray:
    """Per-image mean squared error Δ(A∘B(xₜ), yₜ)/n (``Y=None``: targets are the inputs X)."""
    ae = kae if isinstance(kae, fw.Autoencoder) else as_framework(kae)
    return fw.point_errors(ae, X, Y, fw.squared_euclidean) / ae.n


# --- the error table --------------------------------------------------------------------------------

def family_outputs(kae, digits, probes: dict):
    """Digits and every probe family through the model in one pass, split back by family.

    Returns three dicts keyed by family (``"digits"`` first, then the probes in order): the
    inputs, their reconstructions A∘B(x), and each image's MSE Δ(A∘B(x), x)/n.
    """
    ae = kae if isinstance(kae, fw.Autoencoder) else as_framework(kae)
    sets = {DIGITS: as_matrix(digits, "digits", n_cols=ae.n, dtype=np.float32)}
    sets.update({f: as_matrix(x, f"probe family {f!r}", n_cols=ae.n, dtype=np.float32) for f, x in probes.items()})
    everything = np.concatenate(list(sets.values()))
    x_hat = ae(everything)
    errors = fw.squared_euclidean(x_hat, everything) / ae.n
    ends = np.cumsum([len(x) for x in sets.values()])[:-1]
    return sets, dict(zip(sets, np.split(x_hat, ends))), dict(zip(sets, np.split(errors, ends)))


def error_row(kae, digits, probes: dict, *, name: str = "") -> dict:
    """Mean MSE on ``digits`` and on each probe family, their mean over families, ratio and gap.

    ``non-digits`` is the mean over the families, ``ratio`` = non-digits / digits and
    ``gap`` = non-digits − digits.
    """
    if not probes:
        raise ValueError("probes must hold at least one non-digit family; got none")
    _, _, errors = family_outputs(kae, digits, probes)
    row = {"model": name or kae.model.name}
    row.update({family: float(np.mean(e)) for family, e in errors.items()})
    row["non-digits"] = float(np.mean([row[f] for f in probes]))
    row["ratio"] = row["non-digits"] / max(row[DIGITS], 1e-12)
    row["gap"] = row["non-digits"] - row[DIGITS]
    return row


def error_table(models: dict, digits, probes: dict) -> list[dict]:
    """One :func:`error_row` per named model, in the order given."""
    if not models:
        raise ValueError("models must name at least one autoencoder; got none")
    return [error_row(kae, digits, probes, name=name) for name, kae in models.items()]


def format_table(rows: list[dict], columns=None, *, digits: int = 4) -> str:
    """A plain-text table of dict rows (first column left-aligned), numbers to ``digits`` places."""
    if not rows:
        raise ValueError("rows must hold at least one row; got none")
    columns = list(columns or rows[0].keys())
    missing = [c for c in columns if any(c not in r for r in rows)]
    if missing:
        raise ValueError(f"every row needs the columns {columns}; missing {missing}")

    def cell(v):
        if isinstance(v, (float, np.floating)):
            return f"{v:.{digits}f}" if abs(v) < 10 else f"{v:.1f}"
        return str(v)

    cells = [[cell(r[c]) for c in columns] for r in rows]
    widths = [max(len(str(c)), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(vals, widths)))
    return "\n".join([line([str(c) for c in columns]), line(["-" * w for w in widths])] + [line(r) for r in cells])


# --- codes and Jacobians ------------------------------------------------------------------------------

def code_sparsity(kae, X, *, threshold: float = 0.01) -> dict:
    """Mean |code| and the fraction of code values with |h| < ``threshold`` (near zero), over X."""
    if not threshold > 0:
        raise ValueError(f"threshold must be > 0; got {threshold}")
    H = np.abs(as_framework(kae).encode(X))
    return {"mean_activation": float(H.mean()), "near_zero": float((H < threshold).mean())}


def jacobians(model, X) -> np.ndarray:
    """∂(A∘B)(x)/∂x at each row of X: shape (k, n, n), entry [t, i, j] = ∂zᵢ/∂xⱼ at xₜ."""
    tf = import_tensorflow_quietly()
    X = as_matrix(X, "X", n_cols=int(model.inputs[0].shape[-1]), dtype=np.float32)
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        z = model(x, training=False)
    return tape.batch_jacobian(z, x).numpy()


def identity_distance(J, mask=None) -> float:
    """Mean over inputs of ‖J − I‖_F / ‖I‖_F, optionally on the pixels where ``mask`` is True.

    0 means A∘B is locally the identity; a rank-p map (p ≪ n) cannot get below √(1 − p/n).
    """
    J = np.asarray(J, dtype=np.float64)
    if J.ndim == 2:
        J = J[None]
    if J.ndim != 3 or J.shape[1] != J.shape[2]:
        raise ValueError(f"J must be (n, n) or (k, n, n); got shape {np.shape(J)}")
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (J.shape[1],) or not mask.any():
            raise ValueError(f"mask must be a boolean vector of length {J.shape[1]} with a True; got {mask.shape}")
        J = J[:, mask][:, :, mask]
    eye = np.eye(J.shape[1])
    return float(np.mean(np.linalg.norm(J - eye, axis=(1, 2)) / np.sqrt(J.shape[1])))


# --- weights ---------------------------------------------------------------------------

def energy_in_subspace(V, U) -> float:
    """Fraction of the total squared norm of the rows of ``V`` inside the span of the columns of ``U``.

    With U the top principal directions of the data: 1 means the filters V are made of
    digit-like directions only, about (columns of U)/n means they ignore the data.
    """
    V = as_matrix(V, "V (filters as rows)")
    U = as_matrix(U, "U (basis as columns)")
    if U.shape[0] != V.shape[1]:
        raise ValueError(f"U must have {V.shape[1]} rows to match the filters; got shape {U.shape}")
    Q, _ = np.linalg.qr(U)
    total = float(np.sum(V ** 2))
    if total == 0:
        raise ValueError("V must hold at least one non-zero filter; got all zeros")
    return float(np.sum((V @ Q) ** 2) / total)

"""Hebbian learning finds the principal subspace: Oja's subspace rule and Sanger's rule.

A linear neuron layer y = W x (W of shape p × n) with the Hebbian term y xᵀ and a decay that
keeps W bounded:

* Oja's subspace rule   ΔW = η (y xᵀ − y yᵀ W)         → rows of W span the top-p principal subspace;
* Sanger's rule (GHA)   ΔW = η (y xᵀ − LT(y yᵀ) W)      → rows of W are the top-p eigenvectors, in order

(LT keeps the lower triangle, diagonal included).  These rules are not results of Baldi's paper;
the link is a derivation: for the tied linear autoencoder x ↦ WᵀWx, −½∇_W ‖x − WᵀWx‖² =
(y xᵀ − y yᵀ W) + (I − WWᵀ) y xᵀ, i.e. Oja's rule plus a term that vanishes when WWᵀ = I, which is
where Oja's rule converges: the same subspace as PCA and the trained linear autoencoder.
Updates here average the rule over a mini-batch of rows.  Introduced in notebook 05.
"""
from __future__ import annotations

import dataclasses
import time
import numpy as np

from aehelpers.runtime import single_blas_thread
from aehelpers.checks import as_matrix, check_int_in_range

RULES = ("oja", "sanger")


def oja_update(W, X, lr: float) -> np.ndarray:
    """One step of Oja's subspace rule on the rows of X (a mini-batch): W + η mean(y xᵀ − y yᵀ W)."""
    Y = X @ W.T
    return W + lr * (Y.T @ X - (Y.T @ Y) @ W) / len(X)


def sanger_update(W, X, lr: float) -> np.ndarray:
    """One step of Sanger's rule: like Oja's but neuron i only subtracts what neurons 1…i explain."""
    Y = X @ W.T
    return W + lr * (Y.T @ X - np.tril(Y.T @ Y) @ W) / len(X)


_UPDATES = {"oja": oja_update, "sanger": sanger_update}


@dataclasses.dataclass(frozen=True)
class HebbianResult:
    """Learned weights ``W`` (p × n; rows are the neurons), the data mean, and the run's trace."""

    rule: str
    W: np.ndarray
    mean: np.ndarray
    epochs: int
    trace: tuple = ()        # per epoch: value of ``track(W)`` if a tracker was given
    seconds: float = 0.0

    def encode(self, X) -> np.ndarray:
        """y = W (x − mean) for every row of X."""
        return (as_matrix(X, "X", n_cols=self.W.shape[1]) - self.mean) @ self.W.T


def train_hebbian(X, p: int, *, rule="oja", epochs: int = 30, lr: float = 0.05, batch_size: int = 8,
                  decay: float = 0.85, seed: int | None = 0, center: bool = True, track=None) -> HebbianResult:
    """Learn p Hebbian neurons on the (centred) rows of X with Oja's or Sanger's rule.

    ``rule`` is ``"oja"``, ``"sanger"`` or an update function ``rule(W, X_batch, lr) -> W`` (notebook 05
    writes the two rules in its own cells and passes them in).  The learning rate starts at ``lr``
    and is multiplied by ``decay`` after every epoch.  ``track(W)``, if given, is called after
    every epoch and its values are kept in ``trace``.  Notebook 05 remembers it on disk with
    ``ae.cached(ae.train_hebbian, x, p, rule=oja, ...)``: editing ``oja`` trains again.
    """
    if callable(rule):
        update, rule = rule, getattr(rule, "__name__", "custom")
    elif rule in RULES:
        update = _UPDATES[rule]
    else:
        raise ValueError(f"rule must be one of {RULES} or an update function (W, X, lr) -> W; got {rule!r}")
    X = as_matrix(X, "X")
    p = check_int_in_range(p, "p", 1, X.shape[1])
    epochs = check_int_in_range(epochs, "epochs", 1)
    batch_size = check_int_in_range(batch_size, "batch_size", 1)
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number; got {lr}")
    if not 0 < decay <= 1:
        raise ValueError(f"decay must be in (0, 1]; got {decay}")
    rng = np.random.default_rng(seed)
    mean = X.mean(axis=0) if center else np.zeros(X.shape[1])
    Xc = X - mean
    W = np.linalg.qr(rng.standard_normal((X.shape[1], p)))[0].T      # p orthonormal rows: random start
    trace = []
    start = time.perf_counter()
    for _ in range(epochs):
        shuffled = Xc[rng.permutation(len(Xc))]      # one copy per epoch; the batches are views of it
        with single_blas_thread():                   # tiny matrices: extra BLAS threads only spin (blas.py)
            for s in range(0, len(shuffled), batch_size):
                W = update(W, shuffled[s:s + batch_size], lr)
        if not np.all(np.isfinite(W)) or np.abs(W).max() > 1e3:   # the rules keep ‖w‖ near 1
            raise FloatingPointError(f"{rule} rule diverged at lr = {lr:g} (weights grew to "
                                     f"{np.abs(W).max():.3g}); use a smaller learning rate")
        if track is not None:
            trace.append(track(W))
        lr *= decay
    return HebbianResult(rule=rule, W=W, mean=mean, epochs=epochs, trace=tuple(trace),
                         seconds=time.perf_counter() - start)


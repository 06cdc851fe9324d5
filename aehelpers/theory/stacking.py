"""Vertical composition of autoencoders: stack a second one on the codes of the first.

* Linear: PCA n → p1 followed by PCA p1 → p2 is exactly PCA n → p2 (:func:`stack_pca`), so
  stacking linear autoencoders adds nothing — **exactly when the first layer's coordinates are
  orthogonal up to scale**: A₁ = U C with CCᵀ ∝ I.  Any global minimum A₁ = U C, B₁ = C⁻¹Uᵀ gives
  codes with covariance C⁻¹ΛC⁻ᵀ, and PCA of those codes picks a wrong subspace, more so the larger
  cond(C) = cond(A₁) (:func:`stack_linear` shows it).  Which C training returns depends on the
  optimiser: gradient flow conserves AᵀA − BBᵀ, so a balanced (e.g. tied) start ends with C
  orthogonal, an independent random start does not, and Adam or Muon break the conservation law.
  Orthogonalising the first layer (``orthogonalise=True``, i.e. PCA in the metric A₁ᵀA₁) or
  fine-tuning end to end repairs it.
* Boolean: a p1-bit autoencoder followed by a p2-bit one trained on what the first passes up is
  hierarchical clustering — cluster, then cluster the centres (:func:`stack_boolean`) — which is
  in general worse than clustering into 2**p2 clusters directly.

The greedy layer-wise training of the non-linear deep model is written out in notebook 05 (``fit_greedy``).
Introduced in notebook 05.
"""
from __future__ import annotations

import dataclasses
import numpy as np

from aehelpers.theory import boolean as _bool
from aehelpers.checks import as_matrix, check_int_in_range
from aehelpers.keys import fingerprint
from aehelpers.theory.pca import eigen_decomposition, scatter

_MOMENTS: dict = {}  # per process, keyed by the data's fingerprint: a notebook stacks many first layers on one X


def _data(X) -> np.ndarray:
    """``X`` as a finite 2-D float array; float32 stays float32 (the sums run in float64 block by block)."""
    return as_matrix(X, "X", dtype=np.float32 if np.asarray(X).dtype == np.float32 else np.float64)


def _moments(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance Σ_XX (float64, read-only) of the rows of ``X``, computed once per data set."""
    key = fingerprint(X)
    if key not in _MOMENTS:
        mean = X.mean(axis=0, dtype=np.float64)
        S = scatter(X, mean) / len(X)  # centred block by block: no centred copy of X
        mean.flags.writeable = S.flags.writeable = False
        _MOMENTS.clear()  # one data set at a time: Σ of 784 pixels is 5 MB
        _MOMENTS[key] = mean, S
    return _MOMENTS[key]


def pca_basis(X, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, top-p principal directions (n, p, orthonormal columns) and all eigenvalues of X's covariance.

    Centres in float64 and eigen-decomposes the covariance as ``pca.fit_pca`` does (notebook 02); the
    mean and covariance are computed once per data set in a process (``stack_linear`` reuses them).
    """
    X = _data(X)
    p = check_int_in_range(p, "p", 1, X.shape[1])
    if X.shape[0] < 2:
        raise ValueError(f"PCA needs at least 2 rows; got shape {X.shape}")
    mean, S = _moments(X)
    pca = eigen_decomposition(S, len(X))
    return mean, pca.components(p), pca.eigenvalues


@dataclasses.dataclass(frozen=True)
class PCAStack:
    """Linear autoencoders stacked by PCA: one (mean, basis) per layer and their composition."""

    widths: tuple
    means: tuple             # mean of each layer's input
    bases: tuple             # (d_in, d_out) orthonormal basis of each layer
    eigenvalues: tuple       # covariance eigenvalues of each layer's input

    @property
    def composite_basis(self) -> np.ndarray:
        """U₁U₂⋯: the n × p_last map from the input to the top code."""
        out = self.bases[0]
        for basis in self.bases[1:]:
            out = out @ basis
        return out

    def encode(self, X) -> np.ndarray:
        """Codes of the top layer: each layer centres its input and projects it."""
        h = as_matrix(X, "X", n_cols=self.bases[0].shape[0])
        for mean, basis in zip(self.means, self.bases):
            h = (h - mean) @ basis
        return h

    def decode(self, H) -> np.ndarray:
        """Back down the stack: each layer maps codes up with its basis and adds its mean back."""
        x = as_matrix(H, "H", n_cols=self.bases[-1].shape[1])
        for mean, basis in zip(reversed(self.means), reversed(self.bases)):
            x = x @ basis.T + mean
        return x


def stack_pca(X, widths=(128, 32)) -> PCAStack:
    """Train linear autoencoders layer by layer (each by PCA on the previous layer's codes)."""
    X = as_matrix(X, "X")
    widths = tuple(widths)
    if not widths:
        raise ValueError("widths must name at least one layer width; got ()")
    previous = X.shape[1]
    for w in widths:
        check_int_in_range(w, "each width", 1, previous)
        previous = w
    means, bases, evals = [], [], []
    h = X
    for w in widths:
        mean, basis, ev = pca_basis(h, w)
        means.append(mean)
        bases.append(basis)
        evals.append(ev)
        h = (h - mean) @ basis
    return PCAStack(widths=widths, means=tuple(means), bases=tuple(bases), eigenvalues=tuple(evals))


@dataclasses.dataclass(frozen=True)
class LinearStack:
    """A given first linear layer (A₁, B₁) with PCA of its codes on top: the composite n → p2 → n map."""

    mean: np.ndarray         # the data mean (the layers act on centred data)
    A: np.ndarray            # n × p2 composite decoder A₁ V
    B: np.ndarray            # p2 × n composite encoder Vᵀ B₁
    code_eigenvalues: np.ndarray   # eigenvalues of the codes' covariance B₁ Σ B₁ᵀ (all p1)


def stack_linear(X, A1, B1, p2: int, *, orthogonalise: bool = False) -> LinearStack:
    """Stack PCA p1 → p2 on the codes B₁(x − mean) of a given first layer (A₁ n × p1, B₁ p1 × n).

    With ``orthogonalise=True`` the first layer is first replaced by an orthonormal basis Q of
    col(A₁) (A₁ = Q R, B₁ = Qᵀ): the same A₁B₁ at a global minimum, but codes in orthonormal
    coordinates — equivalently, PCA of the codes in the metric A₁ᵀA₁.  Introduced in notebook 05.
    """
    X = _data(X)
    A1, B1 = as_matrix(A1, "A1 (n × p1)"), as_matrix(B1, "B1 (p1 × n)")
    n = X.shape[1]
    if A1.shape[0] != n or B1.shape != (A1.shape[1], n):
        raise ValueError(f"A1 must be n × p1 and B1 p1 × n with n = {n}; got A1 {A1.shape}, B1 {B1.shape}")
    p2 = check_int_in_range(p2, "p2", 1, A1.shape[1])
    mean, S = _moments(X)
    if orthogonalise:
        A1, _ = np.linalg.qr(A1)
        B1 = A1.T
    # the codes H = (X − mean) B₁ᵀ have covariance HᵀH/m = B₁ Σ_XX B₁ᵀ: the same matrix without forming H
    evals, V = np.linalg.eigh(B1 @ S @ B1.T)
    order = np.argsort(evals)[::-1]
    V = V[:, order[:p2]]
    return LinearStack(mean=mean, A=A1 @ V, B=V.T @ B1, code_eigenvalues=evals[order])


# ---------------------------------------------------------------- Boolean: hierarchical clustering

@dataclasses.dataclass(frozen=True)
class BooleanStack:
    """A p1-bit Boolean autoencoder with a p2-bit one on top, and the errors of the composition."""

    first: _bool.BooleanFit          # n → p1 → n on the data
    second: _bool.BooleanFit         # trained on the first layer's reconstructions A1(B1(x))
    codes: np.ndarray                # top code index of every data point: B2(A1(B1(x)))
    error: int                       # Σ Hamming(A2(code), x): the stack as trained, layer by layer
    refit_error: int                 # after re-voting the top decoder on the data (one A step)

    @property
    def p(self) -> int:
        """Bits of the top code: the stack clusters the data into at most 2**p clusters."""
        return self.second.p


def stack_boolean(X, p1: int, p2: int, *, n_starts: int = 1, seed: int | None = 0) -> BooleanStack:
    """Train a p1-bit Boolean autoencoder, then a p2-bit one (p2 < p1) on its reconstructions.

    The second layer sees each point as its first-layer centre, so it clusters the 2**p1 centres
    (weighted by their cluster sizes) into 2**p2 groups: hierarchical clustering.
    """
    X = _bool.check_data(X, "X")
    p1 = _bool.check_p(p1, len(X))
    p2 = check_int_in_range(p2, "p2", 0, 30)
    if p2 >= p1:
        raise ValueError(f"the top layer must be narrower than the first: p2 < p1; got p1 = {p1}, p2 = {p2}")
    first = _bool.fit_boolean_autoencoder(X, p1, n_starts=n_starts, seed=seed)
    seen = first.A[first.codes]                       # what the first layer passes on: A1(B1(x))
    second = _bool.fit_boolean_autoencoder(seen, p2, n_starts=n_starts, seed=None if seed is None else seed + 1)
    codes = second.codes
    error = _bool.reconstruction_error(X, second.A, codes)
    refit = _bool.optimal_decoder(X, codes, p2, previous_A=second.A)
    refit_error = _bool.reconstruction_error(X, refit, codes)
    return BooleanStack(first=first, second=second, codes=codes, error=error, refit_error=refit_error)

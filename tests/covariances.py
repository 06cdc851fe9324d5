"""Covariances with a known spectrum, for tests of the linear theory."""
from __future__ import annotations

import numpy as np

from aehelpers.checks import as_matrix, check_int_in_range


def make_covariance(eigenvalues, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A covariance with the given spectrum and random orthonormal eigenvectors: ``(Σ, U)``."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if lam.ndim != 1 or lam.size < 2 or np.any(lam < 0) or not np.all(np.isfinite(lam)):
        raise ValueError(f"eigenvalues must be a 1-D array of ≥ 2 finite values ≥ 0; got {eigenvalues!r}")
    rng = np.random.default_rng(seed)
    Q, R = np.linalg.qr(rng.standard_normal((lam.size, lam.size)))
    U = Q * np.sign(np.diag(R))
    return (U * lam) @ U.T, U


def sample_with_covariance(S, m: int, *, seed: int = 0) -> np.ndarray:
    """``m`` centred rows whose empirical covariance is exactly ``S`` (for tests with a known spectrum)."""
    S = as_matrix(S, "Σ")
    m = check_int_in_range(m, "m", S.shape[0] + 1)
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((m, S.shape[0]))
    Z -= Z.mean(axis=0)
    Z = Z @ np.linalg.inv(np.linalg.cholesky(Z.T @ Z / m)).T  # now ZᵀZ/m = I exactly
    lam, U = np.linalg.eigh((S + S.T) / 2)
    return Z @ (U * np.sqrt(np.clip(lam, 0, None))).T

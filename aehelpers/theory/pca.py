"""PCA, the exact way: centring, Σ_XX = XᵀX / m and its eigen-decomposition.

The answer Baldi & Hornik's theorem gives for linear autoencoders (``aehelpers.theory.linear`` has the
theorem's landscape).  Centring is not an assumption of the theorem — it holds for uncentred data
with Σ = XᵀX/m the second-moment matrix — but it is what makes that answer *covariance* PCA (and
what the biases of a linear autoencoder with biases learn); so the functions here expect centred data.  Data are rows (X has shape (m, n)); errors per data point are
E / m = Σ_{i>p} λᵢ, and the Keras-style "MSE" is that divided by n.  NumPy only.
Introduced in notebook 02.
"""
from __future__ import annotations

import dataclasses
import numpy as np

from aehelpers.runtime import small_matrices
from aehelpers.checks import as_matrix, check_int_in_range, check_same_length
from aehelpers.keys import fingerprint

CENTRED_RTOL = 1e-3  # |column mean| ≤ CENTRED_RTOL · rms(X) counts as centred
BLOCK_ROWS = 4096  # rows per float64 block in the sums over data points (25 MB for 784 pixels)


def centre(x, mean=None) -> tuple[np.ndarray, np.ndarray]:
    """``(x − mean, mean)``: subtract ``mean`` (default: ``x``'s own column means).

    Centre the test set with the *training* mean: ``xc_test, _ = centre(x_test, mean)``.
    """
    x = as_matrix(x, "x", dtype=np.float32)
    if mean is None:
        mean = x.mean(axis=0, dtype=np.float64).astype(np.float32)
    else:
        mean = np.asarray(mean, dtype=np.float32)
        if mean.shape != (x.shape[1],):
            raise ValueError(f"mean must have shape ({x.shape[1]},) to centre x of shape {x.shape}; "
                             f"got {mean.shape}")
        if not np.all(np.isfinite(mean)):
            raise ValueError("mean must be finite; got NaN/inf values")
    return x - mean, mean


def check_centred(x, name: str = "x", rtol: float = CENTRED_RTOL) -> np.ndarray:
    """``x`` as a finite 2-D array whose column means are ≈ 0, else ``ValueError`` saying how far off.

    Guards covariance PCA (Σ = XᵀX/m is the covariance only for centred x), not the theorem itself.
    """
    arr = _as_data(x, name)
    means = arr.mean(axis=0, dtype=np.float64)
    squares = sum(float(np.einsum("ij,ij->", b, b, dtype=np.float64)) for b in _row_blocks(arr))
    scale = float(np.sqrt(squares / arr.size)) or 1.0
    worst = int(np.argmax(np.abs(means)))
    if abs(means[worst]) > rtol * scale:
        raise ValueError(f"{name} must be centred (column means ≈ 0) for Σ = XᵀX/m to be the covariance, so that the "
                         f"answer is covariance PCA (the bias-free theorem also holds uncentred, but with the second-"
                         f"moment matrix instead); got mean {means[worst]:.4g} in column {worst} (rms {scale:.4g}); "
                         f"use pca.centre({name}) first")
    return arr


def _row_blocks(x, rows: int = BLOCK_ROWS):
    """``x`` a block of ``rows`` rows at a time (views, no copies)."""
    for start in range(0, len(x), rows):
        yield x[start:start + rows]


def _as_data(x, name: str) -> np.ndarray:
    """``x`` as a finite 2-D float array; float32 stays float32 (the sums below run in float64 by blocks)."""
    return as_matrix(x, name, dtype=np.float32 if np.asarray(x).dtype == np.float32 else np.float64)


def scatter(x, mean=None) -> np.ndarray:
    """Σᵢ (xᵢ − mean)(xᵢ − mean)ᵀ over the rows of ``x`` (no centring when ``mean`` is None), in float64.

    Summed block by block, each block converted (and centred) in one reused float64 buffer, so no
    float64 copy of the data is made: on full MNIST that copy is 376 MB, and on a machine that is slow
    to hand out fresh memory, writing it cost more than the products themselves.
    """
    x = _as_data(x, "x")
    n = x.shape[1]
    if mean is not None:
        mean = np.asarray(mean, dtype=np.float64)
        if mean.shape != (n,):
            raise ValueError(f"mean must have shape ({n},), one number per column of x {x.shape}; got {mean.shape}")
        if not np.all(np.isfinite(mean)):
            raise ValueError("mean must be finite; got NaN/inf values")
    S = np.zeros((n, n))
    buffer = np.empty((min(BLOCK_ROWS, len(x)), n))
    for block in _row_blocks(x):
        b = buffer[:len(block)]
        b[...] = block
        if mean is not None:
            b -= mean
        S += b.T @ b
    return S


def covariance(x) -> np.ndarray:
    """Σ_XX = XᵀX / m of centred data ``x`` (float64)."""
    x = check_centred(x, "x")
    return scatter(x) / len(x)


def cross_covariance(y, x) -> np.ndarray:
    """Σ_YX = YᵀX / m of centred ``y`` (m, n_y) and ``x`` (m, n_x)."""
    y, x = check_centred(y, "y"), check_centred(x, "x")
    check_same_length(y, x, "y", "x")
    return y.astype(np.float64).T @ x.astype(np.float64) / len(x)


@dataclasses.dataclass(frozen=True)
class PCA:
    """Eigen-decomposition of Σ_XX: ``eigenvalues`` λ₁ ≥ … ≥ λₙ and ``U`` (n × n, columns uᵢ)."""

    eigenvalues: np.ndarray
    U: np.ndarray
    n_samples: int

    @property
    def n(self) -> int:
        """Dimension of the data."""
        return int(self.U.shape[0])

    def check_p(self, p) -> int:
        """``p`` as an int in 1…n, else ``ValueError``."""
        return check_int_in_range(p, "p", 1, self.n)

    def components(self, p) -> np.ndarray:
        """U_p: the top-p eigenvectors as columns (n × p)."""
        return self.U[:, :self.check_p(p)]

    def projection(self, p) -> np.ndarray:
        """U_p U_pᵀ: the orthogonal projection onto the top-p principal subspace (n × n)."""
        Up = self.components(p)
        return Up @ Up.T

    def reconstruct(self, x, p) -> np.ndarray:
        """Rank-p reconstruction x U_p U_pᵀ of (centred) rows ``x``."""
        Up = self.components(p)
        x = as_matrix(x, "x", n_cols=self.n)
        return (x @ Up) @ Up.T

    def optimal_errors(self) -> np.ndarray:
        """E*(p) / m = Σ_{i>p} λᵢ for p = 0…n (index p): the least error of any linear n/p/n autoencoder."""
        tail = np.cumsum(self.eigenvalues[::-1])[::-1]
        return np.append(tail, 0.0)

    def optimal_error(self, p) -> float:
        """Σ_{i>p} λᵢ: least per-point squared error of a rank-p linear autoencoder on the training data."""
        return float(self.optimal_errors()[self.check_p(p)])

    def optimal_mse(self, p) -> float:
        """Σ_{i>p} λᵢ / n: the same as a Keras-style mean squared error per pixel."""
        return self.optimal_error(p) / self.n

    def variance_explained(self) -> np.ndarray:
        """Fraction of the total variance Σλ kept by the top p components, for p = 1…n."""
        total = float(np.sum(self.eigenvalues))
        return np.cumsum(self.eigenvalues) / (total if total > 0 else 1.0)


_PCA_MEMORY: dict[str, PCA] = {}  # per process, keyed by the data's fingerprint
_PCA_MEMORY_SIZE = 8


@small_matrices
def eigen_decomposition(S: np.ndarray, m: int) -> PCA:
    """PCA of a symmetric matrix ``S`` (no checks): eigenvalues descending, clipped at 0, signs fixed."""
    lam, U = np.linalg.eigh(S)
    lam, U = lam[::-1].copy(), U[:, ::-1].copy()
    lam = np.clip(lam, 0.0, None)  # round-off can make zero eigenvalues slightly negative
    big = np.argmax(np.abs(U), axis=0)  # sign convention: each eigenvector's largest entry is positive
    U *= np.sign(U[big, np.arange(U.shape[1])])
    lam.setflags(write=False)  # a PCA may be shared between callers: nobody may change it in place
    U.setflags(write=False)
    return PCA(eigenvalues=lam, U=U, n_samples=int(m))


def fit_pca(x, *, cache: bool = True) -> PCA:
    """PCA of centred rows ``x`` by eigen-decomposition of Σ_XX = XᵀX/m, exact in float64.

    Remembered for the rest of the process, keyed by a hash of the data, so the notebook, the
    widget and the bench pay for a decomposition once; its arrays are read-only.  Nothing is
    written to disk: on full MNIST the whole computation takes about 2 s (XᵀX 1.6–2.5 s,
    ``eigh`` 0.1 s, the hash 0.2 s, measured on 2 cores), too little to justify a file cache
    that could go stale or be damaged.
    """
    x = check_centred(x, "x")
    if x.shape[0] < 2:
        raise ValueError(f"PCA needs at least 2 rows; got shape {x.shape}")
    key = fingerprint(x) if cache else None
    if key in _PCA_MEMORY:
        return _PCA_MEMORY[key]
    pca = eigen_decomposition(covariance(x), len(x))
    if cache:
        _PCA_MEMORY[key] = pca
        while len(_PCA_MEMORY) > _PCA_MEMORY_SIZE:
            _PCA_MEMORY.pop(next(iter(_PCA_MEMORY)))
    return pca


def pca_from_covariance(S) -> PCA:
    """PCA of a given symmetric covariance matrix (for synthetic spectra and tests)."""
    S = as_matrix(S, "Σ")
    if S.shape[0] != S.shape[1] or not np.allclose(S, S.T, atol=1e-10 * max(1.0, np.abs(S).max())):
        raise ValueError(f"Σ must be a symmetric square matrix; got shape {S.shape}")
    return eigen_decomposition((S + S.T) / 2, 0)

"""Linear autoencoders are PCA: the exact solution, its error, and the shape of the landscape.

Baldi & Hornik (1989), section 3 of Baldi (2012): with F = G = ℝ, a linear encoder B (p × n), a
linear decoder A (n × p), squared-error Δ and p < n, the error
E(A,B) = Σₜ ‖xₜ − A B xₜ‖² of centred data has one global minimum up to an invertible p × p
matrix C (A = U C, B = C⁻¹ Uᵀ, U the top-p eigenvectors of Σ_XX) and every other critical
point is a saddle, the projection onto another set I of p eigenvectors with error Σ_{i∉I} λᵢ.

Conventions: data are rows (X has shape (m, n)); Σ_XX = XᵀX / m; errors per data point are
E / m = tr((I − AB) Σ (I − AB)ᵀ), and the Keras-style "MSE" is that divided by n.
Introduced in notebook 02.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools

import numpy as np

from .digest import fingerprint
from .checks import as_matrix, check_int_in_range, check_same_length

CENTRED_RTOL = 1e-3  # |column mean| ≤ CENTRED_RTOL · rms(X) counts as centred
_THREADPOOLS = []


def _single_blas_thread():
    """Context: one BLAS thread.  The theory works on n × n and n × p matrices, where extra BLAS
    threads only add overhead, and on a busy machine they spin: ALS took 17 s instead of 2 s."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # optional: scikit-learn (via mlxtend) brings it
        return contextlib.nullcontext()
    if not _THREADPOOLS:
        _THREADPOOLS.append(ThreadpoolController())
    return _THREADPOOLS[0].limit(limits=1, user_api="blas")


def _small_matrices(fn):
    """Decorator: run ``fn`` with one BLAS thread (see ``_single_blas_thread``)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _single_blas_thread():
            return fn(*args, **kwargs)
    return wrapper


# --- data --------------------------------------------------------------------------------------

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
    """``x`` as a finite 2-D array whose column means are ≈ 0, else ``ValueError`` saying how far off."""
    arr = as_matrix(x, name, dtype=None if np.asarray(x).dtype == np.float32 else np.float64)
    means = arr.mean(axis=0, dtype=np.float64)
    scale = float(np.sqrt(np.mean(np.square(arr, dtype=np.float64)))) or 1.0
    worst = int(np.argmax(np.abs(means)))
    if abs(means[worst]) > rtol * scale:
        raise ValueError(f"{name} must be centred (column means ≈ 0; the theorem has no biases); got mean "
                         f"{means[worst]:.4g} in column {worst} (rms {scale:.4g}); use linear.centre({name}) first")
    return arr


def covariance(x) -> np.ndarray:
    """Σ_XX = XᵀX / m of centred data ``x`` (float64)."""
    x = check_centred(x, "x")
    x64 = x.astype(np.float64, copy=False)
    return x64.T @ x64 / len(x64)


def cross_covariance(y, x) -> np.ndarray:
    """Σ_YX = YᵀX / m of centred ``y`` (m, n_y) and ``x`` (m, n_x)."""
    y, x = check_centred(y, "y"), check_centred(x, "x")
    check_same_length(y, x, "y", "x")
    return y.astype(np.float64).T @ x.astype(np.float64) / len(x)


# --- PCA ---------------------------------------------------------------------------------------

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


@_small_matrices
def _from_covariance(S: np.ndarray, m: int) -> PCA:
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
    pca = _from_covariance(covariance(x), len(x))
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
    return _from_covariance((S + S.T) / 2, 0)


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


# --- errors, gradients, curvature of E(A,B) = tr((I − AB) Σ (I − AB)ᵀ) -------------------------

def _check_AB(A, B, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    A, B = as_matrix(A, "A (n × p)"), as_matrix(B, "B (p × n)")
    if B.shape[0] != A.shape[1]:
        raise ValueError(f"B must have p = {A.shape[1]} rows to match A of shape {A.shape}; got B of shape {B.shape}")
    if n is not None and (A.shape[0] != n or B.shape[1] != n):
        raise ValueError(f"A must be n × p and B p × n with n = {n} to match Σ; got A {A.shape}, B {B.shape}")
    return A, B


def _check_square(S, name: str = "Σ") -> np.ndarray:
    S = as_matrix(S, name)
    if S.shape[0] != S.shape[1]:
        raise ValueError(f"{name} must be square (n × n); got shape {S.shape}")
    return S


def reconstruction_mse(x, A, B, y=None) -> float:
    """Mean over rows and pixels of (y − x Bᵀ Aᵀ)² (``y=None``: y = x), as Keras' ``"mse"`` reports it."""
    A, B = _check_AB(A, B)
    x = as_matrix(x, "x", n_cols=B.shape[1])
    y = x if y is None else as_matrix(y, "y", n_cols=A.shape[0])
    check_same_length(x, y, "x", "y")
    return float(np.mean((y - (x @ B.T) @ A.T) ** 2))


@_small_matrices
def error_from_covariance(S, A, B) -> float:
    """E(A,B)/m = tr((I − AB) Σ (I − AB)ᵀ): the per-point error, from Σ alone.

    Expanded as tr Σ − 2 tr(B Σ A) + tr(AᵀA · B Σ Bᵀ), so it costs O(p n²), not O(n³).
    """
    S = _check_square(S)
    A, B = _check_AB(A, B, S.shape[0])
    BS = B @ S
    return float(np.trace(S) - 2.0 * np.sum(BS * A.T) + np.sum((A.T @ A) * (BS @ B.T)))


@_small_matrices
def error_gradient(S, A, B) -> tuple[np.ndarray, np.ndarray]:
    """(∂E/∂A, ∂E/∂B) of E/m = tr((I − AB) Σ (I − AB)ᵀ): −2 (I − AB) Σ Bᵀ and −2 Aᵀ (I − AB) Σ."""
    S = _check_square(S)
    A, B = _check_AB(A, B, S.shape[0])
    BS = B @ S
    return -2.0 * (BS.T - A @ (BS @ B.T)), -2.0 * (A.T @ S - (A.T @ A) @ BS)


@_small_matrices
def curvature(S, A, B, dA, dB) -> float:
    """d²/dt² E(A + t·dA, B + t·dB) at t = 0, exactly (E is a quartic polynomial in t).

    With M₁ = dA B + A dB, M₂ = dA dB and R = I − AB it is 2 tr(M₁ Σ M₁ᵀ) − 4 tr(M₂ Σ Rᵀ),
    evaluated through p-column factors in O(p n²).
    """
    S = _check_square(S)
    A, B = _check_AB(A, B, S.shape[0])
    dA, dB = _check_AB(dA, dB, S.shape[0])
    if dA.shape != A.shape:
        raise ValueError(f"dA must have the shape of A {A.shape}; got {dA.shape}")
    return _curvature(S, A, B, dA, dB)


def _curvature(S, A, B, dA, dB) -> float:
    """``curvature`` without input checks (for loops over many directions)."""
    L, R = np.hstack([dA, A]), np.vstack([B, dB])  # M₁ = L R
    RS = R @ S
    first = np.sum((L.T @ L) * (RS @ R.T))
    dBS = RS[len(B):]  # dB Σ
    second = np.sum(dBS * dA.T) - np.sum((dA.T @ A) * (dBS @ B.T))  # tr(dA dB Σ) − tr(dA dB Σ Bᵀ Aᵀ)
    return float(2.0 * first - 4.0 * second)


# --- the global minimum and its GL(p) family -----------------------------------------------------

@_small_matrices
def critical_point(U, I, C=None) -> tuple[np.ndarray, np.ndarray]:
    """(A, B) = (U_I C, C⁻¹ U_Iᵀ): the critical point that projects onto eigenvectors ``I`` (0-based).

    ``C`` (p × p, invertible; default identity) is the GL(p) freedom: every C gives the same A B.
    """
    U = _check_square(U, "U")
    I = _check_index_set(I, U.shape[0])
    UI = U[:, I]
    p = len(I)
    if C is None:
        return UI.copy(), UI.T.copy()
    C = as_matrix(C, "C")
    if C.shape != (p, p):
        raise ValueError(f"C must be p × p = {(p, p)}; got {C.shape}")
    cond = np.linalg.cond(C)
    if not np.isfinite(cond) or cond > 1e12:
        raise ValueError(f"C must be invertible; got condition number {cond:.3g}")
    return UI @ C, np.linalg.solve(C, UI.T)


def _check_index_set(I, n: int) -> list[int]:
    try:
        values = list(I)
    except TypeError as err:
        raise ValueError(f"I must be a sequence of eigenvector indices; got {I!r}") from err
    if not all(isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) for i in values):
        raise ValueError(f"I must hold integer eigenvector indices (0-based); got {values!r}")
    I = [int(i) for i in values]
    if not I or len(set(I)) != len(I) or min(I) < 0 or max(I) >= n:
        raise ValueError(f"I must hold distinct indices in 0…{n - 1}; got {I}")
    return I


@_small_matrices
def principal_cosines(M, N) -> np.ndarray:
    """Cosines of the principal angles between the column spaces of ``M`` and ``N``, largest first.

    All equal to 1 when the spaces coincide; the last one is the worst-aligned direction.
    """
    M, N = as_matrix(M, "M"), as_matrix(N, "N")
    if M.shape[0] != N.shape[0]:
        raise ValueError(f"M and N must live in the same space (same number of rows); got {M.shape} and {N.shape}")
    for name, mat in (("M", M), ("N", N)):
        if np.linalg.matrix_rank(mat) < mat.shape[1]:
            raise ValueError(f"{name} must have full column rank; got rank {np.linalg.matrix_rank(mat)} "
                             f"for {mat.shape[1]} columns")
    Qm, _ = np.linalg.qr(M)
    Qn, _ = np.linalg.qr(N)
    return np.clip(np.linalg.svd(Qm.T @ Qn, compute_uv=False), 0.0, 1.0)


@_small_matrices
def captured_fraction(U_top, A) -> np.ndarray:
    """‖P_A uᵢ‖² for each column uᵢ of ``U_top``: how much of each eigenvector col(A) holds (1 = all)."""
    A, U_top = as_matrix(A, "A"), as_matrix(U_top, "U_top")
    if A.shape[0] != U_top.shape[0]:
        raise ValueError(f"A and U_top must have the same number of rows; got {A.shape} and {U_top.shape}")
    Q, _ = np.linalg.qr(A)
    return np.sum((Q.T @ U_top) ** 2, axis=0)


@_small_matrices
def best_B_given_A(A) -> np.ndarray:
    """For fixed full-rank A the optimal encoder is the least-squares B = (AᵀA)⁻¹Aᵀ (for any Σ)."""
    A = as_matrix(A, "A (n × p)")
    rank = np.linalg.matrix_rank(A)
    if rank < A.shape[1]:
        raise ValueError(f"A must have full column rank p = {A.shape[1]} for a unique best B; got rank {rank} "
                         "(some code units are unused or copies of others)")
    return np.linalg.solve(A.T @ A, A.T)


@_small_matrices
def best_A_given_B(S, B, S_yx=None) -> np.ndarray:
    """For fixed B the optimal decoder is the least-squares A = Σ_YX Bᵀ (B Σ_XX Bᵀ)⁻¹ (Σ_YX = Σ auto-associatively)."""
    S = _check_square(S)
    B = as_matrix(B, "B (p × n)", n_cols=S.shape[0])
    S_yx = S if S_yx is None else as_matrix(S_yx, "Σ_YX", n_cols=S.shape[0])
    G = B @ S @ B.T
    return np.linalg.solve(G.T, (S_yx @ B.T).T).T


@_small_matrices
def alternate_least_squares(S, p, *, iterations: int = 100, seed: int = 0) -> dict:
    """Alternate the two fixed-layer solutions from a random A; return the trajectory.

    Each round is A ← Σ Bᵀ (B Σ Bᵀ)⁻¹ with B = (AᵀA)⁻¹Aᵀ, so col(A) ← Σ·col(A): subspace
    iteration, converging to the top-p eigenvectors at rate λ_{p+1}/λ_p.  Returns
    ``{"A", "B", "errors": [E/m per round], "A_history": [...]}``.
    """
    S = _check_square(S)
    p = check_int_in_range(p, "p", 1, S.shape[0] - 1)
    iterations = check_int_in_range(iterations, "iterations", 1)
    A = np.random.default_rng(seed).standard_normal((S.shape[0], p))
    errors, history = [], []
    for _ in range(iterations):
        B = best_B_given_A(A)
        A = best_A_given_B(S, B)
        A /= np.linalg.norm(A, axis=0)  # rescale columns (a GL(p) move) to keep numbers tame
        B = best_B_given_A(A)
        errors.append(error_from_covariance(S, A, B))
        history.append(A.copy())
    return {"A": A, "B": B, "errors": np.array(errors), "A_history": history}


# --- critical points and their classification ---------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CriticalPoint:
    """One critical point A = U_I, B = U_Iᵀ with its measured properties (indices 0-based)."""

    I: tuple[int, ...]
    error: float
    predicted_error: float
    gradient_norm: float
    min_rotation_curvature: float
    descent: tuple[int, int] | None  # (i in I, j not in I) whose rotation lowers E, if any
    kind: str  # "minimum" or "saddle"

    def label(self) -> str:
        """I in the paper's 1-based numbering, e.g. ``{1, 3}``."""
        return "{" + ", ".join(str(i + 1) for i in self.I) + "}"


def rotation_direction(U, I, i, j) -> tuple[np.ndarray, np.ndarray]:
    """(dA, dB) turning eigenvector ``i`` ∈ I towards ``j`` ∉ I at A = U_I, B = U_Iᵀ (curvature 2(λᵢ − λⱼ))."""
    U = _check_square(U, "U")
    I = _check_index_set(I, U.shape[0])
    if i not in I or j in I:
        raise ValueError(f"need i in I and j not in I; got i={i}, j={j}, I={I}")
    k = I.index(i)
    dA = np.zeros((U.shape[0], len(I)))
    dA[:, k] = U[:, j]
    return dA, dA.T.copy()


@_small_matrices
def rotated_point(U, I, i, j, theta) -> tuple[np.ndarray, np.ndarray]:
    """A = U_I with uᵢ replaced by cos θ uᵢ + sin θ uⱼ, B = Aᵀ: the path from I to I − {i} + {j}."""
    A, _ = critical_point(U, I)
    k = list(I).index(i)
    A[:, k] = np.cos(theta) * U[:, i] + np.sin(theta) * U[:, j]
    return A, A.T.copy()


@_small_matrices
def classify_critical_point(S, pca: PCA, I, *, candidates: int | None = None, tol: float = 1e-9) -> CriticalPoint:
    """Build A = U_I, B = U_Iᵀ, check it is critical, and look for a descent direction.

    Tries every rotation of an eigenvector in I towards one outside it (among the first
    ``candidates`` eigenvectors, default all); the point is a saddle if one has negative curvature.
    """
    S = _check_square(S)
    n = S.shape[0]
    I = _check_index_set(I, n)
    if len(I) >= n:
        raise ValueError(f"I must leave at least one eigenvector out (p < n); got p={len(I)}, n={n}")
    U, lam = pca.U, pca.eigenvalues
    A, B = critical_point(U, I)
    gA, gB = error_gradient(S, A, B)
    scale = max(float(np.trace(S)), 1e-300)
    outside = [j for j in range(n if candidates is None else min(n, candidates)) if j not in I]
    best, best_pair = np.inf, None
    for i, j in itertools.product(I, outside):
        dA = np.zeros_like(A)
        dA[:, I.index(i)] = U[:, j]  # = rotation_direction(U, I, i, j), without re-checking
        c = _curvature(S, A, B, dA, dA.T)
        if c < best:
            best, best_pair = c, (i, j)
    kind = "saddle" if best < -tol * scale else "minimum"
    return CriticalPoint(
        I=tuple(I), error=error_from_covariance(S, A, B),
        predicted_error=float(np.sum(lam) - np.sum(lam[I])),
        gradient_norm=float(np.sqrt(np.sum(gA ** 2) + np.sum(gB ** 2)) / scale),
        min_rotation_curvature=float(best), descent=best_pair if kind == "saddle" else None, kind=kind)


@_small_matrices
def critical_points(S, pca: PCA, p, *, top: int) -> list[CriticalPoint]:
    """Every critical point projecting onto p of the first ``top`` eigenvectors, classified."""
    n = S.shape[0] if hasattr(S, "shape") else len(S)
    top = check_int_in_range(top, "top", 2, n)
    p = check_int_in_range(p, "p", 1, top - 1)
    return [classify_critical_point(S, pca, I, candidates=top)
            for I in itertools.combinations(range(top), p)]


@_small_matrices
def random_curvatures(S, A, B, *, count: int = 100, seed: int = 0) -> np.ndarray:
    """Curvature of E along ``count`` random unit directions (dA, dB) at (A, B)."""
    count = check_int_in_range(count, "count", 1)
    S = _check_square(S)
    A, B = _check_AB(A, B, S.shape[0])
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        dA, dB = rng.standard_normal(np.shape(A)), rng.standard_normal(np.shape(B))
        norm = np.sqrt(np.sum(dA ** 2) + np.sum(dB ** 2))
        out.append(_curvature(S, A, B, dA / norm, dB / norm))
    return np.array(out)


# --- hetero-associative: linear regression through a bottleneck ---------------------------------

@dataclasses.dataclass(frozen=True)
class ReducedRankRegression:
    """Closed-form rank-p linear map y ≈ A B x (Baldi & Hornik 1989, reduced-rank regression)."""

    A: np.ndarray
    B: np.ndarray
    error: float  # per-point training error Σ_YY trace − Σ_{i≤p} μᵢ
    mu: np.ndarray  # eigenvalues of Σ_YX Σ_XX⁺ Σ_XY, descending


@_small_matrices
def reduced_rank_regression(x, y, p, *, rcond: float = 1e-10) -> ReducedRankRegression:
    """Best rank-p linear map from centred ``x`` to centred ``y`` under squared error.

    With W = Σ_YX Σ_XX⁺ the full regression and U the top-p eigenvectors of Σ = W Σ_XY,
    A = U and B = Uᵀ W (any A C, C⁻¹ B too).  Same eigen-code as PCA: with y = x it *is* PCA.
    """
    x, y = check_centred(x, "x"), check_centred(y, "y")
    check_same_length(x, y, "x", "y")
    p = check_int_in_range(p, "p", 1, min(x.shape[1], y.shape[1]))
    Sxx, Syx = covariance(x), cross_covariance(y, x)
    W = Syx @ np.linalg.pinv(Sxx, rcond=rcond, hermitian=True)
    fit = _from_covariance(W @ Syx.T, len(x))
    A = fit.U[:, :p]
    B = A.T @ W
    Syy_trace = float(np.mean(np.sum(y.astype(np.float64) ** 2, axis=1)))
    return ReducedRankRegression(A=A, B=B, error=Syy_trace - float(np.sum(fit.eigenvalues[:p])),
                                 mu=fit.eigenvalues)


# --- pictures (cosmetic: what notebook 02 draws) -------------------------------------------------

def _axes(axes, count: int, width: float = 4.2):
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, count, figsize=(width * count, 3.4), constrained_layout=True)
    return np.atleast_1d(axes)


def plot_spectrum(pca: PCA, p: int | None = None, axes=None):
    """Three panels: eigenvalues λᵢ (log), variance explained, and the optimal MSE Σ_{i>p} λᵢ / n."""
    ax1, ax2, ax3 = _axes(axes, 3)
    idx = np.arange(1, pca.n + 1)
    positive = pca.eigenvalues > 1e-12 * pca.eigenvalues[0]  # below that: round-off of zero eigenvalues
    ax1.semilogy(idx[positive], pca.eigenvalues[positive], lw=1.5)
    ax1.set(xlabel="index i", ylabel="eigenvalue λᵢ of Σ_XX", title="Eigenvalue spectrum")
    ax2.plot(idx, 100 * pca.variance_explained(), lw=1.5)
    ax2.set(xlabel="p", ylabel="variance explained (%)", title="Variance kept by the top p", xscale="log")
    ax3.plot(idx, pca.optimal_errors()[1:] / pca.n, lw=1.5)
    ax3.set(xlabel="p", ylabel=r"optimal MSE  $\sum_{i>p} \lambda_i / n$", title="Best error of any linear n/p/n AE",
            xscale="log")
    if p is not None:
        for ax, y in ((ax1, pca.eigenvalues[p - 1]), (ax2, 100 * pca.variance_explained()[p - 1]),
                      (ax3, pca.optimal_mse(p))):
            ax.plot([p], [y], "o", color="C3", label=f"p = {p}")
            ax.legend()
    return ax1, ax2, ax3


def plot_convergence(seconds, ratios, cosines, axes=None):
    """Two panels over training time: error ratio to PCA, and every principal-angle cosine (last in red)."""
    ax1, ax2 = _axes(axes, 2, width=5.0)
    ax1.semilogy(seconds, np.maximum(np.asarray(ratios) - 1, 1e-7), "o-", ms=3)  # ≤ 0 would vanish on log
    ax1.set(xlabel="training time (s)", ylabel="test MSE ratio − 1 (AE / PCA)",
            title="Reconstruction error reaches the PCA optimum")
    cos = np.asarray(cosines)
    ax2.plot(seconds, 1 - cos[:, :-1], color="C0", alpha=0.35, lw=1)
    ax2.plot(seconds, 1 - cos[:, -1], color="C3", lw=2, label="last (largest) angle")
    ax2.set(yscale="log", xlabel="training time (s)", ylabel="1 − cos(principal angle)",
            title="col(A) turns onto the top-p eigenvectors")
    ax2.legend()
    return ax1, ax2


def plot_error_surface(theta1, theta2, errors, *, labels=("θ₁", "θ₂"), ax=None, title="E around a saddle"):
    """Filled contours of a 2-D error slice ``errors[i, j]`` at (theta1[i], theta2[j]), saddle marked."""
    ax = _axes(ax, 1)[0]
    deg1, deg2 = np.degrees(theta1), np.degrees(theta2)
    cs = ax.contourf(deg1, deg2, np.asarray(errors).T, levels=20, cmap="viridis")
    ax.figure.colorbar(cs, ax=ax, label="E / m")
    ax.plot([0], [0], "w*", ms=12, label="critical point")
    ax.set(xlabel=f"{labels[0]} (degrees)", ylabel=f"{labels[1]} (degrees)", title=title)
    ax.legend(loc="upper right")
    return ax


def plot_error_vs_p(pca: PCA, test_mse, trained: dict, *, ax=None):
    """Test MSE against p: PCA's closed form on training data, PCA on test data, trained linear AEs."""
    ax = _axes(ax, 1, width=6.0)[0]
    ps = np.arange(1, pca.n + 1)
    ax.plot(ps, pca.optimal_errors()[1:] / pca.n, color="0.6", lw=2,
            label=r"PCA, training ($\sum_{i>p} \lambda_i / n$)")
    ax.plot(ps, np.asarray(test_mse)[1:], color="C0", lw=1.5, label="PCA, test")
    qs = sorted(trained)
    ax.plot(qs, [trained[q] for q in qs], "o", color="C3", ms=7, label="linear AE by gradient descent, test")
    ax.set(xscale="log", ylim=(0, None), xlabel="p (code size, log scale)", ylabel="MSE per pixel",
           title="Error against p: trained linear autoencoders sit on the PCA curve")
    ax.legend()
    return ax


def plot_critical_points(points, *, ax=None):
    """Horizontal bars: the error Σ_{i∉I} λᵢ of each critical point, minimum green, saddles orange."""
    ax = _axes(ax, 1)[0]
    order = sorted(points, key=lambda pt: pt.error)
    colours = ["C2" if pt.kind == "minimum" else "C1" for pt in order]
    ax.barh([pt.label() for pt in order], [pt.error for pt in order], color=colours)
    ax.invert_yaxis()
    lo = min(pt.error for pt in order)
    ax.set(xlim=(lo * 0.995, max(pt.error for pt in order) * 1.002), xlabel="E / m at the critical point",
           ylabel="eigenvectors I", title="Critical points (green: minimum, orange: saddles)")
    return ax


def plot_paths(paths: dict, *, ax=None, title="Descending from saddles to the minimum"):
    """Error along paths: ``{label: (t, errors)}`` with t the path parameter (rotation in degrees)."""
    ax = _axes(ax, 1)[0]
    for label, (t, errors) in paths.items():
        ax.plot(t, errors, lw=2, label=label)
    ax.set(xlabel="rotation along the path (degrees)", ylabel="E / m", title=title)
    ax.legend(fontsize=8)
    return ax

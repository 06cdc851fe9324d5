"""Linear autoencoders are PCA: the exact solution, its error, and the shape of the landscape.

Baldi & Hornik (1989), section 3 of Baldi (2012): with F = G = ℝ, a linear encoder B (p × n), a
linear decoder A (n × p), squared-error Δ, p < n, and Σ_XX = (1/m) Σₜ xₜxₜᵀ invertible with
distinct eigenvalues, the error E(A,B) = Σₜ ‖xₜ − A B xₜ‖² has one global minimum up to an
invertible p × p matrix C (A = U C, B = C⁻¹ Uᵀ, U the top-p eigenvectors of Σ_XX); every other
full-rank critical point is a saddle, the projection onto another set I of p eigenvectors with
error Σ_{i∉I} λᵢ; rank-deficient critical points (A = B = 0 included) exist and are saddles too.
Centring is not an assumption (uncentred, Σ_XX is the second-moment matrix); it is what makes the
answer covariance PCA.  If Σ_XX is singular (blank pixels), the statement holds on the data's
span: A B x is determined for x in it, A B is not on the null space.

Conventions: data are rows (X has shape (m, n)); Σ_XX = XᵀX / m; errors per data point are
E / m = tr((I − AB) Σ (I − AB)ᵀ), and the Keras-style "MSE" is that divided by n.
Introduced in notebook 02.
"""
from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from aehelpers.checks import as_matrix, check_int_in_range, check_same_length
from aehelpers.runtime import small_matrices
from aehelpers.theory.pca import BLOCK_ROWS, PCA, check_centred, covariance, cross_covariance, eigen_decomposition


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
    """Mean over rows and pixels of (y − x Bᵀ Aᵀ)² (``y=None``: y = x), as Keras' ``"mse"`` reports it;
    in float64 by blocks of rows, so float32 data is never copied whole (fresh memory is slow here)."""
    A, B = _check_AB(A, B)
    single = getattr(x, "dtype", None) == np.float32                  # float32 data stays float32
    x = as_matrix(x, "x", n_cols=B.shape[1], dtype=np.float32 if single else np.float64)
    y = x if y is None else as_matrix(y, "y", n_cols=A.shape[0], dtype=np.float64)
    check_same_length(x, y, "x", "y")
    total = 0.0
    for start in range(0, len(x), BLOCK_ROWS):
        xb = x[start:start + BLOCK_ROWS].astype(np.float64)
        r = (xb if y is x else y[start:start + BLOCK_ROWS]) - (xb @ B.T) @ A.T
        total += float(np.einsum("ij,ij->", r, r))
    return total / y.size


@small_matrices
def error_from_covariance(S, A, B) -> float:
    """E(A,B)/m = tr((I − AB) Σ (I − AB)ᵀ): the per-point error, from Σ alone.

    Expanded as tr Σ − 2 tr(B Σ A) + tr(AᵀA · B Σ Bᵀ), so it costs O(p n²), not O(n³).
    """
    S = _check_square(S)
    A, B = _check_AB(A, B, S.shape[0])
    BS = B @ S
    return float(np.trace(S) - 2.0 * np.sum(BS * A.T) + np.sum((A.T @ A) * (BS @ B.T)))


@small_matrices
def error_gradient(S, A, B) -> tuple[np.ndarray, np.ndarray]:
    """(∂E/∂A, ∂E/∂B) of E/m = tr((I − AB) Σ (I − AB)ᵀ): −2 (I − AB) Σ Bᵀ and −2 Aᵀ (I − AB) Σ."""
    S = _check_square(S)
    A, B = _check_AB(A, B, S.shape[0])
    BS = B @ S
    return -2.0 * (BS.T - A @ (BS @ B.T)), -2.0 * (A.T @ S - (A.T @ A) @ BS)


@small_matrices
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

@small_matrices
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


@small_matrices
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


@small_matrices
def captured_fraction(U_top, A) -> np.ndarray:
    """‖P_A uᵢ‖² for each column uᵢ of ``U_top``: how much of each eigenvector col(A) holds (1 = all)."""
    A, U_top = as_matrix(A, "A"), as_matrix(U_top, "U_top")
    if A.shape[0] != U_top.shape[0]:
        raise ValueError(f"A and U_top must have the same number of rows; got {A.shape} and {U_top.shape}")
    Q, _ = np.linalg.qr(A)
    return np.sum((Q.T @ U_top) ** 2, axis=0)


@small_matrices
def best_B_given_A(A) -> np.ndarray:
    """For fixed full-rank A the optimal encoder is the least-squares B = (AᵀA)⁻¹Aᵀ (for any Σ)."""
    A = as_matrix(A, "A (n × p)")
    rank = np.linalg.matrix_rank(A)
    if rank < A.shape[1]:
        raise ValueError(f"A must have full column rank p = {A.shape[1]} for a unique best B; got rank {rank} "
                         "(some code units are unused or copies of others)")
    return np.linalg.solve(A.T @ A, A.T)


@small_matrices
def best_A_given_B(S, B, S_yx=None) -> np.ndarray:
    """For fixed B the optimal decoder is the least-squares A = Σ_YX Bᵀ (B Σ_XX Bᵀ)⁻¹ (Σ_YX = Σ auto-associatively)."""
    S = _check_square(S)
    B = as_matrix(B, "B (p × n)", n_cols=S.shape[0])
    S_yx = S if S_yx is None else as_matrix(S_yx, "Σ_YX", n_cols=S.shape[0])
    G = B @ S @ B.T
    return np.linalg.solve(G.T, (S_yx @ B.T).T).T


@small_matrices
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


# --- the exact Hessian of E(A,B) ------------------------------------------------------------------

MAX_HESSIAN_PARAMETERS = 2_000


@small_matrices
def hessian(S, A, B) -> np.ndarray:
    """Exact Hessian of E/m = tr((I − AB) Σ (I − AB)ᵀ) in the parameters (A.ravel(), B.ravel()).

    E is a quartic polynomial, so the quadratic form dᵀHd is ``curvature`` exactly; H is read
    off it by polarisation, H_kl = (c(e_k + e_l) − c(e_k) − c(e_l)) / 2.  Meant for small
    problems (2np ≤ 2,000 parameters), e.g. Σ restricted to a few eigen-directions.
    """
    S = _check_square(S)
    A, B = _check_AB(A, B, S.shape[0])
    n, p = A.shape
    N = 2 * n * p
    if N > MAX_HESSIAN_PARAMETERS:
        raise ValueError(f"the Hessian has (2np)² entries: 2np must be ≤ {MAX_HESSIAN_PARAMETERS}; got n = {n}, "
                         f"p = {p} (2np = {N}); restrict Σ to a few eigen-directions first")

    def direction(k):
        d = np.zeros(N)
        d[k] = 1.0
        return d

    def c(d):
        return _curvature(S, A, B, d[:n * p].reshape(n, p), d[n * p:].reshape(p, n))

    diag = np.array([c(direction(k)) for k in range(N)])
    H = np.diag(diag)
    for k in range(N):
        for l in range(k + 1, N):
            d = direction(k)
            d[l] = 1.0
            H[k, l] = H[l, k] = 0.5 * (c(d) - diag[k] - diag[l])
    return H  # c(d) = d²/dt² E(x + t d) = dᵀ H d, so c(e_k) = H_kk


def predicted_negative_count(eigenvalues, I, top: int) -> int:
    """#{(i ∈ I, j ∉ I, j < top): λⱼ > λᵢ}: negative Hessian eigenvalues at the critical point I."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    return int(sum(lam[j] > lam[i] for i in I for j in range(top) if j not in I))


@small_matrices
def critical_point_hessian(S, pca: PCA, I, top: int) -> np.ndarray:
    """Hessian eigenvalues (ascending) of E/m at A = U_I, B = U_Iᵀ, restricted to u₁ … u_top.

    In the basis U_top the problem is the top × top one with Σ_top = U_topᵀ Σ U_top (≈ diag λ);
    perturbations inside span(u₁ … u_top) see exactly that problem, so its Hessian is the
    restriction.  Theory: p² zero eigenvalues (the GL(p) orbit A C, C⁻¹B) and
    ``predicted_negative_count`` negative ones.  Introduced in notebook 02.
    """
    S = _check_square(S)
    top = check_int_in_range(top, "top", 2, S.shape[0])
    I = _check_index_set(I, top)
    if len(I) >= top:
        raise ValueError(f"I must leave out at least one of the first top = {top} eigenvectors; got I = {I}")
    Ut = pca.U[:, :top]
    S_top = Ut.T @ S @ Ut
    E = np.eye(top)
    A, B = E[:, I], E[I, :]
    return np.linalg.eigvalsh(hessian(S_top, A, B))


# --- critical points and their classification ---------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CriticalPoint:
    """One critical point A = U_I, B = U_Iᵀ with its measured properties (indices 0-based).

    ``hessian_eigenvalues`` is the spectrum of the exact Hessian of E/m restricted to the first
    ``top`` eigen-directions; ``kind`` is "saddle" when it has a negative eigenvalue, else "minimum".
    """

    I: tuple[int, ...]
    error: float
    predicted_error: float
    gradient_norm: float
    min_rotation_curvature: float
    descent: tuple[int, int] | None  # (i in I, j not in I) whose rotation lowers E, if any
    kind: str  # "minimum" or "saddle"
    top: int = 0                               # eigen-directions the Hessian is restricted to
    hessian_eigenvalues: np.ndarray | None = None
    n_negative: int = 0                        # measured: Hessian eigenvalues < −tol
    n_zero: int = 0                            # measured: |Hessian eigenvalue| ≤ tol
    predicted_negative: int = 0                # #{(i ∈ I, j ∉ I, j < top): λⱼ > λᵢ}

    def label(self) -> str:
        """I in the paper's 1-based numbering, e.g. ``{1, 3}``."""
        return "{" + ", ".join(str(i + 1) for i in self.I) + "}"


@small_matrices
def rotated_point(U, I, i, j, theta) -> tuple[np.ndarray, np.ndarray]:
    """A = U_I with uᵢ replaced by cos θ uᵢ + sin θ uⱼ, B = Aᵀ: the path from I to I − {i} + {j}."""
    A, _ = critical_point(U, I)
    k = list(I).index(i)
    A[:, k] = np.cos(theta) * U[:, i] + np.sin(theta) * U[:, j]
    return A, A.T.copy()


@small_matrices
def classify_critical_point(S, pca: PCA, I, *, candidates: int | None = None, tol: float = 1e-9) -> CriticalPoint:
    """Build A = U_I, B = U_Iᵀ, check it is critical, and classify it by its Hessian spectrum.

    The Hessian of E is taken exactly, restricted to the first ``candidates`` eigen-directions
    (default: max(I) + 2, the smallest set holding I and one larger-index direction); the point is
    a saddle when an eigenvalue is below −tol·tr Σ.  Also records the rotation of an eigenvector
    in I towards one outside it (among the first ``candidates``, default all) with the least
    curvature: an explicit way down from a saddle.
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
        dA[:, I.index(i)] = U[:, j]  # turn uᵢ towards uⱼ: (dA, dAᵀ) has curvature 2(λᵢ − λⱼ)
        c = _curvature(S, A, B, dA, dA.T)
        if c < best:
            best, best_pair = c, (i, j)
    top = min(n, max(I) + 2) if candidates is None else min(n, candidates)
    h = critical_point_hessian(S, pca, I, top)
    n_negative = int(np.sum(h < -tol * scale))
    kind = "saddle" if n_negative > 0 else "minimum"
    return CriticalPoint(
        I=tuple(I), error=error_from_covariance(S, A, B),
        predicted_error=float(np.sum(lam) - np.sum(lam[I])),
        gradient_norm=float(np.sqrt(np.sum(gA ** 2) + np.sum(gB ** 2)) / scale),
        min_rotation_curvature=float(best), descent=best_pair if best < -tol * scale else None, kind=kind,
        top=top, hessian_eigenvalues=h, n_negative=n_negative, n_zero=int(np.sum(np.abs(h) <= tol * scale)),
        predicted_negative=predicted_negative_count(lam, I, top))


@small_matrices
def critical_points(S, pca: PCA, p, *, top: int) -> list[CriticalPoint]:
    """Every critical point projecting onto p of the first ``top`` eigenvectors, classified."""
    n = S.shape[0] if hasattr(S, "shape") else len(S)
    top = check_int_in_range(top, "top", 2, n)
    p = check_int_in_range(p, "p", 1, top - 1)
    return [classify_critical_point(S, pca, I, candidates=top)
            for I in itertools.combinations(range(top), p)]


# --- hetero-associative: linear regression through a bottleneck ---------------------------------

@dataclasses.dataclass(frozen=True)
class ReducedRankRegression:
    """Closed-form rank-p linear map y ≈ A B x (Baldi & Hornik 1989, reduced-rank regression)."""

    A: np.ndarray
    B: np.ndarray
    error: float  # per-point training error Σ_YY trace − Σ_{i≤p} μᵢ
    mu: np.ndarray  # eigenvalues of Σ_YX Σ_XX⁺ Σ_XY, descending


@small_matrices
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
    fit = eigen_decomposition(W @ Syx.T, len(x))
    A = fit.U[:, :p]
    B = A.T @ W
    Syy_trace = float(np.mean(np.sum(y.astype(np.float64) ** 2, axis=1)))
    return ReducedRankRegression(A=A, B=B, error=Syy_trace - float(np.sum(fit.eigenvalues[:p])),
                                 mu=fit.eigenvalues)

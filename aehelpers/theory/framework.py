"""Baldi's general autoencoder framework as code: A, B, A∘B, dissimilarities Δ and the error E(A,B).

An n/p/n autoencoder has an encoder B: Fⁿ → Gᵖ and a decoder A: Gᵖ → Fⁿ, and is trained to
minimise E(A,B) = Σₜ Δ(A∘B(xₜ), xₜ) (auto-associative) or Σₜ Δ(A∘B(xₜ), yₜ) (hetero-associative).
Data are rows: X has shape (m, n), codes have shape (m, p).  Every Δ is called as
``delta(Z, X)`` with the reconstructions first, as in Δ(A∘B(x), x), and returns one value per row.

The series' one cross-entropy lives here: ``binary_cross_entropy`` per image (summed over
pixels, clipped as Keras clips) and ``mean_cross_entropy``, the number Keras reports as its
``binary_crossentropy`` loss; the mean-image baseline (notebook 04) and the VAE's negative ELBO
(notebook 06) are built on it.  Introduced in notebook 01; notebooks 02 (linear), 04 (Keras),
05 (Boolean) and 06 (VAE) build on it.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from aehelpers.checks import (as_matrix, check_binary, check_images, check_int_in_range, check_same_length,
                              check_unit_interval)

EPSILON = 1e-7  # Keras' backend.epsilon(): predictions are clipped to [ε, 1 − ε] before log


@dataclasses.dataclass(frozen=True)
class Autoencoder:
    """An n/p/n autoencoder: encoder ``B`` (m, n) → (m, p), decoder ``A`` (m, p) → (m, n)."""

    A: Callable[[np.ndarray], np.ndarray]
    B: Callable[[np.ndarray], np.ndarray]
    n: int
    p: int
    name: str = "autoencoder"

    def __post_init__(self):
        check_int_in_range(self.n, "n", 1)
        check_int_in_range(self.p, "p", 1)
        if not (callable(self.A) and callable(self.B)):
            raise ValueError(f"A and B must be callables; got {type(self.A).__name__}, {type(self.B).__name__}")

    @property
    def compressive(self) -> bool:
        """True when p < n.  For p ≥ n the identity fits, with E = 0 only where Δ(x, x) = 0 (notebook 03).

        For Boolean units the real bottleneck is 2**p < m distinct points, not p < n (notebook 05).
        """
        return self.p < self.n

    def encode(self, X) -> np.ndarray:
        """The codes B(X), one row of p values per row of X."""
        X = as_matrix(X, "X", n_cols=self.n)
        return _checked(self.B(X), (len(X), self.p), f"encoder B of {self.name}")

    def decode(self, H) -> np.ndarray:
        """The reconstructions A(H), one row of n values per code."""
        H = as_matrix(H, "codes H", n_cols=self.p)
        return _checked(self.A(H), (len(H), self.n), f"decoder A of {self.name}")

    def __call__(self, X) -> np.ndarray:
        """A∘B(X)."""
        return self.decode(self.encode(X))


def _checked(out, shape: tuple[int, int], who: str) -> np.ndarray:
    out = np.asarray(out)
    if out.shape != shape:
        raise ValueError(f"{who} must return shape {shape}; got {out.shape}")
    return out


# --- dissimilarities Δ(Z, X): reconstructions Z and targets X of shape (m, n) → (m,) -------------

def _pair(Z, X) -> tuple[np.ndarray, np.ndarray]:
    Z, X = as_matrix(Z, "reconstructions Z"), as_matrix(X, "targets X")
    if Z.shape != X.shape:
        raise ValueError(f"Δ compares reconstructions and targets of one shape; got Z {Z.shape}, X {X.shape}")
    return Z, X


_BLOCK_ROWS = 1024  # rows per float64 block in entropy_floor (6 MB for 784 pixels)


def _rows(a) -> np.ndarray:
    """Images of any shape ((m, 28, 28), (m, 28, 28, 1), (m, 784)) as rows of an (m, n) matrix."""
    arr = np.asarray(a)
    return arr.reshape(len(arr), -1) if arr.ndim > 2 and len(arr) else arr


def squared_euclidean(Z, X) -> np.ndarray:
    """Δ(z, x) = ‖z − x‖² per row (the linear instance's Δ)."""
    Z, X = _pair(Z, X)
    return np.sum((Z - X) ** 2, axis=1)


def l1_distance(Z, X) -> np.ndarray:
    """Δ(z, x) = Σₖ |zₖ − xₖ| per row."""
    Z, X = _pair(Z, X)
    return np.sum(np.abs(Z - X), axis=1)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x·log(y) with the convention 0·log(anything) = 0."""
    return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def binary_cross_entropy(Z, X, eps: float = EPSILON) -> np.ndarray:
    """Δ(z, x) = −Σₖ [xₖ log zₖ + (1 − xₖ) log(1 − zₖ)] per row (per image), in nats.

    Z is clipped to [eps, 1 − eps] like Keras; ``eps=0`` gives the exact formula.  Both Z and X
    must lie in [0, 1]; images of any shape count as rows (``(m, 28, 28, 1)`` is m rows of 784).
    Keras' ``binary_crossentropy`` is this divided by n (:func:`mean_cross_entropy`).
    """
    X = check_images(_rows(X), "cross-entropy targets X", dtype=np.float64)  # 0..255 or NaN refused here
    Z, X = _pair(check_images(_rows(Z), "cross-entropy reconstructions Z", "probabilities", dtype=np.float64), X)
    if not 0 <= eps < 0.5:
        raise ValueError(f"eps must be in [0, 0.5); got {eps}")
    Z = np.clip(Z, eps, 1 - eps)
    if eps > 0:  # Z lies strictly inside (0, 1): no 0·log 0 to guard against
        return -np.sum(X * np.log(Z) + (1 - X) * np.log1p(-Z), axis=1)
    return -np.sum(_xlogy(X, Z) + _xlogy(1 - X, 1 - Z), axis=1)


def mean_cross_entropy(Z, X, eps: float = EPSILON, *, per_image: bool = False):
    """Cross-entropy in nats per pixel: averaged over images (Keras' ``binary_crossentropy`` loss).

    ``per_image=True`` gives one value per image instead, shape ``(m,)`` (an anomaly score).
    """
    X = _rows(X)
    per_pixel = binary_cross_entropy(Z, X, eps) / np.shape(X)[1]
    return per_pixel if per_image else float(np.mean(per_pixel))


def mean_image_loss(x_train, x_test) -> float:
    """Mean cross-entropy of predicting the mean training image for every test image.

    The baseline any autoencoder must beat: it uses no information about the input.  Notebook 04.
    """
    x_train = check_images(_rows(x_train), "x_train", dtype=np.float64)
    x_test = check_images(_rows(x_test), "x_test", dtype=np.float64)
    if x_train.shape[1] != x_test.shape[1]:
        raise ValueError(f"x_train and x_test must have the same width; got {x_train.shape[1]} and {x_test.shape[1]}")
    return mean_cross_entropy(np.broadcast_to(x_train.mean(axis=0), x_test.shape), x_test)


def neg_elbo_parts(x, x_hat, z_mean, z_log_var) -> tuple[np.ndarray, np.ndarray]:
    """A VAE's negative ELBO per image as ``(reconstruction, kl)`` in nats; their sum is the loss.

    ``reconstruction`` is :func:`binary_cross_entropy` of ``x_hat`` (decoded from a sampled code)
    against ``x``; ``kl`` is KL(N(μ, σ²) ‖ N(0, I)) = −½ Σ (1 + log σ² − μ² − σ²).  Notebook 06.
    """
    reconstruction = binary_cross_entropy(x_hat, x)
    mu, log_var = np.asarray(z_mean, dtype=np.float64), np.asarray(z_log_var, dtype=np.float64)
    if mu.shape != log_var.shape or mu.ndim != 2 or len(mu) != len(reconstruction):
        raise ValueError(f"z_mean and z_log_var must both be ({len(reconstruction)}, latent_dim); "
                         f"got {mu.shape} and {log_var.shape}")
    if not (np.isfinite(mu).all() and np.isfinite(log_var).all()):
        bad = int(np.sum(~np.isfinite(mu)) + np.sum(~np.isfinite(log_var)))
        raise ValueError(f"z_mean and z_log_var must be finite (the encoder's outputs); got {bad} NaN/inf value(s)")
    kl = -0.5 * (1 + log_var - mu ** 2 - np.exp(log_var)).sum(axis=1)
    return reconstruction, kl


def hamming(Z, X) -> np.ndarray:
    """Δ(z, x) = number of coordinates where the Boolean vectors z and x differ."""
    Z, X = _pair(Z, X)
    Z, X = check_binary(Z, "Hamming reconstructions Z"), check_binary(X, "Hamming targets X")
    return np.count_nonzero(Z != X, axis=1).astype(np.int64)


DELTAS = {"squared_euclidean": squared_euclidean, "binary_cross_entropy": binary_cross_entropy,
          "hamming": hamming, "l1": l1_distance}


def point_errors(model: Autoencoder, X, Y=None, delta=squared_euclidean) -> np.ndarray:
    """Δ(A∘B(xₜ), yₜ) for every t (``Y=None``: auto-associative, yₜ = xₜ)."""
    if isinstance(delta, str):
        if delta not in DELTAS:
            raise ValueError(f"delta must be a function or one of {sorted(DELTAS)}; got {delta!r}")
        delta = DELTAS[delta]
    elif not callable(delta):
        raise ValueError(f"delta must be a function Δ(Z, X) or one of {sorted(DELTAS)}; "
                         f"got {type(delta).__name__} {delta!r}")
    X = as_matrix(X, "X", n_cols=model.n)
    if Y is None:
        Y = X
    else:
        Y = as_matrix(Y, "Y", n_cols=model.n)
        check_same_length(X, Y, "X", "Y")
    return delta(model(X), Y)


def error(model: Autoencoder, X, Y=None, delta=squared_euclidean) -> float:
    """E(A,B) = Σₜ Δ(A∘B(xₜ), yₜ) over the data set (``Y=None``: targets are X)."""
    return float(np.sum(point_errors(model, X, Y, delta)))


def binary_entropy(x) -> np.ndarray:
    """H(x) = −[x log x + (1 − x) log(1 − x)] elementwise, in nats, for x in [0, 1] (H(0) = H(1) = 0)."""
    x = check_unit_interval(x, "x")
    return -(_xlogy(x, x) + _xlogy(1 - x, 1 - x))


def entropy_floor(X) -> float:
    """Mean per-coordinate binary entropy of targets X (m, n) in [0, 1], in nats.

    The smallest mean cross-entropy any reconstruction can reach (attained by Z = X); it is 0
    only for binary targets.  Summed in float64 by blocks of rows: the temporaries of a whole float64
    copy (half a gigabyte for the MNIST test set) cost seconds on a machine that hands out fresh
    memory slowly; the blocks reuse a few megabytes.
    """
    X = check_images(_rows(X), "targets X", dtype=None)    # float32 stays float32: no whole float64 copy
    total = 0.0
    for start in range(0, len(X), _BLOCK_ROWS):              # in float64, a block of rows at a time
        total += float(binary_entropy(X[start:start + _BLOCK_ROWS].astype(np.float64)).sum())
    return total / X.size


# --- the three instances ---------------------------------------------------------------------------

def linear_autoencoder(A_matrix, B_matrix) -> Autoencoder:
    """Linear n/p/n autoencoder x ↦ A B x with B of shape (p, n) and A of shape (n, p), as in Baldi.

    On rows: encode(X) = X Bᵀ, decode(H) = H Aᵀ.  F = G = ℝ; pair it with ``squared_euclidean``.
    """
    B_mat = as_matrix(B_matrix, "B (p × n)")
    p, n = B_mat.shape
    A_mat = as_matrix(A_matrix, "A (n × p)")
    if A_mat.shape != (n, p):
        raise ValueError(f"A must have shape (n, p) = ({n}, {p}) to decode B of shape {B_mat.shape}; "
                         f"got A of shape {A_mat.shape}")
    return Autoencoder(A=lambda H: H @ A_mat.T, B=lambda X: X @ B_mat.T, n=n, p=p, name=f"linear {n}/{p}/{n}")


def relu(a):
    """max(a, 0) elementwise."""
    return np.maximum(a, 0.0)


def sigmoid(a):
    """1 / (1 + e^(−a)) elementwise, without overflow for large |a|."""
    a = np.asarray(a, dtype=np.float64)
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def neural_autoencoder(W, b, W2, b2, f=relu, g=sigmoid) -> Autoencoder:
    """The Keras blog's instance: y = f(Wᵀx + b), z = g(W′ᵀy + b′).

    W (n, p), b (p,), W2 = W′ (p, n), b2 = b′ (n,): the layout of Keras ``Dense`` kernels and biases.
    """
    W, W2 = as_matrix(W, "W (n × p)"), as_matrix(W2, "W2 (p × n)")
    n, p = W.shape
    if W2.shape != (p, n):
        raise ValueError(f"W2 must have shape (p, n) = ({p}, {n}) to decode W of shape {W.shape}; "
                         f"got W2 of shape {W2.shape}")
    b, b2 = np.asarray(b, dtype=np.float64), np.asarray(b2, dtype=np.float64)
    if b.shape != (p,) or b2.shape != (n,):
        raise ValueError(f"biases must have shapes b ({p},) and b2 ({n},); got b {b.shape}, b2 {b2.shape}")
    return Autoencoder(A=lambda Y: g(Y @ W2 + b2), B=lambda X: f(X @ W + b), n=n, p=p,
                       name=f"neural {n}/{p}/{n}")


def boolean_autoencoder(encode_fn, decode_fn, n: int, p: int) -> Autoencoder:
    """Boolean n/p/n autoencoder (F = G = {0,1}) from row-wise maps; inputs, codes and outputs checked binary."""
    return Autoencoder(A=lambda H: check_binary(decode_fn(check_binary(H, "codes H")), "decoder output"),
                       B=lambda X: check_binary(encode_fn(check_binary(X, "Boolean inputs X")), "encoder output"),
                       n=n, p=p, name=f"Boolean {n}/{p}/{n}")

"""Boolean autoencoders (F = G = {0,1}, Δ = Hamming): clustering in the hypercube.

A p-bit Boolean autoencoder has a decoder table ``A`` of shape ``(2**p, n)`` whose row ``h`` is
``A(h)`` (the integer ``h`` stands for the p-bit code given by its binary digits) and an encoder
``B`` that sends each x to a code.  Both fixed-layer problems have closed-form solutions:

* for fixed ``A`` the best ``B`` sends x to the code whose ``A(h)`` is nearest in Hamming
  distance (a Voronoi partition of the hypercube) — :func:`optimal_encoder`;
* for fixed ``B`` the best ``A(h)`` is the bitwise majority vote of the points sent to h —
  :func:`optimal_decoder`.

Alternating them (:func:`fit_boolean_autoencoder`) is **k-medians** in Hamming distance with
``k = 2**p`` (equivalently k-means with centres restricted to vertices of the hypercube: the
majority vote is the rounded mean), so the centres are binary, eroded prototypes, not blurred ones.
:func:`~aehelpers.theory.partitions.exhaustive_boolean_autoencoder` finds the exact optimum on
small data by enumerating every partition.  With
2**p ≥ m (as many codes as distinct points) the data are memorised with E = 0: the Boolean
bottleneck is 2**p < m, not p < n.  Finding the global optimum is NP-hard already for p = 1 when n
is part of the input (hypercube 2-segmentation; Kleinberg, Papadimitriou & Raghavan 1998, Feige
2014); it is polynomial in m only for fixed p and n.  Introduced in notebook 05.
"""
from __future__ import annotations

import dataclasses
import math
import time
import numpy as np

from aehelpers.runtime import small_matrices
from aehelpers.checks import as_matrix, check_binary, check_int_in_range, check_same_length
from aehelpers.theory.framework import boolean_autoencoder


# ---------------------------------------------------------------- inputs and codes

def binarize(x, threshold: float = 0.5) -> np.ndarray:
    """Pixels above ``threshold`` become 1, the rest 0 (uint8); the notebook uses 0.5 on MNIST."""
    arr = as_matrix(x, "x")
    if not 0.0 <= float(threshold) <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1]; got {threshold}")
    return (arr > threshold).astype(np.uint8)


def downsample_binary(images, side: int = 4, threshold: float = 0.3) -> np.ndarray:
    """Average 28×28 digits over blocks down to ``side``×``side`` pixels, then threshold (uint8).

    Gives the tiny n = side² bit vectors on which exhaustive search is possible.
    """
    arr = as_matrix(images, "images")
    if arr.shape[1] != 784:
        raise ValueError(f"images must be flattened 28×28 digits (784 columns); got shape {arr.shape}")
    side = check_int_in_range(side, "side", 1, 28)
    if 28 % side:
        raise ValueError(f"side must divide 28 (1, 2, 4, 7, 14 or 28); got {side}")
    block = 28 // side
    small = arr.reshape(-1, side, block, side, block).mean(axis=(2, 4)).reshape(len(arr), -1)
    return (small > threshold).astype(np.uint8)


def check_data(X, name: str = "X") -> np.ndarray:
    """Binary 2-D data as uint8, with messages for non-binary or wrongly shaped input."""
    arr = np.asarray(X)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array of bits (points × n); got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric 0/1; got dtype {arr.dtype}")
    return check_binary(arr, name)


def check_p(p, m: int) -> int:
    """The code size p in bits (0…30), with no more codes 2**p than the ``m`` data points."""
    p = check_int_in_range(p, "p", 0, 30)
    if 2 ** p > m:
        raise ValueError(f"a {p}-bit Boolean autoencoder has 2**{p} = {2 ** p} codes, more than the "
                         f"{m} data points; choose p ≤ {int(math.floor(math.log2(m)))}")
    return p


def _check_A(A, p: int | None, n: int) -> np.ndarray:
    A = check_data(A, "A")
    k = len(A)
    if k & (k - 1):
        raise ValueError(f"A must have 2**p rows (one per p-bit code); got {k} rows")
    if p is not None and k != 2 ** p:
        raise ValueError(f"A must have 2**{p} = {2 ** p} rows; got {k}")
    if A.shape[1] != n:
        raise ValueError(f"A's rows must have n = {n} bits like the data; got shape {A.shape}")
    return A


def index_to_bits(h, p: int) -> np.ndarray:
    """Code indices (ints in 0…2**p − 1) as p-bit rows, most significant bit first."""
    p = check_int_in_range(p, "p", 0, 30)
    h = np.asarray(h, dtype=np.int64)
    if h.size and (h.min() < 0 or h.max() >= 2 ** p):
        raise ValueError(f"code indices must lie in 0…{2 ** p - 1}; got {h.min()}…{h.max()}")
    shifts = np.arange(p - 1, -1, -1, dtype=np.int64)
    return ((h[..., None] >> shifts) & 1).astype(np.uint8)


def bits_to_index(H) -> np.ndarray:
    """p-bit code rows (most significant bit first) as integer indices."""
    H = check_data(H, "H")
    p = H.shape[1]
    return H.astype(np.int64) @ (1 << np.arange(p - 1, -1, -1, dtype=np.int64))


# ---------------------------------------------------------------- the two fixed-layer solutions

def hamming_distances(X, A) -> np.ndarray:
    """All Hamming distances between rows of X (m, n) and rows of A (k, n), as an int (m, k) array."""
    X, A = check_data(X, "X"), check_data(A, "A")
    if X.shape[1] != A.shape[1]:
        raise ValueError(f"X and A must have the same number of bits; got {X.shape[1]} and {A.shape[1]}")
    return _distances(X.astype(np.float32), A)


def _distances(Xf: np.ndarray, A: np.ndarray, x_ones: np.ndarray | None = None) -> np.ndarray:
    Af = A.astype(np.float32)
    x_ones = Xf.sum(1) if x_ones is None else x_ones
    d = x_ones[:, None] + Af.sum(1)[None, :] - 2.0 * (Xf @ Af.T)
    return np.rint(d).astype(np.int64)  # exact: integers far below 2**24


def optimal_encoder(X, A) -> np.ndarray:
    """Best B for fixed A: each x goes to the code h whose A(h) is nearest (ties: smallest h).

    Returns code indices (use :func:`index_to_bits` for the p-bit codes themselves).
    """
    return hamming_distances(X, A).argmin(axis=1)


def optimal_decoder(X, codes, p: int, previous_A=None) -> np.ndarray:
    """Best A for fixed B: A(h) is the bitwise majority vote of the points whose code is h.

    A tied bit (exactly half the points) and a code no point uses keep their value from
    ``previous_A`` when given (any value is optimal there), else become 0.
    """
    X = check_data(X, "X")
    p = check_int_in_range(p, "p", 0, 30)
    codes = np.asarray(codes, dtype=np.int64)
    if codes.shape != (len(X),):
        raise ValueError(f"codes must hold one code index per point, shape ({len(X)},); got {codes.shape}")
    k = 2 ** p
    if codes.size and (codes.min() < 0 or codes.max() >= k):
        raise ValueError(f"code indices must lie in 0…{k - 1} for p = {p}; got {codes.min()}…{codes.max()}")
    prev = None if previous_A is None else _check_A(previous_A, p, X.shape[1])
    return _majority(X.astype(np.float32), codes, k, prev)


def _majority(Xf: np.ndarray, codes: np.ndarray, k: int, prev: np.ndarray | None) -> np.ndarray:
    onehot = np.zeros((k, len(Xf)), dtype=np.float32)
    onehot[codes, np.arange(len(Xf))] = 1.0
    ones = np.rint(onehot @ Xf)                       # (k, n) count of 1s per code and bit
    size = onehot.sum(1)[:, None]
    A = (2 * ones > size).astype(np.uint8)
    if prev is not None:
        tie = 2 * ones == size                        # includes every bit of an unused code
        A[tie] = prev[tie]
    return A


def reconstruction_error(X, A, codes=None) -> int:
    """E(A, B) = Σ Hamming(A(B(x)), x); ``codes=None`` uses the optimal B for this A."""
    X = check_data(X, "X")
    A = _check_A(A, None, X.shape[1])
    d = _distances(X.astype(np.float32), A)
    if codes is None:
        return int(d.min(axis=1).sum())
    codes = np.asarray(codes, dtype=np.int64)
    check_same_length(X, codes, "X", "codes")
    if codes.size and (codes.min() < 0 or codes.max() >= len(A)):
        raise ValueError(f"code indices must lie in 0…{len(A) - 1}; got {codes.min()}…{codes.max()}")
    return int(d[np.arange(len(X)), codes].sum())


def code_entropy(codes, p: int) -> float:
    """H(B(X)) in bits: the entropy of how often each of the 2**p codes is used (at most p).

    A p-bit code takes at most 2**p values, so it can carry at most p bits about x; H says how
    much of that budget the encoder uses.  Introduced in notebook 05 (the information view).
    """
    p = check_int_in_range(p, "p", 0, 30)
    codes = np.asarray(codes)
    if codes.ndim != 1 or codes.size == 0 or codes.dtype.kind not in "iu":
        raise ValueError(f"codes must be a non-empty 1-D array of code indices; got shape {codes.shape}, "
                         f"dtype {codes.dtype}")
    if codes.min() < 0 or codes.max() >= 2 ** p:
        raise ValueError(f"code indices must lie in 0…{2 ** p - 1} for p = {p}; got {codes.min()}…{codes.max()}")
    q = np.bincount(codes, minlength=2 ** p) / codes.size
    q = q[q > 0]
    return float(max(0.0, -(q * np.log2(q)).sum()))


# ---------------------------------------------------------------- alternating minimisation

@dataclasses.dataclass(frozen=True)
class BooleanFit:
    """A fitted p-bit Boolean autoencoder: decoder table ``A``, codes of the data, error E."""

    p: int
    A: np.ndarray            # (2**p, n) uint8; row h is A(h)
    codes: np.ndarray        # (m,) code index of each data point: B(x)
    error: int               # Σ Hamming(A(B(x)), x) over the data
    history: tuple = ()      # E after every half-step (B, A, B, A, …) of the run that won
    n_iter: int = 0          # alternations (A-step + B-step pairs) of that run
    start_errors: tuple = () # final E of every start (several starts only)
    seconds: float = 0.0

    @property
    def k(self) -> int:
        """Number of codes, 2**p (clusters; some may be empty)."""
        return 2 ** self.p

    def encode(self, X) -> np.ndarray:
        """p-bit codes B(x) of new data (optimal encoder for this A)."""
        return index_to_bits(optimal_encoder(X, self.A), self.p)

    def decode(self, H) -> np.ndarray:
        """A(h) for p-bit code rows H."""
        return self.A[bits_to_index(H)]

    def as_autoencoder(self):
        """This fit as a ``framework.Autoencoder`` (B: nearest A(h), A: table look-up), for ``framework.error``."""
        return boolean_autoencoder(self.encode, self.decode, n=self.A.shape[1], p=self.p)


@small_matrices  # one BLAS thread: extra ones only spin on a busy machine (blas.py)
def alternate(X, A0, *, max_iter: int = 100) -> BooleanFit:
    """Alternate the optimal B (nearest A(h)) and the optimal A (majority votes) from ``A0``.

    Stops when the codes stop changing (a fixed point: neither layer alone can improve E).
    ``history`` records E after every half-step; it never increases.
    """
    X = check_data(X, "X")
    A = _check_A(A0, None, X.shape[1]).copy()
    max_iter = check_int_in_range(max_iter, "max_iter", 1)
    k = len(A)
    p = k.bit_length() - 1
    start = time.perf_counter()
    Xf = X.astype(np.float32)
    x_ones = Xf.sum(1)
    d = _distances(Xf, A, x_ones)
    codes = d.argmin(axis=1)
    history = [int(d[np.arange(len(X)), codes].sum())]
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        A = _majority(Xf, codes, k, A)
        d = _distances(Xf, A, x_ones)
        history.append(int(d[np.arange(len(X)), codes].sum()))
        new = d.argmin(axis=1)
        # keep the current code on ties so the fixed point is reached, not cycled around
        keep = d[np.arange(len(X)), codes] == d[np.arange(len(X)), new]
        new = np.where(keep, codes, new)
        history.append(int(d[np.arange(len(X)), new].sum()))
        if np.array_equal(new, codes):
            break
        codes = new
    return BooleanFit(p=p, A=A, codes=codes, error=history[-1], history=tuple(history), n_iter=n_iter,
                      seconds=time.perf_counter() - start)


def random_decoder(X, p: int, seed: int | None = None) -> np.ndarray:
    """A starting A: 2**p distinct data rows chosen at random (the Forgy start of k-means/k-medians)."""
    X = check_data(X, "X")
    p = check_p(p, len(X))
    rng = np.random.default_rng(seed)
    k = 2 ** p
    order = rng.permutation(len(X))
    packed = np.packbits(X, axis=1)
    chosen, seen = [], set()
    for i in order:                          # first k distinct rows in a random order
        key = packed[i].tobytes()
        if key not in seen:
            seen.add(key)
            chosen.append(i)
            if len(chosen) == k:
                break
    if len(chosen) < k:                      # too few distinct rows: repeat some (those codes start empty)
        rest = [i for i in order if i not in set(chosen)]
        chosen += rest[:k - len(chosen)]
    return X[np.array(chosen)].copy()


def fit_boolean_autoencoder(X, p: int, *, n_starts: int = 1, seed: int | None = 0,
                            max_iter: int = 100) -> BooleanFit:
    """Train a p-bit Boolean autoencoder by alternation from ``n_starts`` random starts; keep the best.

    Equivalent to clustering X into at most 2**p clusters with Hamming distance and majority-vote
    centres.  ``start_errors`` lists the final error of every start.  Notebook 05 remembers fits on
    disk with ``ae.cached(ae.fit_boolean_autoencoder, X, p, ...)``.
    """
    X = check_data(X, "X")
    p = check_p(p, len(X))
    n_starts = check_int_in_range(n_starts, "n_starts", 1)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    best, errors = None, []
    for _ in range(n_starts):
        fit = alternate(X, random_decoder(X, p, seed=int(rng.integers(2 ** 31))), max_iter=max_iter)
        errors.append(fit.error)
        if best is None or fit.error < best.error:
            best = fit
    return dataclasses.replace(best, start_errors=tuple(errors), seconds=time.perf_counter() - start)

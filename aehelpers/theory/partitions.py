"""The exact Boolean autoencoder on small data: enumerate every partition of the m points into at most 2**p cells.

Each partition's cells are decoded by majority vote (``boolean.optimal_decoder``), so the search
finds the global optimum that alternating minimisation (``boolean.fit_boolean_autoencoder``) may
miss.  Its cost is the number of partitions (a Stirling-number sum, :func:`count_partitions`) —
the cost of this search, not the complexity of the problem.  For fixed p *and* fixed n the optimal
cells are Voronoi cells with hyperplane boundaries (Hamming = squared Euclidean on {0,1}ⁿ), so the
optimum is polynomial in m (with an exponent growing with n and 2**p).  With n part of the input the
problem is NP-hard already for p = 1: hypercube 2-segmentation (Kleinberg, Papadimitriou & Raghavan
1998; proof in Feige 2014).  Introduced in notebook 05; the complexity is discussed in appendix 05a.
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from aehelpers.checks import check_int_in_range, check_same_length
from aehelpers.theory.boolean import check_data, check_p, optimal_decoder, reconstruction_error

# Measured on the 2-core course machine for the vectorised enumeration below (1e-8 to 5e-8 s per
# partition and point); used only to turn a partition count into a time estimate for refusals.
SECONDS_PER_PARTITION_POINT = 3e-8
DEFAULT_MAX_PARTITIONS = 5_000_000


def count_partitions(m: int, k: int) -> int:
    """Number of ways to split m labelled points into at most k non-empty clusters (Σ Stirling S(m, j))."""
    m = check_int_in_range(m, "m", 0)
    k = check_int_in_range(k, "k", 1)
    row = [1] + [0] * k                      # S(0, j)
    for i in range(1, m + 1):
        new = [0] * (k + 1)
        for j in range(1, min(i, k) + 1):
            new[j] = j * row[j] + row[j - 1]
        row = new
    return sum(row[1:]) if m else 1


def estimate_exhaustive_seconds(m: int, p: int) -> float:
    """Rough wall time of :func:`exhaustive_boolean_autoencoder` for m points and p bits."""
    return count_partitions(m, 2 ** check_int_in_range(p, "p", 0, 30)) * max(m, 1) * SECONDS_PER_PARTITION_POINT


def _format_seconds(s: float) -> str:
    for unit, size in (("years", 3.15e7), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if s >= size:
            return f"{s / size:,.1f} {unit}"
    return f"{s:.2g} s"


def subset_costs(X) -> np.ndarray:
    """For every subset S of the m points (bit i of the index ↔ point i): its majority-vote error.

    cost[S] = Σ_bits min(#ones, #zeros) over the points of S — the best one cluster can do.
    """
    X = check_data(X, "X")
    m = len(X)
    if m > 24:
        raise ValueError(f"subset costs need 2**m entries; m = {m} is too many (at most 24)")
    ones = np.zeros((1, X.shape[1]), dtype=np.int32)
    size = np.zeros(1, dtype=np.int32)
    for i in range(m):                      # doubling: index S + 2**i adds point i
        ones = np.concatenate([ones, ones + X[i]])
        size = np.concatenate([size, size + 1])
    return np.minimum(ones, size[:, None] - ones).sum(axis=1)


def _restricted_growth_strings(m: int, k: int) -> np.ndarray:
    """Every partition of m points into ≤ k blocks, once each, as label rows (first use of a label in order)."""
    labels = np.zeros((1, 1), dtype=np.int8)
    top = np.zeros(1, dtype=np.int8)        # largest label used so far in each row
    for _ in range(1, m):
        parts_l, parts_t = [], []
        for v in range(k):
            ok = top + 1 >= v
            if not ok.any():
                break
            rows = labels[ok]
            parts_l.append(np.concatenate([rows, np.full((len(rows), 1), v, np.int8)], axis=1))
            parts_t.append(np.maximum(top[ok], v).astype(np.int8))
        labels, top = np.concatenate(parts_l), np.concatenate(parts_t)
    return labels


@dataclasses.dataclass(frozen=True)
class ExhaustiveResult:
    """The exact optimum of a p-bit Boolean autoencoder on small data, and what finding it cost."""

    p: int
    error: int
    codes: np.ndarray        # an optimal assignment (cluster labels 0…k−1)
    A: np.ndarray            # majority-vote table for it, (2**p, n)
    n_partitions: int        # partitions examined: all of them
    n_optimal: int           # how many partitions reach the optimum
    seconds: float


def exhaustive_boolean_autoencoder(X, p: int, *, max_partitions: int = DEFAULT_MAX_PARTITIONS) -> ExhaustiveResult:
    """Exact optimum by trying every partition of the m points into at most 2**p clusters.

    Each partition's error is the sum of its blocks' majority-vote errors (:func:`subset_costs`).
    Refuses with a ``ValueError`` giving the partition count and a time estimate when there are
    more than ``max_partitions`` of them, instead of running for hours.
    """
    X = check_data(X, "X")
    m = len(X)
    p = check_p(p, m)
    max_partitions = check_int_in_range(max_partitions, "max_partitions", 1)
    k = 2 ** p
    count = count_partitions(m, k)
    if count > max_partitions or m > 24:
        est = count * m * SECONDS_PER_PARTITION_POINT
        raise ValueError(f"exhaustive search over {m} points with p = {p} (≤ {k} clusters) means {count:,} "
                         f"partitions, about {_format_seconds(est)} here (and memory to match); the limit is "
                         f"max_partitions = {max_partitions:,}. Use fewer points or bits, or alternation.")
    start = time.perf_counter()
    cost = subset_costs(X)
    labels = _restricted_growth_strings(m, k)
    weights = (1 << np.arange(m)).astype(np.int64)
    total = np.zeros(len(labels), dtype=np.int64)
    for j in range(min(k, m)):
        total += cost[(labels == j).astype(np.int64) @ weights]
    best = int(total.argmin())
    seconds = time.perf_counter() - start
    codes = labels[best].astype(np.int64)
    A = optimal_decoder(X, codes, p)
    error = int(total[best])
    assert error == reconstruction_error(X, A, codes)
    return ExhaustiveResult(p=p, error=error, codes=codes, A=A, n_partitions=len(labels),
                            n_optimal=int((total == error).sum()), seconds=seconds)


def is_single_move_optimal(X, codes, p: int) -> bool:
    """True when moving any one point to any other code (and re-voting A) cannot lower E.

    Stronger than being a fixed point of alternation: a genuine local minimum in the space of
    partitions, where only a non-local change can do better.
    """
    X = check_data(X, "X")
    p = check_int_in_range(p, "p", 0, 30)
    codes = np.asarray(codes, dtype=np.int64)
    check_same_length(X, codes, "X", "codes")
    k = 2 ** p
    base = reconstruction_error(X, optimal_decoder(X, codes, p), codes)
    for i in range(len(X)):
        for h in range(k):
            if h == codes[i]:
                continue
            moved = codes.copy()
            moved[i] = h
            if reconstruction_error(X, optimal_decoder(X, moved, p), moved) < base:
                return False
    return True

"""What a Bernoulli VAE's negative ELBO measures on grey-level digits, in NumPy.

A Bernoulli decoder is a distribution on binary images {0, 1}⁷⁸⁴.  On a grey image x the loss
−Σₖ [xₖ log x̂ₖ + (1 − xₖ) log(1 − x̂ₖ)] is linear in x, so it equals the *expected* loss on a random
binarisation b ~ Bern(x) (each pixel black or white with probability xₖ).  Part of that number,
Σₖ H(xₖ), is the entropy of the binarisation itself (notebook 01's entropy floor, per image): no
model can go below it.  ``binarisation_floor`` gives it per image; what a model controls is the
excess over it.  ``importance_weighted_bound`` is the K-sample bound of Burda, Grosse and
Salakhutdinov (2016), tighter than the ELBO, which it equals at K = 1.  Notebook 06 and 06a.
"""
from __future__ import annotations

import numpy as np

from aehelpers.checks import check_images, check_int_in_range
from aehelpers.theory.framework import binary_cross_entropy, binary_entropy

LOG_2PI = float(np.log(2 * np.pi))


def binarisation_floor(x) -> np.ndarray:
    """Σₖ H(xₖ) per image, in nats: the entropy of b ~ Bern(x), below which no Bernoulli loss on x goes."""
    x = check_images(x, "images x", dtype=np.float64)
    x = x.reshape(len(x), -1)
    return binary_entropy(x).sum(axis=1)


def binarise(x, rng) -> np.ndarray:
    """One draw of b ~ Bern(x): each pixel 1 with probability xₖ, as float32 of x's shape."""
    x = check_images(x, "images x", dtype=np.float64)
    x = x.reshape(len(x), -1)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        rng = np.random.default_rng(int(rng))
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator or a non-negative int seed; got {rng!r}")
    return (rng.random(x.shape) < x).astype(np.float32)


def _log_normal(z, mu, log_var) -> np.ndarray:
    """log N(z; μ, diag σ²) summed over the last axis."""
    return -0.5 * np.sum(LOG_2PI + log_var + (z - mu) ** 2 / np.exp(log_var), axis=-1)


def importance_weighted_bound(x, x_hat, z, z_mean, z_log_var) -> np.ndarray:
    """−log p̂_K(x) per image in nats, from K codes zᵢ ~ q(z|x) and their decodings x̂ᵢ.

    ``x`` is (m, n) in [0, 1]; ``x_hat`` (K, m, n) decoder outputs; ``z`` (K, m, d) the codes;
    ``z_mean``, ``z_log_var`` (m, d) the encoder's.  −log (1/K Σᵢ p(x|zᵢ) p(zᵢ) / q(zᵢ|x)): an upper
    bound on −log p(x) that falls towards it as K grows; K = 1 is the negative ELBO (in expectation).
    """
    x = check_images(x, "images x", dtype=np.float64)
    x = x.reshape(len(x), -1)
    x_hat, z = np.asarray(x_hat, dtype=np.float64), np.asarray(z, dtype=np.float64)
    mu, log_var = np.asarray(z_mean, dtype=np.float64), np.asarray(z_log_var, dtype=np.float64)
    if x_hat.ndim != 3 or x_hat.shape[1:] != x.shape:
        raise ValueError(f"x_hat must be (K, {x.shape[0]}, {x.shape[1]}) decodings of K codes per image; got {x_hat.shape}")
    k = check_int_in_range(x_hat.shape[0], "K (codes per image)", 1)
    if mu.shape != log_var.shape or mu.ndim != 2 or len(mu) != len(x) or z.shape != (k, *mu.shape):
        raise ValueError(f"z_mean, z_log_var must be ({len(x)}, d) and z ({k}, {len(x)}, d); "
                         f"got {mu.shape}, {log_var.shape} and {z.shape}")
    log_px = -np.stack([binary_cross_entropy(x_hat[i], x) for i in range(k)])          # (K, m)
    log_w = log_px + _log_normal(z, 0.0, 0.0) - _log_normal(z, mu[None], log_var[None])
    top = log_w.max(axis=0)
    return -(top + np.log(np.mean(np.exp(log_w - top), axis=0)))

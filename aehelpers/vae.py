"""Variational autoencoders: the ELBO's two parts in NumPy, and loading weights of the right latent size.

Notebook 06 builds its VAE in the reader's cells (a ``Sampling`` layer that adds the KL term
with ``add_loss``, inside an ordinary functional model).  Here are the checks a reader would
not type: ``neg_elbo_parts`` recomputes the loss outside Keras, per image, in nats;
``load_vae_weights`` refuses a weights file saved from a VAE with another latent size, naming
both sizes.  Introduced in notebook 06.
"""
from __future__ import annotations

import os

import numpy as np

from . import weights as _weights


def neg_elbo_parts(x, x_hat, z_mean, z_log_var, eps: float = 1e-7) -> tuple[np.ndarray, np.ndarray]:
    """Per image: ``(reconstruction, kl)`` in nats; their sum is the negative ELBO.

    ``reconstruction`` is the binary cross-entropy summed over pixels (``x_hat`` decoded from a
    sampled code); ``kl`` is KL(N(μ, σ²) ‖ N(0, I)) = −½ Σ (1 + log σ² − μ² − σ²).
    """
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    p = np.clip(np.asarray(x_hat, dtype=np.float64).reshape(len(x_hat), -1), eps, 1 - eps)
    mu, log_var = np.asarray(z_mean, dtype=np.float64), np.asarray(z_log_var, dtype=np.float64)
    if x.shape != p.shape:
        raise ValueError(f"x and x_hat must hold the same images; got {x.shape} and {p.shape}")
    if mu.shape != log_var.shape or mu.ndim != 2 or len(mu) != len(x):
        raise ValueError(f"z_mean and z_log_var must both be ({len(x)}, latent_dim); got {mu.shape} and {log_var.shape}")
    reconstruction = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1)
    kl = -0.5 * (1 + log_var - mu ** 2 - np.exp(log_var)).sum(axis=1)
    return reconstruction, kl


def latent_dim_in_file(path: str | os.PathLike, layer: str = "z_mean") -> int:
    """The latent size of the VAE a ``.weights.h5`` file was saved from (width of its ``z_mean`` layer)."""
    stored = _weights.weights_in_file(path)
    shapes = stored.get(layer)
    if not shapes or len(shapes[0]) != 2:
        raise ValueError(f"{path}: no dense layer named {layer!r} in this weights file; it holds {sorted(stored)}")
    return int(shapes[0][1])


def load_vae_weights(model, path: str | os.PathLike, layer: str = "z_mean"):
    """Load VAE weights, first checking the file's latent size against the model's; returns the model."""
    want = int(model.get_layer(layer).kernel.shape[1])
    got = latent_dim_in_file(path, layer)
    if got != want:
        raise ValueError(f"{path}: weights of a VAE with latent size {got}; this model has latent size {want}")
    return _weights.load_weights(model, path)

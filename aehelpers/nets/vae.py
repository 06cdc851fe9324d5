"""Variational autoencoders: the ELBO's two parts in NumPy, and loading weights of the right latent size.

Notebook 06 builds its VAE in the reader's cells (a ``Sampling`` layer that adds the KL term
with ``add_loss``, inside an ordinary functional model).  Here are the checks a reader would
not type: ``neg_elbo_parts`` recomputes the loss outside Keras, per image, in nats;
``load_vae_weights`` refuses a weights file saved from a VAE with another latent size, naming
both sizes.  Introduced in notebook 06.

Saving and reloading Keras models, with errors that say which file and what is wrong.

Keras 3 insists on ``.weights.h5`` for weights (the blog's ``model.h5`` is refused) and
``.keras`` for whole models.  Here every write is atomic, and a file from a different
architecture, a truncated file or a file of the wrong kind gives a ``ValueError`` naming the
file and the problem (Keras itself reports a truncated ``.keras`` file as "File not found").
Introduced in notebook 04.
"""
from __future__ import annotations

import os
import numpy as np
import zipfile
from pathlib import Path

from aehelpers.files import atomic_path


# --- Variational autoencoders: the ELBO's two parts in NumPy, and loading weights of the right latent size. ---

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
    stored = weights_in_file(path)
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
    return load_weights(model, path)


# --- Saving and reloading Keras models, with errors that say which file and what is wrong. ----

WEIGHTS_SUFFIX = ".weights.h5"
MODEL_SUFFIX = ".keras"


def _check_suffix(path, suffix: str, what: str) -> Path:
    path = Path(path)
    if not path.name.endswith(suffix) or path.name == suffix:
        raise ValueError(f"{what} file name must end in '{suffix}' (Keras 3); got {path.name!r}")
    return path


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")


def _save(write, path, suffix: str, what: str) -> Path:
    path = _check_suffix(path, suffix, what)
    with atomic_path(path) as tmp:
        write(tmp)
    return path


def save_weights(model, path: str | os.PathLike) -> Path:
    """Write ``model``'s weights to ``path`` (must end in ``.weights.h5``) atomically."""
    return _save(model.save_weights, path, WEIGHTS_SUFFIX, "weights")


def save_model(model, path: str | os.PathLike) -> Path:
    """Write the whole model (architecture, weights, optimizer) to ``path`` (``.keras``) atomically."""
    return _save(model.save, path, MODEL_SUFFIX, "model")


def weights_in_file(path: str | os.PathLike) -> dict[str, list[tuple[int, ...]]]:
    """The layers stored in a ``.weights.h5`` file: ``{layer name: [variable shapes]}``.

    ``ValueError`` naming the file when it is truncated or not a Keras weights file.
    """
    import h5py

    path = _check_suffix(path, WEIGHTS_SUFFIX, "weights")
    _check_file(path)
    try:
        with h5py.File(path, "r") as fh:
            if "layers" not in fh:
                raise ValueError(f"{path}: not a Keras weights file (no 'layers' group; found {sorted(fh)})")
            out = {}
            for group in fh["layers"].values():
                if "vars" not in group:
                    continue
                variables = group["vars"]
                shapes = [tuple(variables[k].shape) for k in sorted(variables, key=int)]
                if shapes:
                    out[str(variables.attrs.get("name", group.name.rsplit("/", 1)[-1]))] = shapes
            return out
    except OSError as err:
        raise ValueError(f"{path}: truncated or not an HDF5 file ({err})") from err


def weights_in_model(model) -> dict[str, list[tuple[int, ...]]]:
    """``{layer name: [variable shapes]}`` for the layers of ``model`` that hold weights."""
    return {layer.name: [tuple(w.shape) for w in layer.weights] for layer in model.layers if layer.weights}


def _describe(layers: dict) -> str:
    return ", ".join(f"{name} {' + '.join('×'.join(map(str, s)) or 'scalar' for s in shapes)}"
                     for name, shapes in layers.items())


def load_weights(model, path: str | os.PathLike):
    """Load a ``.weights.h5`` file into ``model`` and return the model.

    Before Keras touches the model, the file's layers are compared with the model's; a
    mismatch is a ``ValueError`` that names the file and lists both architectures.
    """
    path = _check_suffix(path, WEIGHTS_SUFFIX, "weights")
    stored, wanted = weights_in_file(path), weights_in_model(model)
    same_names = set(stored) == set(wanted)
    if (same_names and any(stored[k] != wanted[k] for k in wanted)) or \
            (not same_names and list(stored.values()) != list(wanted.values())):
        raise ValueError(f"{path}: weights saved from a different architecture. "
                         f"The file holds [{_describe(stored)}]; the model has [{_describe(wanted)}]")
    try:
        model.load_weights(path)
    except Exception as err:  # Keras raises several types for a bad file
        raise ValueError(f"{path}: Keras could not load these weights ({type(err).__name__}: {err})") from err
    return model


def load_model(path: str | os.PathLike, *, compile: bool = True):
    """Load a whole ``.keras`` model, with a ``ValueError`` naming the file if it is damaged."""
    import keras

    path = _check_suffix(path, MODEL_SUFFIX, "model")
    _check_file(path)
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: truncated or not a .keras archive (a .keras file is a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as err:
        raise ValueError(f"{path}: damaged .keras archive ({err})") from err
    if bad is not None:
        raise ValueError(f"{path}: damaged .keras archive (member {bad!r} fails its checksum)")
    if "config.json" not in names:
        raise ValueError(f"{path}: not a Keras model archive (no config.json; holds {names})")
    try:
        return keras.models.load_model(path, compile=compile)
    except Exception as err:
        raise ValueError(f"{path}: Keras could not load the model ({type(err).__name__}: {err})") from err

"""Saving and reloading Keras models, with errors that say which file and what is wrong.

Keras 3 insists on ``.weights.h5`` for weights (the blog's ``model.h5`` is refused) and
``.keras`` for whole models.  Here every write is atomic, and a file from a different
architecture, a truncated file or a file of the wrong kind gives a ``ValueError`` naming the
file and the problem (Keras itself reports a truncated ``.keras`` file as "File not found").
Introduced in notebook 04.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

from .files import atomic_path

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

"""An on-disk cache of trained Keras models, keyed by everything that determines them.

An entry is a folder ``<cache_dir>/<name>-<hash>/`` with ``model.keras`` and ``meta.json``
(the full key, the training history and the model file's SHA-256).  It is written into a
temporary folder and renamed into place, so a crash never leaves half an entry; an entry whose
key, checksum or file does not check out is retrained, never trusted.  Introduced in notebook 04.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from .paths import cache_dir
from .setup import import_tensorflow_quietly


@dataclasses.dataclass
class CachedModel:
    """A model from the cache: ``hit`` is True when it was loaded rather than trained."""

    model: object
    history: dict
    hit: bool
    path: Path


def library_versions() -> dict:
    """Versions that change what a trained model is (part of every cache key)."""
    import keras
    import numpy

    from . import __version__

    tf = import_tensorflow_quietly()
    return {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": numpy.__version__,
            "aehelpers": __version__}


def make_key(**parts) -> dict:
    """A cache key: the given parts (architecture, p, epochs, data source, seed…) plus versions.

    Every value must be JSON-serialisable so the key can be stored and compared exactly.
    """
    key = dict(sorted(parts.items()))
    key["versions"] = library_versions()
    try:
        json.dumps(key, sort_keys=True)
    except TypeError as err:
        raise ValueError(f"cache key parts must be JSON-serialisable; got {parts!r} ({err})") from err
    return key


def fingerprint(x) -> str:
    """A short hash of an array's shape, dtype and bytes: cache keys name the exact data."""
    import numpy as np

    arr = np.ascontiguousarray(x)
    h = hashlib.blake2b(f"{arr.shape}{arr.dtype}".encode(), digest_size=16)  # ~2× faster than sha256
    h.update(arr.data)
    return h.hexdigest()[:16]


def _digest(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def entry_dir(name: str, key: dict, root: Path | None = None) -> Path:
    """The folder an entry with this name and key lives in."""
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"cache name must be letters, digits, '_' or '-'; got {name!r}")
    return Path(root or cache_dir()) / f"{name}-{_digest(key)}"


def load_entry(folder: Path, key: dict):
    """Load an entry, or raise ``ValueError`` saying why it cannot be trusted."""
    import keras

    meta_path, model_path = folder / "meta.json", folder / "model.keras"
    if not meta_path.is_file() or not model_path.is_file():
        raise ValueError(f"{folder}: incomplete entry (meta.json or model.keras missing)")
    try:
        meta = json.loads(meta_path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{meta_path}: unreadable ({err})") from err
    if meta.get("key") != key:
        raise ValueError(f"{folder}: stale entry (its key differs from the one asked for)")
    if meta.get("sha256") != _sha256(model_path):
        raise ValueError(f"{model_path}: checksum mismatch (file changed or truncated)")
    try:
        model = keras.models.load_model(model_path, compile=True)
    except Exception as err:  # Keras raises many types for a bad file
        raise ValueError(f"{model_path}: Keras could not load it ({type(err).__name__}: {err})") from err
    return model, meta.get("history", {})


def save_entry(folder: Path, key: dict, model, history: dict) -> None:
    """Write an entry atomically: a temporary folder beside it, renamed into place."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        model.save(tmp / "model.keras")
        meta = {"key": key, "history": history, "sha256": _sha256(tmp / "model.keras")}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def cached_model(name: str, key: dict, build: Callable[[], object], fit: Callable[[object], dict], *,
                 root: Path | None = None, verbose: bool = True) -> CachedModel:
    """Load the model for ``key`` from the cache, or ``build()`` it, ``fit(model)`` it and store it.

    ``fit`` returns the history dict to keep beside the model.
    """
    folder = entry_dir(name, key, root)
    if folder.exists():
        try:
            model, history = load_entry(folder, key)
            return CachedModel(model, history, True, folder)
        except ValueError as why:
            if verbose:
                print(f"cache: retraining, entry not trusted: {why}")
    model = build()
    history = fit(model)
    save_entry(folder, key, model, history)
    return CachedModel(model, history, False, folder)

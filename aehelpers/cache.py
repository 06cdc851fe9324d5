"""Short content hashes: of arrays (which data a result came from) and of code (which code made it).

NumPy and the standard library only, so the theory modules can key their results without
loading Keras.  Introduced in notebook 02.

An on-disk cache of trained Keras models, keyed by everything that determines them.

An entry is a folder ``<cache_dir>/<name>-<hash>/`` holding ``model.keras`` and ``meta.json``
(the full key, the training history and the model file's SHA-256).  The key is the caller's
parts (architecture, p, epochs, data, seed…), the library versions and a digest of the code that
builds and trains the model, so changing that code retrains.  Rules, each tested:

* One process at a time per entry: a lock file beside it.  A second process (a second kernel)
  waits, says so, and then loads what the first one trained instead of training it again.
* Written into a hidden temporary folder and renamed into place; an old entry is renamed aside
  first and removed after, so a crash never leaves half an entry.  Temporary folders left by a
  killed process are swept.
* An entry that does not check out (missing or unreadable file, key, checksum, ill-typed
  ``meta.json`` or history) is retrained with one line naming it; never trusted, never fatal.
* A save that fails after training warns and still returns the trained model.

Introduced in notebook 04.
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import json
import sys
import numpy as np
import dataclasses
import os
import shutil
import time
import uuid
import warnings
from pathlib import Path
from typing import Callable

from aehelpers.runtime import cache_dir


# --- Short content hashes: of arrays (which data a result came from) and of code (which code made it). ---

def fingerprint(x) -> str:
    """A short hash of an array's shape, dtype and bytes: cache keys name the exact data."""
    arr = np.ascontiguousarray(x)
    h = hashlib.blake2b(f"{arr.shape}{arr.dtype}".encode(), digest_size=16)  # ~2× faster than sha256
    h.update(arr.data)
    return h.hexdigest()[:16]


def digest_json(obj) -> str:
    """A short hash of a JSON-serialisable object, independent of dict order."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def _module_source(name: str) -> str | None:
    module = sys.modules.get(name)
    try:
        return inspect.getsource(module) if module is not None else None
    except (OSError, TypeError):
        return None


def _callable_source(fn) -> str:
    while isinstance(fn, functools.partial):
        fn = fn.func
    module = getattr(fn, "__module__", "") or ""
    if module == "aehelpers" or module.startswith("aehelpers."):
        source = _module_source(module)  # the whole module: what the function calls changes with it
        if source is not None:
            return source
    try:
        return inspect.getsource(fn)  # a notebook cell's function: IPython keeps its source
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        return repr((code.co_code, code.co_consts)) if code is not None else repr(fn)


def code_digest(*callables, modules: tuple[str, ...] = ()) -> str:
    """A short hash of the code behind ``callables`` (and of the named modules' source).

    A function of ``aehelpers`` contributes its whole module's source; any other function (one
    defined in a notebook cell) its own source.  Changing that code changes the digest.
    """
    h = hashlib.sha256()
    for name in modules:
        h.update((_module_source(name) or name).encode())
    for fn in callables:
        h.update(_callable_source(fn).encode())
    return h.hexdigest()[:16]


# --- An on-disk cache of trained Keras models, keyed by everything that determines them. ------

# Modules whose code decides every cached model: the builders and the trainer.
CODE_MODULES = ("aehelpers.nets.models", "aehelpers.nets.training")
ORPHAN_AGE_S = 3600  # temporary folders older than this, with their entry unlocked, are swept
WAIT_NOTICE_S = 1.0  # say that we are waiting for another process after this long


class CacheWarning(UserWarning):
    """A cache entry could not be written; the trained model is still returned."""


@dataclasses.dataclass
class CachedModel:
    """A model from the cache: ``hit`` is True when it was loaded rather than trained.

    ``saved`` is False when training succeeded but the entry could not be written.
    """

    model: object
    history: dict
    hit: bool
    path: Path
    saved: bool = True


def library_versions() -> dict:
    """Versions that change what a trained model is (part of every cache key)."""
    import keras

    from aehelpers.runtime import import_tensorflow_quietly

    tf = import_tensorflow_quietly()
    return {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__}


def _plain(value):
    """JSON fallback for keys and histories: NumPy scalars become Python numbers, paths strings."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON-serialisable")


def normalise(obj):
    """``obj`` as it reads back from JSON (tuples → lists, NumPy scalars → numbers), else ``ValueError``."""
    try:
        return json.loads(json.dumps(obj, sort_keys=True, default=_plain))
    except (TypeError, ValueError) as err:
        raise ValueError(f"expected JSON-serialisable values (numbers, strings, lists, dicts); {err}") from err


def make_key(**parts) -> dict:
    """A cache key: the given parts (architecture, p, epochs, data source, seed…) plus versions.

    Values are normalised as JSON stores them (a tuple ``hidden=(128, 64)`` becomes a list), so
    a key compares equal to the one read back from disk.  Arrays are refused: pass
    ``digest.fingerprint(x)`` instead.
    """
    try:
        key = normalise(parts)
    except ValueError as err:
        raise ValueError(f"cache key parts must be JSON-serialisable; got {parts!r} ({err})") from err
    key["versions"] = library_versions()
    return key


def _without_names(config):
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [_without_names(v) for v in config]
    return config


def model_signature(model) -> str:
    """A short hash of what a compiled Keras model *is*: its layers' classes and settings (activations,
    sizes, regularisers…), its optimizer's settings and its loss — not the names Keras numbers anew
    each time a cell runs again.

    Use it in the key of a model built in a notebook cell: a reader who changes the model
    (adds a penalty, another activation) gets a new entry instead of the old weights.
    """
    if not hasattr(model, "layers") or not hasattr(model, "get_config"):
        raise ValueError(f"expected a Keras model; got {type(model).__name__}")
    layers = [[type(layer).__name__, _without_names(layer.get_config())] for layer in model.layers]
    optimizer = getattr(model, "optimizer", None)
    loss = getattr(model, "loss", None)
    parts = {"layers": layers,
             "optimizer": None if optimizer is None else [type(optimizer).__name__,
                                                         _without_names(optimizer.get_config())],
             "loss": None if loss is None else str(getattr(loss, "__name__", None) or getattr(loss, "name", loss))}
    return digest_json(normalise(parts))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def entry_dir(name: str, key: dict, root: Path | None = None) -> Path:
    """The folder an entry with this name and key lives in."""
    if not isinstance(name, str) or not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"cache name must be letters, digits, '_' or '-'; got {name!r}")
    if not isinstance(key, dict):
        raise ValueError(f"cache key must be a dict (see make_key); got {type(key).__name__}")
    return Path(root or cache_dir()) / f"{name}-{digest_json(normalise(key))}"


# --- reading and writing one entry --------------------------------------------------------------

def check_history(history, where: str = "history") -> dict:
    """A training history as ``{name: number or list of numbers}``, else ``ValueError`` saying why."""
    if hasattr(history, "history") and isinstance(history.history, dict):  # a keras.callbacks.History
        history = history.history
    if history is None:
        return {}
    if not isinstance(history, dict):
        raise ValueError(f"{where} must be a dict of numbers or lists of numbers; got {type(history).__name__}")
    history = normalise(history)
    for name, values in history.items():
        seq = values if isinstance(values, list) else [values]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in seq):
            raise ValueError(f"{where}[{name!r}] must be a number or a list of numbers; got {values!r:.80}")
    return history


def _load_model(path: Path):
    import keras

    return keras.models.load_model(path, compile=True, safe_mode=True)


def load_entry(folder: Path, key: dict):
    """Load an entry, or raise ``ValueError`` saying why it cannot be trusted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder")
    meta_path, model_path = folder / "meta.json", folder / "model.keras"
    if not meta_path.is_file() or not model_path.is_file():
        raise ValueError(f"{folder}: incomplete entry (meta.json or model.keras missing)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{meta_path}: unreadable ({type(err).__name__}: {err})") from err
    if not isinstance(meta, dict):
        raise ValueError(f"{meta_path}: holds {type(meta).__name__}, not an object")
    if meta.get("key") != normalise(key):
        raise ValueError(f"{folder}: stale entry (its key differs from the one asked for)")
    history = check_history(meta.get("history"), f"{meta_path}: history")
    if meta.get("sha256") != _sha256(model_path):
        raise ValueError(f"{model_path}: checksum mismatch (file changed or truncated)")
    try:
        model = _load_model(model_path)
    except Exception as err:  # Keras raises many types for a bad file
        raise ValueError(f"{model_path}: Keras could not load it ({type(err).__name__}: {err})") from err
    return model, history


def _remove(path: Path) -> None:
    """Delete a folder or file, ignoring what is already gone or cannot be removed."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def _leftovers(folder: Path) -> list[Path]:
    """Hidden temporary or set-aside folders of this entry (only a crashed writer leaves them)."""
    return sorted(folder.parent.glob(f".{folder.name}-tmp-*")) + sorted(folder.parent.glob(f".{folder.name}-old-*"))


def _write_entry(folder: Path, write: Callable[[Path], dict]) -> None:
    """Write an entry atomically: ``write(tmp)`` fills a temporary folder beside it and returns the
    meta to keep (fsynced to ``meta.json``); the folder is then renamed into place.

    Call it holding the entry's lock: leftovers of this entry from a killed writer are removed
    first, and an existing entry (folder or stray file) is renamed aside before the new one is
    renamed in, then deleted; if the rename fails the old entry is put back.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in _leftovers(folder):
        _remove(stale)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = folder.parent / f".{folder.name}-tmp-{tag}"
    tmp.mkdir()  # mode 0777 minus the umask, like any folder the user makes
    try:
        meta = write(tmp)
        with open(tmp / "meta.json", "w", encoding="utf-8") as fh:
            json.dump(meta, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        aside = None
        if folder.exists() or folder.is_symlink():
            aside = folder.parent / f".{folder.name}-old-{tag}"
            os.rename(folder, aside)
        try:
            os.rename(tmp, folder)
        except OSError:
            if aside is not None:  # put the old entry back: it is no worse than before
                os.rename(aside, folder)
            raise
        if aside is not None:
            _remove(aside)
    finally:
        if tmp.exists():
            _remove(tmp)


def save_entry(folder: Path, key: dict, model, history: dict) -> None:
    """Write a model entry atomically (``model.keras`` and ``meta.json``, see ``_write_entry``).

    Call it holding the entry's lock (``cached_model`` does).
    """
    history = check_history(history)

    def write(tmp: Path) -> dict:
        model.save(tmp / "model.keras")
        return {"key": normalise(key), "history": history, "sha256": _sha256(tmp / "model.keras")}

    _write_entry(folder, write)


# --- locking ------------------------------------------------------------------------------------

def _lock_path(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.lock"


class _EntryLock:
    """An exclusive lock on one entry (``filelock``: released when the process dies)."""

    def __init__(self, folder: Path, verbose: bool):
        self.folder, self.verbose, self.lock = folder, verbose, None

    def __enter__(self):
        from filelock import FileLock, Timeout

        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            self.lock = FileLock(str(_lock_path(self.folder)))
            try:
                self.lock.acquire(timeout=WAIT_NOTICE_S)
            except Timeout:
                if self.verbose:
                    print(f"cache: another process is making {self.folder.name}; waiting for it")
                self.lock.acquire()
        except OSError as err:  # a read-only cache: go on unlocked, the save will warn
            self.lock = None
            if self.verbose:
                print(f"cache: cannot lock {self.folder.name} ({err.strerror or err}); going on without a lock")
        return self

    def __exit__(self, *exc):
        if self.lock is not None:
            self.lock.release()


def sweep_orphans(root: Path | None = None, *, older_than: float = ORPHAN_AGE_S) -> list[Path]:
    """Remove temporary folders that killed writers left in ``root``; return what was removed.

    Only folders older than ``older_than`` seconds whose entry is not locked by a live process.
    """
    from filelock import FileLock, Timeout

    root = Path(root or cache_dir())
    removed = []
    for tmp in sorted(root.glob(".*-tmp-*")) + sorted(root.glob(".*-old-*")):
        try:
            if time.time() - tmp.lstat().st_mtime < older_than:
                continue
        except OSError:
            continue
        entry = root / tmp.name[1:].rsplit("-tmp-", 1)[0].rsplit("-old-", 1)[0]
        try:
            with FileLock(str(_lock_path(entry)), timeout=0):
                _remove(tmp)
                removed.append(tmp)
        except (Timeout, OSError):
            continue
    return removed


_swept_roots: set[str] = set()


def _full_key(key: dict, code: str | None) -> dict:
    """What an entry is stored under: the caller's key, plus the digest of the code that makes the model."""
    return normalise(key) if code is None else {**normalise(key), "code": code}


def get_or_make(name: str, key: dict, make: Callable[[], tuple[object, dict]], *, root: Path | None = None,
                code: str | None = None, verbose: bool = True) -> CachedModel:
    """The model for ``key``: loaded if a trusted entry exists, else ``make()`` → ``(model, history)``, stored.

    Runs under the entry's lock, so concurrent callers train it once.  ``code`` is a digest of
    the code that makes the model (``cached_model`` computes it); it is part of the key.
    """
    full_key = _full_key(key, code)
    folder = entry_dir(name, full_key, root)
    if str(folder.parent) not in _swept_roots:
        _swept_roots.add(str(folder.parent))
        try:
            sweep_orphans(folder.parent)
        except OSError:
            pass
    with _EntryLock(folder, verbose) as held:
        if held.lock is not None:
            for stale in _leftovers(folder):  # a writer of this entry was killed mid-save
                _remove(stale)
        if folder.exists() or folder.is_symlink():
            try:
                model, history = load_entry(folder, full_key)
                return CachedModel(model, history, True, folder)
            except ValueError as why:
                if verbose:
                    print(f"cache: retraining, entry not trusted: {why}")
        model, history = make()
        try:
            history = check_history(history)
        except ValueError as why:
            warnings.warn(CacheWarning(f"cache: {name}: {why}; keeping the model, not the history"), stacklevel=3)
            history = {}
        try:
            save_entry(folder, full_key, model, history)
        except Exception as err:  # the training is done: never lose it to a failed save
            warnings.warn(CacheWarning(f"cache: could not save {folder} ({type(err).__name__}: {err}); "
                                       "the trained model is returned but will be trained again next time"),
                          stacklevel=3)
            return CachedModel(model, history, False, folder, saved=False)
        return CachedModel(model, history, False, folder)


def cached_model(name: str, key: dict, build: Callable[[], object], fit: Callable[[object], dict], *,
                 root: Path | None = None, verbose: bool = True) -> CachedModel:
    """Load the model for ``key`` from the cache, or ``build()`` it, ``fit(model)`` it and store it.

    ``fit`` returns the history to keep beside the model (a dict, or Keras' ``History``).  The
    code of ``build`` and ``fit`` (and of ``aehelpers.nets.models``/``training``) is part of the key.
    """
    if not (callable(build) and callable(fit)):
        raise ValueError(f"build and fit must be callables; got {type(build).__name__}, {type(fit).__name__}")

    def make():
        model = build()
        return model, fit(model)

    return get_or_make(name, key, make, root=root, verbose=verbose,
                       code=code_digest(build, fit, modules=CODE_MODULES))


def model_folder(name: str, key: dict, build: Callable[[], object], fit: Callable[[object], dict], *,
                 root: Path | None = None) -> Path:
    """The folder ``cached_model(name, key, build, fit)`` reads and writes (it may not exist yet)."""
    return entry_dir(name, _full_key(key, code_digest(build, fit, modules=CODE_MODULES)), root)



# --- results that are plain arrays (notebook 05) ---------------------------------------------------

@dataclasses.dataclass
class CachedArrays:
    """NumPy results from the cache: ``arrays`` maps names to arrays; ``hit`` is True when loaded."""

    arrays: dict
    hit: bool
    path: Path
    saved: bool = True


def _check_arrays(arrays, where: str) -> dict:
    """``{name: numeric or bool array}`` (no objects: the file is read without pickle), else ``ValueError``."""
    if not isinstance(arrays, dict) or not arrays:
        raise ValueError(f"{where} must be a non-empty dict of arrays; got {type(arrays).__name__}")
    out = {}
    for name, value in arrays.items():
        arr = np.asarray(value)
        if not isinstance(name, str) or not name.isidentifier() or arr.dtype.kind not in "biuf":
            raise ValueError(f"{where}[{name!r}] must be a numeric array under an identifier name; got dtype {arr.dtype}")
        out[name] = arr
    return out


def load_arrays_entry(folder: Path, key: dict) -> dict:
    """Load an arrays entry, or raise ``ValueError`` saying why it cannot be trusted."""
    folder = Path(folder)
    meta_path, data_path = folder / "meta.json", folder / "arrays.npz"
    if not folder.is_dir() or not meta_path.is_file() or not data_path.is_file():
        raise ValueError(f"{folder}: incomplete entry (meta.json or arrays.npz missing)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{meta_path}: unreadable ({type(err).__name__}: {err})") from err
    if not isinstance(meta, dict) or meta.get("key") != normalise(key):
        raise ValueError(f"{folder}: stale entry (its key differs from the one asked for)")
    if meta.get("sha256") != _sha256(data_path):
        raise ValueError(f"{data_path}: checksum mismatch (file changed or truncated)")
    try:
        with np.load(data_path, allow_pickle=False) as npz:
            return _check_arrays({name: npz[name] for name in npz.files}, str(data_path))
    except (OSError, ValueError, KeyError) as err:
        raise ValueError(f"{data_path}: unreadable ({type(err).__name__}: {err})") from err


def save_arrays_entry(folder: Path, key: dict, arrays: dict) -> None:
    """Write an arrays entry atomically, as ``save_entry`` writes a model entry (hold the entry's lock)."""
    arrays = _check_arrays(arrays, "arrays")

    def write(tmp: Path) -> dict:
        with open(tmp / "arrays.npz", "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        return {"key": normalise(key), "sha256": _sha256(tmp / "arrays.npz")}

    _write_entry(folder, write)


def cached_arrays(name: str, key: dict, make: Callable[[], dict], *, root: Path | None = None,
                  verbose: bool = True) -> CachedArrays:
    """The arrays for ``key``: loaded if a trusted entry exists, else ``make()`` → ``{name: array}``, stored.

    For results that are not Keras models (Boolean fits, Hebbian weights).  The same rules as
    ``get_or_make``: one lock per entry, atomic writes, untrusted entries remade with one line, a
    failed save warns and returns what was made.  The code of ``make`` (for a function of
    ``aehelpers``, its whole module) is part of the key.  Introduced in notebook 05.
    """
    if not callable(make):
        raise ValueError(f"make must be a callable returning a dict of arrays; got {type(make).__name__}")
    full_key = {**normalise(key), "code": code_digest(make)}
    folder = entry_dir(name, full_key, root)
    with _EntryLock(folder, verbose) as held:
        if held.lock is not None:
            for stale in _leftovers(folder):
                _remove(stale)
        if folder.exists() or folder.is_symlink():
            try:
                return CachedArrays(load_arrays_entry(folder, full_key), True, folder)
            except ValueError as why:
                if verbose:
                    print(f"cache: remaking, entry not trusted: {why}")
        arrays = _check_arrays(make(), f"{name}: make()")
        try:
            save_arrays_entry(folder, full_key, arrays)
        except Exception as err:  # the work is done: never lose it to a failed save
            warnings.warn(CacheWarning(f"cache: could not save {folder} ({type(err).__name__}: {err}); "
                                       "the result is returned but will be computed again next time"), stacklevel=2)
            return CachedArrays(arrays, False, folder, saved=False)
        return CachedArrays(arrays, False, folder)


def model_id(entry: CachedModel) -> str:
    """What identifies a cached model's weights in another key: its entry and its file's SHA-256."""
    try:
        sha = json.loads((Path(entry.path) / "meta.json").read_text(encoding="utf-8"))["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        sha = None
    if not entry.saved or not isinstance(sha, str):
        raise ValueError(f"{entry.path}: this model is not stored in the cache, so results of it cannot be keyed")
    return f"{Path(entry.path).name}:{sha[:16]}"


def cached_predict(entry: CachedModel, x, *, name: str | None = None, batch_size: int = 256,
                   root: Path | None = None, verbose: bool = True) -> np.ndarray:
    """``entry.model.predict(x)``, remembered on disk beside the model (keyed by its weights and ``x``).

    A model that could not be stored is simply run.  Introduced in notebook 06.
    """
    pass  # (merged: fingerprint is in this module)

    x = np.asarray(x)
    try:
        key = {"model": model_id(entry), "x": fingerprint(x), "batch_size": int(batch_size)}
    except ValueError:
        return np.asarray(entry.model.predict(x, batch_size=batch_size, verbose=0))
    name = name or f"{Path(entry.path).name.rsplit('-', 1)[0]}_predict"
    return cached_arrays(name, key, lambda: {"y": entry.model.predict(x, batch_size=batch_size, verbose=0)},
                         root=root, verbose=verbose).arrays["y"]

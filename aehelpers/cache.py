"""Remember a computation on disk, keyed by what determines it, as ``joblib.Memory`` does.

``cached(fn, *args, **kwargs)`` is ``fn(*args, **kwargs)`` remembered; ``cached_fit(model, x, y,
**fit_kwargs)`` is ``model.fit(...)`` remembered, a hit loading the trained weights into ``model``.
No caller spells a key: ``aehelpers.keys`` derives it from the code, the arguments (data by
fingerprint), the model (architecture and initial weights) and the library versions, so an edit
of any of them computes again.  A model whose loss or weights are not finite is never stored.

An entry is a folder ``<cache_dir>/<name>-<hash>/``: ``meta.json`` (the key, the SHA-256 of every
other file, the result's structure or the training history) beside ``result.npz`` or
``model.weights.h5``.  No pickle: a result may hold arrays, numbers, strings, None, lists, tuples
and dicts of these, and dataclasses of ``aehelpers``.  Rules, each tested:

* One process at a time per entry: a lock file beside it.  A second process (a second kernel)
  waits, says so, and then loads what the first one made instead of making it again.
* Written into a hidden temporary folder and renamed into place; an old entry is renamed aside
  first and removed after, so a crash never leaves half an entry.  Leftovers of killed writers are swept.
* An entry that does not check out (a missing or unreadable file, key or checksum) is made again
  with one line naming it; never trusted, never fatal.
* A save that fails, or a result that cannot be stored, warns (``CacheWarning``) and still returns the result.

Introduced in notebook 02.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib
import json
import math
import os
import shutil
import time
import uuid
import warnings
from pathlib import Path

import numpy as np

from aehelpers.checks import check_model_batch
from aehelpers.keys import Entry, call_entry, fit_entry
from aehelpers.runtime import cache_dir

ORPHAN_AGE_S = 3600  # temporary folders older than this, with their entry unlocked, are swept
WAIT_NOTICE_S = 1.0  # say that we are waiting for another process after this long
WEIGHTS_FILE = "model.weights.h5"  # Keras 3 insists on this ending
RESULT_FILE = "result.npz"


class CacheWarning(UserWarning):
    """A result could not be stored; it is still returned, and will be computed again next time."""


@dataclasses.dataclass
class FitResult:
    """What ``cached_fit`` returns: ``history`` as Keras' ``History.history``; ``hit`` True when loaded.

    ``saved`` is False when the entry could not be written; ``seconds``: the training that made it.
    """

    history: dict
    hit: bool
    path: Path
    saved: bool = True
    seconds: float = 0.0


# --- results as JSON plus arrays (no pickle) -------------------------------------------------------

class _Unstorable(ValueError):
    """A result that the cache cannot store without pickle."""


def _encode(value, arrays: dict, where: str):
    if isinstance(value, (np.ndarray, np.generic)):  # before float: np.float64 is a float
        arr = np.asarray(value)
        if arr.dtype.hasobject:
            raise _Unstorable(f"{where} is an array of Python objects")
        name = f"a{len(arrays)}"
        arrays[name] = arr
        return {"t": "scalar" if isinstance(value, np.generic) else "array", "v": name}
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"t": "float", "v": repr(value)}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return {"t": type(value).__name__, "v": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"t": "dict", "v": [[k, _encode(v, arrays, f"{where}[{k!r}]")] for k, v in value.items()]}  # in order
    cls = type(value)
    if dataclasses.is_dataclass(value) and cls.__module__.startswith("aehelpers."):
        return {"t": "dataclass", "module": cls.__module__, "name": cls.__qualname__,
                "v": {f.name: _encode(getattr(value, f.name), arrays, f"{where}.{f.name}")
                      for f in dataclasses.fields(value)}}
    raise _Unstorable(f"{where} is a {cls.__module__}.{cls.__qualname__} (storable: arrays, numbers, strings, "
                      "None, lists, tuples and dicts of these, and dataclasses of aehelpers)")


def _decode(node, arrays):
    if not isinstance(node, dict):
        return node
    kind, value = node.get("t"), node.get("v")
    if kind == "float":
        return float(value)
    if kind in ("array", "scalar"):
        return arrays[value][()] if kind == "scalar" else arrays[value]
    if kind in ("list", "tuple"):
        return (list if kind == "list" else tuple)(_decode(v, arrays) for v in value)
    if kind == "dict":
        return {str(k): _decode(v, arrays) for k, v in value}
    if kind == "dataclass" and str(node.get("module")).startswith("aehelpers."):
        cls = importlib.import_module(node["module"])
        for part in node["name"].split("."):
            cls = getattr(cls, part)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            raise ValueError(f"{node['module']}.{node['name']} is not a dataclass")
        fields, init = {k: _decode(v, arrays) for k, v in value.items()}, {f.name for f in dataclasses.fields(cls) if f.init}
        obj = cls(**{k: v for k, v in fields.items() if k in init})
        for k in fields.keys() - init:
            object.__setattr__(obj, k, fields[k])
        return obj
    raise ValueError(f"unknown node {str(node)[:80]}")


def _save_arrays(path: Path, arrays: dict) -> None:  # fsynced: meta.json vouches for it
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
        fh.flush()
        os.fsync(fh.fileno())


def _history(history, where: str = "history") -> dict:
    """A training history as ``{name: list of numbers}`` (Keras' ``History`` accepted), else ``ValueError``."""
    if hasattr(history, "history") and isinstance(history.history, dict):
        history = history.history
    if not isinstance(history, dict):
        raise ValueError(f"{where} must be a dict of lists of numbers; got {type(history).__name__}")
    out = {}
    for name, values in history.items():
        seq = values if isinstance(values, (list, tuple)) else [values]
        if not isinstance(name, str) or not all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                                                for v in seq):
            raise ValueError(f"{where}[{name!r}] must be a list of numbers; got {values!r:.80}")
        out[name] = [float(v) for v in seq]
    return out


# --- one entry: read, write, lock -----------------------------------------------------------------

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_meta(folder: Path, key: dict) -> dict:
    """``meta.json`` of an entry whose key and every file's checksum check out, else ``ValueError`` saying why."""
    meta_path = folder / "meta.json"
    if not folder.is_dir() or not meta_path.is_file():
        raise ValueError(f"{folder}: incomplete entry (meta.json missing)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{meta_path}: unreadable ({type(err).__name__}: {err})") from err
    if not isinstance(meta, dict) or not isinstance(meta.get("files"), dict):
        raise ValueError(f"{meta_path}: holds {type(meta).__name__}, not an entry's description")
    if meta.get("key") != key:
        raise ValueError(f"{folder}: stale entry (its key differs from the one asked for)")
    for name, sha in meta["files"].items():
        path = folder / str(name)
        if path.parent != folder or not path.is_file():
            raise ValueError(f"{folder}: incomplete entry ({name} missing)")
        if sha != _sha256(path):
            raise ValueError(f"{path}: checksum mismatch (file changed or truncated)")
    return meta


def _remove(path: Path) -> None:
    """Delete a folder or file, ignoring what is already gone or cannot be removed."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _leftovers(folder: Path) -> list[Path]:
    """Hidden temporary or set-aside folders of this entry (only a crashed writer leaves them)."""
    return sorted(folder.parent.glob(f".{folder.name}-tmp-*")) + sorted(folder.parent.glob(f".{folder.name}-old-*"))


def _write_entry(folder: Path, key: dict, write) -> None:
    """Write an entry atomically, holding its lock: ``write(tmp)`` fills a temporary folder and returns the
    meta; ``meta.json`` (key, files' SHA-256, that meta) is fsynced beside them; the folder is renamed into
    place, an existing entry renamed aside first and deleted after (put back if the rename fails)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in _leftovers(folder):
        _remove(stale)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = folder.parent / f".{folder.name}-tmp-{tag}"
    tmp.mkdir()  # mode 0777 minus the umask, like any folder the user makes
    try:
        extra = write(tmp)
        files = {p.name: _sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        with open(tmp / "meta.json", "w", encoding="utf-8") as fh:
            json.dump({**extra, "key": key, "files": files}, fh, indent=1, sort_keys=True)
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


def _lock_path(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.lock"


class _EntryLock:
    """An exclusive lock on one entry (``filelock``: released when the process dies)."""

    def __init__(self, folder: Path):
        self.folder, self.lock = folder, None

    def __enter__(self):
        from filelock import FileLock, Timeout

        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            self.lock = FileLock(str(_lock_path(self.folder)))
            try:
                self.lock.acquire(timeout=WAIT_NOTICE_S)
            except Timeout:
                print(f"cache: another process is making {self.folder.name}; waiting for it", flush=True)
                self.lock.acquire()
        except OSError as err:  # a read-only cache: go on unlocked, the save will warn
            self.lock = None
            print(f"cache: cannot lock {self.folder.name} ({err.strerror or err}); going on without a lock")
        return self

    def __exit__(self, *exc):
        if self.lock is not None:
            self.lock.release()


def sweep_orphans(root: Path | None = None, *, older_than: float = ORPHAN_AGE_S) -> list[Path]:
    """Remove temporary folders older than ``older_than`` seconds whose entry no live process locks
    (killed writers left them) from ``root``; return what was removed."""
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


def _remember(entry: Entry, load, make, write):
    """The one path of every entry, under its lock: ``(result, hit, saved)``.  ``load(folder, meta)`` a
    trusted entry, else ``make()`` the result and store it with ``write(tmp, result) -> meta``."""
    folder = entry.path
    if str(folder.parent) not in _swept_roots:
        _swept_roots.add(str(folder.parent))
        try:
            sweep_orphans(folder.parent)
        except OSError:
            pass
    with _EntryLock(folder) as held:
        if held.lock is not None:
            for stale in _leftovers(folder):  # a writer of this entry was killed mid-save
                _remove(stale)
        if folder.exists() or folder.is_symlink():
            try:
                return load(folder, _read_meta(folder, entry.key)), True, True
            except Exception as why:  # noqa: BLE001 — zip, HDF5 and Keras raise many types for a bad file
                print(f"cache: remaking {folder.name}, entry not trusted: {why}")
        made = make()
        try:
            _write_entry(folder, entry.key, lambda tmp: write(tmp, made))
        except _Unstorable as why:
            warnings.warn(CacheWarning(f"cache: not stored, {why}; the result is returned but will be computed "
                                       "again next time"), stacklevel=3)
            return made, False, False
        except Exception as err:  # noqa: BLE001 — the work is done: never lose it to a failed save
            warnings.warn(CacheWarning(f"cache: could not save {folder} ({type(err).__name__}: {err}); the result "
                                       "is returned but will be computed again next time"), stacklevel=3)
            return made, False, False
        return made, False, True


# --- the two calls ---------------------------------------------------------------------------------

def cached(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, remembered on disk under a key derived from ``fn``'s code, the arguments
    and the library versions (see the module's docstring).  Introduced in notebook 02.

    ``ae.cached(ae.train_hebbian, x, 2, rule=oja)`` trains once; edit ``oja`` and it trains again.
    An argument the key cannot describe raises ``ValueError`` naming it; a result that cannot be
    stored warns (``CacheWarning``) and is returned as computed.
    """
    check_model_batch(fn, args)  # ae.cached(model.predict, x): a wrong shape named here, not by Keras
    try:
        entry = call_entry(fn, *args, **kwargs)
    except OSError as err:  # the cache folder itself is unusable
        warnings.warn(CacheWarning(f"cache: not stored, the cache folder is unusable ({err})"), stacklevel=2)
        return fn(*args, **kwargs)

    def load(folder, meta):
        with np.load(folder / RESULT_FILE, allow_pickle=False) as npz:
            return _decode(meta.get("result"), {name: npz[name] for name in npz.files})

    def write(tmp, result):
        arrays = {}
        structure = _encode(result, arrays, "the result")
        if not all(np.all(np.isfinite(a)) for a in arrays.values() if a.dtype.kind in "fc"):
            raise _Unstorable("the result holds NaN or inf (a diverged computation is never cached)")
        _save_arrays(tmp / RESULT_FILE, arrays)
        return {"result": structure}

    return _remember(entry, load, lambda: fn(*args, **kwargs), write)[0]


def _check_finite(model, history: dict, name: str) -> None:
    bad = [k for k, values in history.items() if not all(math.isfinite(v) for v in values)]
    if bad or not all(np.all(np.isfinite(w)) for w in model.get_weights()):
        what = f"its {', '.join(bad)} reached NaN or inf" if bad else "its weights hold NaN or inf"
        raise ValueError(f"training {name} diverged: {what}; a diverged model is never cached "
                         "(lower the learning rate, or check the data's range)")


def cached_fit(model, x, y=None, *, entry: Entry | None = None, root=None, **fit_kwargs) -> FitResult:
    """``model.fit(x, y, **fit_kwargs)``, remembered: a hit loads the trained weights into ``model``.

    The key is ``fit_entry``'s (pass ``entry=`` to reuse one computed before).  Returns a
    ``FitResult``; ``.history`` is what Keras' ``History.history`` holds.  A model whose loss or
    weights are not finite raises ``ValueError`` and is not stored.  Introduced in notebook 02.
    """
    def load(folder, meta):
        history = _history(meta.get("history"), "meta.json: history")
        before = model.get_weights()
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None and not getattr(optimizer, "built", True):
            optimizer.build(model.trainable_variables)  # so that its state loads too, as after a fit
        state = [v.numpy() for v in getattr(optimizer, "variables", [])]
        try:
            model.load_weights(folder / WEIGHTS_FILE)
        except Exception:
            model.set_weights(before)  # train from where it was, not from half a file
            for v, value in zip(optimizer.variables if state else [], state):
                v.assign(value)
            raise
        return history, float(meta.get("seconds", 0.0))

    def make():
        start = time.perf_counter()
        history = _history(model.fit(x, y, **fit_kwargs))
        _check_finite(model, history, getattr(model, "name", "the model"))
        return history, time.perf_counter() - start

    try:
        entry = entry or fit_entry(model, x, y, root=root, **fit_kwargs)
    except OSError as err:  # the cache folder itself is unusable: train anyway
        warnings.warn(CacheWarning(f"cache: could not save, the cache folder is unusable ({err})"), stacklevel=2)
        history, seconds = make()
        return FitResult(history, False, None, False, seconds)

    def write(tmp, made):
        model.save_weights(tmp / WEIGHTS_FILE)
        return {"history": made[0], "seconds": made[1]}

    (history, seconds), hit, saved = _remember(entry, load, make, write)
    return FitResult(history, hit, entry.path, saved, seconds)

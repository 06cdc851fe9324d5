"""The fault battery of issue 12: about a hundred faults at the public boundary of ``aehelpers``.

Each fault is tried as a hostile or clumsy user would and its outcome classified:

* ``clear``   an error naming what was expected and what was received (the value, file or variable);
* ``handled`` the right thing happens, said in one line where the user should know (a retrain,
              a fallback, a newly read file);
* ``silent``  a wrong or stale answer with no word;   ``obscure``  an error that does not say what is wrong;
* ``lost``    finished work (a trained model) thrown away.

Every fault must be ``clear`` or ``handled``.  ``pytest tests/test_fault_battery.py`` also writes
the table to ``test-output/faults.md``.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import aehelpers as ae
from aehelpers import cache
from aehelpers import data as data_mod
from aehelpers.theory import framework
from aehelpers.theory import linear
from aehelpers.nets import training
from aehelpers.theory import pca as pca_lib
from aehelpers.checks import check
from aehelpers.views.slider import Frame, Slider

FAULTS: list[tuple[str, str, object]] = []  # (class, description, function)
RESULTS: list[tuple[str, str, str, str]] = []
WORKER = Path(__file__).with_name("cache_worker.py")
X16 = np.random.default_rng(0).random((64, 16)).astype(np.float32)
CLEAR_TYPES = (ValueError, FileNotFoundError, NotADirectoryError, OSError, TypeError, ConnectionError,
               AssertionError)


def fault(klass: str, description: str):
    def register(fn):
        FAULTS.append((klass, description, fn))
        return fn
    return register


def expect_error(call, *names) -> tuple[str, str]:
    """``clear`` if ``call`` raises an error of a plain type whose message holds every name."""
    try:
        call()
    except Exception as err:  # classified, not swallowed: the outcome is reported
        msg = f"{type(err).__name__}: {err}"
        ok = isinstance(err, CLEAR_TYPES) and all(n.lower() in str(err).lower() for n in names)
        return ("clear" if ok else "obscure"), msg
    return "silent", "no error"


def handled(ok: bool, detail: str, otherwise: str = "silent") -> tuple[str, str]:
    return ("handled" if ok else otherwise), detail


# --- helpers for files -----------------------------------------------------------------------

def write_mnist(path: Path, n_train=12, n_test=6, **override):
    rng = np.random.default_rng(len(str(path)) + n_train)
    arrays = {"x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              "y_train": (np.arange(n_train) % 10).astype(np.uint8),
              "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              "y_test": (np.arange(n_test) % 10).astype(np.uint8)}
    arrays.update(override)
    np.savez(path, **arrays)
    return path


def damaged(path: Path, how: str) -> Path:
    if how == "missing":
        pass
    elif how == "directory":
        path.mkdir()
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        write_mnist(path)
        path.write_bytes(path.read_bytes()[:300])
    elif how == "npy renamed npz":
        np.save(tmp := path.with_suffix(".npy"), np.zeros(3))
        tmp.rename(path)
    elif how == "damaged npy header":
        buf = io.BytesIO()
        np.save(buf, np.zeros((2, 28, 28), np.uint8))
        raw = bytearray(buf.getvalue())
        raw[10:40] = b"{'descr': '<u1', 'fortran_ord"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("x_train.npy", bytes(raw))
    elif how == "pickled objects":
        np.savez(path, x_train=np.array([{"a": 1}], dtype=object))
    elif how == "text file":
        path.write_text("x_train,y_train\n0,1\n")
    elif how == "random bytes":
        path.write_bytes(np.random.default_rng(1).bytes(5000))
    elif how == "missing array":
        np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8),
                 y_test=np.zeros(2, np.uint8))
    elif how == "float pixels":
        write_mnist(path, x_train=np.zeros((12, 28, 28), np.float64))
    elif how == "flat images":
        write_mnist(path, x_test=np.zeros((6, 784), np.uint8))
    elif how == "label count":
        write_mnist(path, y_train=np.zeros(5, np.uint8))
    elif how == "labels above 9":
        write_mnist(path, y_test=np.full(6, 12, np.uint8))
    elif how == "no images":
        write_mnist(path, x_test=np.zeros((0, 28, 28), np.uint8), y_test=np.zeros(0, np.uint8))
    else:
        raise AssertionError(how)
    return path


FILE_DAMAGES = ["missing", "directory", "empty", "truncated", "npy renamed npz", "damaged npy header",
                "pickled objects", "text file", "random bytes", "missing array", "float pixels", "flat images",
                "label count", "labels above 9", "no images"]

# --- class 1 and 2: MNIST files, named; the memo never stale -----------------------------------

for _how in FILE_DAMAGES:
    @fault("data: unreadable file", f"load_mnist(path=…) on a {_how} file")
    def _path_fault(env, _how=_how):
        path = damaged(env.tmp / "mnist.npz", _how)
        return expect_error(lambda: ae.load_mnist(path=path, verbose=False), "mnist.npz")

for _how in ["missing", "directory", "truncated", "npy renamed npz", "damaged npy header", "random bytes"]:
    @fault("data: unreadable file", f"AEHELPERS_MNIST naming a {_how} file")
    def _env_fault(env, _how=_how):
        path = damaged(env.tmp / "mnist.npz", _how)
        env.mp.setenv("AEHELPERS_MNIST", str(path))
        return expect_error(lambda: ae.load_mnist(verbose=False), "mnist.npz", "AEHELPERS_MNIST")

for _how in ["truncated", "npy renamed npz", "damaged npy header", "float pixels"]:
    @fault("data: unreadable file", f"source='keras-cache' with a {_how} Keras cache file")
    def _kc_fault(env, _how=_how):
        env.mp.setattr(data_mod, "KERAS_CACHE", damaged(env.tmp / "mnist.npz", _how))
        return expect_error(lambda: ae.load_mnist(source="keras-cache", verbose=False), "mnist.npz")

    @fault("data: unreadable file", f"auto mode, offline, with a {_how} Keras cache file")
    def _kc_auto_fault(env, _how=_how):
        env.mp.setattr(data_mod, "KERAS_CACHE", damaged(env.tmp / "mnist.npz", _how))
        d = ae.load_mnist(verbose=False)
        out = env.out()
        return handled("offline sample" in d.source and "mnist.npz" in out and "skipping" in out,
                       f"falls back; says: {out.strip()[:90]}")


@fault("data: stale memo", "sample first, then AEHELPERS_MNIST set as the README says")
def _(env):
    ae.load_mnist()
    env.mp.setenv("AEHELPERS_MNIST", str(write_mnist(env.tmp / "full.npz", n_train=20)))
    env.out()
    d = ae.load_mnist()
    return handled(len(d.x_train) == 20 and "AEHELPERS_MNIST" in env.out(), d.source[:60])


@fault("data: stale memo", "AEHELPERS_MNIST unset again after a load")
def _(env):
    env.mp.setenv("AEHELPERS_MNIST", str(write_mnist(env.tmp / "full.npz", n_train=20)))
    ae.load_mnist(verbose=False)
    env.mp.delenv("AEHELPERS_MNIST")
    d = ae.load_mnist()
    return handled("offline sample" in d.source and "offline sample" in env.out(), d.source[:60])


@fault("data: stale memo", "AEHELPERS_MNIST pointed at another file")
def _(env):
    env.mp.setenv("AEHELPERS_MNIST", str(write_mnist(env.tmp / "a.npz", n_train=12)))
    ae.load_mnist(verbose=False)
    env.mp.setenv("AEHELPERS_MNIST", str(write_mnist(env.tmp / "b.npz", n_train=16)))
    return handled(len(ae.load_mnist(verbose=False).x_train) == 16, "new file read")


@fault("data: stale memo", "file replaced by other images after the first load")
def _(env):
    path = write_mnist(env.tmp / "m.npz", n_train=12)
    ae.load_mnist(path=path, verbose=False)
    st = os.stat(path)
    write_mnist(path, n_train=14)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    return handled(len(ae.load_mnist(path=path, verbose=False).x_train) == 14, "re-read")


@fault("data: stale memo", "file replaced by same-sized other images, same second")
def _(env):
    path = write_mnist(env.tmp / "m.npz", n_train=12)
    first = ae.load_mnist(path=path, verbose=False).x_train.copy()
    tmp = write_mnist(env.tmp / "other.npz", n_train=12, x_train=np.zeros((12, 28, 28), np.uint8))
    os.replace(tmp, path)  # a new inode, as editors and np.savez to a temp file do
    again = ae.load_mnist(path=path, verbose=False).x_train
    return handled(not np.array_equal(first, again), "re-read (inode changed)")


@fault("data: stale memo", "file deleted after the first load")
def _(env):
    path = write_mnist(env.tmp / "m.npz")
    ae.load_mnist(path=path, verbose=False)
    path.unlink()
    return expect_error(lambda: ae.load_mnist(path=path, verbose=False), "m.npz")


@fault("data: stale memo", "file truncated after the first load")
def _(env):
    path = write_mnist(env.tmp / "m.npz")
    ae.load_mnist(path=path, verbose=False)
    path.write_bytes(path.read_bytes()[:200])
    return expect_error(lambda: ae.load_mnist(path=path, verbose=False), "m.npz")


@fault("data: stale memo", "AEHELPERS_OFFLINE=1 then 0: the download is tried")
def _(env):
    calls = []

    def download():
        calls.append(1)
        raise OSError("no network")

    env.mp.setattr(data_mod, "_from_keras_download", download)
    ae.load_mnist(verbose=False)
    env.mp.setenv("AEHELPERS_OFFLINE", "0")
    ae.load_mnist(verbose=False)
    return handled(calls == [1] and "download failed" in env.out(), "download tried and reported")


@fault("data: stale memo", "a caller writes into the returned images")
def _(env):
    d = ae.load_mnist(verbose=False)
    d.x_train[0, :] = 9.0
    return handled(ae.load_mnist(verbose=False).x_train[0, 0] != 9.0, "next call unaffected")


for _name, _bad in [("n_train", True), ("n_train", 0), ("n_train", -1), ("n_train", 2.5), ("n_train", "10"),
                    ("n_test", False), ("n_test", 1.0)]:
    @fault("data: bad arguments", f"load_mnist({_name}={_bad!r})")
    def _count_fault(env, _name=_name, _bad=_bad):
        return expect_error(lambda: ae.load_mnist(verbose=False, **{_name: _bad}), _name, repr(_bad))


for _name in ("n_train", "n_test"):
    @fault("data: bad arguments", f"load_mnist({_name}=10**9): more than the source has")
    def _many_fault(env, _name=_name):
        d = ae.load_mnist(verbose=False, **{_name: 10**9})
        return handled(len(d.x_train) == 4000 and "asked for 1,000,000,000" in env.out(), "uses all and says so")


@fault("data: bad arguments", "load_mnist(source='bogus')")
def _(env):
    return expect_error(lambda: ae.load_mnist(source="bogus"), "source", "bogus")


@fault("data: bad arguments", "load_mnist(source='path') without a path")
def _(env):
    return expect_error(lambda: ae.load_mnist(source="path"), "path")


@fault("data: bad arguments", "load_mnist(source='env') with AEHELPERS_MNIST unset")
def _(env):
    return expect_error(lambda: ae.load_mnist(source="env"), "AEHELPERS_MNIST")


@fault("data: bad arguments", "load_mnist(source='env', path=…)")
def _(env):
    return expect_error(lambda: ae.load_mnist(source="env", path=env.tmp / "x.npz"), "path", "env")


@fault("data: bad arguments", "AEHELPERS_MNIST set to blanks")
def _(env):
    env.mp.setenv("AEHELPERS_MNIST", "   ")
    return handled("offline sample" in ae.load_mnist(verbose=False).source, "treated as unset")


for _var, _val in [("AEHELPERS_OFFLINE", "maybe"), ("AEHELPERS_QUICK", "2")]:
    @fault("environment", f"{_var}={_val!r}")
    def _flag_fault(env, _var=_var, _val=_val):
        env.mp.setenv(_var, _val)
        return expect_error(lambda: (ae.load_mnist(verbose=False), ae.is_quick()), _var, _val)


# --- class 3: the cache ---------------------------------------------------------------------

FIT = dict(epochs=1, batch_size=32, verbose=0)


class _Counter:
    """Counts calls; a key leaves it out (a list read by the function would be part of the key)."""

    def __init__(self):
        self.n = 0

    def append(self, _):
        self.n += 1

    def __len__(self):
        return self.n


def _build(activation="relu"):
    ae.seed_everything(3)
    return ae.build_autoencoder(3, n=16, activation=activation).model


def _entry(env):
    """A fresh model fitted through the cache in ``env.tmp/cache``: ``(fit result, its entry)``."""
    got = cache.cached_fit(_build(), X16, X16, root=env.tmp / "cache", **FIT)
    return got, got.path


def _again(env):
    return cache.cached_fit(_build(), X16, X16, root=env.tmp / "cache", **FIT)


def _retrained(env, folder: Path) -> tuple[str, str]:
    env.out()
    try:
        got = _again(env)
    except Exception as err:
        return "obscure", f"{type(err).__name__}: {err}"
    out = env.out()
    ok = not got.hit and got.saved and out.count("entry not trusted") == 1 and folder.name in out
    return handled(ok and _again(env).hit, out.strip()[:100])


WEIGHTS = cache.WEIGHTS_FILE
META_DAMAGES = {
    "meta.json garbled": lambda e: (e / "meta.json").write_text("{not json"),
    "meta.json null": lambda e: (e / "meta.json").write_text("null"),
    "meta.json [1, 2]": lambda e: (e / "meta.json").write_text("[1, 2]"),
    "meta.json a string": lambda e: (e / "meta.json").write_text('"hello"'),
    "meta.json binary": lambda e: (e / "meta.json").write_bytes(b"\xff\xfe\x00\x01"),
    "meta.json empty": lambda e: (e / "meta.json").write_text(""),
    "meta.json deleted": lambda e: (e / "meta.json").unlink(),
    "weights truncated": lambda e: (e / WEIGHTS).write_bytes((e / WEIGHTS).read_bytes()[:100]),
    "weights deleted": lambda e: (e / WEIGHTS).unlink(),
    "weights empty": lambda e: (e / WEIGHTS).write_bytes(b""),
}


def _edit_meta(entry: Path, change):
    meta = json.loads((entry / "meta.json").read_text())
    change(meta)
    (entry / "meta.json").write_text(json.dumps(meta))


def _garbage_weights_with_matching_checksum(entry: Path):
    (entry / WEIGHTS).write_bytes(b"\x89HDF\r\n\x1a\n not really HDF5")
    _edit_meta(entry, lambda m: m["files"].update({WEIGHTS: cache._sha256(entry / WEIGHTS)}))


META_DAMAGES.update({
    "history replaced by a string": lambda e: _edit_meta(e, lambda m: m.update(history="went down")),
    "history of strings": lambda e: _edit_meta(e, lambda m: m.update(history={"loss": ["a"]})),
    "history holding a dict": lambda e: _edit_meta(e, lambda m: m.update(history={"loss": {"a": 1}})),
    "key edited (stale)": lambda e: _edit_meta(e, lambda m: m["key"]["arguments"].update(epochs=99)),
    "key replaced by a list": lambda e: _edit_meta(e, lambda m: m.update(key=[1])),
    "checksum wrong": lambda e: _edit_meta(e, lambda m: m["files"].update({WEIGHTS: "0" * 64})),
    "list of files emptied (weights unvouched)": lambda e: _edit_meta(e, lambda m: m.update(files=[])),
    "garbage weights with a matching checksum": _garbage_weights_with_matching_checksum,
    "entry is an empty folder": lambda e: (shutil.rmtree(e), e.mkdir()),
    "entry path is a file": lambda e: (shutil.rmtree(e), e.write_text("x")),
    "entry is a dangling symlink": lambda e: (shutil.rmtree(e), e.symlink_to(e.parent / "nowhere")),
})

for _how, _damage in META_DAMAGES.items():
    @fault("cache: untrusted entry", f"cache entry: {_how}")
    def _meta_fault(env, _damage=_damage):
        _, folder = _entry(env)
        _damage(folder)
        return _retrained(env, folder)


for _what, _value in [("NumPy floats", {"loss": [np.float32(0.5)], "seconds": np.float64(1.0), "epochs": np.int64(1)}),
                      ("None", None), ("a string", "done"), ("a list", [0.5, 0.4]), ("NaN", float("nan"))]:
    @fault("cache: results", f"a cached function returns {_what}")
    def _result_fault(env, _value=_value):
        env.mp.setenv("AEHELPERS_CACHE", str(env.tmp / "cache"))
        calls = _Counter()

        def compute(x):
            calls.append(1)
            return _value

        got = [cache.cached(compute, X16) for _ in range(2)]
        same = repr(got[0]) == repr(got[1]) == repr(_value)
        return handled(same and len(calls) == 1, "stored and read back", "lost")


for _what, _value in [("an object", object()), ("a Keras model", None)]:
    @fault("cache: results", f"a cached function returns {_what} (not storable without pickle)")
    def _unstorable_fault(env, _value=_value):
        import warnings
        env.mp.setenv("AEHELPERS_CACHE", str(env.tmp / "cache"))
        value = _build() if _value is None else _value
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = cache.cached(lambda: value)
        said = [str(w.message) for w in caught if issubclass(w.category, cache.CacheWarning)]
        return handled(got is value and bool(said), (said or ["no warning"])[0][:100], "silent")


def _save_failure(env, setup) -> tuple[str, str]:
    import warnings
    root = setup(env)
    model = _build()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = cache.cached_fit(model, X16, X16, root=root, **FIT)
        except Exception as err:
            return "lost", f"{type(err).__name__}: {err}"
    said = [str(w.message) for w in caught if issubclass(w.category, cache.CacheWarning)]
    trained = not all(np.array_equal(a, b) for a, b in zip(model.get_weights(), _build().get_weights()))
    return handled(trained and not got.saved and bool(said), (said or ["no warning"])[0][:100], "silent")


def _root_under_a_file(env):
    (env.tmp / "blocker").write_text("x")
    return env.tmp / "blocker" / "cache"


def _save_raises(env):
    import keras
    env.mp.setattr(keras.Model, "save_weights",
                   lambda self, path: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    return env.tmp / "cache"


def _rename_fails(env):
    real = os.rename
    env.mp.setattr(cache.os, "rename", lambda a, b: (_ for _ in ()).throw(OSError(30, "Read-only file system"))
                   if "-tmp-" in str(a) else real(a, b))
    return env.tmp / "cache"


def _json_dump_fails(env):
    env.mp.setattr(cache.json, "dump", lambda *a, **k: (_ for _ in ()).throw(OSError(5, "I/O error")))
    return env.tmp / "cache"


for _what, _setup in [("cache root under a file (cannot be created)", _root_under_a_file),
                      ("save_weights fails (disk full)", _save_raises),
                      ("renaming the entry into place fails (read-only)", _rename_fails),
                      ("writing meta.json fails (I/O error)", _json_dump_fails)]:
    @fault("cache: save after training", f"save after training: {_what}")
    def _save_fault(env, _setup=_setup):
        return _save_failure(env, _setup)


@fault("cache: save after training", "a failed replace keeps the previous entry")
def _(env):
    _, folder = _entry(env)
    _edit_meta(folder, lambda m: m.update(history="x"))
    _rename_fails(env)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _again(env)
    return handled((folder / "meta.json").is_file() and (folder / WEIGHTS).is_file(), "old entry kept")


@fault("cache: save after training", "AEHELPERS_CACHE names a file")
def _(env):
    (env.tmp / "afile").write_text("x")
    env.mp.setenv("AEHELPERS_CACHE", str(env.tmp / "afile"))
    return expect_error(ae.cache_dir, "AEHELPERS_CACHE", "afile")


@fault("cache: save after training", "AEHELPERS_CACHE names a file, then a fit through the cache")
def _(env):
    import warnings
    (env.tmp / "afile").write_text("x")
    env.mp.setenv("AEHELPERS_CACHE", str(env.tmp / "afile"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = cache.cached_fit(_build(), X16, X16, **FIT)
    said = [str(w.message) for w in caught if issubclass(w.category, cache.CacheWarning)]
    return handled(not got.saved and len(got.history["loss"]) == 1 and bool(said), (said or ["silent"])[0][:100])


@fault("cache: save after training", "AEHELPERS_FIGURES names a file")
def _(env):
    (env.tmp / "afile").write_text("x")
    env.mp.setenv("AEHELPERS_FIGURES", str(env.tmp / "afile"))
    return expect_error(ae.figures_dir, "AEHELPERS_FIGURES", "afile")


@fault("cache: save after training", "new entries get ordinary folder permissions (not 0700)")
def _(env):
    _, folder = _entry(env)
    umask = os.umask(0)
    os.umask(umask)
    mode = folder.stat().st_mode & 0o777
    return handled(mode == 0o777 & ~umask, f"mode {mode:o}")


def _workers(env, mode, count, seconds=0.0):
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(env.tmp), mode, str(seconds)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(count)]
    return [(p, *p.communicate(timeout=180)) for p in procs]


@fault("cache: two writers", "two processes ask for the same missing entry at once")
def _(env):
    from test_cache import _gated_pair
    runs = _gated_pair(env.tmp)
    if any(p.returncode for p, _, _ in runs):
        return "obscure", runs[0][2][-200:]
    trained = len((env.tmp / "trainings.log").read_text().split())
    lasts = [out.strip().splitlines()[-1].split()[0] for _, out, _ in runs]
    said = runs[1][1].splitlines()[0]
    return handled(trained == 1 and lasts == ["trained", "hit"] and "waiting" in said, f"trained {trained}×; {said}")


@fault("cache: two writers", "six processes save the same entry at once")
def _(env):
    runs = _workers(env, "make", 6)
    if any(p.returncode for p, _, _ in runs):
        return "obscure", next(err for p, _, err in runs if p.returncode)[-200:]
    trained = len((env.tmp / "trainings.log").read_text().split())
    return handled(trained == 1, f"trained {trained}×, no collision")


@fault("cache: kill", "SIGKILL in the middle of a save, then run again")
def _(env):
    (dead, _, _), = _workers(env, "die", 1)
    left = [n for n in os.listdir(env.tmp) if "-tmp-" in n]
    (again, out, err), = _workers(env, "make", 1)
    after = [n for n in os.listdir(env.tmp) if "-tmp-" in n or "-old-" in n]
    return handled(dead.returncode == -9 and bool(left) and again.returncode == 0 and not after,
                   f"left {len(left)} temp folder(s); next run: {out.strip().splitlines()[-1] if out.strip() else err[-80:]}")


@fault("cache: kill", "an hour-old temp folder of another entry")
def _(env):
    old = env.tmp / ".other-0123-tmp-1-dead"
    old.mkdir()
    t = time.time() - 2 * cache.ORPHAN_AGE_S
    os.utime(old, (t, t))
    removed = cache.sweep_orphans(env.tmp)
    return handled(removed == [old] and not old.exists(), "swept")


@fault("cache: kill", "a young temp folder (a writer may be busy) is left alone")
def _(env):
    young = env.tmp / ".other-0123-tmp-1-busy"
    young.mkdir()
    return handled(cache.sweep_orphans(env.tmp) == [] and young.exists(), "kept")


def _keyed(env, a: dict, b: dict, fn=None) -> bool:
    """Whether ``cached(fn, **a)`` then ``cached(fn, **b)`` computed once (the second hit)."""
    env.mp.setenv("AEHELPERS_CACHE", str(env.tmp / "cache"))
    calls = _Counter()

    def compute(**kwargs):
        calls.append(1)
        return 1.0

    for kwargs in (a, b):
        cache.cached(fn or compute, **kwargs)
    return len(calls) == 1


@fault("cache: keys", "hidden=(128, 64) then hidden=[128, 64]")
def _(env):
    return handled(_keyed(env, {"hidden": (128, 64)}, {"hidden": [128, 64]}), "second call hits")


@fault("cache: keys", "p=np.int64(32) (a slider's value) then p=32")
def _(env):
    return handled(_keyed(env, {"p": np.int64(32)}, {"p": 32}), "normalised to int: second call hits")


@fault("cache: keys", "the same data as another array object")
def _(env):
    return handled(_keyed(env, {"x": X16}, {"x": X16.copy()}), "keyed by content: second call hits")


@fault("cache: keys", "the data changed in one value")
def _(env):
    other = X16.copy()
    other[0, 0] += 1
    return handled(not _keyed(env, {"x": X16}, {"x": other}), "computed again")


for _what, _arg, _names in [("an object", object(), ("'x'", "object")),
                            ("a random Generator", np.random.default_rng(0), ("'x'", "seed")),
                            ("a dict with int keys", {1: 2}, ("'x'", "keys")),
                            ("an array of Python objects", np.array([None, 1]), ("'x'", "objects"))]:
    @fault("cache: keys", f"cached(fn, x=<{_what}>)")
    def _arg_fault(env, _arg=_arg, _names=_names):
        env.mp.setenv("AEHELPERS_CACHE", str(env.tmp / "cache"))
        return expect_error(lambda: cache.cached(lambda x: 1, x=_arg), *_names)


@fault("cache: keys", "cached(a model, not a function)")
def _(env):
    return expect_error(lambda: cache.cached(object()), "expected a function", "object")


@fault("cache: keys", "cached(fn, seed=None)")
def _(env):
    return expect_error(lambda: cache.cached(lambda x, seed=0: x, 1, seed=None), "seed=None", "fixed seed")


@fault("cache: keys", "cached_fit of a model never compiled")
def _(env):
    import keras
    plain = keras.Sequential([keras.Input(shape=(16,)), keras.layers.Dense(16)])
    return expect_error(lambda: cache.cached_fit(plain, X16, X16, root=env.tmp, **FIT), "compile")


@fault("cache: keys", "cached_fit of a model that diverges (NaN loss)")
def _(env):
    bad = X16.copy()
    bad[0, 0] = np.nan
    out = expect_error(lambda: cache.cached_fit(_build(), bad, X16, root=env.tmp / "c", **FIT), "diverged", "never cached")
    return out if not (env.tmp / "c").is_dir() or not [p for p in (env.tmp / "c").iterdir() if p.is_dir()] \
        else ("silent", "a diverged model was stored")


@fault("cache: keys", "the code that builds the model changes, the arguments do not")
def _(env):
    a = cache.cached_fit(_build(), X16, X16, root=env.tmp / "c", **FIT)
    b = cache.cached_fit(_build(activation="tanh"), X16, X16, root=env.tmp / "c", **FIT)
    return handled(a.path != b.path and not b.hit, "a new entry for the new model")


@fault("cache: keys", "a notebook's function is edited, its arguments are not")
def _(env):
    import linecache
    env.mp.setenv("AEHELPERS_CACHE", str(env.tmp / "cache"))
    results = []
    for n, body in enumerate(("x * 2", "x * 3")):
        name = f"<ipython-input-{n}-fault>"
        source = f"def f(x):\n    return {body}\n"
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        space = {}
        exec(compile(source, name, "exec"), space)
        results.append(cache.cached(space["f"], X16))
    return handled(np.array_equal(results[1], X16 * 3), "the edited function runs again", "silent")


# --- class 4: PCA ---------------------------------------------------------------------------

def _centred(m=50, n=6, seed=0):
    x = np.random.default_rng(seed).standard_normal((m, n))
    return x - x.mean(axis=0)


@fault("pca", "writing into the eigenvalues fit_pca returned")
def _(env):
    pca = pca_lib.fit_pca(_centred())
    return expect_error(lambda: pca.eigenvalues.__setitem__(0, np.nan), "read-only")


@fault("pca", "writing into the eigenvectors fit_pca returned")
def _(env):
    pca = pca_lib.fit_pca(_centred())
    return expect_error(lambda: pca.U.__setitem__((0, 0), 1.0), "read-only")


@fault("pca", "other data of the same shape")
def _(env):
    a, b = pca_lib.fit_pca(_centred(seed=1)), pca_lib.fit_pca(_centred(seed=2))
    return handled(not np.allclose(a.eigenvalues, b.eigenvalues), "computed anew")


@fault("pca", "a PCA cache file left by an older version")
def _(env):
    x = _centred()
    (env.tmp / "cache").mkdir(exist_ok=True)
    (env.tmp / "cache" / f"pca-{ae.fingerprint(x)}.npz").write_bytes(b"junk")
    pca = pca_lib.fit_pca(x)
    return handled(np.all(np.isfinite(pca.eigenvalues)), "no disk cache is read")


for _what, _x, _names in [("uncentred data", _centred() + 5.0, ("centred",)),
                          ("a single row", np.zeros((1, 6)), ("2 rows",)),
                          ("NaN in the data", np.where(np.eye(50, 6) > 0, np.nan, _centred()), ("finite", "NaN")),
                          ("strings", np.array([["1", "2"], ["3", "4"]]), ("real numbers", "strings")),
                          ("complex numbers", _centred().astype(complex) * 1j, ("real numbers", "complex"))]:
    @fault("pca", f"fit_pca on {_what}")
    def _pca_input(env, _x=_x, _names=_names):
        return expect_error(lambda: pca_lib.fit_pca(_x), *_names)


for _what, _call, _names in [
        ("covariance of uncentred data", lambda: pca_lib.covariance(_centred() + 5.0), ("centred",)),
        ("covariance of a 1-D array", lambda: pca_lib.covariance(np.zeros(6)), ("2-D", "(6,)")),
        ("scatter of strings", lambda: pca_lib.scatter(np.array([["1", "2"], ["3", "4"]])), ("real numbers",)),
        ("scatter with NaN in the data", lambda: pca_lib.scatter(np.full((4, 3), np.nan)), ("finite", "NaN")),
        ("scatter with a mean of the wrong length", lambda: pca_lib.scatter(_centred(), np.zeros(5)), ("(6,)", "(5,)")),
        ("scatter with a NaN mean", lambda: pca_lib.scatter(_centred(), np.full(6, np.nan)), ("finite", "NaN")),
        ("pca_basis of float32 data with NaN", lambda: ae.pca_basis(np.full((5, 4), np.nan, np.float32), 2),
         ("finite", "NaN")),
        ("pca_basis with p = 0", lambda: ae.pca_basis(_centred().astype(np.float32), 0), ("p", "0"))]:
    @fault("pca", _what)
    def _pca_call(env, _call=_call, _names=_names):
        return expect_error(_call, *_names)


@fault("pca", "float32 data summed block by block against one float64 product")
def _(env):
    x = np.random.default_rng(3).random((2 * pca_lib.BLOCK_ROWS + 7, 5)).astype(np.float32)
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=0)
    ok = np.allclose(pca_lib.scatter(x, mean), (x64 - mean).T @ (x64 - mean), rtol=1e-12, atol=1e-9)
    return handled(ok and pca_lib.scatter(x).dtype == np.float64, "the same float64 sums, last block included")


# --- class 5: targets checked before fit ----------------------------------------------------

def _model():
    from aehelpers.nets import models
    ae.seed_everything(0)
    return models.build_autoencoder(3, n=16).model


def _trains_after(model) -> bool:
    return np.isfinite(training.train(model, X16, epochs=1, progress=False)["loss"][-1])


for _what, _kwargs, _names in [
        ("y of the wrong width", {"y": X16[:, :8]}, ("y must have 16 columns", "(64, 8)")),
        ("y of 0…255 pixels for cross-entropy", {"y": X16 * 255}, ("[0, 1]", "255")),
        ("validation y of the wrong width", {"validation_data": (X16, X16[:, :4])}, ("y must have 16", "(64, 4)")),
        ("validation images of 0…255", {"validation_data": (X16 * 255,)}, ("[0, 1]", "255")),
        ("validation_data a bare array", {"validation_data": X16}, ("validation_data", "ndarray")),
        ("epochs=0", {"epochs": 0}, ("epochs", "0")),
        ("batch_size=True", {"batch_size": True}, ("batch_size", "True"))]:
    @fault("training: bad targets", f"train(…) with {_what}")
    def _train_fault(env, _kwargs=_kwargs, _names=_names):
        model = _model()
        kwargs = {"epochs": 1, "progress": False, **_kwargs}
        outcome = expect_error(lambda: training.train(model, X16, **kwargs), *_names)
        if outcome[0] == "clear" and not _trains_after(model):
            return "lost", "the model cannot train any more"
        return outcome


@fault("training: bad targets", "train(…) with x of 0…255 pixels (forgot / 255)")
def _(env):
    return expect_error(lambda: training.train(_model(), X16 * 255, epochs=1, progress=False), "[0, 1]", "255")


@fault("training: bad targets", "train(…) on an uncompiled model")
def _(env):
    import keras
    m = keras.Sequential([keras.Input((16,)), keras.layers.Dense(16)])
    return expect_error(lambda: training.train(m, X16, epochs=1, progress=False), "compile")


@fault("training: bad targets", "train(…) with x of the wrong width")
def _(env):
    return expect_error(lambda: training.train(_model(), X16[:, :10], epochs=1, progress=False),
                        "x must have 16 columns", "(64, 10)")


def _tiny_mnist(env, scale=1.0, test_scale=1.0):
    d = ae.load_mnist(source="sample", n_train=256, n_test=64, verbose=False)
    import dataclasses
    return dataclasses.replace(d, x_train=d.x_train * scale, x_test=d.x_test * test_scale)


@fault("training: bad targets", "train_sweep on raw 0…255 pixels")
def _(env):
    from aehelpers.nets import sweep as sw
    outcome = expect_error(lambda: sw.train_sweep(_tiny_mnist(env, 255), (2, 4), root=env.tmp / "s", progress=False),
                           "x_train", "[0, 1]", "255")
    written = (env.tmp / "s").exists() and any(p.is_dir() for p in (env.tmp / "s").iterdir())
    return ("silent", "an entry was written first") if written else outcome


@fault("training: bad targets", "train_sweep with raw test images")
def _(env):
    from aehelpers.nets import sweep as sw
    return expect_error(lambda: sw.train_sweep(_tiny_mnist(env, 1, 255), (2,), root=env.tmp / "s", progress=False),
                        "x_test", "[0, 1]")


@fault("training: bad targets", "train_sweep(epochs=1) with the default recipe (2 warm-up epochs)")
def _(env):
    from aehelpers.nets import sweep as sw
    out = sw.train_sweep(_tiny_mnist(env), (2,), epochs=1, root=env.tmp / "s", progress=False, verbose=False)
    return handled(out.recipes[2].epochs == 1 and out.recipes[2].warmup_epochs == 0, "warm-up shortened to 0")


for _bad, _names in [((0, 4), ("each p", "0")), ((4, 2), ("increasing", "[4, 2]")), ("8", ("each p",))]:
    @fault("training: bad targets", f"train_sweep(p_values={_bad!r})")
    def _p_fault(env, _bad=_bad, _names=_names):
        from aehelpers.nets import sweep as sw
        return expect_error(lambda: sw.train_sweep(_tiny_mnist(env), _bad, root=env.tmp / "s", progress=False), *_names)


@fault("training: bad targets", "start_sweep(first=p) with a p the sweep does not train")
def _(env):
    from aehelpers.nets import sweep as sw
    return expect_error(lambda: sw.start_sweep(_tiny_mnist(env), (2, 4), root=env.tmp / "s", first=16),
                        "first", "16", "[2, 4]")


@fault("training: bad targets", "job.ready(show=0) and job.watch(a non-function)")
def _(env):
    from aehelpers.nets import sweep as sw
    job = sw.start_sweep(_tiny_mnist(env), (2,), root=env.tmp / "s")
    outcome = expect_error(lambda: job.ready(show=0), "show", "0")
    return outcome if outcome[0] != "clear" else expect_error(lambda: job.watch("redraw"), "function", "redraw")


@fault("sliders and theory inputs", "bottleneck_slider(job, p=...) at a p the sweep does not have")
def _(env):
    from aehelpers.nets import sweep as sw
    from aehelpers.views.sliders import bottleneck_slider
    job = sw.start_sweep(_tiny_mnist(env), (2, 4), root=env.tmp / "s")
    return expect_error(lambda: bottleneck_slider(job, p=3), "p", "3")


# --- class 6: smaller, same spirit ----------------------------------------------------------

def _frame(p):
    from aehelpers.views.pictures import to_png
    return Frame(to_png(np.full((2, 2), p / 64)), f"p = {p}")


@fault("sliders and theory inputs", "moving a slider to a p that is not one of its stops")
def _(env):
    s = Slider(_frame, {"p": [8, 32, 1024]})
    return expect_error(lambda: s.update(p=7), "p must be one of", "[8, 32, 1024]", "7")


@fault("sliders and theory inputs", "moving a slider control that does not exist")
def _(env):
    s = Slider(_frame, {"p": [8, 32]})
    return expect_error(lambda: s.update(q=8), "controls are", "q")


@fault("sliders and theory inputs", "moving a slider to True (a bool, not a stop)")
def _(env):
    s = Slider(_frame, {"p": [1, 2]})
    return expect_error(lambda: s.update(p=True), "p must be one of", "True")


_AE = framework.linear_autoencoder(np.eye(3)[:, :2], np.eye(3)[:2])

for _what, _x, _names in [("strings", [["1", "2", "3"]], ("real numbers", "strings")),
                          ("complex numbers", np.ones((2, 3)) * (1 + 2j), ("real numbers", "complex")),
                          ("Python objects", np.array([[1, None, 3]], dtype=object), ("real numbers", "objects")),
                          ("a ragged list", [[1, 2, 3], [1, 2]], ("numeric array",))]:
    @fault("sliders and theory inputs", f"framework error(…) on {_what}")
    def _fw_fault(env, _x=_x, _names=_names):
        return expect_error(lambda: framework.error(_AE, _x), *_names)


@fault("sliders and theory inputs", "point_errors(delta=5)")
def _(env):
    return expect_error(lambda: framework.point_errors(_AE, np.ones((2, 3)), delta=5), "delta", "5")


@fault("sliders and theory inputs", "point_errors(delta='cosine')")
def _(env):
    return expect_error(lambda: framework.point_errors(_AE, np.ones((2, 3)), delta="cosine"), "delta", "cosine")


@fault("sliders and theory inputs", "best_B_given_A with a rank-deficient A")
def _(env):
    A = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    return expect_error(lambda: linear.best_B_given_A(A), "full column rank", "rank 1")


for _I, _names in [([0.7, 1.9], ("integer", "0.7")), ([0, 0], ("distinct", "[0, 0]")), ([0, 9], ("0…4", "9")),
                   (3, ("sequence", "3"))]:
    @fault("sliders and theory inputs", f"critical_point(I={_I!r})")
    def _cp_fault(env, _I=_I, _names=_names):
        return expect_error(lambda: linear.critical_point(np.eye(5), _I), *_names)


@fault("sliders and theory inputs", "check(claim, an array) instead of one bool")
def _(env):
    return expect_error(lambda: check("all positive", np.array([True, False])), "single bool", "ndarray")


@fault("sliders and theory inputs", "check_answer(claim, a list) instead of one bool")
def _(env):
    from aehelpers.checks import check_answer
    return expect_error(lambda: check_answer("your guess is right", [True]), "single bool", "list")


@fault("sliders and theory inputs", "check_answers(a list of names) instead of globals()")
def _(env):
    from aehelpers.checks import check_answers
    return expect_error(lambda: check_answers(["answer_1"], answer_1="yes"), "mapping", "globals()", "list")


@fault("sliders and theory inputs", "check_answers(globals(), answer_1=a float) without ae.within's slack")
def _(env):
    from aehelpers.checks import check_answers
    return expect_error(lambda: check_answers({}, answer_1=0.25), "answer_1", "ae.within", "float")


@fault("sliders and theory inputs", "within(value, a negative tolerance)")
def _(env):
    from aehelpers.checks import within
    return expect_error(lambda: within(0.5, -0.1), "tolerance >= 0", "-0.1")


@fault("sliders and theory inputs", "within(a string, tolerance)")
def _(env):
    from aehelpers.checks import within
    return expect_error(lambda: within("0.5", 0.1), "finite numbers", "'0.5'")


@fault("sliders and theory inputs", "check_timing(claim, a float) instead of one bool")
def _(env):
    from aehelpers.checks import check_timing
    return expect_error(lambda: check_timing("XLA is faster", 0.7), "single bool", "float")


@fault("sliders and theory inputs", "check_binary on strings")
def _(env):
    from aehelpers.checks import check_binary
    return expect_error(lambda: check_binary(np.array(["0", "1"])), "real numbers", "strings")


@fault("sliders and theory inputs", "share_inside_box on a blank picture")
def _(env):
    return expect_error(lambda: ae.share_inside_box(np.zeros((3, 28, 28))), "some ink", "blank")


@fault("sliders and theory inputs", "share_inside_box on negative pixels")
def _(env):
    return expect_error(lambda: ae.share_inside_box(-np.ones((2, 784))), "non-negative", "-1")


@fault("sliders and theory inputs", "share_inside_box on 10-pixel rows")
def _(env):
    return expect_error(lambda: ae.share_inside_box(np.ones((2, 10))), "784 columns", "(2, 10)")


@fault("sliders and theory inputs", "ink_offset on a picture with a NaN")
def _(env):
    bad = np.ones((2, 784)); bad[1, 5] = np.nan
    return expect_error(lambda: ae.ink_offset(bad), "finite", "nan")


@fault("sliders and theory inputs", "ink_offset on a blank picture")
def _(env):
    return expect_error(lambda: ae.ink_offset(np.zeros((1, 784))), "some ink", "blank")


# --- running the battery ----------------------------------------------------------------------

class Env:
    def __init__(self, tmp, mp, capsys):
        self.tmp, self.mp, self._capsys = tmp, mp, capsys

    def out(self) -> str:
        return self._capsys.readouterr().out


@pytest.fixture()
def env(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AEHELPERS_OFFLINE", "1")
    monkeypatch.delenv("AEHELPERS_MNIST", raising=False)
    monkeypatch.setattr(data_mod, "KERAS_CACHE", tmp_path / "no-keras" / "mnist.npz")
    data_mod._MEMO.clear() if hasattr(data_mod, "_MEMO") else None
    return Env(tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize("klass, description, fn", FAULTS, ids=[f"{i:03d}" for i in range(1, len(FAULTS) + 1)])
def test_fault(env, klass, description, fn):
    try:
        outcome, detail = fn(env)
    except Exception as err:  # the fault itself blew up: report it as obscure
        outcome, detail = "obscure", f"{type(err).__name__}: {err}"
    RESULTS.append((klass, description, outcome, " ".join(str(detail).split())[:140]))
    assert outcome in ("clear", "handled"), f"{description}: {outcome} — {detail}"


def test_battery_is_large_enough():
    assert len(FAULTS) >= 100


def pytest_sessionfinish_table() -> str:
    counts = {k: sum(1 for r in RESULTS if r[2] == k) for k in ("clear", "handled", "silent", "obscure", "lost")}
    lines = ["| # | class | fault | outcome | what the user sees |", "|---|---|---|---|---|"]
    lines += [f"| {i} | {k} | {d} | {o} | {det.replace('|', '/')} |" for i, (k, d, o, det) in enumerate(RESULTS, 1)]
    lines.append("")
    lines.append(" · ".join(f"{k}: {v}" for k, v in counts.items()) + f" · total: {len(RESULTS)}")
    return "\n".join(lines)


@pytest.fixture(scope="module", autouse=True)
def _write_table():
    yield
    if RESULTS:
        out = Path(__file__).resolve().parents[1] / "test-output"
        out.mkdir(exist_ok=True)
        (out / "faults.md").write_text(pytest_sessionfinish_table() + "\n")

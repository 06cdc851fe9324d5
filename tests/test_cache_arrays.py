"""``cache.cached``: any function's result remembered on disk, its key derived from code, arguments and data."""
import dataclasses
import json
import linecache
import warnings

import numpy as np
import pytest

import aehelpers as ae
from aehelpers import cache
from aehelpers.theory import boolean as bo



class _Calls:
    """A call counter the key leaves out: a global of a type it cannot describe (a list it would describe)."""

    def __init__(self):
        self.n = 0

    def append(self, _):
        self.n += 1

    def clear(self):
        self.n = 0

    def __len__(self):
        return self.n


CALLS = _Calls()
X = np.arange(12.0).reshape(4, 3)


def _cell(source: str, name: str, number: int, **namespace):
    """Define ``name`` from ``source`` as a notebook cell does: a fake file name that linecache knows."""
    filename = f"<ipython-input-{number}-test>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np, "CALLS": CALLS, "__name__": "__main__", **namespace}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


SCALE = """def scale(x, k=2.0):
    CALLS.append(1)
    return {"y": x * k, "sum": float(x.sum() * k), "shape": x.shape, "n": np.int64(len(x)), "tag": "ok", "m": np.float64(k),
            "none": None, "nan": float("nan"), "items": [1, 2.5, "three"]}
"""


@pytest.fixture(autouse=True)
def _count():
    CALLS.clear()


def test_miss_then_hit_returns_the_same_result_with_its_types():
    scale = _cell(SCALE, "scale", 1)
    first = cache.cached(scale, X)
    second = cache.cached(scale, X)
    assert len(CALLS) == 1
    assert np.array_equal(second["y"], first["y"]) and second["y"].dtype == first["y"].dtype
    assert second["shape"] == (4, 3) and isinstance(second["shape"], tuple)
    assert second["n"] == 4 and isinstance(second["n"], np.int64) and second["sum"] == first["sum"]
    assert type(second["m"]) is np.float64 and type(second["sum"]) is float and list(second) == list(first)
    assert (second["tag"], second["none"], second["items"]) == ("ok", None, [1, 2.5, "three"])
    assert np.isnan(second["nan"])
    assert cache.cached(scale, x=X, k=2.0) is not None and len(CALLS) == 1  # the same call spelled otherwise


@pytest.mark.parametrize("edit", ["code", "argument", "data", "a global it reads", "a function it calls"])
def test_an_edit_of_code_argument_or_data_computes_again(edit):
    helper = _cell("def helper(v):\n    return v * 1.0\n", "helper", 10)
    source = SCALE.replace('"tag": "ok"', '"tag": OFFSET, "h": helper(1)')
    scale = _cell(source, "scale", 2, OFFSET="a", helper=helper)
    first = cache.cached(scale, X)
    x, k = X, 2.0
    if edit == "code":
        scale = _cell(source.replace("x * k", "x * k + 1"), "scale", 3, OFFSET="a", helper=helper)
    elif edit == "argument":
        k = 3.0
    elif edit == "data":
        x = X.copy()
        x[0, 0] = -1
    elif edit == "a global it reads":
        scale = _cell(source, "scale", 4, OFFSET="b", helper=helper)
    else:
        helper = _cell("def helper(v):\n    return v * 2.0\n", "helper", 11)
        scale = _cell(source, "scale", 5, OFFSET="a", helper=helper)
    again = cache.cached(scale, x, k)
    assert len(CALLS) == 2 and again["tag"] == ("b" if edit == "a global it reads" else "a")
    assert cache.cached(scale, x, k)["sum"] == again["sum"] and len(CALLS) == 2  # and then hits
    assert not np.array_equal(first["y"], again["y"]) or edit in ("a global it reads", "a function it calls")


def test_a_function_of_aehelpers_is_keyed_by_its_module_and_what_it_imports():
    digest = ae.module_digest("aehelpers.theory.hebbian")
    assert digest == ae.module_digest("aehelpers.theory.hebbian")
    key = ae.call_entry(ae.train_hebbian, X, 2).key
    assert key["code"]["code"] == digest and key["versions"] == {"numpy": np.__version__}  # no Keras for NumPy work
    assert "aehelpers.checks" in ae.keys._aehelpers_imports("aehelpers.theory.hebbian",
                                                           ae.keys._source(ae.keys._module_file("aehelpers.theory.hebbian")))


def test_dataclass_results_of_aehelpers_come_back_as_themselves():
    Xb = (np.random.default_rng(0).random((60, 8)) < 0.5).astype(np.uint8)
    made = cache.cached(bo.fit_boolean_autoencoder, Xb, 2, n_starts=2, seed=1)
    got = cache.cached(bo.fit_boolean_autoencoder, Xb, 2, n_starts=2, seed=1)
    assert isinstance(got, bo.BooleanFit) and got.history == made.history and np.array_equal(got.A, made.A)


@dataclasses.dataclass
class Foreign:
    value: float


@pytest.mark.parametrize("result", [object(), Foreign(1.0), {1: "int key"}, np.array([object()])])
def test_a_result_that_cannot_be_stored_warns_and_is_returned(result):
    def make():
        CALLS.append(1)
        return result

    with pytest.warns(cache.CacheWarning, match="not stored"):
        got = cache.cached(make)
    assert got is result and not ae.call_entry(make).exists()


@pytest.mark.parametrize("arg, names", [(object(), ("'x'", "builtins.object", "not supported")),
                                        (np.random.default_rng(0), ("'x'", "Generator", "seed")),
                                        (np.array([object()]), ("'x'", "Python objects")),
                                        ({1: 2}, ("'x'", "keys are not all strings"))])
def test_an_argument_a_key_cannot_hold_is_refused_naming_it(arg, names):
    scale = _cell(SCALE, "scale", 7)
    with pytest.raises(ValueError) as err:
        cache.cached(scale, arg)
    assert all(n in str(err.value) for n in names) and len(CALLS) == 0


def test_seed_none_and_wrong_arguments_are_refused():
    with pytest.raises(ValueError, match="seed=None.*fixed seed"):
        cache.cached(bo.fit_boolean_autoencoder, np.zeros((4, 3), np.uint8), 1, seed=None)
    with pytest.raises(TypeError, match="fit_boolean_autoencoder.*unexpected keyword"):
        cache.cached(bo.fit_boolean_autoencoder, np.zeros((4, 3), np.uint8), 1, sede=1)
    with pytest.raises(ValueError, match="expected a function"):
        cache.cached(42)


@pytest.mark.parametrize("damage", ["garbage npz, matching checksum", "checksum", "meta.json garbled", "npz deleted"])
def test_a_damaged_entry_is_remade_with_one_line(capsys, damage):
    scale = _cell(SCALE, "scale", 8)
    cache.cached(scale, X)
    entry = ae.call_entry(scale, X).path
    npz, meta_file = entry / cache.RESULT_FILE, entry / "meta.json"
    if damage == "garbage npz, matching checksum":
        npz.write_bytes(b"PK\x03\x04 not really a zip")
        meta = json.loads(meta_file.read_text())
        meta["files"][cache.RESULT_FILE] = cache._sha256(npz)
        meta_file.write_text(json.dumps(meta))
    elif damage == "checksum":
        npz.write_bytes(npz.read_bytes()[:-10])
    elif damage == "meta.json garbled":
        meta_file.write_text("{oops")
    else:
        npz.unlink()
    capsys.readouterr()
    again = cache.cached(scale, X)
    out = capsys.readouterr().out
    assert len(CALLS) == 2 and out.count("entry not trusted") == 1 and entry.name in out
    assert np.array_equal(again["y"], X * 2)
    cache.cached(scale, X)
    assert len(CALLS) == 2  # the remade entry is sound


@pytest.mark.parametrize("failure", ["cache folder is a file", "save fails", "rename fails"])
def test_a_failed_save_warns_and_still_returns_the_result(tmp_path, monkeypatch, failure):
    import os

    if failure == "cache folder is a file":
        (tmp_path / "afile").write_text("x")
        monkeypatch.setenv("AEHELPERS_CACHE", str(tmp_path / "afile"))
    elif failure == "save fails":
        monkeypatch.setattr(cache, "_save_arrays", lambda *a: (_ for _ in ()).throw(OSError(28, "disk full")))
    else:
        real = os.rename
        monkeypatch.setattr(cache.os, "rename",
                            lambda a, b: (_ for _ in ()).throw(OSError(30, "Read-only file system"))
                            if "-tmp-" in str(a) else real(a, b))
    scale = _cell(SCALE, "scale", 9)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = cache.cached(scale, X)
    assert np.array_equal(got["y"], X * 2) and len(CALLS) == 1
    assert any(issubclass(w.category, cache.CacheWarning) for w in caught)


def test_a_read_only_cache_folder_warns_and_returns(tmp_path, monkeypatch):
    """Nothing can be created in the cache folder (a read-only mount; simulated, since root ignores modes)."""
    import errno
    import os

    ro = tmp_path / "ro"
    ro.mkdir()
    real_mkdir, real_open = os.mkdir, os.open

    def refuse(real):
        def call(path, *args, **kwargs):
            if str(path).startswith(str(ro)) and not os.path.exists(path):
                raise OSError(errno.EROFS, "Read-only file system", str(path))
            return real(path, *args, **kwargs)
        return call

    monkeypatch.setattr(os, "mkdir", refuse(real_mkdir))
    monkeypatch.setattr(os, "open", refuse(real_open))
    monkeypatch.setenv("AEHELPERS_CACHE", str(ro))
    scale = _cell(SCALE, "scale", 13)
    for _ in range(2):
        with pytest.warns(cache.CacheWarning, match="could not save"):
            got = cache.cached(scale, X)
        assert np.array_equal(got["y"], X * 2)
    assert len(CALLS) == 2 and os.listdir(ro) == []


def test_a_result_holding_nan_or_inf_is_returned_but_never_stored():
    """Issue 25: a diverged computation is not served from the cache on every later call."""
    scale = _cell(SCALE, "scale", 30)
    with pytest.warns(cache.CacheWarning, match="NaN or inf"):
        got = cache.cached(scale, X, k=float("inf"))
    assert np.isinf(got["y"]).any() and not ae.call_entry(scale, X, k=float("inf")).exists()
    with pytest.warns(cache.CacheWarning, match="NaN or inf"):
        cache.cached(scale, X, k=float("inf"))
    assert len(CALLS) == 2  # computed again, not served
    cache.cached(scale, X, k=3.0)
    assert ae.call_entry(scale, X, k=3.0).exists()  # a finite result is stored as before

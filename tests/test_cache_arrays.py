"""cache.cached_arrays: NumPy results (notebook 05's Boolean fits, Hebbian weights) kept like models are."""
import warnings

import numpy as np
import pytest

from aehelpers import cache


def _make(calls, value=1.0):
    def make():
        calls.append(1)
        return {"W": np.full((2, 3), value), "n": np.array(7)}
    return make


def test_miss_then_hit_returns_the_same_arrays(tmp_path):
    calls = []
    first = cache.cached_arrays("thing", {"a": 1}, _make(calls), root=tmp_path)
    second = cache.cached_arrays("thing", {"a": 1}, _make(calls), root=tmp_path)
    assert (first.hit, second.hit, len(calls)) == (False, True, 1)
    assert np.array_equal(second.arrays["W"], first.arrays["W"]) and int(second.arrays["n"]) == 7


def test_a_different_key_or_code_is_a_different_entry(tmp_path):
    calls = []
    cache.cached_arrays("thing", {"a": 1}, _make(calls), root=tmp_path)
    cache.cached_arrays("thing", {"a": 2}, _make(calls), root=tmp_path)
    cache.cached_arrays("thing", {"a": 1}, lambda: {"W": np.zeros(1)}, root=tmp_path)   # other code
    assert len(calls) == 2 and len([p for p in tmp_path.iterdir() if not p.name.startswith(".")]) == 3


def test_a_damaged_entry_is_remade_with_one_line(tmp_path, capsys):
    calls = []
    entry = cache.cached_arrays("thing", {"a": 1}, _make(calls), root=tmp_path).path
    (entry / "arrays.npz").write_bytes(b"not an npz")
    again = cache.cached_arrays("thing", {"a": 1}, _make(calls), root=tmp_path)
    assert not again.hit and len(calls) == 2 and "checksum mismatch" in capsys.readouterr().out
    assert cache.cached_arrays("thing", {"a": 1}, _make(calls), root=tmp_path).hit


def test_results_that_are_not_arrays_are_refused(tmp_path):
    with pytest.raises(ValueError, match="dict of arrays"):
        cache.cached_arrays("thing", {"a": 1}, lambda: [1, 2], root=tmp_path)
    with pytest.raises(ValueError, match="numeric array"):
        cache.cached_arrays("thing", {"a": 1}, lambda: {"s": np.array(["x"])}, root=tmp_path)


def test_a_failed_save_warns_and_still_returns_the_result(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(cache, "save_arrays_entry", boom)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = cache.cached_arrays("thing", {"a": 1}, _make([]), root=tmp_path)
    assert not got.saved and got.arrays["W"].shape == (2, 3)
    assert any(issubclass(w.category, cache.CacheWarning) for w in caught)

"""The on-disk model cache: hits, misses, and entries that must not be trusted."""
import json

import numpy as np
import pytest

import aehelpers as ae
from aehelpers import cache, models
from aehelpers.training import train

X = np.random.default_rng(0).random((128, 16)).astype(np.float32)


def _build():
    ae.seed_everything(3)
    return models.build_autoencoder(3, n=16).model


def _fit(model):
    return train(model, X, epochs=2, batch_size=32, progress=False)


def test_make_key_adds_versions_and_rejects_non_json():
    key = cache.make_key(p=3, epochs=2)
    assert key["p"] == 3 and {"keras", "tensorflow", "numpy", "aehelpers"} <= set(key["versions"])
    with pytest.raises(ValueError, match="JSON"):
        cache.make_key(data=np.zeros(2))


def test_entry_names_are_checked(tmp_path):
    with pytest.raises(ValueError, match="cache name"):
        cache.entry_dir("../evil", cache.make_key(p=1), tmp_path)


def test_miss_then_hit_returns_the_same_model(tmp_path):
    key = cache.make_key(p=3, epochs=2, test="hit")
    first = cache.cached_model("tiny", key, _build, _fit, root=tmp_path)
    second = cache.cached_model("tiny", key, _build, lambda m: pytest.fail("must not train"), root=tmp_path)
    assert (first.hit, second.hit) == (False, True)
    assert second.history["loss"] == first.history["loss"]
    np.testing.assert_array_equal(first.model.predict(X, verbose=0), second.model.predict(X, verbose=0))


def test_a_different_key_is_a_different_entry(tmp_path):
    a = cache.cached_model("tiny", cache.make_key(p=3, epochs=2), _build, _fit, root=tmp_path)
    b = cache.cached_model("tiny", cache.make_key(p=3, epochs=3), _build, _fit, root=tmp_path)
    assert a.path != b.path and not b.hit


@pytest.mark.parametrize("damage", ["truncate model", "garble meta", "stale key", "delete model"])
def test_damaged_entries_are_retrained_not_trusted(tmp_path, capsys, damage):
    key = cache.make_key(p=3, epochs=2, test=damage)
    first = cache.cached_model("tiny", key, _build, _fit, root=tmp_path)
    model_file, meta_file = first.path / "model.keras", first.path / "meta.json"
    if damage == "truncate model":
        data = model_file.read_bytes()
        model_file.write_bytes(data[: len(data) // 2])
    elif damage == "garble meta":
        meta_file.write_text("{not json")
    elif damage == "stale key":
        meta = json.loads(meta_file.read_text())
        meta["key"]["epochs"] = 99
        meta_file.write_text(json.dumps(meta))
    else:
        model_file.unlink()
    calls = []
    again = cache.cached_model("tiny", key, _build, lambda m: calls.append(1) or _fit(m), root=tmp_path)
    assert calls == [1] and not again.hit
    assert "retraining, entry not trusted" in capsys.readouterr().out
    third = cache.cached_model("tiny", key, _build, lambda m: pytest.fail("must not train"), root=tmp_path)
    assert third.hit  # the retrained entry is sound


def test_a_failed_fit_leaves_no_entry_behind(tmp_path):
    key = cache.make_key(p=3, test="fail")

    def broken(model):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        cache.cached_model("tiny", key, _build, broken, root=tmp_path)
    assert list(tmp_path.iterdir()) == []

"""The on-disk model cache: hits, misses, entries that must not be trusted, two writers, kills."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import aehelpers as ae
from aehelpers import cache
from aehelpers.nets import models
from aehelpers.nets.training import train

X = np.random.default_rng(0).random((128, 16)).astype(np.float32)
WORKER = Path(__file__).with_name("cache_worker.py")
TRAINED = []


def _build():
    ae.seed_everything(3)
    return models.build_autoencoder(3, n=16).model


def _fit(model):
    TRAINED.append(1)
    return train(model, X, epochs=2, batch_size=32, progress=False)


def _entries(root):
    return sorted(p.name for p in Path(root).iterdir() if not p.name.endswith(".lock"))


@pytest.fixture(autouse=True)
def _count():
    TRAINED.clear()


def test_make_key_adds_versions_normalises_and_rejects_non_json():
    key = cache.make_key(p=np.int64(3), hidden=(128, 64), epochs=2)
    assert key["p"] == 3 and key["hidden"] == [128, 64] and {"keras", "tensorflow", "numpy"} <= set(key["versions"])
    assert json.loads(json.dumps(key)) == key  # what is stored reads back equal
    with pytest.raises(ValueError, match="JSON"):
        cache.make_key(data=np.zeros(2))


def test_entry_names_are_checked(tmp_path):
    with pytest.raises(ValueError, match="cache name"):
        cache.entry_dir("../evil", cache.make_key(p=1), tmp_path)


def test_miss_then_hit_returns_the_same_model(tmp_path):
    key = cache.make_key(p=3, epochs=2, test="hit")
    first = cache.cached_model("tiny", key, _build, _fit, root=tmp_path)
    second = cache.cached_model("tiny", key, _build, _fit, root=tmp_path)
    assert (first.hit, second.hit) == (False, True) and TRAINED == [1]
    assert second.history["loss"] == first.history["loss"]
    np.testing.assert_array_equal(first.model.predict(X, verbose=0), second.model.predict(X, verbose=0))


def test_a_tuple_in_the_key_hits(tmp_path):
    key = cache.make_key(p=3, hidden=(8, 4), test="tuple")
    cache.cached_model("tiny", key, _build, _fit, root=tmp_path)
    assert cache.cached_model("tiny", cache.make_key(p=3, hidden=(8, 4), test="tuple"), _build, _fit,
                              root=tmp_path).hit


def test_a_different_key_or_different_code_is_a_different_entry(tmp_path):
    a = cache.cached_model("tiny", cache.make_key(p=3, epochs=2), _build, _fit, root=tmp_path)
    b = cache.cached_model("tiny", cache.make_key(p=3, epochs=3), _build, _fit, root=tmp_path)
    assert a.path != b.path and not b.hit

    def _build_other():  # the same key, other code: a different model, so a different entry
        ae.seed_everything(3)
        return models.build_autoencoder(3, n=16, activation="tanh").model

    c = cache.cached_model("tiny", cache.make_key(p=3, epochs=2), _build_other, _fit, root=tmp_path)
    assert c.path != a.path and not c.hit


def _damage(entry: Path, how: str) -> None:
    model_file, meta_file = entry / "model.keras", entry / "meta.json"
    meta = json.loads(meta_file.read_text())
    if how == "truncate model":
        model_file.write_bytes(model_file.read_bytes()[:100])
    elif how == "garble meta":
        meta_file.write_text("{not json")
    elif how == "binary meta":
        meta_file.write_bytes(b"\xff\xfe\x00")
    elif how == "meta null":
        meta_file.write_text("null")
    elif how == "meta list":
        meta_file.write_text("[1, 2]")
    elif how == "history string":
        meta["history"] = "loss went down"
        meta_file.write_text(json.dumps(meta))
    elif how == "history of strings":
        meta["history"] = {"loss": ["a", "b"]}
        meta_file.write_text(json.dumps(meta))
    elif how == "stale key":
        meta["key"]["epochs"] = 99
        meta_file.write_text(json.dumps(meta))
    elif how == "checksum":
        meta["sha256"] = "0" * 64
        meta_file.write_text(json.dumps(meta))
    elif how == "delete model":
        model_file.unlink()
    elif how == "entry is a file":
        import shutil
        shutil.rmtree(entry)
        entry.write_text("not a folder")
    else:
        raise AssertionError(how)


DAMAGES = ["truncate model", "garble meta", "binary meta", "meta null", "meta list", "history string",
           "history of strings", "stale key", "checksum", "delete model", "entry is a file"]


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_entries_are_retrained_with_one_line_not_trusted(tmp_path, capsys, damage):
    key = cache.make_key(p=3, epochs=2, test="damage")
    first = cache.cached_model("tiny", key, _build, _fit, root=tmp_path)
    _damage(first.path, damage)
    capsys.readouterr()
    again = cache.cached_model("tiny", key, _build, _fit, root=tmp_path)
    out = capsys.readouterr().out
    assert TRAINED == [1, 1] and not again.hit and again.saved
    assert out.count("retraining, entry not trusted") == 1 and first.path.name in out
    third = cache.cached_model("tiny", key, _build, _fit, root=tmp_path)
    assert third.hit and TRAINED == [1, 1]  # the retrained entry is sound
    assert _entries(tmp_path) == [first.path.name]  # nothing set aside is left behind


def test_a_failed_fit_leaves_no_entry_behind(tmp_path):
    key = cache.make_key(p=3, test="fail")

    def broken(model):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        cache.cached_model("tiny", key, _build, broken, root=tmp_path)
    assert _entries(tmp_path) == []


def test_numpy_floats_in_the_history_are_stored(tmp_path):
    key = cache.make_key(p=3, test="numpy history")

    def fit(model):
        out = _fit(model)
        return {"loss": [np.float32(v) for v in out["loss"]], "seconds": np.float64(1.5), "epochs": np.int64(2)}

    first = cache.cached_model("tiny", key, _build, fit, root=tmp_path)
    assert first.saved and isinstance(first.history["seconds"], float)
    assert cache.cached_model("tiny", key, _build, fit, root=tmp_path).hit


def test_a_keras_history_object_is_accepted(tmp_path):
    key = cache.make_key(p=3, test="History")
    got = cache.cached_model("tiny", key, _build, lambda m: m.fit(X, X, epochs=1, verbose=0), root=tmp_path)
    assert got.saved and len(got.history["loss"]) == 1


@pytest.mark.parametrize("failure", ["root unusable", "model.save raises", "rename fails"])
def test_a_failed_save_warns_and_still_returns_the_trained_model(tmp_path, monkeypatch, failure):
    key = cache.make_key(p=3, test="save fails")
    root = tmp_path / "cache"
    if failure == "root unusable":
        (tmp_path / "blocker").write_text("a file where the cache's parent should be")
        root = tmp_path / "blocker" / "cache"
    elif failure == "model.save raises":
        import keras
        monkeypatch.setattr(keras.Model, "save", lambda self, path: (_ for _ in ()).throw(OSError("disk full")))
    else:
        real = os.rename
        monkeypatch.setattr(cache.os, "rename",
                            lambda a, b: (_ for _ in ()).throw(OSError("no")) if "-tmp-" in str(a) else real(a, b))
    with pytest.warns(cache.CacheWarning, match="could not save"):
        got = cache.cached_model("tiny", key, _build, _fit, root=root)
    assert TRAINED == [1] and not got.hit and not got.saved
    assert got.model.predict(X[:2], verbose=0).shape == (2, 16)  # the training is not lost
    if root.is_dir():
        assert _entries(root) == []  # and no half entry or temporary folder stays


def test_a_failed_replace_keeps_the_old_entry(tmp_path, monkeypatch):
    key = cache.make_key(p=3, test="replace")
    first = cache.cached_model("tiny", key, _build, _fit, root=tmp_path)
    meta = json.loads((first.path / "meta.json").read_text())
    meta["history"] = "broken"  # forces a retrain and a replace
    (first.path / "meta.json").write_text(json.dumps(meta))
    real = os.rename
    monkeypatch.setattr(cache.os, "rename",
                        lambda a, b: (_ for _ in ()).throw(OSError("no")) if "-tmp-" in str(a) else real(a, b))
    with pytest.warns(cache.CacheWarning):
        cache.cached_model("tiny", key, _build, _fit, root=tmp_path)
    assert (first.path / "meta.json").is_file() and _entries(tmp_path) == [first.path.name]


def test_entries_get_ordinary_folder_permissions(tmp_path):
    got = cache.cached_model("tiny", cache.make_key(p=3, test="mode"), _build, _fit, root=tmp_path)
    umask = os.umask(0)
    os.umask(umask)
    assert got.path.stat().st_mode & 0o777 == 0o777 & ~umask


def test_leftovers_of_a_killed_writer_are_swept(tmp_path):
    key = cache.make_key(p=3, test="sweep")
    folder = cache.entry_dir("tiny", {**key, "code": "x"}, tmp_path)  # any entry name works
    stale = tmp_path / f".{folder.name}-tmp-999-dead"
    stale.mkdir()
    old = tmp_path / ".other-0123-tmp-1-dead"
    old.mkdir()
    young = tmp_path / ".young-0123-tmp-1-busy"
    young.mkdir()
    hour_ago = time.time() - 2 * cache.ORPHAN_AGE_S
    os.utime(old, (hour_ago, hour_ago))
    assert cache.sweep_orphans(tmp_path) == [old]  # old and unlocked: swept; young: maybe still writing
    assert young.exists()
    cache.get_or_make("tiny", key, lambda: (_build(), {}), root=tmp_path, code="x")
    assert not stale.exists()  # this entry's own leftovers go as soon as it is locked


def _worker(root, mode, seconds=0.0):
    return subprocess.Popen([sys.executable, str(WORKER), str(root), mode, str(seconds)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _gated_pair(root):
    """Start a writer, hold it inside its training, start a second process, release the first."""
    gate = str(Path(root) / "gate")
    env = {**os.environ, "CACHE_WORKER_GATE": gate}
    first = subprocess.Popen([sys.executable, str(WORKER), str(root), "make", "0"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not Path(gate + ".started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.Popen([sys.executable, str(WORKER), str(root), "make", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    waiting = second.stdout.readline()  # blocks until the second process says it waits
    Path(gate + ".release").write_text("go")
    outs = [(first, *first.communicate(timeout=120)), (second, *second.communicate(timeout=120))]
    outs[1] = (second, waiting + outs[1][1], outs[1][2])
    return outs


def test_two_processes_train_an_entry_once_and_the_second_loads_it(tmp_path):
    runs = _gated_pair(tmp_path)
    assert all(p.returncode == 0 for p, _, _ in runs), runs
    first, second = (out.strip().splitlines() for _, out, _ in runs)
    assert first[-1].startswith("trained") and second[-1].startswith("hit"), (first, second)
    assert "waiting for it" in second[0]
    assert len((tmp_path / "trainings.log").read_text().split()) == 1
    assert not [n for n in os.listdir(tmp_path) if "-tmp-" in n or "-old-" in n]


def test_many_concurrent_savers_never_collide(tmp_path):
    procs = [_worker(tmp_path, "make", 0.0) for _ in range(6)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs]
    assert len((tmp_path / "trainings.log").read_text().split()) == 1


def test_a_kill_in_the_middle_of_a_save_leaves_nothing_that_breaks_the_next_run(tmp_path):
    dead = _worker(tmp_path, "die")
    dead.communicate(timeout=120)
    assert dead.returncode == -9
    assert [n for n in os.listdir(tmp_path) if "-tmp-" in n]  # the half-written save is there
    again = _worker(tmp_path, "make")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0 and out.strip().splitlines()[-1].startswith("trained"), err
    assert not [n for n in os.listdir(tmp_path) if "-tmp-" in n or "-old-" in n]


def _blog_model(p=3, regulariser=None, optimizer="adam", loss="binary_crossentropy"):
    import keras
    from keras import layers

    inp = keras.Input(shape=(16,))
    code = layers.Dense(p, activation="relu", activity_regularizer=regulariser, name="encoding")(inp)
    model = keras.Model(inp, layers.Dense(16, activation="sigmoid", name="decoding")(code))
    model.compile(optimizer=optimizer, loss=loss)
    return model


def test_model_signature_ignores_keras_numbering_and_sees_every_change_that_matters():
    import keras

    first, again = _blog_model(), _blog_model()
    assert first.layers[0].name != again.layers[0].name  # Keras numbered the second input anew
    assert cache.model_signature(first) == cache.model_signature(again)
    changed = [_blog_model(p=4), _blog_model(regulariser=keras.regularizers.l1(1e-4)),
               _blog_model(optimizer="adadelta"), _blog_model(optimizer=keras.optimizers.Adam(3e-3)),
               _blog_model(loss="mse")]
    signatures = {cache.model_signature(m) for m in changed}
    assert len(signatures) == len(changed) and cache.model_signature(first) not in signatures
    with pytest.raises(ValueError, match="expected a Keras model; got ndarray"):
        cache.model_signature(X)


def test_cached_arrays_once_then_loaded_and_bad_entries_recomputed(tmp_path):
    calls = []

    def make():
        calls.append(1)
        return {"y": np.arange(6.0).reshape(2, 3)}

    key = {"x": "abc"}
    first = cache.cached_arrays("arr", key, make, root=tmp_path)
    second = cache.cached_arrays("arr", key, make, root=tmp_path)
    assert (first.hit, second.hit, len(calls)) == (False, True, 1)
    np.testing.assert_array_equal(second.arrays["y"], np.arange(6.0).reshape(2, 3))
    assert not cache.cached_arrays("arr", {"x": "other"}, make, root=tmp_path).hit  # another key: computed
    (first.path / "arrays.npz").write_bytes(b"not an npz")  # tampered: never trusted
    third = cache.cached_arrays("arr", key, make, root=tmp_path)
    assert not third.hit and len(calls) == 3
    with pytest.raises(ValueError, match="must be a non-empty dict of arrays"):
        cache.cached_arrays("arr", {"x": "bad"}, lambda: [1, 2], root=tmp_path)


def test_cached_predict_keys_on_the_weights_and_the_input(tmp_path):
    key = cache.make_key(p=3, epochs=2, test="predict")
    entry = cache.cached_model("tiny", key, _build, _fit, root=tmp_path)
    y = cache.cached_predict(entry, X, root=tmp_path)
    np.testing.assert_allclose(y, entry.model.predict(X, verbose=0), atol=1e-6)
    folders = _entries(tmp_path)
    np.testing.assert_array_equal(cache.cached_predict(entry, X, root=tmp_path), y)
    assert _entries(tmp_path) == folders  # a hit: same model file, same input
    cache.cached_predict(entry, X[:10], root=tmp_path)  # another input: another entry
    assert len(_entries(tmp_path)) == len(folders) + 1
    unsaved = cache.CachedModel(entry.model, {}, False, tmp_path / "nowhere", saved=False)
    np.testing.assert_allclose(cache.cached_predict(unsaved, X, root=tmp_path), y, atol=1e-6)

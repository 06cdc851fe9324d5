"""``cache.cached_fit`` and the cache's guarantees: hits, misses, untrusted entries, two writers, kills."""
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import aehelpers as ae
from aehelpers import cache
from aehelpers.nets import models

X = np.random.default_rng(0).random((128, 16)).astype(np.float32)
WORKER = Path(__file__).with_name("cache_worker.py")
FIT = dict(epochs=2, batch_size=32, verbose=0)


def _build(seed=3, activation="relu"):
    ae.seed_everything(seed)
    return models.build_autoencoder(3, n=16, activation=activation).model


def _fit(root, model=None, x=X, **changes):
    model = _build() if model is None else model
    return model, cache.cached_fit(model, x, x, root=root, **{**FIT, **changes})


def _entries(root):
    return sorted(p.name for p in Path(root).iterdir() if not p.name.endswith(".lock"))


def _same_weights(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))


def test_miss_then_hit_loads_the_trained_weights_into_the_model(tmp_path):
    trained, first = _fit(tmp_path)
    fresh, second = _fit(tmp_path, verbose=2)  # printing is not part of the key
    assert (first.hit, second.hit, first.saved) == (False, True, True) and second.path == first.path
    assert second.history == first.history and len(first.history["loss"]) == 2 and second.seconds == first.seconds
    assert _same_weights(trained, fresh)  # loaded in place
    assert (first.path / cache.WEIGHTS_FILE).is_file()


@pytest.mark.parametrize("change", ["seed", "data", "epochs", "activation", "validation data", "optimizer"])
def test_an_edit_of_the_model_the_data_or_an_argument_trains_again(tmp_path, change):
    import keras

    _, first = _fit(tmp_path)
    model, kwargs, x = _build(), {}, X
    if change == "seed":
        model = _build(seed=4)
    elif change == "data":
        x = X[:-1]
    elif change == "epochs":
        kwargs = {"epochs": 3}
    elif change == "activation":
        model = _build(activation="tanh")
    elif change == "validation data":
        kwargs = {"validation_data": (X[:8], X[:8])}
    else:
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy")
    _, other = _fit(tmp_path, model, x, **kwargs)
    assert not other.hit and other.path != first.path


def test_fit_entry_is_the_entry_cached_fit_uses(tmp_path):
    model = _build()
    entry = cache.fit_entry(model, X, X, root=tmp_path, **FIT)
    assert not entry.exists() and entry.path.parent == tmp_path
    got = cache.cached_fit(model, X, X, entry=entry, **FIT)
    assert entry.exists() and got.path == entry.path and not got.hit
    assert cache.cached_fit(_build(), X, X, entry=entry, **FIT).hit
    assert cache.fit_entry(_build(), X, X, root=tmp_path, **FIT) == entry  # the same key, computed again
    assert cache.fit_entry(_build(), X, X, root=tmp_path, **{**FIT, "epochs": 1}) != entry


def test_the_key_follows_whether_xla_runs_not_the_steps_per_call(tmp_path):
    """XLA rounds differently, so a fit with it is another fit; steps per call change nothing the weights see."""
    def entry(**compile_kwargs):
        model = _build()
        model.compile(optimizer="adam", loss="binary_crossentropy", **compile_kwargs)
        return model, cache.fit_entry(model, X, X, root=tmp_path, **FIT)

    on, with_xla = entry(jit_compile=True)
    if not on.jit_compile:
        pytest.skip("op determinism is on in this process: Keras runs without XLA whatever compile() asks")
    assert with_xla != entry(jit_compile=False)[1]
    assert entry(jit_compile=False, steps_per_execution=1)[1] == entry(jit_compile=False, steps_per_execution=16)[1]


def test_callbacks_are_keyed_by_their_class(tmp_path):
    import keras

    class Noted(keras.callbacks.Callback):
        pass

    _, first = _fit(tmp_path, callbacks=[Noted()])
    assert _fit(tmp_path, callbacks=[Noted()])[1].hit  # a new instance of the same callback
    assert not _fit(tmp_path, callbacks=[keras.callbacks.TerminateOnNaN()])[1].hit


def test_an_uncompiled_model_or_an_object_is_refused(tmp_path):
    import keras

    plain = keras.Sequential([keras.Input(shape=(16,)), keras.layers.Dense(16)])
    with pytest.raises(ValueError, match="compile the model"):
        cache.cached_fit(plain, X, X, root=tmp_path, **FIT)
    with pytest.raises(ValueError, match="expected a Keras model; got ndarray"):
        cache.cached_fit(X, X, X, root=tmp_path, **FIT)
    with pytest.raises(ValueError, match="fit argument 'sample_weight'.*object"):
        cache.cached_fit(_build(), X, X, root=tmp_path, sample_weight=object(), **FIT)


@pytest.mark.parametrize("what", ["NaN in the data", "inf weights"])
def test_a_diverged_model_is_refused_and_never_stored(tmp_path, what):
    model, x = _build(), X
    if what == "NaN in the data":
        x = X.copy()
        x[0, 0] = np.nan
    else:
        model.set_weights([np.full_like(w, np.inf) for w in model.get_weights()])
    with pytest.raises(ValueError, match="diverged.*never cached"):
        cache.cached_fit(model, x, X, root=tmp_path, **FIT)
    assert _entries(tmp_path) == []


def _garbage_weights_with_a_matching_checksum(entry: Path):
    (entry / cache.WEIGHTS_FILE).write_bytes(b"\x89HDF\r\n\x1a\n not really HDF5")
    meta = json.loads((entry / "meta.json").read_text())
    meta["files"][cache.WEIGHTS_FILE] = cache._sha256(entry / cache.WEIGHTS_FILE)
    (entry / "meta.json").write_text(json.dumps(meta))


def _damage(entry: Path, how: str) -> None:
    weights, meta_file = entry / cache.WEIGHTS_FILE, entry / "meta.json"
    meta = json.loads(meta_file.read_text())
    if how == "truncate weights":
        weights.write_bytes(weights.read_bytes()[:100])
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
        meta["key"]["arguments"]["epochs"] = 99
        meta_file.write_text(json.dumps(meta))
    elif how == "checksum":
        meta["files"][cache.WEIGHTS_FILE] = "0" * 64
        meta_file.write_text(json.dumps(meta))
    elif how == "delete weights":
        weights.unlink()
    elif how == "garbage weights, matching checksum":
        _garbage_weights_with_a_matching_checksum(entry)
    elif how == "entry is a file":
        import shutil
        shutil.rmtree(entry)
        entry.write_text("not a folder")
    else:
        raise AssertionError(how)


DAMAGES = ["truncate weights", "garble meta", "binary meta", "meta null", "meta list", "history string",
           "history of strings", "stale key", "checksum", "delete weights", "garbage weights, matching checksum",
           "entry is a file"]


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_entries_are_retrained_with_one_line_not_trusted(tmp_path, capsys, damage):
    _, first = _fit(tmp_path)
    _damage(first.path, damage)
    capsys.readouterr()
    model, again = _fit(tmp_path)
    out = capsys.readouterr().out
    assert not again.hit and again.saved and again.history["loss"] == pytest.approx(first.history["loss"], rel=1e-5)
    assert out.count("entry not trusted") == 1 and first.path.name in out
    assert _fit(tmp_path)[1].hit  # the retrained entry is sound
    assert _entries(tmp_path) == [first.path.name]  # nothing set aside is left behind


def test_a_failed_fit_leaves_no_entry_behind(tmp_path):
    import keras

    class Boom(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _fit(tmp_path, callbacks=[Boom()])
    assert _entries(tmp_path) == []


@pytest.mark.parametrize("failure", ["root under a file", "save_weights raises", "rename fails", "meta.json fails"])
def test_a_failed_save_warns_and_still_returns_the_trained_model(tmp_path, monkeypatch, failure):
    import keras

    root = tmp_path / "cache"
    if failure == "root under a file":
        (tmp_path / "blocker").write_text("a file where the cache's parent should be")
        root = tmp_path / "blocker" / "cache"
    elif failure == "save_weights raises":
        monkeypatch.setattr(keras.Model, "save_weights", lambda self, path: (_ for _ in ()).throw(OSError("disk full")))
    elif failure == "rename fails":
        real = os.rename
        monkeypatch.setattr(cache.os, "rename",
                            lambda a, b: (_ for _ in ()).throw(OSError("no")) if "-tmp-" in str(a) else real(a, b))
    else:
        monkeypatch.setattr(cache.json, "dump", lambda *a, **k: (_ for _ in ()).throw(OSError(5, "I/O error")))
    with pytest.warns(cache.CacheWarning, match="could not save"):
        model, got = _fit(root)
    assert not got.hit and not got.saved and len(got.history["loss"]) == 2
    assert not _same_weights(model, _build())  # the training is not lost
    if root.is_dir():
        assert _entries(root) == []  # and no half entry or temporary folder stays


def test_a_failed_replace_keeps_the_old_entry(tmp_path, monkeypatch):
    _, first = _fit(tmp_path)
    _damage(first.path, "history string")  # forces a retrain and a replace
    real = os.rename
    monkeypatch.setattr(cache.os, "rename",
                        lambda a, b: (_ for _ in ()).throw(OSError("no")) if "-tmp-" in str(a) else real(a, b))
    with pytest.warns(cache.CacheWarning):
        _fit(tmp_path)
    assert (first.path / "meta.json").is_file() and _entries(tmp_path) == [first.path.name]


def test_entries_get_ordinary_folder_permissions(tmp_path):
    _, got = _fit(tmp_path)
    umask = os.umask(0)
    os.umask(umask)
    assert got.path.stat().st_mode & 0o777 == 0o777 & ~umask


def test_leftovers_of_a_killed_writer_are_swept(tmp_path):
    entry = cache.fit_entry(_build(), X, X, root=tmp_path, **FIT)
    stale = tmp_path / f".{entry.path.name}-tmp-999-dead"
    stale.mkdir()
    old = tmp_path / ".other-0123-tmp-1-dead"
    old.mkdir()
    young = tmp_path / ".young-0123-tmp-1-busy"
    young.mkdir()
    hour_ago = time.time() - 2 * cache.ORPHAN_AGE_S
    os.utime(old, (hour_ago, hour_ago))
    assert cache.sweep_orphans(tmp_path) == [old]  # old and unlocked: swept; young: maybe still writing
    assert young.exists()
    _fit(tmp_path)
    assert not stale.exists()  # this entry's own leftovers go as soon as it is locked


def test_predictions_are_keyed_by_the_weights_and_the_input(tmp_path, monkeypatch):
    monkeypatch.setenv("AEHELPERS_CACHE", str(tmp_path))
    model, _ = _fit(tmp_path)
    y = ae.cached(model.predict, X, verbose=0)
    np.testing.assert_allclose(y, model.predict(X, verbose=0), atol=1e-6)
    entry = ae.call_entry(model.predict, X, verbose=0)
    assert entry.exists() and ae.call_entry(model.predict, X, verbose=1) == entry  # verbose aside
    np.testing.assert_array_equal(ae.cached(model.predict, X, verbose=0), y)
    assert entry.key["versions"].keys() >= {"keras", "tensorflow", "numpy"}
    assert not ae.call_entry(model.predict, X[:10], verbose=0).exists()  # another input
    assert not ae.call_entry(_build().predict, X, verbose=0).exists()  # other weights


def test_model_signature_ignores_keras_numbering_and_sees_every_change_that_matters():
    import keras
    from keras import layers

    def blog_model(p=3, regulariser=None, optimizer="adam", loss="binary_crossentropy"):
        inp = keras.Input(shape=(16,))
        code = layers.Dense(p, activation="relu", activity_regularizer=regulariser, name="encoding")(inp)
        model = keras.Model(inp, layers.Dense(16, activation="sigmoid", name="decoding")(code))
        model.compile(optimizer=optimizer, loss=loss)
        return model

    first, again = blog_model(), blog_model()
    assert first.layers[0].name != again.layers[0].name  # Keras numbered the second input anew
    assert ae.model_signature(first) == ae.model_signature(again)
    changed = [blog_model(p=4), blog_model(regulariser=keras.regularizers.l1(1e-4)),
               blog_model(optimizer="adadelta"), blog_model(optimizer=keras.optimizers.Adam(3e-3)),
               blog_model(loss="mse")]
    signatures = {ae.model_signature(m) for m in changed}
    assert len(signatures) == len(changed) and ae.model_signature(first) not in signatures
    with pytest.raises(ValueError, match="expected a Keras model; got ndarray"):
        ae.model_signature(X)


LAYER = """import keras
from keras import ops


class Scale(keras.layers.Layer):
    def call(self, x):
        return x * 2.0


def loss(y, y_hat):
    return ops.mean((y - y_hat) ** 2)
"""


def _custom_model(source: str, number: int):
    import linecache

    import keras

    filename = f"<ipython-input-{number}-layer>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "__main__"}
    exec(compile(source, filename, "exec"), namespace)
    inp = keras.Input(shape=(4,))
    model = keras.Model(inp, namespace["Scale"]()(keras.layers.Dense(4)(inp)))
    model.compile(optimizer="adam", loss=namespace["loss"])
    return model


def test_the_code_of_a_layer_or_loss_written_in_a_cell_is_in_the_signature():
    first = ae.model_signature(_custom_model(LAYER, 1))
    assert ae.model_signature(_custom_model(LAYER, 2)) == first  # the cell run again
    assert ae.model_signature(_custom_model(LAYER.replace("x * 2.0", "x * 3.0"), 3)) != first
    assert ae.model_signature(_custom_model(LAYER.replace("** 2)", "** 4)"), 4)) != first


def test_the_numbers_a_layer_or_loss_reads_from_the_notebook_are_in_the_signature():
    """A layer whose ``call`` reads a notebook global (06's β-VAE reads ``beta``) is another model when that
    global changes, though its source does not: the cache must not serve the β = 4 model for β = 8."""
    source = LAYER.replace("x * 2.0", "x * beta").replace("** 2)", "** power)") + "\nbeta, power = 4.0, 2\n"
    first = ae.model_signature(_custom_model(source, 5))
    assert ae.model_signature(_custom_model(source, 6)) == first  # the cell run again
    assert ae.model_signature(_custom_model(source.replace("4.0, 2", "8.0, 2"), 7)) != first  # the layer's beta
    assert ae.model_signature(_custom_model(source.replace("4.0, 2", "4.0, 3"), 8)) != first  # the loss's power


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
    assert first[-1].split(" ", 1)[1] == second[-1].split(" ", 1)[1]  # the same result
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
    rerun = _worker(tmp_path, "make")
    assert rerun.communicate(timeout=120)[0].strip().startswith("hit")

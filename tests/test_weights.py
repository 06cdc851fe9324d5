"""Saving and reloading: Keras 3 file names, identical predictions, clear errors."""
import numpy as np
import pytest

import aehelpers as ae
from aehelpers.nets import models
from aehelpers.nets import vae as weights

X = np.random.default_rng(0).random((32, 784)).astype(np.float32)


@pytest.fixture(scope="module")
def trained():
    ae.seed_everything(0)
    net = models.build_autoencoder(32)
    net.model.fit(X, X, epochs=1, batch_size=16, verbose=0)
    return net


def test_weights_roundtrip_gives_identical_predictions(trained, tmp_path):
    path = weights.save_weights(trained.model, tmp_path / "ae.weights.h5")
    ae.seed_everything(1)
    fresh = models.build_autoencoder(32).model
    assert not np.array_equal(fresh.predict(X, verbose=0), trained.model.predict(X, verbose=0))
    weights.load_weights(fresh, path)
    np.testing.assert_array_equal(fresh.predict(X, verbose=0), trained.model.predict(X, verbose=0))
    assert weights.weights_in_file(path) == weights.weights_in_model(trained.model)
    assert [p.name for p in tmp_path.iterdir()] == ["ae.weights.h5"]  # no temporary left over


def test_whole_model_roundtrip_gives_identical_predictions(trained, tmp_path):
    path = weights.save_model(trained.model, tmp_path / "ae.keras")
    again = weights.load_model(path)
    np.testing.assert_array_equal(again.predict(X, verbose=0), trained.model.predict(X, verbose=0))


@pytest.mark.parametrize("name, what", [("model.h5", "weights"), ("ae.weights", "weights"), ("ae.h5", "model")])
def test_keras_3_file_names_are_enforced(trained, tmp_path, name, what):
    save = weights.save_weights if what == "weights" else weights.save_model
    with pytest.raises(ValueError, match=r"must end in '\.(weights\.h5|keras)'"):
        save(trained.model, tmp_path / name)


@pytest.mark.parametrize("other", [dict(p=16), dict(p=32, hidden=(64,))])
def test_weights_from_another_architecture_are_refused_clearly(trained, tmp_path, other):
    path = weights.save_weights(trained.model, tmp_path / "ae32.weights.h5")
    ae.seed_everything(0)
    target = models.build_autoencoder(**other).model
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(ValueError) as info:
        weights.load_weights(target, path)
    message = str(info.value)
    assert "ae32.weights.h5" in message and "different architecture" in message
    assert "784×32" in message  # what the file holds
    for old, new in zip(before, target.get_weights()):
        np.testing.assert_array_equal(old, new)  # nothing half-loaded


def test_truncated_weights_file_is_refused_clearly(trained, tmp_path):
    path = weights.save_weights(trained.model, tmp_path / "ae.weights.h5")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"ae\.weights\.h5: truncated or not an HDF5 file"):
        weights.load_weights(trained.model, path)


def test_truncated_model_file_is_refused_clearly(trained, tmp_path):
    path = weights.save_model(trained.model, tmp_path / "ae.keras")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"ae\.keras: truncated or not a \.keras archive"):
        weights.load_model(path)


def test_missing_files_are_file_not_found(trained, tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.weights.h5"):
        weights.load_weights(trained.model, tmp_path / "nope.weights.h5")
    with pytest.raises(FileNotFoundError, match="nope.keras"):
        weights.load_model(tmp_path / "nope.keras")

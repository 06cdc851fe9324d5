"""What notebook 04 says about the blog's code under Keras 3, checked outside the reader's path.

The notebook shows the plain Keras calls once (save_weights, clone_model + load_weights, the
Adadelta comparison); the invariants behind its prose live here: the blog's ``model.h5`` name is
refused, a plain-Keras round trip predicts identically, a truncated weights file is an error,
Adadelta's default learning rate is 0.001, and a cached blog model loads as the one trained, and an edited one misses.
"""
import numpy as np
import pytest

import aehelpers as ae
from aehelpers import cache
from aehelpers.runtime import import_tensorflow_quietly

import_tensorflow_quietly()
import keras  # noqa: E402
from keras import layers  # noqa: E402

X = np.random.default_rng(0).random((64, 784)).astype(np.float32)


def blog_model(p=8):
    ae.seed_everything(0)
    input_img = keras.Input(shape=(784,))
    encoded = layers.Dense(p, activation="relu", name="encoding")(input_img)
    decoded = layers.Dense(784, activation="sigmoid", name="decoding")(encoded)
    model = keras.Model(input_img, decoded)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


@pytest.fixture(scope="module")
def trained():
    model = blog_model()
    model.fit(X, X, epochs=1, batch_size=16, verbose=0)
    return model


def test_plain_keras_round_trip_predicts_identically(trained, tmp_path):
    path = tmp_path / "autoencoder.weights.h5"
    trained.save_weights(path)
    reloaded = keras.models.clone_model(trained)
    assert not np.array_equal(reloaded.predict(X, verbose=0), trained.predict(X, verbose=0))
    reloaded.load_weights(path)
    assert np.array_equal(reloaded.predict(X, verbose=0), trained.predict(X, verbose=0))


def test_the_blogs_h5_name_is_refused_by_keras_3(trained, tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        trained.save_weights(tmp_path / "model.h5")


def test_a_truncated_weights_file_is_an_error(trained, tmp_path):
    path = tmp_path / "autoencoder.weights.h5"
    trained.save_weights(path)
    cut = tmp_path / "cut.weights.h5"
    cut.write_bytes(path.read_bytes()[:5_000])
    with pytest.raises(Exception):
        keras.models.clone_model(trained).load_weights(cut)


def test_adadelta_default_learning_rate_is_the_small_one():
    assert np.isclose(float(keras.optimizers.Adadelta().learning_rate), 0.001)
    assert np.isclose(float(keras.optimizers.get("adadelta").learning_rate), 0.001)


def test_parameter_count_is_derived_from_p():
    for p in (2, 16, 32):
        assert blog_model(p).count_params() == (784 * p + p) + (p * 784 + 784)


def test_cached_blog_model_loads_as_trained_and_hits_the_second_time(tmp_path):
    first_model, second_model = blog_model(), blog_model()  # each seeds itself: the same initial weights
    first = cache.cached_fit(first_model, X, X, epochs=1, batch_size=16, verbose=0, root=tmp_path)
    second = cache.cached_fit(second_model, X, X, epochs=1, batch_size=16, verbose=0, root=tmp_path)
    assert not first.hit and second.hit
    assert second.history["loss"] == first.history["loss"]
    assert np.array_equal(second_model.predict(X, verbose=0), first_model.predict(X, verbose=0))


def test_cached_blog_model_misses_when_the_model_or_the_fit_changes(tmp_path):
    cache.cached_fit(blog_model(), X, X, epochs=1, batch_size=16, verbose=0, root=tmp_path)
    assert not cache.cached_fit(blog_model(16), X, X, epochs=1, batch_size=16, verbose=0, root=tmp_path).hit
    assert not cache.cached_fit(blog_model(), X, X, epochs=1, batch_size=32, verbose=0, root=tmp_path).hit
    assert not cache.cached_fit(blog_model(), X[:32], X[:32], epochs=1, batch_size=16, verbose=0, root=tmp_path).hit

"""Keras builders of notebook 04: the blog's shapes, shared layers, clear errors."""
import numpy as np
import pytest

import aehelpers as ae
from aehelpers.nets import models


def test_blog_model_has_the_blog_parameter_counts():
    ae.seed_everything(0)
    net = models.build_autoencoder(32)
    assert net.encoder.count_params() == 784 * 32 + 32 == 25_120
    assert net.decoder.count_params() == 32 * 784 + 784 == 25_872
    assert net.model.count_params() == 50_992
    assert net.p == 32
    assert [layer.name for layer in net.model.layers] == ["image", "encoding", "decoding"]
    assert net.model.loss == "binary_crossentropy"


def test_encoder_and_decoder_share_the_models_layers():
    ae.seed_everything(0)
    net = models.build_autoencoder(8, n=20)
    x = np.random.default_rng(0).random((5, 20)).astype(np.float32)
    kernel, bias = net.model.get_layer("encoding").get_weights()
    net.model.get_layer("encoding").set_weights([kernel * 2.0, bias + 0.1])  # the encoder must see this
    codes = net.encoder.predict(x, verbose=0)
    np.testing.assert_allclose(codes, np.maximum(x @ (kernel * 2.0) + bias + 0.1, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.decoder.predict(codes, verbose=0), net.model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_deep_variant_has_the_blogs_widths():
    ae.seed_everything(0)
    net = models.build_autoencoder(32, hidden=(128, 64))
    widths = [layer.units for layer in net.model.layers[1:]]
    assert widths == [128, 64, 32, 64, 128, 784]
    assert net.encoder.output.shape[-1] == 32 and net.decoder.input.shape[-1] == 32
    assert len(net.decoder.layers) == 4  # code input + 64 + 128 + 784


def test_activity_l1_adds_a_penalty_to_the_loss():
    ae.seed_everything(0)
    x = np.random.default_rng(1).random((64, 16)).astype(np.float32)
    plain = models.build_autoencoder(4, n=16)
    ae.seed_everything(0)
    sparse = models.build_autoencoder(4, n=16, activity_l1=1e-2)
    assert plain.model.evaluate(x, x, verbose=0) < sparse.model.evaluate(x, x, verbose=0)


def test_split_autoencoder_rejects_a_model_without_named_layers():
    import keras

    x = keras.Input((4,))
    model = keras.Model(x, keras.layers.Dense(4)(keras.layers.Dense(2)(x)))
    with pytest.raises(ValueError, match="'encoding' and 'decoding'"):
        models.split_autoencoder(model)


@pytest.mark.parametrize("kwargs, message", [
    ({"p": 0}, "p must be in"),
    ({"p": 4, "hidden": (0,)}, "hidden width"),
    ({"p": 4, "activity_l1": -1.0}, "activity_l1"),
    ({"p": 4, "learning_rate": 0.0}, "learning_rate"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.build_autoencoder(**kwargs)


def test_seed_fixes_the_weights_without_touching_global_state():
    import keras

    keras.utils.set_random_seed(1)
    state = np.random.get_state()[1].copy()
    first = models.build_autoencoder(4, n=10, hidden=(6,), seed=5).model.get_weights()
    assert np.array_equal(np.random.get_state()[1], state)  # NumPy's global stream untouched
    second = models.build_autoencoder(4, n=10, hidden=(6,), seed=5).model.get_weights()
    other = models.build_autoencoder(4, n=10, hidden=(6,), seed=6).model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[0][:6, :4], first[2][:6, :4])  # each layer draws its own stream
    keras.utils.set_random_seed(1)
    unseeded = models.build_autoencoder(4, n=10, hidden=(6,)).model.get_weights()
    keras.utils.set_random_seed(1)
    assert np.array_equal(models.build_autoencoder(4, n=10, hidden=(6,), seed=5).model.get_weights()[0], first[0])
    assert not np.array_equal(unseeded[0], first[0])


def test_steps_per_execution_does_the_same_arithmetic_as_one_step_per_call():
    """The helpers compile with STEPS_PER_EXECUTION for speed; it must not change what is learned.

    600 images in batches of 32 are 19 steps per epoch, not a multiple of 16: a last partial
    call that were dropped or repeated would show here as different weights.
    """
    import keras

    from aehelpers.nets.training import STEPS_PER_EXECUTION, train

    assert STEPS_PER_EXECUTION > 1
    x = np.random.default_rng(0).random((600, 20), dtype=np.float32)
    results = []
    for steps in (STEPS_PER_EXECUTION, 1):
        net = models.build_autoencoder(4, n=20, seed=3)
        assert net.model.steps_per_execution == STEPS_PER_EXECUTION  # what the helper gives readers
        net.model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy",
                          steps_per_execution=steps)
        ae.seed_everything(5)
        history = train(net.model, x, epochs=2, batch_size=32, progress=False)
        results.append((net.model.get_weights(), history["loss"]))
    (w_many, loss_many), (w_one, loss_one) = results
    np.testing.assert_allclose(loss_many, loss_one, rtol=1e-6)
    for a, b in zip(w_many, w_one):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

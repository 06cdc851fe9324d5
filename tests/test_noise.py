"""Noise for the denoising autoencoder and the noise-level slider."""
import numpy as np
import pytest

from aehelpers.views import noise
from aehelpers.views.slider import Frame


def digits(k=3):
    return np.random.default_rng(0).random((k, 28, 28)).astype(np.float32)


def test_add_noise_clipped_and_seeded():
    x = digits()
    a, b = noise.add_noise(x, 0.5, rng=1), noise.add_noise(x, 0.5, rng=1)
    assert a.shape == x.shape and a.min() >= 0 and a.max() <= 1 and np.array_equal(a, b)
    assert np.array_equal(noise.add_noise(x, 0.0), x)


@pytest.mark.parametrize("level", [-0.1, 1.5, float("nan"), "0.5", True])
def test_level_outside_unit_interval(level):
    with pytest.raises(ValueError, match="noise level"):
        noise.add_noise(digits(), level)


def test_as_images_shapes():
    assert noise.as_images(digits()).shape == (3, 28, 28, 1)
    assert noise.as_images(digits()[..., None]).shape == (3, 28, 28, 1)
    with pytest.raises(ValueError, match=r"\(k, 28, 28, 1\).*got \(3, 784\).*reshape"):
        noise.as_images(digits().reshape(3, 784))
    with pytest.raises(ValueError, match=r"got \(3, 32, 32\)"):
        noise.as_images(np.zeros((3, 32, 32)))


def test_bce_per_image_matches_keras():
    import keras
    x, y = digits(), np.clip(digits()[::-1] * 0.9 + 0.05, 0, 1)
    ours = noise.bce_per_image(x, y)
    theirs = np.asarray(keras.losses.binary_crossentropy(x.reshape(3, -1), y.reshape(3, -1)))
    assert np.allclose(ours, theirs, atol=1e-5)


def test_view_render_and_slider():
    x = digits(4)
    view = noise.prepare_noise_view(lambda imgs: imgs * 0.5, x, [0.0, 0.5, 1.0], seed=0)
    assert np.array_equal(view.noisy[0.0], x)
    frame = noise.render_noise(view, 0.5)
    assert isinstance(frame, Frame) and "0.50" in frame.label and frame.numbers["BCE"] == view.bce[0.5]
    with pytest.raises(ValueError, match=r"precomputed levels .*got 0.3"):
        noise.render_noise(view, 0.3)
    with pytest.raises(ValueError, match=r"\[0, 1\]; got 2"):
        noise.render_noise(view, 2.0)
    slider = noise.noise_slider(view, level=0.4)
    assert slider.values() == {"level": 0.5}
    assert slider.update(level=1.0).numbers["noise level"] == 1.0


def test_view_rejects_bad_levels():
    with pytest.raises(ValueError, match="each noise level"):
        noise.prepare_noise_view(lambda i: i, digits(), [0.0, 1.2])

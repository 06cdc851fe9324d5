"""The ELBO's two parts in NumPy, and VAE weights of another latent size refused."""
import numpy as np
import pytest

from aehelpers.nets import vae


def test_kl_zero_at_prior_and_positive_elsewhere():
    x = np.full((2, 4), 0.5)
    rec, kl = vae.neg_elbo_parts(x, x, np.zeros((2, 2)), np.zeros((2, 2)))
    assert np.allclose(kl, 0) and np.allclose(rec, 4 * np.log(2))
    _, kl = vae.neg_elbo_parts(x, x, np.ones((2, 2)), np.zeros((2, 2)))
    assert np.allclose(kl, 1.0)  # ½ Σ μ² over two numbers


def test_shapes_checked():
    with pytest.raises(ValueError, match="z_mean and z_log_var"):
        vae.neg_elbo_parts(np.zeros((2, 4)), np.zeros((2, 4)), np.zeros((2, 2)), np.zeros((2, 3)))


def _tiny_vae(latent_dim):
    import keras
    x = keras.Input(shape=(8,))
    h = keras.layers.Dense(4, name="enc_hidden")(x)
    mu = keras.layers.Dense(latent_dim, name="z_mean")(h)
    return keras.Model(x, keras.layers.Dense(8, name="decoding")(mu))


def test_weights_of_another_latent_size(tmp_path):
    m3, m2 = _tiny_vae(3), _tiny_vae(2)
    path = tmp_path / "vae.weights.h5"
    m3.save_weights(path)
    assert vae.latent_dim_in_file(path) == 3
    with pytest.raises(ValueError, match="latent size 3; this model has latent size 2"):
        vae.load_vae_weights(m2, path)
    other = _tiny_vae(3)
    vae.load_vae_weights(other, path)
    assert all(np.array_equal(a, b) for a, b in zip(other.get_weights(), m3.get_weights()))

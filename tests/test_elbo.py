"""What the negative ELBO measures on grey digits: the binarisation floor and the importance-weighted bound."""
import numpy as np
import pytest

from aehelpers.theory import elbo
from aehelpers.theory.anomaly import cross_entropy_excess
from aehelpers.theory.framework import binary_cross_entropy, neg_elbo_parts


def test_grey_loss_is_the_expected_loss_of_a_binarisation():
    rng = np.random.default_rng(0)
    x, x_hat = rng.random((1, 50)), rng.uniform(0.05, 0.95, (1, 50))
    draws = np.stack([elbo.binarise(x, rng)[0] for _ in range(20000)])
    mc = binary_cross_entropy(np.broadcast_to(x_hat, draws.shape), draws).mean()
    assert abs(mc - binary_cross_entropy(x_hat, x)[0]) < 0.05


def test_floor_is_the_loss_of_the_perfect_reconstruction():
    x = np.random.default_rng(1).random((4, 784))
    np.testing.assert_allclose(elbo.binarisation_floor(x), binary_cross_entropy(x, x, eps=0), rtol=1e-9)
    assert np.all(elbo.binarisation_floor(np.round(x)) == 0)
    np.testing.assert_allclose(cross_entropy_excess(x, x), 0, atol=1e-6)
    assert np.all(cross_entropy_excess(np.full_like(x, 0.5), x) > 0)


def test_iw_bound_is_exact_when_q_is_the_posterior():
    # a decoder that ignores z: p(x | z) = p(x), so with q = prior every weight is p(x)
    rng = np.random.default_rng(2)
    x, x_hat = rng.random((3, 20)), rng.uniform(0.1, 0.9, (3, 20))
    z = rng.standard_normal((5, 3, 2))
    got = elbo.importance_weighted_bound(x, np.broadcast_to(x_hat, (5, 3, 20)), z, np.zeros((3, 2)), np.zeros((3, 2)))
    np.testing.assert_allclose(got, binary_cross_entropy(x_hat, x), rtol=1e-9)


def toy(k, rng, x):
    mu, log_var = np.full((len(x), 2), 0.3), np.full((len(x), 2), -1.0)
    z = mu + np.exp(0.5 * log_var) * rng.standard_normal((k, len(x), 2))
    x_hat = 1 / (1 + np.exp(-(z @ np.ones((2, x.shape[1])))))
    return x_hat, z, mu, log_var


def test_k1_is_the_elbo_in_expectation_and_k_tightens_it():
    rng = np.random.default_rng(3)
    x = rng.random((400, 10))
    x_hat, z, mu, log_var = toy(1, rng, x)
    rec, kl = neg_elbo_parts(x, x_hat[0], mu, log_var)
    k1 = elbo.importance_weighted_bound(x, x_hat, z, mu, log_var)
    assert abs(k1.mean() - (rec + kl).mean()) < 0.05 * (rec + kl).mean()
    x_hat, z, mu, log_var = toy(50, rng, x)
    assert elbo.importance_weighted_bound(x, x_hat, z, mu, log_var).mean() < k1.mean()


def test_bad_inputs_are_clear_errors():
    x = np.random.default_rng(4).random((3, 10))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        elbo.binarisation_floor(x * 255)
    with pytest.raises(ValueError, match="rng"):
        elbo.binarise(x, "seed")
    with pytest.raises(ValueError, match="x_hat must be"):
        elbo.importance_weighted_bound(x, x, np.zeros((1, 3, 2)), np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="z_mean"):
        elbo.importance_weighted_bound(x, x[None], np.zeros((1, 3, 2)), np.zeros((3, 2)), np.zeros((3, 3)))

"""Identity measurements on models whose answer is known exactly: the identity and a projection."""
import numpy as np
import pytest

from aehelpers.theory import framework as fw
from aehelpers.nets import identity as ident
from aehelpers import probes as nd
from aehelpers.nets.models import as_framework, build_autoencoder

N = 784


def linear_model(enc_w, dec_w, p):
    """A linear Keras autoencoder with the given kernels and zero biases."""
    kae = build_autoencoder(p, code_activation="linear", output_activation="linear", loss="mse")
    kae.model.get_layer("encoding").set_weights([enc_w, np.zeros(p)])
    kae.model.get_layer("decoding").set_weights([dec_w, np.zeros(N)])
    return kae


@pytest.fixture(scope="module")
def identity_model():
    return linear_model(np.eye(N), np.eye(N), N)


@pytest.fixture(scope="module")
def projection_model():
    """Keeps the first 10 pixels, zeroes the rest: a rank-10 map with known errors."""
    enc = np.zeros((N, 10))
    enc[:10, :10] = np.eye(10)
    return linear_model(enc, enc.T.copy(), 10)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    digits = rng.uniform(size=(12, N)).astype(np.float32)
    return digits, nd.make_probes(digits, 6, 1, families=("noise", "letters"))


def test_framework_view_is_the_keras_model(projection_model, data):
    digits, _ = data
    ae = as_framework(projection_model)
    assert isinstance(ae, fw.Autoencoder) and (ae.n, ae.p) == (N, 10) and ae.compressive
    np.testing.assert_allclose(ae(digits), projection_model.model.predict(digits, verbose=0), atol=1e-6)


def test_errors_of_identity_and_projection(identity_model, projection_model, data):
    digits, _ = data
    np.testing.assert_allclose(ident.reconstruction_errors(identity_model, digits), 0, atol=1e-10)
    expected = (digits[:, 10:].astype(np.float64) ** 2).sum(axis=1) / N
    np.testing.assert_allclose(ident.reconstruction_errors(projection_model, digits), expected, rtol=1e-5)


def test_hetero_associative_errors_compare_with_targets(identity_model, data):
    digits, _ = data
    noisy = np.clip(digits + 0.5 * np.random.default_rng(0).standard_normal(digits.shape), 0, 1).astype(np.float32)
    err = ident.reconstruction_errors(identity_model, noisy, digits)
    np.testing.assert_allclose(err, ((noisy - digits) ** 2).mean(axis=1), rtol=1e-5)


def test_error_row_and_table(identity_model, projection_model, data):
    digits, probes = data
    rows = ident.error_table({"identity": identity_model, "projection": projection_model}, digits, probes)
    ident_row, proj_row = rows
    assert [r["model"] for r in rows] == ["identity", "projection"]
    assert ident_row["non-digits"] < 1e-10 and ident_row["gap"] < 1e-10
    assert proj_row["non-digits"] == pytest.approx(np.mean([proj_row["noise"], proj_row["letters"]]))
    assert proj_row["ratio"] == pytest.approx(proj_row["non-digits"] / proj_row["digits"])
    text = ident.format_table(rows, ["model", "digits", "noise", "ratio"])
    assert text.splitlines()[0].split() == ["model", "digits", "noise", "ratio"]
    assert len(text.splitlines()) == 4 and "projection" in text


def test_table_errors_are_clear(identity_model, data):
    digits, probes = data
    with pytest.raises(ValueError, match="at least one"):
        ident.error_table({}, digits, probes)
    with pytest.raises(ValueError, match="non-digit family"):
        ident.error_row(identity_model, digits, {})
    with pytest.raises(ValueError, match="missing"):
        ident.format_table([{"a": 1.0}], ["a", "b"])


def test_jacobian_and_identity_distance(identity_model, projection_model, data):
    digits, _ = data
    J = ident.jacobians(identity_model.model, digits[:2])
    assert J.shape == (2, N, N)
    np.testing.assert_allclose(J[0], np.eye(N), atol=1e-6)
    assert ident.identity_distance(J) < 1e-6
    Jp = ident.jacobians(projection_model.model, digits[:2])
    assert ident.identity_distance(Jp) == pytest.approx(np.sqrt(1 - 10 / N), rel=1e-5)
    mask = np.zeros(N, bool)
    mask[:10] = True
    assert ident.identity_distance(Jp, mask) < 1e-6  # on the kept pixels it *is* the identity


def test_jacobian_of_a_random_linear_model_is_its_matrix():
    rng = np.random.default_rng(2)
    enc, dec = rng.normal(size=(N, 5)) / 10, rng.normal(size=(5, N)) / 10
    kae = linear_model(enc, dec, 5)
    J = ident.jacobians(kae.model, rng.uniform(size=(1, N)))
    np.testing.assert_allclose(J[0], (enc @ dec).T, atol=1e-5)


def test_identity_distance_rejects_bad_shapes():
    with pytest.raises(ValueError, match="J must be"):
        ident.identity_distance(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="mask"):
        ident.identity_distance(np.zeros((4, 4)), mask=np.zeros(3, bool))


def test_code_sparsity(projection_model):
    x = np.zeros((4, N), np.float32)
    x[:, :5] = 0.5  # five of the ten code units see 0.5, five see 0
    s = ident.code_sparsity(projection_model, x)
    assert s["near_zero"] == pytest.approx(0.5) and s["mean_activation"] == pytest.approx(0.25)

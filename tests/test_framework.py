"""Tests for aehelpers.theory.framework (Baldi's A, B, Δ, E) (notebook 01); the diagram is tested in test_diagrams.py."""
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from aehelpers.theory import framework as fw  # noqa: E402

LOG2 = math.log(2.0)


# --- the Δs on hand-computed examples ---------------------------------------------------------------

def test_squared_euclidean_and_l1_by_hand():
    Z = [[1.0, 2.0], [0.0, -1.0]]
    X = [[0.0, 0.0], [3.0, 1.0]]
    np.testing.assert_array_equal(fw.squared_euclidean(Z, X), [5.0, 13.0])
    np.testing.assert_array_equal(fw.l1_distance(Z, X), [3.0, 5.0])


def test_hamming_by_hand():
    Z = [[1, 0, 1, 1], [0, 0, 0, 0]]
    X = [[1, 1, 0, 1], [0, 0, 0, 0]]
    out = fw.hamming(Z, X)
    np.testing.assert_array_equal(out, [2, 0])
    assert out.dtype == np.int64


def test_binary_cross_entropy_by_hand():
    X = [[1.0, 0.0], [0.5, 0.5]]
    Z = [[0.5, 0.5], [0.5, 0.5]]
    np.testing.assert_allclose(fw.binary_cross_entropy(Z, X), [2 * LOG2, 2 * LOG2], rtol=1e-12)
    # x = 0.25, z = 0.5: −[0.25 log 0.5 + 0.75 log 0.5] = log 2; z = 0.25: the entropy H(0.25)
    h = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    np.testing.assert_allclose(fw.binary_cross_entropy([[0.5], [0.25]], [[0.25], [0.25]]), [LOG2, h], rtol=1e-12)


def test_binary_cross_entropy_clips_like_keras():
    eps = fw.EPSILON
    # perfectly right and perfectly wrong hard predictions: finite thanks to the clip
    np.testing.assert_allclose(fw.binary_cross_entropy([[1.0, 0.0]], [[1.0, 0.0]]), [-2 * math.log1p(-eps)],
                               rtol=1e-9)
    np.testing.assert_allclose(fw.binary_cross_entropy([[0.0, 1.0]], [[1.0, 0.0]]), [-2 * math.log(eps)],
                               rtol=1e-9)
    # eps=0 is the exact formula: a perfectly wrong prediction costs infinity, a right one nothing
    assert fw.binary_cross_entropy([[1.0, 0.0]], [[1.0, 0.0]], eps=0)[0] == 0.0
    with np.errstate(divide="ignore"):
        assert np.isinf(fw.binary_cross_entropy([[0.0]], [[1.0]], eps=0)[0])


def test_binary_cross_entropy_matches_keras_times_n():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    X = rng.random((6, 10)).astype(np.float32)
    X[:, :3] = np.round(X[:, :3])  # some hard 0/1 targets, like MNIST's background
    Z = rng.random((6, 10)).astype(np.float32)
    Z[0, 0] = 1.0  # a saturated prediction exercises the clip
    ours = fw.binary_cross_entropy(Z, X) / X.shape[1]
    theirs = np.asarray(keras.losses.binary_crossentropy(X, Z))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_mean_cross_entropy_is_keras_loss_per_image_and_mean():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    x = rng.random((3, 28, 28)).astype(np.float32)
    x_hat = np.clip(x[::-1] * 0.9 + 0.05, 0, 1)[..., None]          # images of another shape: rows all the same
    theirs = np.asarray(keras.losses.binary_crossentropy(x.reshape(3, -1), x_hat.reshape(3, -1)))
    np.testing.assert_allclose(fw.mean_cross_entropy(x_hat, x, per_image=True), theirs, atol=1e-5)
    assert fw.mean_cross_entropy(x_hat, x) == pytest.approx(float(theirs.mean()), abs=1e-5)
    np.testing.assert_allclose(fw.binary_cross_entropy(x_hat, x), 784 * theirs, rtol=1e-4)
    with pytest.raises(ValueError, match="one shape"):
        fw.mean_cross_entropy(x_hat[:2], x)


def test_mean_image_loss_by_hand():
    x_train = np.array([[0.0, 1.0], [1.0, 1.0]])
    x_test = np.array([[1.0, 0.0]])
    z = np.clip([0.5, 1.0], 1e-7, 1 - 1e-7)
    expected = np.mean([-np.log(z[0]), -np.log(1 - z[1])])
    assert fw.mean_image_loss(x_train, x_test) == pytest.approx(expected)
    with pytest.raises(ValueError, match="same width"):
        fw.mean_image_loss(x_train, np.zeros((1, 3)))


def test_neg_elbo_parts_kl_zero_at_prior_and_positive_elsewhere():
    x = np.full((2, 4), 0.5)
    rec, kl = fw.neg_elbo_parts(x, x, np.zeros((2, 2)), np.zeros((2, 2)))
    assert np.allclose(kl, 0) and np.allclose(rec, 4 * np.log(2))
    _, kl = fw.neg_elbo_parts(x, x, np.ones((2, 2)), np.zeros((2, 2)))
    assert np.allclose(kl, 1.0)  # ½ Σ μ² over two numbers
    with pytest.raises(ValueError, match="z_mean and z_log_var"):
        fw.neg_elbo_parts(np.zeros((2, 4)), np.zeros((2, 4)), np.zeros((2, 2)), np.zeros((2, 3)))


# --- E(A,B) -----------------------------------------------------------------------------------------

def projection():
    """Linear 2/1/2 autoencoder keeping the first coordinate: A∘B(x) = (x₁, 0)."""
    return fw.linear_autoencoder(A_matrix=[[1.0], [0.0]], B_matrix=[[1.0, 0.0]])


def test_error_auto_and_hetero_by_hand():
    ae = projection()
    X = [[1.0, 2.0], [3.0, 4.0]]
    np.testing.assert_array_equal(ae(X), [[1.0, 0.0], [3.0, 0.0]])
    assert fw.error(ae, X) == 4.0 + 16.0
    assert fw.error(ae, X, Y=[[1.0, 0.0], [0.0, 0.0]]) == 0.0 + 9.0
    np.testing.assert_array_equal(fw.point_errors(ae, X, delta="l1"), [2.0, 4.0])
    assert fw.error(ae, X, delta=fw.l1_distance) == 6.0


def test_error_rejects_unknown_delta_name():
    with pytest.raises(ValueError, match="one of"):
        fw.error(projection(), [[1.0, 2.0]], delta="cosine")


def test_linear_autoencoder_follows_baldi_shapes():
    rng = np.random.default_rng(1)
    A, B = rng.normal(size=(5, 2)), rng.normal(size=(2, 5))
    ae = fw.linear_autoencoder(A, B)
    X = rng.normal(size=(7, 5))
    assert (ae.n, ae.p, ae.compressive) == (5, 2, True)
    np.testing.assert_allclose(ae(X), (A @ B @ X.T).T, rtol=1e-12)
    np.testing.assert_allclose(ae.encode(X), X @ B.T, rtol=1e-12)


def test_identity_is_a_solution_when_p_equals_n():
    eye = np.eye(3)
    ae = fw.linear_autoencoder(eye, eye)
    assert not ae.compressive
    assert fw.error(ae, np.random.default_rng(2).normal(size=(4, 3))) == 0.0


def test_neural_autoencoder_by_hand():
    ae = fw.neural_autoencoder(W=[[1.0], [-1.0]], b=[0.0], W2=[[0.0, 1.0]], b2=[0.0, 0.0])
    np.testing.assert_allclose(ae.encode([[2.0, 1.0], [1.0, 2.0]]), [[1.0], [0.0]])  # relu(1), relu(−1)
    np.testing.assert_allclose(ae([[2.0, 1.0]]), [[0.5, 1 / (1 + math.exp(-1))]], rtol=1e-12)


def test_sigmoid_and_relu():
    np.testing.assert_allclose(fw.sigmoid([-1000.0, 0.0, 1000.0, 2.0]), [0.0, 0.5, 1.0, 1 / (1 + math.exp(-2))])
    np.testing.assert_array_equal(fw.relu([-2.0, 0.0, 3.0]), [0.0, 0.0, 3.0])


def repetition_code():
    """Boolean 3/1/3: encode by majority vote, decode by repeating the bit."""
    return fw.boolean_autoencoder(lambda X: (X.sum(axis=1, keepdims=True) >= 2),
                                  lambda H: np.repeat(H, 3, axis=1), n=3, p=1)


def test_boolean_autoencoder_by_hand():
    ae = repetition_code()
    X = [[0, 0, 0], [1, 1, 0], [0, 1, 0], [1, 1, 1]]
    np.testing.assert_array_equal(ae(X), [[0, 0, 0], [1, 1, 1], [0, 0, 0], [1, 1, 1]])
    assert fw.error(ae, X, delta=fw.hamming) == 0 + 1 + 1 + 0


def test_binary_entropy_by_hand():
    np.testing.assert_allclose(fw.binary_entropy([0.0, 0.5, 1.0, 0.25]),
                               [0.0, LOG2, 0.0, -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))], rtol=1e-12)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fw.binary_entropy([-0.5])


def test_entropy_floor():
    X = [[0.5, 0.0, 1.0], [0.5, 0.0, 1.0]]
    assert fw.entropy_floor(X) == pytest.approx(LOG2 / 3, rel=1e-12)
    assert fw.entropy_floor([[0.0, 1.0, 1.0]]) == 0.0
    rng = np.random.default_rng(3)
    G = rng.random((5, 8))
    # the floor is what a perfect reconstruction costs (exact formula), and nothing does better
    ident = fw.Autoencoder(A=lambda H: H, B=lambda X: X, n=8, p=8)
    exact = fw.error(ident, G, delta=lambda Z, X: fw.binary_cross_entropy(Z, X, eps=0)) / G.size
    assert exact == pytest.approx(fw.entropy_floor(G), rel=1e-12)
    assert fw.binary_cross_entropy(np.clip(G + 0.05, 0, 1), G).sum() / G.size > fw.entropy_floor(G)


# --- bad input: each a clear ValueError -----------------------------------------------------------

def test_linear_autoencoder_rejects_mismatched_matrices():
    with pytest.raises(ValueError, match=r"A must have shape \(n, p\) = \(5, 2\).*B of shape \(2, 5\).*\(5, 3\)"):
        fw.linear_autoencoder(np.zeros((5, 3)), np.zeros((2, 5)))


def test_neural_autoencoder_rejects_mismatched_weights_and_biases():
    with pytest.raises(ValueError, match=r"W2 must have shape \(p, n\) = \(2, 4\).*got W2 of shape \(4, 2\)"):
        fw.neural_autoencoder(np.zeros((4, 2)), np.zeros(2), np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match=r"b \(2,\) and b2 \(4,\); got b \(4,\), b2 \(4,\)"):
        fw.neural_autoencoder(np.zeros((4, 2)), np.zeros(4), np.zeros((2, 4)), np.zeros(4))


def test_autoencoder_rejects_wrong_input_width_and_bad_maps():
    ae = projection()
    with pytest.raises(ValueError, match=r"X must have 2 columns; got shape \(1, 3\)"):
        ae([[1.0, 2.0, 3.0]])
    bad = fw.Autoencoder(A=lambda H: H, B=lambda X: X, n=3, p=2)  # B returns 3 columns, not p = 2
    with pytest.raises(ValueError, match=r"encoder B .* must return shape \(1, 2\); got \(1, 3\)"):
        bad([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="p must be"):
        fw.Autoencoder(A=lambda H: H, B=lambda X: X, n=3, p=0)
    with pytest.raises(ValueError, match="callables"):
        fw.Autoencoder(A=None, B=lambda X: X, n=3, p=2)


def test_error_rejects_x_and_y_of_different_lengths():
    with pytest.raises(ValueError, match="same number of rows; got 2 and 3"):
        fw.error(projection(), np.zeros((2, 2)), Y=np.zeros((3, 2)))


def test_delta_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=r"got Z \(1, 2\), X \(1, 3\)"):
        fw.squared_euclidean([[0.0, 0.0]], [[0.0, 0.0, 0.0]])


def test_hamming_rejects_non_binary_data():
    with pytest.raises(ValueError, match=r"binary \(0/1 only\); got values such as \[0.5\]"):
        fw.hamming([[0, 1]], [[0.5, 1]])
    with pytest.raises(ValueError, match="binary"):
        repetition_code()([[0, 2, 1]])


def test_cross_entropy_rejects_targets_outside_unit_interval():
    with pytest.raises(ValueError, match=r"targets X must hold values in \[0, 1\] .*; got values from 0 to 255 — divide pixels by 255"):
        fw.binary_cross_entropy([[0.5, 0.5]], [[0.0, 255.0]])
    with pytest.raises(ValueError, match=r"reconstructions Z must hold values in \[0, 1\] .*; got values from -0.1"):
        fw.binary_cross_entropy([[-0.1, 0.5]], [[0.0, 1.0]])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fw.entropy_floor([[1.5]])


def test_plot_entropy_floor_draws_three_panels_and_refuses_raw_pixels():
    from aehelpers.views import plots

    rng = np.random.default_rng(0)
    x = np.where(rng.random((20, 784)) < 0.2, rng.random((20, 784)), 0.0)
    ax_H, ax_h, ax_map = plots.plot_entropy_floor(x)
    assert f"{fw.binary_entropy(x).mean():.4f}" in ax_map.get_title()  # the overall mean is the floor
    assert np.isclose(max(ax_H.lines[0].get_ydata()), LOG2)  # H peaks at log 2, at v = ½
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        plots.plot_entropy_floor(x * 255)
    with pytest.raises(ValueError, match="784 columns"):
        plots.plot_entropy_floor(x[:, :100])


def test_entropy_floor_by_blocks_is_the_one_float64_mean():
    """Summed a block of rows at a time (float32 images never copied whole to float64), the floor is the
    mean of one float64 computation, across block boundaries and for images in any layout."""
    rng = np.random.default_rng(5)
    x = rng.random((fw._BLOCK_ROWS * 2 + 37, 28, 28, 1), dtype=np.float32)   # three blocks, the last short
    x[:, :3] = 0.0                                                        # blank rows of pixels: H(0) = 0
    x64 = x.reshape(len(x), -1).astype(np.float64)
    direct = float(np.mean(-(x64 * np.log(np.where(x64 > 0, x64, 1)) + (1 - x64) * np.log(np.where(x64 < 1, 1 - x64, 1)))))
    assert fw.entropy_floor(x) == pytest.approx(direct, rel=1e-12)
    assert fw.entropy_floor(x.reshape(len(x), -1)) == fw.entropy_floor(x)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fw.entropy_floor(x * 255)

"""Linear autoencoders are PCA: theory on synthetic data with a known spectrum, and bad input."""
import itertools

import numpy as np
import pytest

from aehelpers.theory import linear as lin
from aehelpers.theory import pca as pca_lib

import covariances

LAM = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.25, 0.1])  # known, distinct spectrum (n = 8)


@pytest.fixture(scope="module")
def synthetic():
    S, U = covariances.make_covariance(LAM, seed=1)
    x = covariances.sample_with_covariance(S, 500, seed=2)
    return S, U, x


def test_sample_has_the_exact_covariance(synthetic):
    S, _, x = synthetic
    assert np.allclose(pca_lib.covariance(x), S, atol=1e-10)


def test_pca_recovers_the_known_spectrum_and_eigenvectors(synthetic):
    S, U, x = synthetic
    pca = pca_lib.fit_pca(x, cache=False)
    assert np.allclose(pca.eigenvalues, LAM, atol=1e-10)
    assert np.allclose(np.abs(np.sum(pca.U * U, axis=0)), 1.0, atol=1e-10)  # same vectors up to sign
    assert np.allclose(pca.U.T @ pca.U, np.eye(len(LAM)), atol=1e-12)
    assert np.isclose(pca.variance_explained()[-1], 1.0)


def test_pca_is_remembered_in_memory_only_and_cannot_be_corrupted(synthetic, tmp_path):
    _, _, x = synthetic
    first = pca_lib.fit_pca(x)
    assert pca_lib.fit_pca(x) is first
    assert not list((tmp_path / "cache").glob("pca-*"))  # no file to go stale or be damaged
    with pytest.raises(ValueError, match="read-only"):
        first.eigenvalues[0] = np.nan
    with pytest.raises(ValueError, match="read-only"):
        first.U[0, 0] = 1.0
    assert np.isfinite(pca_lib.fit_pca(x).eigenvalues[0])
    changed = x.copy()
    changed[0] *= -1
    changed -= changed.mean(axis=0)
    assert pca_lib.fit_pca(changed) is not first  # other data, other answer


def test_closed_form_error_is_the_tail_sum_and_projection_reaches_it(synthetic):
    S, _, x = synthetic
    pca = pca_lib.fit_pca(x, cache=False)
    errors = pca.optimal_errors()
    assert errors[0] == pytest.approx(LAM.sum()) and errors[-1] == 0.0
    for p in range(1, len(LAM)):
        Up = pca.components(p)
        assert errors[p] == pytest.approx(LAM[p:].sum())
        assert lin.error_from_covariance(S, Up, Up.T) == pytest.approx(LAM[p:].sum(), rel=1e-10)
        assert lin.reconstruction_mse(x, Up, Up.T) * len(LAM) == pytest.approx(LAM[p:].sum(), rel=1e-9)
        assert pca.optimal_mse(p) == pytest.approx(LAM[p:].sum() / len(LAM))


def test_framework_error_equals_the_closed_form(synthetic):
    from aehelpers.theory import framework as fw

    S, _, x = synthetic
    pca = pca_lib.fit_pca(x, cache=False)
    Up = pca.components(3)
    E = fw.error(fw.linear_autoencoder(Up, Up.T), x, delta=fw.squared_euclidean)
    assert E / len(x) == pytest.approx(pca.optimal_error(3), rel=1e-10)


def test_gradient_and_curvature_match_finite_differences(synthetic):
    S, _, _ = synthetic
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((8, 3)), rng.standard_normal((3, 8))
    gA, gB = lin.error_gradient(S, A, B)
    dA, dB = rng.standard_normal(A.shape), rng.standard_normal(B.shape)
    h = 1e-5
    f = lambda t: lin.error_from_covariance(S, A + t * dA, B + t * dB)  # noqa: E731
    assert (f(h) - f(-h)) / (2 * h) == pytest.approx(np.sum(gA * dA) + np.sum(gB * dB), rel=1e-6)
    h = 1e-3
    assert (f(h) - 2 * f(0) + f(-h)) / h ** 2 == pytest.approx(lin.curvature(S, A, B, dA, dB), rel=1e-5)


def test_gl_p_non_uniqueness(synthetic):
    S, U, _ = synthetic
    C = np.random.default_rng(3).standard_normal((3, 3))
    A, B = lin.critical_point(U, [0, 1, 2], C)
    A0, B0 = lin.critical_point(U, [0, 1, 2])
    assert np.allclose(A @ B, A0 @ B0, atol=1e-10)
    assert lin.error_from_covariance(S, A, B) == pytest.approx(LAM[3:].sum())
    assert not np.allclose(A.T @ A, np.eye(3), atol=1e-2)  # A itself is not orthonormal
    assert np.allclose(lin.principal_cosines(A, U[:, :3]), 1.0)


def test_every_critical_point_is_a_saddle_except_the_top_p(synthetic):
    S, _, x = synthetic
    pca = pca_lib.fit_pca(x, cache=False)
    points = lin.critical_points(S, pca, 2, top=5)
    assert [pt.I for pt in points] == list(itertools.combinations(range(5), 2))
    for pt in points:
        assert pt.gradient_norm < 1e-12
        assert pt.error == pytest.approx(pt.predicted_error, rel=1e-10)
        assert pt.predicted_error == pytest.approx(LAM.sum() - LAM[list(pt.I)].sum())
        if pt.I == (0, 1):
            assert pt.kind == "minimum" and pt.min_rotation_curvature > 0 and pt.descent is None
        else:
            i, j = pt.descent
            assert pt.kind == "saddle" and LAM[j] > LAM[i] and j < 5
            # best descent rotation has curvature 2(λᵢ − λⱼ) < 0
            assert pt.min_rotation_curvature == pytest.approx(2 * (LAM[i] - LAM[j]))
            # and it is a saddle, not a maximum: scaling A up is an ascent direction
            A, B = lin.critical_point(pca.U, pt.I)
            assert lin.curvature(S, A, B, A, np.zeros_like(B)) > 0


def test_hessian_is_exact(synthetic):
    S, _, _ = synthetic
    rng = np.random.default_rng(3)
    n = S.shape[0]
    A, B = rng.standard_normal((n, 2)), rng.standard_normal((2, n))
    H = lin.hessian(S, A, B)
    x0 = np.r_[A.ravel(), B.ravel()]

    def grad(x):
        gA, gB = lin.error_gradient(S, x[:2 * n].reshape(n, 2), x[2 * n:].reshape(2, n))
        return np.r_[gA.ravel(), gB.ravel()]

    eps = 1e-6
    H_fd = np.array([(grad(x0 + eps * e) - grad(x0 - eps * e)) / (2 * eps) for e in np.eye(len(x0))])
    assert np.allclose(H, H.T) and np.abs(H - H_fd).max() < 1e-6 * np.abs(H).max()
    with pytest.raises(ValueError, match="2np"):
        lin.hessian(np.eye(784), np.zeros((784, 2)), np.zeros((2, 784)))


@pytest.mark.parametrize("p", [1, 2, 3])
def test_hessian_counts_at_every_critical_point(synthetic, p):
    """p² zero eigenvalues (the GL(p) orbit) and #{(i ∈ I, j ∉ I): λⱼ > λᵢ} negative ones, for every I."""
    S, _, x = synthetic
    pca = pca_lib.fit_pca(x, cache=False)
    top, tol = 5, 1e-9 * np.trace(S)
    for I in itertools.combinations(range(top), p):
        h = lin.critical_point_hessian(S, pca, I, top)
        expected = sum(LAM[j] > LAM[i] for i in I for j in range(top) if j not in I)
        assert lin.predicted_negative_count(LAM, I, top) == expected
        assert int(np.sum(h < -tol)) == expected, (I, h)
        assert int(np.sum(np.abs(h) <= tol)) == p * p, (I, h)
        assert len(h) == 2 * top * p
    assert lin.predicted_negative_count(LAM, range(p), top) == 0  # only the top p has none


def test_classification_uses_the_hessian(synthetic):
    S, _, x = synthetic
    pca = pca_lib.fit_pca(x, cache=False)
    for pt in lin.critical_points(S, pca, 2, top=5):
        assert pt.n_negative == pt.predicted_negative and pt.n_zero == 4 and pt.top == 5
        assert (pt.kind == "minimum") == (pt.I == (0, 1))


def test_the_origin_is_a_saddle(synthetic):
    """A = B = 0 is a (rank-deficient) critical point with negative Hessian eigenvalues."""
    S, _, _ = synthetic
    n = S.shape[0]
    A, B = np.zeros((n, 2)), np.zeros((2, n))
    assert all(np.abs(g).max() == 0 for g in lin.error_gradient(S, A, B))
    h = np.linalg.eigvalsh(lin.hessian(S, A, B))
    assert h.min() < 0 < h.max()


def test_rotation_path_descends_from_saddle_to_minimum(synthetic):
    S, _, x = synthetic
    pca = pca_lib.fit_pca(x, cache=False)
    thetas = np.linspace(0, np.pi / 2, 9)
    errs = [lin.error_from_covariance(S, *lin.rotated_point(pca.U, [0, 2], 2, 1, t)) for t in thetas]
    assert np.allclose(errs, LAM.sum() - LAM[0] - LAM[2] - np.sin(thetas) ** 2 * (LAM[1] - LAM[2]))
    assert errs[-1] == pytest.approx(pca.optimal_error(2)) and np.all(np.diff(errs) < 0)


def test_minimum_has_no_negative_curvature_in_random_directions(synthetic):
    S, _, x = synthetic
    pca = pca_lib.fit_pca(x, cache=False)
    A, B = lin.critical_point(pca.U, [0, 1])
    rng = np.random.default_rng(0)
    assert min(lin.curvature(S, A, B, rng.standard_normal(A.shape), rng.standard_normal(B.shape))
               for _ in range(200)) > -1e-10
    A, B = lin.critical_point(pca.U, [0, 3])
    dA = np.zeros_like(A)
    dA[:, 1] = pca.U[:, 1]  # turn u₄ (the second column of A) towards u₂
    dB = dA.T
    assert lin.curvature(S, A, B, dA, dB) == pytest.approx(2 * (LAM[3] - LAM[1]))


def test_alternating_least_squares_converges_to_the_pca_subspace(synthetic):
    S, U, _ = synthetic
    out = lin.alternate_least_squares(S, 3, iterations=200, seed=0)
    assert out["errors"][-1] == pytest.approx(LAM[3:].sum(), rel=1e-9)
    assert lin.principal_cosines(out["A"], U[:, :3]).min() > 1 - 1e-9
    assert np.all(np.diff(out["errors"]) <= 1e-12)  # each half-step is a least-squares solve: monotone


def test_reduced_rank_regression_closed_form(synthetic):
    _, _, x = synthetic
    rng = np.random.default_rng(4)
    y = x[:, :5] @ rng.standard_normal((5, 4)) + 0.1 * rng.standard_normal((len(x), 4))
    y -= y.mean(axis=0)
    rr = lin.reduced_rank_regression(x, y, 2)
    assert rr.error == pytest.approx(lin.reconstruction_mse(x, rr.A, rr.B, y) * 4, rel=1e-9)
    # no random rank-2 map and no rank-2 truncation of the full regression does better
    full = lin.reduced_rank_regression(x, y, 4)
    W, *_ = np.linalg.lstsq(x, y, rcond=None)
    assert full.error == pytest.approx(np.mean(np.sum((y - x @ W) ** 2, axis=1)), rel=1e-9)
    for seed in range(20):
        r = np.random.default_rng(seed)
        assert lin.reconstruction_mse(x, r.standard_normal((4, 2)), r.standard_normal((2, 8)), y) * 4 >= rr.error
    # with y = x it is PCA
    assert lin.reduced_rank_regression(x, x, 3).error == pytest.approx(LAM[3:].sum(), rel=1e-9)


def test_principal_cosines():
    e = np.eye(4)
    assert np.allclose(lin.principal_cosines(e[:, :2], e[:, [1, 0]]), [1, 1])
    rot = np.stack([e[:, 0], np.cos(0.3) * e[:, 1] + np.sin(0.3) * e[:, 2]], axis=1)
    assert np.allclose(lin.principal_cosines(rot, e[:, :2]), [1, np.cos(0.3)])


# --- bad input --------------------------------------------------------------------------------

def test_non_centred_data_is_refused(synthetic):
    _, _, x = synthetic
    with pytest.raises(ValueError, match="centred"):
        pca_lib.fit_pca(x + 1.0, cache=False)
    with pytest.raises(ValueError, match="centred"):
        pca_lib.covariance(x + 0.5)
    xc, mean = pca_lib.centre(x + 1.0)
    assert np.allclose(mean, 1.0 + x.mean(axis=0), atol=1e-5)
    pca_lib.check_centred(xc)


def test_nan_data_is_refused(synthetic):
    _, _, x = synthetic
    bad = x.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        pca_lib.fit_pca(bad, cache=False)
    with pytest.raises(ValueError, match="NaN"):
        pca_lib.centre(bad)


def test_p_outside_range_is_refused(synthetic):
    _, _, x = synthetic
    pca = pca_lib.fit_pca(x, cache=False)
    for p in (0, 9, -1):
        with pytest.raises(ValueError, match=rf"p must be in 1…8; got {p}"):
            pca.optimal_error(p)
    with pytest.raises(ValueError, match="p must be an integer"):
        pca.components(2.5)


def test_mismatched_shapes_are_refused(synthetic):
    S, U, x = synthetic
    with pytest.raises(ValueError, match=r"B must have p = 3 rows to match A of shape \(8, 3\)"):
        lin.error_from_covariance(S, U[:, :3], U[:, :2].T)
    with pytest.raises(ValueError, match="n = 8 to match Σ"):
        lin.error_from_covariance(S, np.ones((7, 3)), np.ones((3, 7)))
    with pytest.raises(ValueError, match="mean must have shape"):
        pca_lib.centre(x, np.zeros(5))
    with pytest.raises(ValueError, match="same number of rows"):
        lin.reconstruction_mse(x, U[:, :2], U[:, :2].T, x[:10])
    with pytest.raises(ValueError, match="distinct indices"):
        lin.critical_point(U, [0, 0])
    with pytest.raises(ValueError, match="invertible"):
        lin.critical_point(U, [0, 1], np.ones((2, 2)))


# --- the Keras linear autoencoder --------------------------------------------------------------

@pytest.fixture(scope="module")
def keras_data():
    lam = np.concatenate([[4.0, 3.0, 2.0], np.linspace(0.5, 0.05, 17)])  # gap λ₃ = 2 > λ₄ = 0.5
    S, U = covariances.make_covariance(lam, seed=5)
    return lam, U, covariances.sample_with_covariance(S, 2048, seed=6).astype(np.float32)


def test_keras_linear_autoencoder_reaches_pca(keras_data):
    from aehelpers.nets import training as lt

    lam, U, x = keras_data
    A, B, history, seconds = lt.train_linear_autoencoder(x, 3, epochs=12, seed=0)
    assert A.shape == (20, 3) and B.shape == (3, 20) and seconds > 0
    assert len(history["loss"]) == 12 and len(history["A"]) == 12 and len(history["B"]) == 12
    ratio = lin.reconstruction_mse(x, A, B) / (lam[3:].sum() / 20)
    assert 1 - 1e-4 <= ratio <= 1.005
    assert lin.principal_cosines(A, U[:, :3]).min() >= 0.999
    assert not np.allclose(A.T @ A, np.eye(3), atol=0.05)  # learned A is not the orthonormal eigenbasis…
    P = U[:, :3] @ U[:, :3].T
    assert np.abs(A @ B - P).max() < 0.02  # …but A B is the projection
    A_model, B_model = lt.weights_AB(history["model"])
    assert np.array_equal(A_model, A) and np.array_equal(B_model, B)


def test_training_refuses_bad_input(keras_data):
    from aehelpers.nets import training as lt

    _, _, x = keras_data
    with pytest.raises(ValueError, match="centred"):
        lt.train_linear_autoencoder(x + 1.0, 3, epochs=1)
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        lt.train_linear_autoencoder(bad, 3, epochs=1)
    for p in (0, 21):
        with pytest.raises(ValueError, match=rf"p must be in 1…20; got {p}"):
            lt.train_linear_autoencoder(x, p, epochs=1)
    with pytest.raises(ValueError, match="same number of rows"):
        lt.train_linear_autoencoder(x, 3, y_train=pca_lib.centre(x[:100])[0], epochs=1)
    with pytest.raises(ValueError, match="epochs must be"):
        lt.train_linear_autoencoder(x, 3, epochs=0)


def test_cached_training_trains_once_and_keys_every_setting(keras_data):
    import aehelpers as ae
    from aehelpers.nets import training as lt

    lam, U, x = keras_data
    x_test = x[:256]
    args = dict(x_test=x_test, U_ref=U[:, :3], epochs=3, seed=0)
    assert not ae.call_entry(lt.train_linear_tracked, x, 3, **args).exists()
    A, B, history = ae.cached(lt.train_linear_tracked, x, 3, **args)
    assert history["epochs"] == 3 and history["seconds"] > 0
    assert len(history["test_mse"]) == 3 and len(history["cosines"]) == 3 * 3 and len(history["captured"]) == 3
    assert history["test_mse"][-1] == pytest.approx(lin.reconstruction_mse(x_test, A, B), rel=1e-5)
    assert ae.call_entry(lt.train_linear_tracked, x, 3, **args).exists()
    A2, B2, history2 = ae.cached(lt.train_linear_tracked, x, 3, **args)
    assert np.array_equal(A2, A) and np.array_equal(B2, B) and history2 == history
    other_seed = ae.call_entry(lt.train_linear_tracked, x, 3, **{**args, "seed": 1})
    other_data = ae.call_entry(lt.train_linear_tracked, x[:-8] - x[:-8].mean(axis=0), 3, **args)
    assert not other_seed.exists() and not other_data.exists()
    with pytest.raises(ValueError, match="both x_test and U_ref"):
        lt.train_linear_tracked(x, 3, x_test=x_test, epochs=1)


# --- watching a fit: ae.track_subspace (notebook 02) and the figures of 02 -------------------------

def _plain_linear(n=20, p=3, seed=0):
    import keras

    import aehelpers as ae

    ae.seed_everything(seed)
    model = keras.Sequential([keras.Input(shape=(n,)), keras.layers.Dense(p, use_bias=False, name="encoding"),
                              keras.layers.Dense(n, use_bias=False, name="decoding")])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_track_subspace_writes_into_the_history_and_a_cached_fit_keeps_it(keras_data):
    import aehelpers as ae
    from aehelpers.nets import tracking

    _, U, x = keras_data
    x_test = x[:256]
    model = _plain_linear()
    fit = ae.cached_fit(model, x, x, epochs=3, batch_size=256, verbose=0,
                        callbacks=[tracking.track_subspace(x_test, U[:, :3])])
    track = tracking.subspace_history(fit.history)
    assert track["cosines"].shape == (3, 3) and track["test_mse"].shape == track["seconds"].shape == (3,)
    assert np.all(np.diff(track["seconds"]) > 0)
    A, B = ae.weights_AB(model)
    assert track["test_mse"][-1] == pytest.approx(lin.reconstruction_mse(x_test, A, B), rel=1e-5)
    assert np.allclose(track["cosines"][-1], lin.principal_cosines(A, U[:, :3]), atol=1e-6)
    again = _plain_linear()  # the same model and fit: loaded, with what the callback logged
    fit2 = ae.cached_fit(again, x, x, epochs=3, batch_size=256, verbose=0,
                         callbacks=[tracking.track_subspace(x_test, U[:, :3])])
    assert fit2.hit and np.array_equal(tracking.subspace_history(fit2.history)["cosines"], track["cosines"])


def test_track_subspace_refuses_bad_input(keras_data):
    from aehelpers.nets import tracking

    _, U, x = keras_data
    with pytest.raises(ValueError, match="one row per pixel of x_test"):
        tracking.track_subspace(x[:10], U[:5, :3])
    with pytest.raises(ValueError, match="NaN"):
        tracking.track_subspace(np.full((4, 20), np.nan), U[:, :3])
    with pytest.raises(ValueError, match="track_subspace"):
        tracking.subspace_history({"loss": [1.0, 0.5]})


def test_plot_convergence_counts_epochs_and_says_what_the_first_one_cost():
    from aehelpers.views import plots

    cos = np.array([[0.9, 0.5], [0.99, 0.8], [0.999, 0.95]])
    ax1, ax2 = plots.plot_convergence([1.2, 1.01, 1.001], cos, seconds=[2.0, 2.5, 3.0])
    assert list(ax1.lines[0].get_xdata()) == [1, 2, 3]  # epochs, not seconds: the axis starts at the start
    assert "2.0 s, tracing included" in ax1.get_xlabel() and "0.50 s each" in ax1.get_xlabel()
    assert np.allclose(ax2.lines[-1].get_ydata(), 1 - cos[:, -1])  # the last angle, in red
    right = [child for child in ax2.child_axes if child.get_ylabel() == "principal angle θ"]
    assert len(right) == 1  # the same values read as degrees: 1 − cos 10° sits at 10°
    ticks = dict(zip([t.get_text() for t in right[0].get_yticklabels()], right[0].get_yticks()))
    assert "10°" in ticks and np.isclose(ticks["10°"], 10.0)
    assert np.isclose(right[0]._functions[1](10.0), 1 - np.cos(np.radians(10.0)))
    with pytest.raises(ValueError, match="one row per ratio"):
        plots.plot_convergence([1.2, 1.01], cos)


def test_plot_error_vs_p_draws_the_training_curve_on_top_of_the_test_curve(synthetic):
    from aehelpers.views import plots

    _, _, x = synthetic
    pca = pca_lib.fit_pca(x, cache=False)
    test_mse = np.r_[pca.optimal_errors()] / pca.n * 1.01
    ax = plots.plot_error_vs_p(pca, test_mse, {2: test_mse[2], 4: test_mse[4]})
    test_line, train_line, markers = ax.lines
    assert test_line.get_linestyle() == "-" and train_line.get_linestyle() == "--"  # dashes over a wide line
    assert test_line.get_linewidth() > 2 * train_line.get_linewidth()
    assert markers.get_markerfacecolor() == "none" and list(markers.get_xdata()) == [2, 4]  # the curve shows through


def test_reconstruction_mse_by_blocks_is_the_one_float64_mean():
    """Summed a block of rows at a time (float32 data never copied whole to float64), the MSE is the
    mean of one float64 computation, with and without separate targets, across block boundaries."""
    rng = np.random.default_rng(3)
    m = pca_lib.BLOCK_ROWS + 917                                # two blocks, the second short
    x = rng.random((m, 12), dtype=np.float32)
    y = rng.random((m, 5), dtype=np.float32)
    A, B = rng.standard_normal((12, 3)), rng.standard_normal((3, 12))
    x64 = x.astype(np.float64)
    assert lin.reconstruction_mse(x, A, B) == pytest.approx(np.mean((x64 - x64 @ B.T @ A.T) ** 2), rel=1e-12)
    A5 = rng.standard_normal((5, 3))
    expected = np.mean((y.astype(np.float64) - x64 @ B.T @ A5.T) ** 2)
    assert lin.reconstruction_mse(x, A5, B, y) == pytest.approx(expected, rel=1e-12)
    assert lin.reconstruction_mse(x[:7].tolist(), A, B) == pytest.approx(np.mean((x64[:7] - x64[:7] @ B.T @ A.T) ** 2), rel=1e-12)

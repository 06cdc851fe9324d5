"""Vertical composition: PCA on PCA is PCA; stacked Boolean autoencoders are hierarchical clustering."""
import numpy as np
import pytest

import aehelpers as ae
from aehelpers.theory import boolean as bo
from aehelpers.theory import partitions as pt
from aehelpers.theory import stacking as st
from aehelpers.theory.linear import principal_cosines


@pytest.fixture(scope="module")
def mnist():
    return ae.load_mnist(n_train=1000, n_test=10, verbose=False)


def test_principal_cosines_of_equal_and_orthogonal_subspaces():
    rng = np.random.default_rng(0)
    U = rng.standard_normal((20, 3))
    mix = rng.standard_normal((3, 3))
    assert np.allclose(principal_cosines(U, U @ mix), 1.0)
    E = np.eye(6)
    assert np.allclose(principal_cosines(E[:, :2], E[:, 2:4]), 0.0)
    assert np.allclose(np.sort(principal_cosines(E[:, :2], E[:, 1:3])), [0.0, 1.0])


def test_pca_of_pca_codes_is_pca(mnist):
    stack = st.stack_pca(mnist.x_train, (128, 32))
    _, direct, _ = st.pca_basis(mnist.x_train, 32)
    assert principal_cosines(stack.composite_basis, direct).min() >= 1 - 1e-6
    # and the stack reconstructs exactly as the direct 32-component PCA does
    x = mnist.x_train.astype(np.float64)
    x_direct = (x - x.mean(0)) @ direct @ direct.T + x.mean(0)
    assert np.allclose(stack.decode(stack.encode(x)), x_direct, atol=1e-6)


def test_pca_stack_on_a_known_spectrum():
    rng = np.random.default_rng(1)
    scales = np.linspace(5, 0.5, 12)
    X = rng.standard_normal((4000, 12)) * scales @ np.linalg.qr(rng.standard_normal((12, 12)))[0]
    stack = st.stack_pca(X, (8, 5, 2))
    _, direct, _ = st.pca_basis(X, 2)
    assert principal_cosines(stack.composite_basis, direct).min() >= 1 - 1e-9


def _first_layer_minimum(x, p1, C):
    from aehelpers.theory.linear import critical_point
    _, U, _ = st.pca_basis(x, x.shape[1])
    return critical_point(U, range(p1), C)


def test_linear_stacking_needs_an_orthogonal_first_layer():
    """PCA of the codes of A₁ = U C, B₁ = C⁻¹Uᵀ is the direct PCA only when C is orthogonal."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 12)) * np.linspace(3, 0.3, 12)   # distinct variances, axis-aligned
    _, U4, _ = st.pca_basis(x, 4)
    Q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    good = st.stack_linear(x, *_first_layer_minimum(x, 8, Q), 4)
    assert principal_cosines(good.A, U4).min() > 1 - 1e-9
    # C = diag(λ): codes' covariance Λ⁻¹ reverses the order, PCA of the codes keeps the *smallest* four
    lam = np.linalg.eigvalsh(np.cov(x.T, bias=True))[::-1][:8]
    bad = st.stack_linear(x, *_first_layer_minimum(x, 8, np.diag(lam)), 4)
    assert principal_cosines(bad.A, U4).min() < 1e-6
    fixed = st.stack_linear(x, *_first_layer_minimum(x, 8, np.diag(lam)), 4, orthogonalise=True)
    assert principal_cosines(fixed.A, U4).min() > 1 - 1e-9
    with pytest.raises(ValueError, match="A1 must be n × p1"):
        st.stack_linear(x, np.zeros((11, 8)), np.zeros((8, 12)), 4)


def test_pca_stack_refuses_widening_layers():
    with pytest.raises(ValueError, match="each width"):
        st.stack_pca(np.random.default_rng(0).random((50, 10)), (4, 6))
    with pytest.raises(ValueError, match="at least one"):
        st.stack_pca(np.random.default_rng(0).random((50, 10)), ())


def test_boolean_stack_is_a_clustering_worse_than_direct(mnist):
    X = bo.binarize(mnist.x_train)
    stack = st.stack_boolean(X, 4, 2, n_starts=3, seed=0)
    direct = bo.fit_boolean_autoencoder(X, 2, n_starts=3, seed=0)
    assert stack.p == 2 and set(np.unique(stack.codes)) <= set(range(4))
    assert stack.refit_error <= stack.error          # re-voting the top decoder can only help
    assert direct.error < stack.refit_error          # the relationship measured in notebook 05
    # each first-layer cluster goes whole into one top cluster: hierarchical
    for h in np.unique(stack.first.codes):
        assert len(np.unique(stack.codes[stack.first.codes == h])) == 1


def test_boolean_stack_never_beats_the_exact_optimum():
    X = (np.random.default_rng(3).random((11, 8)) < 0.4).astype(np.uint8)
    exact = pt.exhaustive_boolean_autoencoder(X, 1)
    stack = st.stack_boolean(X, 3, 1, n_starts=5)
    assert exact.error <= stack.refit_error <= stack.error


def test_boolean_stack_refuses_a_wider_top():
    X = (np.random.default_rng(0).random((40, 6)) < 0.5).astype(np.uint8)
    with pytest.raises(ValueError, match="p2 < p1"):
        st.stack_boolean(X, 2, 2)


def test_a_cached_boolean_stack_is_the_stack():
    rng = np.random.default_rng(2)
    X = (rng.random((150, 10)) < 0.4).astype(np.uint8)
    plain = st.stack_boolean(X, 3, 1, n_starts=2, seed=1)
    for got in (ae.cached(st.stack_boolean, X, 3, 1, n_starts=2, seed=1),
                ae.cached(st.stack_boolean, X, 3, 1, n_starts=2, seed=1)):
        assert isinstance(got, st.BooleanStack) and isinstance(got.first, bo.BooleanFit)
        assert (got.error, got.refit_error) == (plain.error, plain.refit_error)
        assert np.array_equal(got.codes, plain.codes) and np.array_equal(got.first.A, plain.first.A)
        assert np.array_equal(got.second.codes, plain.second.codes)
    assert ae.call_entry(st.stack_boolean, X, 3, 1, n_starts=2, seed=1).exists()
    assert not ae.call_entry(st.stack_boolean, X, 3, 2, n_starts=2, seed=1).exists()   # another p2: another entry


def _excess(x, A1, B1, p2):
    from aehelpers.theory.linear import error_from_covariance
    S = np.cov(x.T, bias=True)
    lam = np.linalg.eigvalsh(S)[::-1]
    s = st.stack_linear(x, A1, B1, p2)
    return error_from_covariance(S, s.A, s.B) / lam[p2:].sum() - 1


def test_stacking_is_exact_for_CCt_proportional_to_I_and_damage_grows_with_cond():
    """The condition is CCᵀ ∝ I (a scaled rotation stacks exactly); the excess grows with cond(C)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2000, 12)) * np.geomspace(3, 0.3, 12)
    Q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    assert abs(_excess(x, *_first_layer_minimum(x, 8, 3.0 * Q), 4)) < 1e-9       # scale is harmless
    damage = [_excess(x, *_first_layer_minimum(x, 8, Q @ np.diag(np.geomspace(1, c, 8))), 4) for c in (1.1, 1.5, 2, 4)]
    assert damage[0] > 0 and all(a < b for a, b in zip(damage, damage[1:])), damage


def _descend(S, A, B, steps=20000, lr=0.01):
    for _ in range(steps):
        R = S - A @ (B @ S)                           # (I − AB) Σ
        A, B = A + lr * R @ B.T, B + lr * A.T @ R
    return A, B


def test_gradient_flow_conserves_AtA_minus_BBt_so_a_tied_start_ends_orthogonal():
    """dD/dt = 0 for D = AᵀA − BBᵀ: tied start → C orthogonal, exact stack; untied start keeps D ≠ 0."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3000, 10)) * np.geomspace(2, 0.5, 10)
    x = x - x.mean(0)
    S = x.T @ x / len(x)
    W, V = rng.uniform(-0.5, 0.5, (10, 4)), rng.uniform(-0.5, 0.5, (4, 10))
    D0 = np.linalg.norm(W.T @ W - V @ V.T)
    A, B = _descend(S, W, W.T)
    assert np.linalg.norm(A.T @ A - B @ B.T) < 0.02 and np.linalg.cond(A) < 1.02
    assert abs(_excess(x, A, B, 2)) < 1e-3
    A, B = _descend(S, W, V)
    assert abs(np.linalg.norm(A.T @ A - B @ B.T) - D0) < 0.05 * D0           # D conserved
    assert np.linalg.cond(A) > 1.2 and _excess(x, A, B, 2) > 10 * max(abs(_excess(x, *_descend(S, W, W.T), 2)), 1e-6)

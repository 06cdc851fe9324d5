"""Oja's and Sanger's rules converge to the principal subspace (Sanger: to the ordered eigenvectors)."""
import numpy as np
import pytest

import aehelpers as ae
from aehelpers.theory import hebbian as hb
from aehelpers.theory import stacking as st
from aehelpers.theory.linear import principal_cosines


@pytest.fixture(scope="module")
def mnist_pca():
    x = ae.load_mnist(n_train=2000, n_test=10, verbose=False).x_train.astype(np.float64)
    _, U, _ = st.pca_basis(x, 8)
    return x, U


@pytest.mark.parametrize("rule", ["oja", "sanger"])
def test_hebbian_rules_find_the_pca_subspace(mnist_pca, rule):
    x, U = mnist_pca
    res = hb.train_hebbian(x, 8, rule=rule, seed=0,
                           track=lambda W: principal_cosines(W.T, U).min())
    assert principal_cosines(res.W.T, U).min() >= 0.99
    assert res.trace[-1] > res.trace[0]
    assert np.allclose(np.linalg.norm(res.W, axis=1), 1.0, atol=0.02)     # Oja's decay keeps ‖w‖ ≈ 1


def test_sanger_orders_the_eigenvectors_and_oja_does_not_need_to(mnist_pca):
    x, U = mnist_pca
    sanger = hb.train_hebbian(x, 8, rule="sanger", seed=0)
    W = sanger.W / np.linalg.norm(sanger.W, axis=1, keepdims=True)
    assert (np.abs(np.sum(W * U.T, axis=1)) >= 0.95).all()


def test_single_updates_match_the_rules():
    rng = np.random.default_rng(0)
    W, x = rng.standard_normal((2, 5)), rng.standard_normal((1, 5))
    y = W @ x[0]
    assert np.allclose(hb.oja_update(W, x, 0.1), W + 0.1 * (np.outer(y, x[0]) - np.outer(y, y) @ W))
    assert np.allclose(hb.sanger_update(W, x, 0.1), W + 0.1 * (np.outer(y, x[0]) - np.tril(np.outer(y, y)) @ W))


def test_bad_arguments_are_refused():
    x = np.random.default_rng(0).random((20, 5))
    with pytest.raises(ValueError, match="rule must be one of"):
        hb.train_hebbian(x, 2, rule="hebb")
    with pytest.raises(ValueError, match="p must be in"):
        hb.train_hebbian(x, 6)
    with pytest.raises(ValueError, match="lr must be"):
        hb.train_hebbian(x, 2, lr=-1.0)
    with pytest.raises(FloatingPointError, match="diverged"):
        hb.train_hebbian(x * 1000, 2, lr=10.0, epochs=3)


def test_oja_is_the_tied_autoencoder_gradient_minus_a_term_zero_at_orthonormal_W():
    """−½∇_W ‖x − WᵀWx‖² = (y xᵀ − y yᵀ W) + (I − WWᵀ) y xᵀ, checked against finite differences."""
    rng = np.random.default_rng(0)
    W, x = rng.standard_normal((3, 7)), rng.standard_normal(7)
    loss = lambda V: float(np.sum((x - V.T @ V @ x) ** 2))
    eps, grad = 1e-6, np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        dW = np.zeros_like(W)
        dW[idx] = eps
        grad[idx] = (loss(W + dW) - loss(W - dW)) / (2 * eps)
    y = W @ x
    oja = np.outer(y, x) - np.outer(y, y) @ W
    dropped = (np.eye(3) - W @ W.T) @ np.outer(y, x)
    assert np.allclose(-0.5 * grad, oja + dropped, atol=1e-6)
    Q = np.linalg.qr(rng.standard_normal((7, 3)))[0].T                  # orthonormal rows: the term vanishes
    assert np.allclose((np.eye(3) - Q @ Q.T) @ np.outer(Q @ x, x), 0, atol=1e-12)


def test_oja_rows_end_orthonormal():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2000, 10)) * np.linspace(3, 0.5, 10)
    res = hb.train_hebbian(X, 3, rule="oja", epochs=10, lr=0.01, seed=0)
    assert np.linalg.norm(res.W @ res.W.T - np.eye(3)) < 0.05


def test_a_rule_written_in_the_notebook_is_accepted_and_cached():
    def oja(W, x, lr):          # as notebook 05 writes it
        y = x @ W.T
        return W + lr * (y.T @ x - (y.T @ y) @ W) / len(x)

    x = np.random.default_rng(0).standard_normal((300, 6)) * np.arange(6, 0, -1)
    track = lambda W: float(np.abs(W).sum())        # noqa: E731
    builtin = hb.train_hebbian(x, 2, rule="oja", epochs=3, lr=0.005, seed=1, track=track)
    mine = ae.cached(hb.train_hebbian, x, 2, rule=oja, epochs=3, lr=0.005, seed=1, track=track)
    again = ae.cached(hb.train_hebbian, x, 2, rule=oja, epochs=3, lr=0.005, seed=1, track=track)
    assert ae.call_entry(hb.train_hebbian, x, 2, rule=oja, epochs=3, lr=0.005, seed=1, track=track).exists()
    assert isinstance(again, hb.HebbianResult) and mine.rule == again.rule == "oja"
    assert np.allclose(mine.W, builtin.W) and np.array_equal(again.W, mine.W) and again.trace == mine.trace
    assert again.seconds == mine.seconds  # loaded: the time of the run that made it
    other_data = ae.cached(hb.train_hebbian, x[:-1], 2, rule=oja, epochs=3, lr=0.005, seed=1, track=track)
    other_lr = ae.cached(hb.train_hebbian, x, 2, rule=oja, epochs=3, lr=0.004, seed=1, track=track)
    assert not np.array_equal(other_data.W, mine.W) and not np.array_equal(other_lr.W, mine.W)
    with pytest.raises(ValueError, match="update function"):
        hb.train_hebbian(x, 2, rule="hebb")


def _cell(source: str, name: str, number: int):
    """Define ``name`` from ``source`` as a notebook cell does: a fake file name that linecache knows."""
    import linecache

    filename = f"<ipython-input-{number}-cell>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


OJA = """def rule(W, x, lr):
    y = x @ W.T
    return W + lr * (y.T @ x - (y.T @ y) @ W) / len(x)
"""


def test_an_edited_rule_trains_again_not_the_old_rules_weights():
    """Issue 24: the key held hebbian.py's code, not the rule's, so an edited rule got the old weights back."""
    x = np.random.default_rng(1).standard_normal((200, 6)) * np.arange(6, 0, -1)
    first = ae.cached(hb.train_hebbian, x, 3, rule=_cell(OJA, "rule", 1), epochs=3, lr=0.01)
    again = ae.cached(hb.train_hebbian, x, 3, rule=_cell(OJA, "rule", 2), epochs=3, lr=0.01)  # the cell run again
    assert np.array_equal(again.W, first.W)
    edited = _cell(OJA.replace("(y.T @ y) @ W", "np.tril(y.T @ y) @ W"), "rule", 3)  # the reader makes it Sanger's
    fresh = hb.train_hebbian(x, 3, rule=edited, epochs=3, lr=0.01)
    got = ae.cached(hb.train_hebbian, x, 3, rule=edited, epochs=3, lr=0.01)
    assert not np.array_equal(got.W, first.W) and np.array_equal(got.W, fresh.W)

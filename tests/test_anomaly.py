"""ROC AUC in NumPy: known values, ties, symmetry, bad input."""
import numpy as np
import pytest

from aehelpers.theory import anomaly


def brute_auc(a, b):
    a, b = np.asarray(a, float)[:, None], np.asarray(b, float)[None, :]
    return float(((b > a) + 0.5 * (b == a)).mean())


def test_perfect_and_reversed():
    assert anomaly.roc_auc([0, 1, 2], [3, 4]) == 1.0
    assert anomaly.roc_auc([3, 4], [0, 1, 2]) == 0.0


def test_ties_count_half():
    assert anomaly.roc_auc([1, 1], [1, 1, 1]) == 0.5


def test_matches_pairwise_definition():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a = rng.integers(0, 6, size=rng.integers(1, 40)).astype(float)
        b = rng.integers(0, 6, size=rng.integers(1, 40)).astype(float) + rng.random() * 2
        assert np.isclose(anomaly.roc_auc(a, b), brute_auc(a, b))
        assert np.isclose(anomaly.roc_auc(a, b) + anomaly.roc_auc(b, a), 1.0)


def test_roc_curve_ends_and_area():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=200), rng.normal(1.0, size=150)
    fpr, tpr = anomaly.roc_curve(a, b)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    assert np.isclose(np.trapezoid(tpr, fpr), anomaly.roc_auc(a, b))


@pytest.mark.parametrize("bad", [[], [[1.0, 2.0]], [1.0, np.nan]])
def test_bad_scores(bad):
    with pytest.raises(ValueError, match="normal"):
        anomaly.roc_auc(bad, [1.0])


def test_cross_entropy_excess_takes_out_each_images_own_floor():
    from aehelpers.theory.framework import binary_entropy, mean_cross_entropy
    rng = np.random.default_rng(2)
    x, x_hat = rng.random((6, 784)), rng.uniform(0.05, 0.95, (6, 784))
    got = anomaly.cross_entropy_excess(x_hat, x)
    np.testing.assert_allclose(got, mean_cross_entropy(x_hat, x, per_image=True) - binary_entropy(x).mean(axis=1))
    assert np.all(got > 0) and np.allclose(anomaly.cross_entropy_excess(x, x), 0, atol=1e-6)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        anomaly.cross_entropy_excess(x_hat, x * 255)

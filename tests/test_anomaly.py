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


def test_plot_roc_returns_axes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ax = anomaly.plot_roc({"x": ([0.0, 1.0], [2.0, 3.0])})
    assert isinstance(ax, matplotlib.axes.Axes)
    _, given = plt.subplots()
    assert anomaly.plot_roc({"x": ([0.0], [1.0])}, ax=given) is given
    plt.close("all")
    assert ax.get_xlabel() and ax.get_ylabel() and "AUC 1.000" in ax.get_legend().get_texts()[0].get_text()


def test_threshold_view_render_and_slider():
    rng = np.random.default_rng(0)
    normal, far = rng.lognormal(-2.3, 0.2, 300), rng.lognormal(-0.5, 0.2, 100)
    view = anomaly.prepare_threshold_view(normal, {"far": far}, n_stops=11)
    assert len(view.thresholds) >= 2 and list(view.thresholds) == sorted(view.thresholds)
    t = view.thresholds[5]
    frame = anomaly.render_threshold(view, t)
    assert frame.numbers["test digits"] == float((normal >= t).mean())  # the share above the line, counted
    assert frame.numbers["far"] == float((far >= t).mean()) and "far flagged" in frame.label
    assert view.flagged[view.thresholds[0]]["test digits"] == 1.0  # the lowest threshold flags everything
    assert anomaly.render_threshold(view, view.thresholds[0]).images != frame.images  # the line moves
    with pytest.raises(ValueError, match="precomputed thresholds"):
        anomaly.render_threshold(view, 123.0)
    slider = anomaly.threshold_slider(view, threshold=t * 1.001)
    assert slider.values() == {"threshold": t}
    assert slider.update(threshold=view.thresholds[-1]).numbers["threshold"] == view.thresholds[-1]


def test_threshold_view_bad_input():
    with pytest.raises(ValueError, match="positive"):
        anomaly.prepare_threshold_view([0.0, 1.0], {"x": [2.0]})
    with pytest.raises(ValueError, match="at least one family"):
        anomaly.prepare_threshold_view([1.0], {})

"""Inputs the model never saw: the noise-level slider, ROC curves and the threshold slider."""
import numpy as np
import pytest

from aehelpers.views import robustness as rb
from aehelpers import probes as ae_probes
from aehelpers.theory.framework import mean_cross_entropy
from aehelpers.views.slider import Frame


def digits(k=3):
    return np.random.default_rng(0).random((k, 28, 28)).astype(np.float32)


def test_as_images_shapes():
    assert rb._as_images(digits()).shape == (3, 28, 28, 1)
    assert rb._as_images(digits()[..., None]).shape == (3, 28, 28, 1)
    with pytest.raises(ValueError, match=r"\(k, 28, 28, 1\).*got \(3, 784\).*reshape"):
        rb._as_images(digits().reshape(3, 784))
    with pytest.raises(ValueError, match=r"got \(3, 32, 32\)"):
        rb._as_images(np.zeros((3, 32, 32)))


def test_view_render_and_slider():
    x = digits(4)
    view = rb.prepare_noise_view(lambda imgs: imgs * 0.5, x, [0.0, 0.5, 1.0], seed=0)
    assert np.array_equal(view.noisy[0.0], x)
    assert np.array_equal(view.noisy[1.0], ae_probes.add_noise(x, 1.0, 0))  # the one corruption, seeded
    assert view.bce[0.5] == pytest.approx(mean_cross_entropy(view.denoised[0.5], x))
    frame = rb.render_noise(view, 0.5)
    assert isinstance(frame, Frame) and "0.50" in frame.label and frame.numbers["BCE"] == view.bce[0.5]
    with pytest.raises(ValueError, match=r"noise level must be one of the slider's stops \[0.0, 0.5, 1.0\]; got 0.3"):
        rb.render_noise(view, 0.3)
    with pytest.raises(ValueError, match=r"stops \[0.0, 0.5, 1.0\]; got 2.0"):
        rb.render_noise(view, 2.0)
    slider = rb.noise_slider(view, level=0.4)
    assert slider.values() == {"level": 0.5}
    assert slider.update(level=1.0).numbers["noise level"] == 1.0


def test_view_rejects_bad_levels():
    with pytest.raises(ValueError, match="each noise level"):
        rb.prepare_noise_view(lambda i: i, digits(), [0.0, 1.2])


def test_plot_roc_returns_axes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ax = rb.plot_roc({"x": ([0.0, 1.0], [2.0, 3.0])})
    assert isinstance(ax, matplotlib.axes.Axes)
    _, given = plt.subplots()
    assert rb.plot_roc({"x": ([0.0], [1.0])}, ax=given) is given
    plt.close("all")
    assert ax.get_xlabel() and ax.get_ylabel() and "AUC 1.000" in ax.get_legend().get_texts()[0].get_text()


def test_threshold_view_render_and_slider():
    rng = np.random.default_rng(0)
    normal, far = rng.lognormal(-2.3, 0.2, 300), rng.lognormal(-0.5, 0.2, 100)
    view = rb.prepare_threshold_view(normal, {"far": far}, n_stops=11)
    assert len(view.thresholds) >= 2 and list(view.thresholds) == sorted(view.thresholds)
    t = view.thresholds[5]
    frame = rb.render_threshold(view, t)
    assert frame.numbers["test digits"] == float((normal >= t).mean())  # the share above the line, counted
    assert frame.numbers["far"] == float((far >= t).mean()) and "far flagged" in frame.label
    assert view.flagged[view.thresholds[0]]["test digits"] == 1.0  # the lowest threshold flags everything
    low = rb.render_threshold(view, view.thresholds[0])
    assert low.images == frame.images and low.marks[0][1] < frame.marks[0][1]  # one picture; the line moves right
    assert low.marks[0][0] == 0 and low.marks[0][3] == "vline"
    with pytest.raises(ValueError, match=r"threshold must be one of the slider's stops \[.*\]; got 123.0"):
        rb.render_threshold(view, 123.0)
    slider = rb.threshold_slider(view, threshold=t * 1.001)
    assert slider.values() == {"threshold": t}
    assert slider.update(threshold=view.thresholds[-1]).numbers["threshold"] == view.thresholds[-1]


def test_threshold_view_bad_input():
    with pytest.raises(ValueError, match="positive"):
        rb.prepare_threshold_view([0.0, 1.0], {"x": [2.0]})
    with pytest.raises(ValueError, match="at least one family"):
        rb.prepare_threshold_view([1.0], {})


def test_threshold_stops_read_as_printed():
    """Every stop, the first included, is a number of at most three significant digits (no 0.0861000…01)."""
    rng = np.random.default_rng(0)
    for lo in (0.0861, 0.0278, 0.00123, 1.7):
        normal = lo + rng.random(200) * lo
        view = rb.prepare_threshold_view(normal, {"other": normal * 3})
        assert all(repr(t) == repr(float(f"{t:.3g}")) for t in view.thresholds), view.thresholds[:3]
        assert view.thresholds[0] <= normal.min()

"""Loss and MSE against p: one quantity per axis, every axis labelled, ``axes`` in and out."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from aehelpers.views import plots as bottleneck_plots  # noqa: E402

P = [2, 4, 8, 16]
LOSS, MSE, PCA = [0.2, 0.15, 0.12, 0.1], [0.06, 0.04, 0.03, 0.02], [0.05, 0.045, 0.035, 0.03]


def test_two_panels_no_twin_axes():
    ax_loss, ax_mse = axes = bottleneck_plots.plot_loss_and_mse_vs_p(P, LOSS, MSE, PCA, floor=0.06)
    assert len(axes) == 2 and all(isinstance(ax, plt.Axes) for ax in axes)  # axes out, nothing else
    assert len(ax_loss.figure.axes) == 2  # no hidden twin axis
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_xscale() == "log"
        assert [t.get_text() for t in ax.get_xticklabels()] == [str(p) for p in P]
    assert len(ax_mse.get_lines()) == 2
    assert np.allclose(ax_loss.get_lines()[0].get_ydata(), LOSS)
    assert any("entropy floor" in t.get_text() for t in ax_loss.get_legend().get_texts())
    plt.close(ax_loss.figure)


def test_panels_draw_into_given_axes_and_mark_the_current_p():
    fig, given = plt.subplots(1, 2)
    out = bottleneck_plots.plot_loss_and_mse_vs_p(P, LOSS, MSE, current=8, axes=given)
    assert tuple(out) == tuple(given) and fig.axes == list(given)
    for ax, ys in zip(out, (LOSS, MSE)):
        marker = [line for line in ax.get_lines() if line.get_label() == "p = 8"]
        assert len(marker) == 1 and marker[0].get_xdata()[0] == 8 and marker[0].get_ydata()[0] == ys[2]
    plt.close(fig)


def test_single_panels_return_their_ax():
    fig, (a, b) = plt.subplots(1, 2)
    assert bottleneck_plots.plot_loss_vs_p(P, LOSS, ax=a) is a
    assert bottleneck_plots.plot_mse_vs_p(P, MSE, ax=b) is b
    assert len(a.get_lines()) == 1 and len(b.get_lines()) == 1
    plt.close(fig)


def test_bad_input_is_refused_before_drawing():
    before = plt.get_fignums()
    with pytest.raises(ValueError, match=r"losses must hold one number per p \(4\); got shape \(2,\)"):
        bottleneck_plots.plot_loss_and_mse_vs_p(P, [0.2, 0.1], [0.1] * 4)
    with pytest.raises(ValueError, match="pca_mse must hold one number per p"):
        bottleneck_plots.plot_loss_and_mse_vs_p(P, LOSS, MSE, [0.1])
    with pytest.raises(ValueError, match="positive sizes"):
        bottleneck_plots.plot_loss_and_mse_vs_p([], [], [])
    assert plt.get_fignums() == before
    with pytest.raises(ValueError, match=r"current must be one of p_values \[2, 4, 8, 16\]; got 32"):
        bottleneck_plots.plot_loss_vs_p(P, LOSS, current=32)
    plt.close("all")

"""Every plot of notebook 04 draws, labels its axes and refuses bad input clearly."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from aehelpers import plotting  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.random((12, 784)).astype(np.float32)


def _labelled(ax):
    return bool(ax.get_title()) and bool(ax.get_xlabel())


def test_plot_reconstructions():
    fig, ax = plotting.plot_reconstructions(X, X * 0.5, n=10)
    assert _labelled(ax) and [t.get_text() for t in ax.get_yticklabels()] == ["original", "reconstructed"]
    image = ax.get_images()[0].get_array()
    assert image.shape == (2 * 30 + 2, 10 * 30 + 2)
    plt.close(fig)
    with pytest.raises(ValueError, match="n must be in"):
        plotting.plot_reconstructions(X, X, n=13)
    with pytest.raises(ValueError, match="784 columns"):
        plotting.plot_reconstructions(X, X[:, :100])


def test_plot_loss_curves_draws_both_curves_and_the_floor():
    history = {"loss": [0.3, 0.2, 0.15], "val_loss": [0.28, 0.19, 0.16]}
    fig, ax = plotting.plot_loss_curves(history, floor=0.06, baseline=0.26)
    assert _labelled(ax) and ax.get_ylabel()
    assert len(ax.get_lines()) == 4
    assert np.allclose(ax.get_lines()[1].get_ydata(), history["val_loss"])
    assert any("entropy floor" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(fig)
    with pytest.raises(ValueError, match="'loss'"):
        plotting.plot_loss_curves({"val_loss": [1.0]})


def test_plot_code_activity_marks_dead_units():
    codes = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 1.0]])
    fig, ax, bars = plotting.plot_code_activity(codes)
    heights = [b.get_height() for b in bars]
    assert heights == [0.0, 0.5, 1.0] and _labelled(ax) and "1 of 3" in ax.get_xlabel()
    assert bars[0].get_facecolor() != bars[1].get_facecolor()
    plt.close(fig)


def test_plot_loss_vs_p_with_mse_pca_and_marker():
    ps, losses = [2, 4, 8], [0.23, 0.2, 0.16]
    fig, ax, ax_mse = plotting.plot_loss_vs_p(ps, losses, mse=[0.05, 0.04, 0.03], pca_mse=[0.06, 0.05, 0.04],
                                              floor=0.06, current=4)
    assert _labelled(ax) and ax_mse.get_ylabel() == "test MSE"
    assert len(ax_mse.get_lines()) == 2 and len(ax.get_legend().get_texts()) == 4
    plt.close(fig)
    fig, ax, ax_mse = plotting.plot_loss_vs_p(ps, losses)
    assert ax_mse is None
    plt.close(fig)
    with pytest.raises(ValueError, match="current must be one of"):
        plotting.plot_loss_vs_p(ps, losses, current=16)
    with pytest.raises(ValueError, match="equal-length"):
        plotting.plot_loss_vs_p(ps, losses[:2])


def test_plot_reconstructions_by_p():
    fig, ax = plotting.plot_reconstructions_by_p(X[:5], {2: X[:5] * 0.1, 32: X[:5] * 0.9})
    assert _labelled(ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["original", "p = 2", "p = 32"]
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        plotting.plot_reconstructions_by_p(X, {})
    with pytest.raises(ValueError, match="must hold 5 images"):
        plotting.plot_reconstructions_by_p(X[:5], {2: X[:4]})


def test_plots_draw_into_given_axes():
    fig, axes = plt.subplots(1, 2)
    _, ax = plotting.plot_loss_curves({"loss": [1.0, 0.5]}, ax=axes[0])
    _, ax2, _ = plotting.plot_code_activity(np.ones((3, 4)), ax=axes[1])
    assert ax is axes[0] and ax2 is axes[1]
    plt.close(fig)

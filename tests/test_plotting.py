"""Every shared plot draws, labels its axes and refuses bad input clearly."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from aehelpers.views import pictures as plotting  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.random((12, 784)).astype(np.float32)


def _labelled(ax):
    return bool(ax.get_title()) and bool(ax.get_xlabel())


def test_plot_digit_rows_labels_rows_and_pads_short_ones():
    ax = plotting.plot_digit_rows({"original": X[:10], "p = 2": X[:4] * 0.5}, title="t", xlabel="digits")
    assert _labelled(ax) and [t.get_text() for t in ax.get_yticklabels()] == ["original", "p = 2"]
    image = ax.get_images()[0].get_array()
    assert image.shape == (2 * 30 + 2, 10 * 30 + 2)
    assert np.allclose(image[2:30, 2:30], X[0].reshape(28, 28))  # white digits on black: values as stored
    assert np.ma.getmaskarray(image[32:60, 4 * 30 + 2:5 * 30]).all()  # the short row ends in blank tiles
    assert ax.get_xticks().size == 0
    assert not any(spine.get_visible() for spine in ax.spines.values())  # no frame around the tiles
    plt.close(ax.figure)


def test_plot_digit_rows_columns_sides_and_bad_input():
    small = np.ones((3, 16))
    ax = plotting.plot_digit_rows({"bits": small}, column_labels=range(3), cmap="RdBu_r", vmin=-1, vmax=1)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert ax.get_images()[0].get_array().shape == (4 + 2 + 2, 3 * 6 + 2)  # 4×4 images
    assert np.allclose(ax.get_xticks(), [4, 10, 16])
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="at least one"):
        plotting.plot_digit_rows({})
    with pytest.raises(ValueError, match="square images of one size"):
        plotting.plot_digit_rows({"a": X[:2], "b": X[:2, :100]})


def test_plot_loss_curves_draws_both_curves_and_the_floor():
    history = {"loss": [0.3, 0.2, 0.15], "val_loss": [0.28, 0.19, 0.16]}
    ax = plotting.plot_loss_curves(history, floor=0.06, baseline=0.26)
    assert _labelled(ax) and ax.get_ylabel()
    assert len(ax.get_lines()) == 4
    assert np.allclose(ax.get_lines()[1].get_ydata(), history["val_loss"])
    assert any("entropy floor" in t.get_text() for t in ax.get_legend().get_texts())
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="'loss'"):
        plotting.plot_loss_curves({"val_loss": [1.0]})


def test_plots_draw_into_given_axes():
    fig, axes = plt.subplots(1, 2)
    ax = plotting.plot_loss_curves({"loss": [1.0, 0.5]}, ax=axes[0])
    ax2 = plotting.plot_digit_rows({"x": X[:3]}, ax=axes[1])
    assert ax is axes[0] and ax2 is axes[1]
    plt.close(fig)


def test_panels_gives_or_checks_the_axes():
    made = plotting.panels(None, 3)
    assert made.shape == (3,) and len(made[0].figure.axes) == 3
    plt.close(made[0].figure)
    fig, axes = plt.subplots(1, 2)
    assert list(plotting.panels(axes, 2)) == list(axes)
    assert list(plotting.panels(axes[0], 1)) == [axes[0]]  # one Axes, as the one-panel plots pass it
    with pytest.raises(ValueError, match="axes must hold 3 Matplotlib axes; got 2"):
        plotting.panels(axes, 3)
    plt.close(fig)


def test_plot_losses_greedy_against_end_to_end():
    greedy = {"pretrain_epochs": 3, "stacked_loss": 0.2, "val_loss": [0.15, 0.12]}
    ax = plotting.plot_losses({"val_loss": [0.3, 0.2, 0.1]}, greedy, baseline=0.26)
    assert _labelled(ax) and ax.get_ylabel()
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["greedy: fine-tuning"].get_xdata()) == [4, 5]  # fine-tuning starts after pretraining
    with pytest.raises(ValueError, match="stacked_loss"):
        plotting.plot_losses({"val_loss": [0.3]}, {"pretrain_epochs": 1, "val_loss": []}, 0.2)
    plt.close("all")


def test_to_png_takes_grey_rgb_and_figures():
    import io

    from PIL import Image

    grey = Image.open(io.BytesIO(plotting.to_png(np.eye(4))))
    assert grey.size == (12, 12) and grey.mode == "L"                       # grey: enlarged 3× unless told
    rgb = np.zeros((5, 7, 3), np.uint8)
    assert Image.open(io.BytesIO(plotting.to_png(rgb))).size == (7, 5)       # RGB: as drawn
    fig = plotting.new_figure(2, 1, dpi=50)
    fig.add_subplot().plot([0, 1])
    assert Image.open(io.BytesIO(plotting.to_png(fig))).size == (100, 50)    # a figure: its pixels
    assert plt.get_fignums() == []                                           # outside pyplot: nothing left open
    with pytest.raises(ValueError, match="uint8"):
        plotting.to_png(np.zeros((5, 7, 3)))

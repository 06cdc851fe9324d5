"""Loss and MSE against p: two panels, every curve on its own labelled axis."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from aehelpers import bottleneck_plots  # noqa: E402

P = [2, 4, 8, 16]


def test_two_panels_no_twin_axes():
    fig, (ax_loss, ax_mse) = bottleneck_plots.plot_loss_and_mse_vs_p(
        P, [0.2, 0.15, 0.12, 0.1], [0.06, 0.04, 0.03, 0.02], [0.05, 0.045, 0.035, 0.03], floor=0.06)
    assert len(fig.axes) == 2  # no hidden twin axis
    for ax in (ax_loss, ax_mse):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_xscale() == "log"
    assert len(ax_mse.get_lines()) == 2
    assert np.allclose(ax_loss.get_lines()[0].get_ydata(), [0.2, 0.15, 0.12, 0.1])
    plt.close(fig)


def test_lengths_must_match():
    with pytest.raises(ValueError, match="one number per p"):
        bottleneck_plots.plot_loss_and_mse_vs_p(P, [0.2, 0.1], [0.1] * 4)
    with pytest.raises(ValueError, match="positive sizes"):
        bottleneck_plots.plot_loss_and_mse_vs_p([], [], [])

"""The n/p/n picture of notebook 01: three boxes, the maps, Δ, and digits in the series' ink (white on black)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from aehelpers.views import diagrams  # noqa: E402


@pytest.mark.parametrize("n,p,regime", [(784, 32, "compressive"), (4, 8, "identity")])
def test_plot_framework_draws_three_boxes(n, p, regime):
    image = np.linspace(0, 1, 784)
    ax = diagrams.plot_framework(n, p, x_image=image, z_image=image)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert f"n = {n}" in texts and f"p = {p}" in texts
    assert regime in ax.get_title()
    assert len(ax.images) == 2
    assert len(ax.patches) == 3 + 2 + 1  # boxes, the maps B and A, the Δ arc
    plt.close(ax.figure)


def test_digits_are_white_on_black():
    ax = diagrams.plot_framework(x_image=np.eye(28).ravel(), z_image=np.zeros(784))
    for image in ax.images:
        assert np.allclose(image.to_rgba(1.0)[:3], 1.0)  # ink (1) is white
        assert np.allclose(image.to_rgba(0.0)[:3], 0.0)  # background (0) is black
    plt.close(ax.figure)


def test_plot_framework_rejects_bad_sizes():
    with pytest.raises(ValueError, match="p must be"):
        diagrams.plot_framework(784, 0)
    with pytest.raises(ValueError, match=r"x_image must hold side² = 784 values; got shape \(100,\)"):
        diagrams.plot_framework(x_image=np.zeros(100))
    plt.close("all")

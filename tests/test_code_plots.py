"""The code figure of notebook 04 groups digits by class, orders units and marks dead ones."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from aehelpers.views import codes as code_plots  # noqa: E402

RNG = np.random.default_rng(0)
LABELS = np.repeat(np.arange(10), 30)
RNG.shuffle(LABELS)


def _codes(p=12, dead=(3,)):
    codes = RNG.random((len(LABELS), p)) * 0.1
    for unit in range(p):  # unit u responds to class u % 10
        codes[LABELS == unit % 10, unit] += 2.0
    codes[:, list(dead)] = 0.0
    return codes.astype(np.float32)


def test_pick_by_class_takes_the_first_of_each_class_in_order():
    rows = code_plots.pick_by_class(LABELS, per_class=5)
    assert len(rows) == 50
    assert list(LABELS[rows]) == sorted(LABELS[rows])
    assert all(rows[LABELS[rows] == c][0] == np.flatnonzero(LABELS == c)[0] for c in range(10))
    with pytest.raises(ValueError, match="per_class"):
        code_plots.pick_by_class(LABELS, per_class=0)


def test_unit_order_groups_units_by_their_favourite_class():
    codes = _codes(dead=())
    order = code_plots.unit_order(codes, LABELS)
    assert sorted(order) == list(range(12))
    favourites = [u % 10 for u in order]
    assert favourites == sorted(favourites)
    with pytest.raises(ValueError, match="one class per code row"):
        code_plots.unit_order(codes, LABELS[:-1])


def test_plot_codes_by_class_labels_axes_and_marks_dead_units():
    codes = _codes()
    ax_map, ax_units = axes = code_plots.plot_codes_by_class(codes, LABELS, per_class=10)
    fig = ax_map.figure
    assert len(axes) == 2 and all(isinstance(ax, plt.Axes) for ax in axes)  # axes out, nothing else
    for ax in (ax_map, ax_units):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ax_map.get_images()[0].get_array().shape == (100, 12)
    assert [t.get_text() for t in ax_map.get_yticklabels()] == [str(c) for c in range(10)]
    order = code_plots.unit_order(codes, LABELS)  # the heat-map's columns, from the pure function
    first_row = code_plots.standardise(codes)[code_plots.pick_by_class(LABELS, 10)[0]]
    assert np.allclose(ax_map.get_images()[0].get_array()[0], first_row[order])
    assert any("dead" in t.get_text() and "(1)" in t.get_text() for t in ax_units.get_legend().get_texts())
    plt.close(fig)


def test_plot_codes_by_class_draws_into_given_axes():
    fig, axes = plt.subplots(1, 2)
    out = code_plots.plot_codes_by_class(_codes(dead=()), LABELS, axes=axes)
    assert tuple(out) == tuple(axes)
    plt.close(fig)
    with pytest.raises(ValueError, match="axes must hold 2"):
        code_plots.plot_codes_by_class(_codes(dead=()), LABELS, axes=[axes[0]])
    plt.close("all")


@pytest.mark.parametrize("p,ticks", [(2, ["1", "2"]), (32, ["1", "8", "16", "24", "32"]),
                                     (128, ["1", "32", "64", "96", "128"])])
def test_plot_code_heatmap_labels_units_and_digits(p, ticks):
    codes = RNG.random((10, p)) * 3
    ax = code_plots.plot_code_heatmap(codes)
    assert "code unit" in ax.get_xlabel() and "digit" in ax.get_ylabel() and ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == ticks
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(i) for i in range(1, 11)]
    image = ax.get_images()[0]
    assert image.get_array().shape == (10, p)
    assert np.allclose(image.to_rgba(codes.max())[:3], 1.0) and np.allclose(image.to_rgba(0.0)[:3], 0.0)  # white = large
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="codes"):
        code_plots.plot_code_heatmap(np.zeros(3))


def test_standardise_gives_zero_mean_unit_std_and_leaves_dead_units_at_zero():
    z = code_plots.standardise(_codes())
    live = [u for u in range(12) if u != 3]
    assert np.allclose(z[:, live].mean(axis=0), 0, atol=1e-5) and np.allclose(z[:, live].std(axis=0), 1, atol=1e-4)
    assert np.all(z[:, 3] == 0)

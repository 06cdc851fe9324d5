"""The fault battery for the appendix figures (``aehelpers/views/deep_dives.py``), and what they draw.

Each fault must end in a ``ValueError`` whose message names what was expected and what was received;
the right inputs must draw what the appendix notebooks read from the figure.
"""
from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import aehelpers as ae  # noqa: E402

RNG = np.random.default_rng(0)
J = RNG.normal(size=(16, 16))  # a 16-pixel (4 × 4) Jacobian
U = np.linalg.qr(RNG.normal(size=(16, 3)))[0]  # three orthonormal eigenvectors as columns
W784 = RNG.normal(size=(3, 784))  # three code units' weights over 28 × 28 pixels
HEBB = SimpleNamespace(W=U.T * 2.0, trace=[0.5, 0.9, 0.99])
VIEWS = {"families": ["digits", "noise"],
         "views": {8: {"errors": {"digits": 0.05, "noise": 0.3}, "relative": {"digits": 0.4, "noise": 0.9}},
                   1024: {"errors": {"digits": 0.01, "noise": 0.2}, "relative": {"digits": 0.1, "noise": 0.6}}}}

FAULTS = [
    ("alternating: ratios as a 2-D table", lambda: ae.plot_alternating(np.ones((3, 2)), 0.9),
     ["ratios", "1-D", "(3, 2)"]),
    ("alternating: a NaN ratio", lambda: ae.plot_alternating([1.5, np.nan], 0.9), ["ratios", "nan"]),
    ("alternating: eigen_ratio 2 (λ_p+1 above λ_p)", lambda: ae.plot_alternating([1.5, 1.1], 2.0),
     ["eigen_ratio", "(0, 1]", "2.0"]),
    ("jacobian: an empty dict", lambda: ae.plot_jacobian({}, [(0, 0)], [(0, 0)]), ["jacobians", "n × n", "dict"]),
    ("jacobian: a 16 × 9 matrix", lambda: ae.plot_jacobian({"a": J[:, :9]}, [(0, 0)], [(0, 0)]),
     ["jacobians['a']", "n × n", "(16, 9)"]),
    ("jacobian: a pixel off the 4 × 4 image", lambda: ae.plot_jacobian({"a": J}, [(0, 4)], [(0, 0)]),
     ["pixels", "[0, 4)", "(0, 4)"]),
    ("jacobian: pixels as flat indices", lambda: ae.plot_jacobian({"a": J}, [3, 5], [(0, 0)]),
     ["pixels", "(row, column)", "[3, 5]"]),
    ("jacobian: no column pixels", lambda: ae.plot_jacobian({"a": J}, [(0, 0)], []), ["columns_at", "non-empty", "[]"]),
    ("weights: a bare matrix, not a dict", lambda: ae.plot_weight_pictures(W784), ["weights", "(W_enc, W_dec)", "ndarray"]),
    ("weights: a single matrix for a model", lambda: ae.plot_weight_pictures({"m": W784}),
     ["weights['m']", "pair", "ndarray"]),
    ("weights: encoder and decoder of different sizes", lambda: ae.plot_weight_pictures({"m": (W784, W784[:2])}),
     ["weights['m']", "same shape", "(3, 784)", "(2, 784)"]),
    ("weights: units 0", lambda: ae.plot_weight_pictures({"m": (W784, W784)}, units=0), ["units", "positive", "0"]),
    ("family sweep: a list, not identity_views' dict", lambda: ae.plot_family_sweep([1, 2]),
     ["identity_views", "'views'", "[1, 2]"]),
    ("family sweep: no sizes", lambda: ae.plot_family_sweep({"families": [], "views": {}}), ["identity_views", "got"]),
    ("class profiles: one label too few", lambda: ae.plot_class_profiles(RNG.random((6, 4)), [0, 1, 0, 1, 0]),
     ["labels", "(6)", "(5,)"]),
    ("class profiles: codes with a NaN", lambda: ae.plot_class_profiles([[np.nan, 1.0]], [0]), ["codes", "finite", "NaN"]),
    ("hebbian: an empty dict", lambda: ae.plot_hebbian_neurons({}, U), ["results", "HebbianResult", "dict"]),
    ("hebbian: a result without a trace", lambda: ae.plot_hebbian_neurons({"oja": SimpleNamespace(W=U.T, trace=[])}, U),
     ["results['oja']", "track", "without a trace"]),
    ("hebbian: neurons of the wrong length", lambda: ae.plot_hebbian_neurons({"oja": SimpleNamespace(W=U.T[:, :9], trace=[1])}, U),
     ["results['oja'].W", "16 columns", "(3, 9)"]),
]


@pytest.mark.parametrize("call,words", [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_fault_gives_a_clear_error(call, words):
    with pytest.raises(ValueError) as err:
        call()
    missing = [w for w in words if w.lower() not in str(err.value).lower()]
    assert not missing, f"the message lacks {missing}: {err.value}"
    plt.close("all")


def test_alternating_draws_the_measured_curve_and_the_rate():
    ax = ae.plot_alternating([2.0, 1.5, 1.25, 1.0 - 1e-17], 0.5)
    measured, rate = ax.get_lines()
    assert np.allclose(measured.get_ydata()[:3], [1.0, 0.5, 0.25])
    assert np.allclose(rate.get_ydata(), [1.0, 0.25, 0.0625, 0.015625])  # (λ ratio)^{2(k−1)} from the first round
    plt.close("all")


def test_jacobian_shows_rows_then_the_first_models_columns():
    fig = ae.plot_jacobian({"a\np = 2": J, "b": -J}, [(0, 1), (3, 3)], [(1, 0)], distances={"a\np = 2": 0.25},
                           columns_note="never inked")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "a: ‖J − I‖/‖I‖ = 0.25 on seen pixels" and titles[1] == "b" and titles[2].startswith("a: columns")
    assert fig.axes[2].get_xlabel().endswith("never inked")
    first_row = fig.axes[0].images[0].get_array()[2:6, 2:6]  # the mosaic's first tile, after its 2-pixel pad
    assert np.allclose(first_row, J[1].reshape(4, 4))  # output pixel (0, 1) is row 1 of J
    column = fig.axes[2].images[0].get_array()[2:6, 2:6]
    assert np.allclose(column, J[:, 4].reshape(4, 4))  # input pixel (1, 0) is column 4
    plt.close("all")


def test_weight_pictures_show_decoder_columns_then_encoder_rows_per_model():
    fig = ae.plot_weight_pictures({"bottleneck": (-W784, W784), "overcomplete": (W784, 2 * W784)}, units=2)
    assert [ax.get_title() for ax in fig.axes] == ["bottleneck (p = 3): first 2 code units",
                                                   "overcomplete (p = 3): first 2 code units"]
    mosaic = fig.axes[0].images[0].get_array()
    assert np.allclose(mosaic[2:30, 2:30], W784[0].reshape(28, 28))  # top row, first tile: decoder column 1
    assert np.allclose(fig.axes[1].images[0].get_clim(), [-2 * np.abs(W784).max(), 2 * np.abs(W784).max()])
    plt.close("all")


def test_family_sweep_plots_each_family_on_both_panels():
    axes = ae.plot_family_sweep(VIEWS, n=16)
    assert [len(ax.get_lines()) for ax in axes] == [3, 3]  # two families and the dashed n
    assert np.allclose(axes[1].get_lines()[1].get_ydata(), [0.9, 0.6])  # noise, relative, p = 8 then 1024
    plt.close("all")


def test_class_profiles_puts_each_class_in_a_row_in_standard_scores():
    codes = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    ax = ae.plot_class_profiles(codes, [3, 3, 7, 7])
    shown = ax.images[0].get_array()
    assert shown.shape == (2, 2) and np.allclose(shown, [[1, -1], [-1, 1]])  # class 3 favours unit 0, class 7 unit 1
    assert [t.get_text() for t in ax.get_yticklabels()] == ["3", "7"]
    plt.close("all")


def test_hebbian_neurons_are_unit_length_and_aligned_only_when_asked():
    flipped = SimpleNamespace(W=-U.T * 3.0, trace=[0.5, 0.99])
    fig = ae.plot_hebbian_neurons({"oja": flipped, "sanger": flipped}, U, aligned=["sanger"])
    ax0, ax1 = fig.axes[:2]
    assert [line.get_label() for line in ax0.get_lines()] == ["oja", "sanger"]
    assert np.allclose(ax0.get_lines()[0].get_ydata(), [0.5, 0.01])
    tiles = ax1.images[0].get_array()
    row = lambda i: tiles[2 + 6 * i: 6 + 6 * i, 2:6].ravel()  # first tile of row i (pad 2, side 4)
    assert np.allclose(row(0), U[:, 0]) and np.allclose(row(1), -U[:, 0]) and np.allclose(row(2), U[:, 0])
    plt.close("all")

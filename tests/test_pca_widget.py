"""The p slider, driven headlessly: what it shows is the closed form, and it redraws on every move."""
import io

import numpy as np
import pytest

import aehelpers as ae
from aehelpers.theory import linear as lin
from aehelpers.theory import pca as pca_lib
from aehelpers.views import sliders as pw
from aehelpers.views.slider import Slider


@pytest.fixture(scope="module")
def setup():
    data = ae.load_mnist(source="sample", verbose=False)
    xc, mean = pca_lib.centre(data.x_train)
    pca = pca_lib.fit_pca(xc, cache=False)
    view = pw.prepare_pca_view(pca, data.x_test, mean, n_digits=6)
    return data, pca, mean, view


def _png_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(png)).size


def test_render_is_the_closed_form(setup):
    data, pca, mean, view = setup
    xt, _ = pca_lib.centre(data.x_test, mean)
    for p in (1, 5, 32, 200, 784):
        frame = pw.render_pca(view, p)
        Up = pca.components(p)
        direct = lin.reconstruction_mse(xt, Up, Up.T)
        assert frame.numbers["test_mse"] == pytest.approx(direct, rel=1e-6, abs=1e-9)
        assert frame.numbers["train_mse"] == pytest.approx(pca.optimal_mse(p), rel=1e-12, abs=1e-15)
        assert frame.label.startswith(f"p = {p} · test MSE = {direct:.4f}")
        digits, curve = frame.images
        assert _png_size(digits) == (6 * 30 * 3 + 2 * 3, 2 * 30 * 3 + 2 * 3)  # 6 digits, 2 rows
        assert _png_size(curve) == pw.CURVE_SIZE
    assert pw.render_pca(view, 784).numbers["test_mse"] < 1e-9  # all components: exact
    x_hat = pw.reconstruct_digits(view, 784)
    assert np.allclose(x_hat, data.x_test[:6], atol=1e-4)


def test_error_decreases_with_p(setup):
    _, _, _, view = setup
    assert np.all(np.diff(view.train_mse) <= 1e-15)
    assert view.test_mse[1] > view.test_mse[32] > view.test_mse[300]


def test_slider_shows_the_closed_form_after_every_move(setup):
    data, pca, mean, view = setup
    widget = pw.pca_slider(view, p=32)
    assert isinstance(widget, Slider) and list(widget.controls) == ["p"]
    assert list(widget.controls["p"].options) == pw.p_stops(784)
    assert widget.frame == pw.render_pca(view, 32) and widget.label.value == widget.frame.label
    xt, _ = pca_lib.centre(data.x_test, mean)
    for p in (1, 8, 64, 512):  # what the label shows is the closed form, computed independently
        frame = widget.update(p=p)
        assert widget.controls["p"].value == p and widget.images[0].value == frame.images[0]
        Up = pca.components(p)
        assert f"test MSE = {lin.reconstruction_mse(xt, Up, Up.T):.4f}" in widget.label.value
    widget.controls["p"].value = 7  # a user moving the slider (not update) redraws too
    assert widget.label.value.startswith("p = 7 ·")
    images = {bytes(widget.update(p=p).images[0]) for p in range(1, 13)}  # every move redraws the digits
    assert len(images) == 12


def test_stops_give_small_p_half_the_track():
    stops = pw.p_stops(784)
    assert stops[:32] == list(range(1, 33)) and stops[-1] == 784 and stops == sorted(set(stops))
    assert 0.4 < 32 / len(stops) < 0.6  # p = 1…32 is about half the track (4% with every p)
    assert {48, 64, 128, 256, 512} <= set(stops)
    assert pw.p_stops(10) == list(range(1, 11)) and pw.p_stops(40) == [*range(1, 33), 36, 40]
    with pytest.raises(ValueError, match="n"):
        pw.p_stops(0)


def test_bad_input(setup):
    data, pca, mean, view = setup
    with pytest.raises(ValueError, match="mean must have shape"):
        pw.prepare_pca_view(pca, data.x_test, mean[:10])
    with pytest.raises(ValueError, match="x_test must have 784 columns"):
        pw.prepare_pca_view(pca, data.x_test[:, :100], mean)
    with pytest.raises(ValueError, match="indices"):
        pw.prepare_pca_view(pca, data.x_test, mean, indices=[0, 10_000])
    with pytest.raises(ValueError, match=r"p must be one of the slider's stops \[1, 2, .*784\]; got 0"):
        pw.pca_slider(view, p=0)
    widget = pw.pca_slider(view, p=3)
    for bad in (785, 33, 32.5, True):
        with pytest.raises(ValueError, match="p must be one of the slider's stops"):
            widget.update(p=bad)
    assert widget.frame.label.startswith("p = 3 ·")  # a refused move changes nothing

"""The p slider, driven headlessly: what it shows is the closed form, and it redraws on every move."""
import io
import statistics
import time

import numpy as np
import pytest

import aehelpers as ae
from aehelpers import linear as lin
from aehelpers import pca_widget as pw


@pytest.fixture(scope="module")
def setup():
    data = ae.load_mnist(source="sample", verbose=False)
    xc, mean = lin.centre(data.x_train)
    pca = lin.fit_pca(xc, cache=False)
    view = pw.prepare_pca_view(pca, data.x_test, mean, n_digits=6)
    return data, pca, mean, view


def _png_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(png)).size


def test_render_is_the_closed_form(setup):
    data, pca, mean, view = setup
    xt, _ = lin.centre(data.x_test, mean)
    for p in (1, 5, 32, 200, 784):
        out = pw.render_pca_view(view, p)
        Up = pca.components(p)
        direct = lin.reconstruction_mse(xt, Up, Up.T)
        assert out["mse"] == pytest.approx(direct, rel=1e-6, abs=1e-9)
        assert out["train_mse"] == pytest.approx(pca.optimal_mse(p), rel=1e-12, abs=1e-15)
        assert out["text"].startswith(f"p = {p} · test MSE = {direct:.4f}")
        assert _png_size(out["image"]) == (6 * 30 * 3 + 2 * 3, 2 * 30 * 3 + 2 * 3)  # 6 digits, 2 rows
        assert _png_size(out["curve"]) == pw.CURVE_SIZE
    assert pw.render_pca_view(view, 784)["mse"] < 1e-9  # all components: exact
    x_hat = pw.reconstruct_digits(view, 784)
    assert np.allclose(x_hat, data.x_test[:6], atol=1e-4)


def test_error_decreases_with_p(setup):
    _, _, _, view = setup
    assert np.all(np.diff(view.train_mse) <= 1e-15)
    assert view.test_mse[1] > view.test_mse[32] > view.test_mse[300]


def test_slider_widget_updates_and_reports_latency(setup):
    data, pca, mean, view = setup
    widget = pw.pca_slider(view, p=32)
    assert widget.slider.description == "p" and (widget.slider.min, widget.slider.max) == (1, 784)
    assert "ae-error" in widget.label._dom_classes
    assert widget.label.value == pw.render_pca_view(view, 32)["text"]
    xt, _ = lin.centre(data.x_test, mean)
    moves = [int(p) for p in np.random.default_rng(0).integers(1, 785, 24)]
    latencies = []
    for p in moves:
        start = time.perf_counter()
        out = widget.update(p)
        latencies.append(time.perf_counter() - start)
        assert widget.slider.value == p and out["p"] == p
        assert widget.label.value == out["text"] and widget.image.value == out["image"]
    for p in moves[:4]:  # what the label shows is the closed form, computed independently
        widget.update(p)
        Up = pca.components(p)
        assert f"test MSE = {lin.reconstruction_mse(xt, Up, Up.T):.4f}" in widget.label.value
    widget.slider.value = 7  # a user moving the slider (not update) redraws too
    assert widget.label.value.startswith("p = 7 ·")
    images = {bytes(widget.update(p)["image"]) for p in range(1, 13)}  # every move redraws the digits
    assert len(images) == 12
    print(f"\nmedian latency per move over {len(moves)} moves: {1000 * statistics.median(latencies):.1f} ms")


def test_bad_input(setup):
    data, pca, mean, view = setup
    for p in (0, 785):
        with pytest.raises(ValueError, match=rf"p must be in 1…784; got {p}"):
            pw.render_pca_view(view, p)
    with pytest.raises(ValueError, match="mean must have shape"):
        pw.prepare_pca_view(pca, data.x_test, mean[:10])
    with pytest.raises(ValueError, match="x_test must have 784 columns"):
        pw.prepare_pca_view(pca, data.x_test[:, :100], mean)
    with pytest.raises(ValueError, match="indices"):
        pw.prepare_pca_view(pca, data.x_test, mean, indices=[0, 10_000])
    widget = pw.pca_slider(view, p=3)
    with pytest.raises(ValueError, match="p must be in 1…784"):
        widget.update(1000)

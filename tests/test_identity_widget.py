"""The p-slider, driven headlessly: pure render function, then the shell around it."""
import numpy as np
import pytest

from aehelpers.views import sliders as iw
from aehelpers.nets.identity import family_outputs
from aehelpers.nets.models import build_autoencoder


@pytest.fixture()
def results():
    """Synthetic results for two code sizes: p = 8 blurs everything, p = 1024 copies it."""
    rng = np.random.default_rng(0)
    inputs = {f: rng.uniform(size=(3, 784)).astype(np.float32) for f in ("digits", "noise", "letters")}
    views = {
        8: {"outputs": {f: np.full_like(x, 0.5) for f, x in inputs.items()},
            "errors": {"digits": 0.02, "noise": 0.09, "letters": 0.07}},
        1024: {"outputs": dict(inputs), "errors": {"digits": 0.001, "noise": 0.004, "letters": 0.002}},
    }
    return {"families": list(inputs), "inputs": inputs, "views": views}


def test_render_gives_png_and_error_label(results):
    frame = iw.render_identity(results, 8)
    assert frame.label == ("p = 8 (&lt; n = 784) · gap (non-digits − digits) = 0.0600 · digits MSE = 0.0200 · "
                           "noise MSE = 0.0900 · letters MSE = 0.0700")
    assert frame.numbers == {**results["views"][8]["errors"], "gap": pytest.approx(0.06)}
    assert len(frame.images) == 2  # the mosaic and the gap-against-p chart
    big = iw.render_identity(results, 1024)
    assert big.images[0] != frame.images[0] and big.images[1] != frame.images[1]
    assert big.numbers["gap"] == pytest.approx(0.002)


def test_gap_needs_digits_and_another_family():
    assert iw.gap({"digits": 0.1, "a": 0.3, "b": 0.5}) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="digits"):
        iw.gap({"noise": 0.1})
    with pytest.raises(ValueError, match="at least one other"):
        iw.gap({"digits": 0.1})


def test_slider_checks_p_against_its_stops(results):
    with pytest.raises(ValueError, match=r"p must be one of the slider's stops \[8, 1024\]; got 32"):
        iw.identity_slider(results, p=32)  # was a TraitError from deep inside ipywidgets
    w = iw.identity_slider(results, p=8)
    with pytest.raises(ValueError, match=r"p must be one of the slider's stops \[8, 1024\]; got 784"):
        w.update(p=784)
    with pytest.raises(ValueError, match="identity_views"):
        iw.identity_slider({"views": {}})


def test_slider_callback_updates_image_and_label(results):
    w = iw.identity_slider(results, p=1024)
    assert list(w.controls["p"].options) == [8, 1024] and w.controls["p"].value == 1024
    big_png, big_label = w.images[0].value, w.label.value
    assert big_label.startswith("p = 1024 (≥ n = 784)")
    w.controls["p"].value = 8  # what a reader's drag does: the observer must redraw
    assert w.images[0].value != big_png and w.label.value.startswith("p = 8 (&lt; n = 784)")
    assert w.update(p=1024).numbers["noise"] == 0.004 and w.images[0].value == big_png


def test_identity_views_with_exact_models():
    kae = build_autoencoder(784, code_activation="linear", output_activation="linear", loss="mse")
    kae.model.get_layer("encoding").set_weights([np.eye(784), np.zeros(784)])
    kae.model.get_layer("decoding").set_weights([np.eye(784), np.zeros(784)])
    rng = np.random.default_rng(1)
    digits = rng.uniform(size=(5, 784)).astype(np.float32)
    res = iw.identity_views({784: family_outputs(kae, digits, {"noise": rng.uniform(size=(4, 784))})}, n_show=2)
    assert res["families"] == ["digits", "noise"] and res["inputs"]["noise"].shape == (2, 784)
    assert res["views"][784]["errors"]["noise"] < 1e-10 and abs(res["views"][784]["gap"]) < 1e-10
    assert res["views"][784]["relative"]["noise"] < 1e-9
    np.testing.assert_allclose(res["views"][784]["outputs"]["digits"], digits[:2], atol=1e-6)
    with pytest.raises(ValueError, match="at least one"):
        iw.identity_views({})
    with pytest.raises(ValueError, match="family_outputs"):
        iw.identity_views({8: kae})

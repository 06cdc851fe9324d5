"""The p-slider, driven headlessly: pure render function, then the widget's callback."""
import numpy as np
import pytest

from aehelpers import identity_widget as iw

PNG = b"\x89PNG\r\n\x1a\n"


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
    view = iw.render_identity_view(results, 8)
    assert view["png"].startswith(PNG) and view["p"] == 8
    assert "ae-error" in view["html"] and "p = 8" in view["html"]
    assert "0.0900" in view["html"] and "4.5×" in view["html"]  # noise MSE and its ratio to digits
    assert view["errors"] == results["views"][8]["errors"]
    assert iw.render_identity_view(results, 1024)["png"] != view["png"]


def test_render_rejects_unknown_p_and_bad_results(results):
    with pytest.raises(ValueError, match=r"one of the precomputed code sizes \[8, 1024\]"):
        iw.render_identity_view(results, 32)
    with pytest.raises(ValueError, match="identity_views"):
        iw.render_identity_view({"views": {}}, 8)


def test_slider_callback_updates_image_and_label(results):
    w = iw.identity_slider(results)
    assert list(w.slider.options) == [8, 1024] and w.slider.value == 1024
    big_png, big_label = w.image.value, w.label.value
    assert "p = 1024" in big_label and "≥ n = 784" in big_label
    w.slider.value = 8  # what a reader's drag does: the observer must redraw
    assert w.image.value != big_png and "p = 8" in w.label.value and "< n = 784" in w.label.value
    assert w.update(1024)["p"] == 1024 and w.image.value == big_png


def test_identity_views_with_exact_models():
    from aehelpers.models import build_autoencoder

    kae = build_autoencoder(784, code_activation="linear", output_activation="linear", loss="mse")
    kae.model.get_layer("encoding").set_weights([np.eye(784), np.zeros(784)])
    kae.model.get_layer("decoding").set_weights([np.eye(784), np.zeros(784)])
    rng = np.random.default_rng(1)
    digits = rng.uniform(size=(5, 784)).astype(np.float32)
    res = iw.identity_views({784: kae}, digits, {"noise": rng.uniform(size=(4, 784))}, n_show=2)
    assert res["families"] == ["digits", "noise"] and res["inputs"]["noise"].shape == (2, 784)
    assert res["views"][784]["errors"]["noise"] < 1e-10
    np.testing.assert_allclose(res["views"][784]["outputs"]["digits"], digits[:2], atol=1e-6)
    with pytest.raises(ValueError, match="at least one"):
        iw.identity_views({}, digits, {})

"""The bottleneck slider, driven headlessly: what it shows is what the cached models give."""
import re

import numpy as np
import pytest

import aehelpers as ae
from aehelpers import bottleneck_widget as bw
from aehelpers import sweep as sw

P = (2, 4, 8, 16, 32, 64, 128)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def data():
    return ae.load_mnist(source="sample", n_train=512, n_test=200, verbose=False)


@pytest.fixture(scope="module")
def sweep(data, tmp_path_factory):
    recipe = sw.Recipe(epochs=1, batch_size=64, learning_rate=3e-3, schedule="cosine")
    return sw.train_sweep(data, P, seed=1, recipe=recipe, show=5, root=tmp_path_factory.mktemp("c"), progress=False)


@pytest.fixture(scope="module")
def widget(sweep):
    return bw.bottleneck_slider(sweep, p=32)


def test_render_gives_pngs_and_the_sweeps_numbers(sweep):
    frame = bw.render_bottleneck(sweep, bw.render_curves(sweep), 8)
    assert len(frame.images) == 3 and all(png.startswith(PNG) for png in frame.images)
    assert frame.numbers == {"val_loss": sweep.val_loss[8], "mse": sweep.mse[8], "dead": sweep.dead[8]}
    assert frame.label.startswith(f"p = 8 · val loss = {sweep.val_loss[8]:.4f} · MSE = {sweep.mse[8]:.4f}")
    assert frame.label.endswith(f"dead units = {sweep.dead[8]}/8")


def test_render_uses_the_precomputed_curves(sweep):
    fake = {p: PNG + bytes([p]) for p in P}
    assert bw.render_bottleneck(sweep, fake, 16).images[2] == fake[16]


def test_views_differ_between_p(sweep):
    curves = bw.render_curves(sweep)
    a, b = bw.render_bottleneck(sweep, curves, 2), bw.render_bottleneck(sweep, curves, 128)
    assert a.images[0] != b.images[0] and a.images[1] != b.images[1] and a.images[2] != b.images[2]


def test_widget_shape_and_label_class(widget, sweep):
    assert list(widget.controls) == ["p"] and list(widget.controls["p"].options) == list(P)
    assert "ae-error" in widget.label._dom_classes and "ae-slider" in widget.widget._dom_classes
    assert widget.controls["p"].value == 32 and widget.label.value.startswith("p = 32 · ")


def test_moving_the_slider_shows_the_cached_models_evaluation(widget, sweep, data):
    curves = bw.render_curves(sweep)
    for p in (2, 16, 128, 4):
        frame = widget.update(p=p)
        assert widget.controls["p"].value == p and widget.frame is frame
        assert widget.images[0].value == frame.images[0] and widget.images[2].value == curves[p]
        shown = float(re.search(r"val loss = ([0-9.]+)", widget.label.value).group(1))
        evaluated = sweep.models[p].model.evaluate(data.x_test, data.x_test, verbose=0)
        assert shown == pytest.approx(evaluated, abs=5.1e-5)  # 4 decimals on screen
        assert frame.numbers["val_loss"] == pytest.approx(evaluated, rel=1e-5)


def test_slider_moves_do_not_train_or_predict(widget, sweep, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a slider move must not run a model")

    for net in sweep.models.values():
        for name in ("fit", "predict", "evaluate", "__call__"):
            monkeypatch.setattr(net.model, name, forbidden, raising=False)
    widget.controls["p"].value = 64  # through the observer, as a user would
    assert widget.label.value.startswith("p = 64 · ")


@pytest.mark.parametrize("bad", [3, 32.0, "32", True])
def test_bad_p_is_refused(widget, bad):
    with pytest.raises(ValueError, match=r"p must be one of the slider's stops \[2, 4, 8, 16, 32, 64, 128\]"):
        widget.update(p=bad)


def test_code_picture_shape_and_range():
    codes = np.array([[0.0, 2.0], [1.0, 4.0]])
    pic = bw.code_picture(codes)
    assert pic.shape == (2 * bw.CODE_ROW, 2 * (bw.CODE_WIDTH // 2))
    assert pic.min() == 0.0 and pic.max() == 1.0
    assert bw.code_picture(np.zeros((1, 3))).max() == 0.0
    with pytest.raises(ValueError, match="2-D"):
        bw.code_picture(np.zeros(3))

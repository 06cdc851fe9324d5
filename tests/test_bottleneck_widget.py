"""The bottleneck slider, driven headlessly: what it shows is what the cached models give."""
import re
import statistics
import time

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
    out = bw.render_bottleneck_view(sweep, 8)
    assert set(out) == {"p", "image", "code", "curve", "val_loss", "mse", "dead", "text"}
    assert all(out[k].startswith(PNG) for k in ("image", "code", "curve"))
    assert (out["val_loss"], out["mse"], out["dead"]) == (sweep.val_loss[8], sweep.mse[8], sweep.dead[8])
    assert out["text"].startswith(f"p = 8 · val loss = {sweep.val_loss[8]:.4f} · MSE = {sweep.mse[8]:.4f}")


def test_render_uses_precomputed_curves_when_given(sweep):
    fake = {p: PNG + bytes([p]) for p in P}
    assert bw.render_bottleneck_view(sweep, 16, curves=fake)["curve"] == fake[16]


def test_views_differ_between_p(sweep):
    a, b = bw.render_bottleneck_view(sweep, 2), bw.render_bottleneck_view(sweep, 128)
    assert a["image"] != b["image"] and a["code"] != b["code"]


def test_widget_shape_and_label_class(widget, sweep):
    assert widget.slider.description == "p" and list(widget.slider.options) == list(P)
    assert "ae-error" in widget.label._dom_classes
    assert widget.slider.value == 32 and widget.label.value.startswith("p = 32 · ")


def test_moving_the_slider_shows_the_cached_models_evaluation(widget, sweep, data):
    for p in (2, 16, 128, 4):
        out = widget.update(p)
        assert widget.slider.value == p and out["p"] == p
        assert widget.image.value == out["image"] and widget.curve.value == widget.curves[p]
        shown = float(re.search(r"val loss = ([0-9.]+)", widget.label.value).group(1))
        evaluated = sweep.models[p].model.evaluate(data.x_test, data.x_test, verbose=0)
        assert shown == pytest.approx(evaluated, abs=5.1e-5)  # 4 decimals on screen
        assert out["val_loss"] == pytest.approx(evaluated, rel=1e-5)


def test_slider_moves_do_not_train_or_predict(widget, sweep, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a slider move must not run a model")

    for net in sweep.models.values():
        for name in ("fit", "predict", "evaluate", "__call__"):
            monkeypatch.setattr(net.model, name, forbidden, raising=False)
    widget.slider.value = 64  # through the observer, as a user would
    assert widget.label.value.startswith("p = 64 · ")


def test_latency_of_a_move_is_measured(widget):
    times = []
    for i in range(28):
        p = P[i % len(P)]
        start = time.perf_counter()
        widget.update(p)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"bottleneck slider: median {median * 1000:.1f} ms per move over {len(times)} moves")
    assert len(times) >= 20 and median > 0


@pytest.mark.parametrize("bad", [3, 32.0, "32", True])
def test_bad_p_is_refused(sweep, bad):
    with pytest.raises(ValueError, match="one of the sweep's code sizes"):
        bw.render_bottleneck_view(sweep, bad)


def test_code_picture_shape_and_range():
    codes = np.array([[0.0, 2.0], [1.0, 4.0]])
    pic = bw.code_picture(codes)
    assert pic.shape == (2 * bw.CODE_ROW, 2 * (bw.CODE_WIDTH // 2))
    assert pic.min() == 0.0 and pic.max() == 1.0
    assert bw.code_picture(np.zeros((1, 3))).max() == 0.0
    with pytest.raises(ValueError, match="2-D"):
        bw.code_picture(np.zeros(3))

"""The bottleneck slider, driven headlessly: what it shows is what the cached models give."""
import re

import numpy as np
import pytest

import aehelpers as ae
from aehelpers.views import sliders as bw
from aehelpers.nets import sweep as sw

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


@pytest.fixture(scope="module")
def pictures(sweep):
    return bw.render_pictures(sweep)


def test_render_gives_pngs_and_the_sweeps_numbers(sweep, pictures):
    frame = bw.render_bottleneck(sweep, pictures, 8)
    assert len(frame.images) == 3 and all(png.startswith(PNG) for png in frame.images)
    assert frame.numbers == {"val_loss": sweep.val_loss[8], "mse": sweep.mse[8], "dead": sweep.dead[8]}
    assert frame.label.startswith(f"p = 8 · val loss = {sweep.val_loss[8]:.4f} · MSE = {sweep.mse[8]:.4f}")
    assert frame.label.endswith(f"dead units = {sweep.dead[8]}/8")


def test_render_uses_the_precomputed_pictures(sweep):
    fake = {p: (PNG + b"codes" + bytes([p]), PNG + b"curves" + bytes([p])) for p in P}
    assert bw.render_bottleneck(sweep, fake, 16).images[1:] == fake[16]


def test_views_differ_between_p(sweep, pictures):
    a, b = bw.render_bottleneck(sweep, pictures, 2), bw.render_bottleneck(sweep, pictures, 128)
    assert a.images[0] != b.images[0] and a.images[1] != b.images[1] and a.images[2] != b.images[2]


def test_widget_shape_and_label_class(widget, sweep):
    assert list(widget.controls) == ["p"] and list(widget.controls["p"].options) == list(P)
    assert "ae-error" in widget.label._dom_classes and "ae-slider" in widget.widget._dom_classes
    assert widget.controls["p"].value == 32 and widget.label.value.startswith("p = 32 · ")


def test_moving_the_slider_shows_the_cached_models_evaluation(widget, sweep, data, pictures):
    for p in (2, 16, 128, 4):
        frame = widget.update(p=p)
        assert widget.controls["p"].value == p and widget.frame is frame
        assert widget.images[0].value == frame.images[0]
        assert (widget.images[1].value, widget.images[2].value) == pictures[p]
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


def test_pictures_are_drawn_from_the_sweep_without_twin_axes(sweep, monkeypatch):
    drawn = {}

    def spy(name, real):
        def wrapper(*args, ax, **kwargs):
            drawn.setdefault(name, []).append((args, kwargs, ax))
            return real(*args, ax=ax, **kwargs)
        return wrapper

    for name in ("plot_code_heatmap", "plot_loss_vs_p", "plot_mse_vs_p"):
        monkeypatch.setattr(bw, name, spy(name, getattr(bw, name)))
    codes_png, curves_png = bw.render_pictures(sweep)[16]
    assert codes_png.startswith(PNG) and curves_png.startswith(PNG)
    (codes,), _, ax_codes = drawn["plot_code_heatmap"][P.index(16)]
    assert codes is sweep.codes[16]
    assert "code unit" in ax_codes.get_xlabel() and "test digit" in ax_codes.get_ylabel()
    loss_args, loss_kwargs, ax_loss = drawn["plot_loss_vs_p"][P.index(16)]
    mse_args, mse_kwargs, ax_mse = drawn["plot_mse_vs_p"][P.index(16)]
    assert loss_kwargs["current"] == mse_kwargs["current"] == 16
    assert list(loss_args[1]) == [sweep.val_loss[q] for q in P] and list(mse_args[1]) == [sweep.mse[q] for q in P]
    assert ax_loss is not ax_mse and ax_loss.figure is ax_mse.figure
    assert len(ax_loss.figure.axes) == 2  # two panels, one quantity each: no twin axis


def test_a_slider_on_a_sweep_in_training_shows_each_p_as_it_lands(data, tmp_path, monkeypatch):
    """Given the job, the slider is shown at once; a p still training says so, and shows its model once landed."""
    import concurrent.futures as cf
    import threading

    release = threading.Event()

    class Gated(cf.ThreadPoolExecutor):  # one 'worker' thread; p = 8 waits for the test
        def submit(self, fn, *args, **kwargs):  # 2, 4 (first=...), then 8 once released
            return super().submit(lambda: (args[1] != 8 or release.wait(60)) and fn(*args, **kwargs))

    monkeypatch.setattr(sw, "start_worker_pool", lambda workers, owner=None: Gated(1))
    recipe = sw.Recipe(epochs=1, batch_size=64, learning_rate=3e-3, schedule="cosine")
    job = sw.start_sweep(data, (2, 4, 8), seed=1, recipe=recipe, root=tmp_path, workers=2, first=(2, 4))
    slider = bw.bottleneck_slider(job, p=8, show=5)
    assert list(slider.controls["p"].options) == [2, 4, 8]
    assert slider.label.value.startswith("p = 8 · model = still training")
    for _ in range(600):
        if job.training() == (8,) and "ready = 2, 4" in slider.update(p=8).label:
            break
        threading.Event().wait(0.1)
    assert "ready = 2, 4" in slider.label.value and slider.update(p=2).label.endswith("still training = 8")
    release.set()
    sweep = job.result(show=5, progress=False, verbose=False)
    for _ in range(600):  # the watcher redraws the frame shown when p = 8 lands
        if slider.label.value.startswith("p = 2 · val loss") and "still training" not in slider.label.value:
            break
        threading.Event().wait(0.1)
    frame = slider.update(p=8)
    assert frame.numbers == {"val_loss": sweep.val_loss[8], "mse": sweep.mse[8], "dead": sweep.dead[8]}
    assert frame.images[0] == bw.render_bottleneck(sweep, bw.render_pictures(sweep), 8).images[0]
    assert "still training" not in slider.label.value and "still training" not in slider.update(p=2).label


def test_the_slider_draws_each_ps_pictures_on_first_use(sweep, pictures):
    """The live slider opens after one p's Matplotlib pictures, not all of them; each is drawn once."""
    lazy = bw._PicturesOnDemand(sweep)
    assert len(lazy) == 0
    frame = bw.render_bottleneck(sweep, lazy, 8)
    assert list(lazy) == [8] and frame.images[1:] == pictures[8]
    again = lazy[8]
    bw.render_bottleneck(sweep, lazy, 8)
    assert lazy[8] is again and list(lazy) == [8]
    with pytest.raises(ValueError):
        bw.render_bottleneck(sweep, lazy, 5)          # not a stop: refused before anything is drawn
    assert list(lazy) == [8]

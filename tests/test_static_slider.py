"""aehelpers.views.static_slider: which stops, smaller lossless pictures, one offline snippet, the display hook."""
import base64
import io
import json
import math
import re

import numpy as np
import pytest

from aehelpers.views import static_slider as ss
from aehelpers.views.pictures import to_png
from aehelpers.views.slider import Frame, Slider


def _render(a, b=0):
    pic = np.outer(np.arange(6), np.ones(6)) * (a + 1) / 60.0 + b / 100.0
    return Frame((to_png(pic, scale=3), to_png(pic.T, scale=3)), f"a = {a} · b = <b>{b}</b>", {"a": a, "b": b})


def _pixels(png):
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im.convert("L"))


def _enlarged(small_png, like_png):
    """The stored picture enlarged as the browser shows it (``width``/``height``, pixelated)."""
    small, want = _pixels(small_png), _pixels(like_png)
    k = want.shape[0] // small.shape[0]
    return np.repeat(np.repeat(small, k, 0), k, 1)


def _data(snippet):
    return json.loads(re.search(r'<script type="application/json">(.*?)</script>', snippet, re.S)[1])


def test_pca_subset_every_p_to_32_then_a_log_grid_to_784():
    p = ss.subset_stops({"p": range(1, 785)})["p"]
    assert p[:32] == list(range(1, 33)) and p[-1] == 784 and p == sorted(set(p))
    assert len(p) <= ss.PER_CONTROL
    ratios = [b / a for a, b in zip(p[32:], p[33:])]
    assert max(ratios) < 1.1 and min(ratios) > 1.02  # evenly spaced in log p


def test_short_controls_keep_every_stop_and_grids_get_coarser():
    assert ss.subset_stops({"p": [2, 4, 8, 16, 32, 64, 128]}) == {"p": [2, 4, 8, 16, 32, 64, 128]}
    assert ss.subset_stops({"p": range(60)})["p"] == list(range(60))
    z = [round(v, 2) for v in np.linspace(-2, 2, 21)]
    grid = ss.subset_stops({"z1": z, "z2": z}, {"z1": 0.0, "z2": 0.0})
    assert grid["z1"] == grid["z2"] == z  # the latent explorer's 21 x 21 = 441 stops: all kept
    fine = [round(v, 2) for v in np.linspace(-2, 2, 41)]
    grid = ss.subset_stops({"z1": fine, "z2": fine}, {"z1": 0.0, "z2": 0.0})
    assert grid["z1"] == grid["z2"] == fine[::2]  # 41 x 41: every second stop, ends and middle kept
    assert math.prod(map(len, grid.values())) <= ss.MAX_FRAMES
    big = ss.subset_stops({"z1": range(41), "z2": range(41)}, {"z1": 20, "z2": 7})
    assert 7 in big["z2"] and big["z2"] == sorted(big["z2"]) and big["z1"][0] == 0 and big["z1"][-1] == 40
    assert math.prod(map(len, big.values())) <= 2 * ss.MAX_FRAMES


def test_shrink_png_is_lossless_and_smaller():
    png = to_png(np.random.default_rng(0).random((28, 28)), scale=3)
    small, w, h = ss.shrink_png(png)
    assert (w, h) == (84, 84) and len(small) < len(png)
    got = _pixels(small)
    assert got.shape == (28, 28)
    assert np.array_equal(np.repeat(np.repeat(got, 3, 0), 3, 1), _pixels(png))


def test_snippet_is_offline_and_holds_every_chosen_frame():
    s = Slider(_render, {"a": range(100), "b": [0, 5]}, {"a": 3})
    snippet = ss.static_html(s)
    assert "data-ae-static-slider" in snippet
    assert not re.search(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//', snippet) and "<link" not in snippet
    assert "<script src" not in snippet and "@import" not in snippet
    assert re.findall(r'data-control="(\w+)"', snippet) == ["a", "b"]
    data = _data(snippet)
    chosen = ss.subset_stops(s.stops, s.values())
    assert data["stops"] == [chosen["a"], chosen["b"]] and len(data["frames"]) == len(chosen["a"]) * 2
    # the label of every frame is the live slider's label at that stop, the pictures its pixels
    for i, a in enumerate(chosen["a"]):
        for j, b in enumerate(chosen["b"]):
            frame, live = data["frames"][f"{i},{j}"], _render(a, b)
            assert frame["l"] == live.label
            for ref, png in zip(frame["i"], live.images):
                small = base64.b64decode(data["images"][ref].split(",", 1)[1])
                assert np.array_equal(_enlarged(small, png), _pixels(png))
    # the snippet opens where the live slider stands
    assert s.frame.label in snippet and json.loads(re.search(r"data-stop=\"([^\"]*)\"", snippet)[1]
                                                    .replace("&quot;", '"')) == {"a": 3, "b": 5}


def test_explicit_subset_and_its_errors():
    s = Slider(_render, {"a": [1, 2, 3]})
    assert len(_data(ss.static_html(s, subset={"a": [1, 3]}))["frames"]) == 2
    with pytest.raises(ValueError, match="subset must give"):
        ss.static_html(s, subset={"a": [7]})
    with pytest.raises(ValueError, match="subset must give"):
        ss.static_html(s, subset={"c": [1]})


def test_over_budget_takes_fewer_stops_and_says_so_on_the_page_not_in_a_warning():
    import warnings

    s = Slider(_render, {"a": range(100)})
    full = ss.static_html(s)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would print the builder's path into the page
        small = ss.static_html(s, budget=len(full) // 3)
    shown = len(_data(small)["frames"])
    assert shown < len(_data(full)["frames"]) and f"({shown} of the 100 stops" in small
    assert 'data-total="100"' in small


def test_caption_readout_and_marks():
    def render(t):
        return Frame(to_png(np.zeros((4, 4))), f"t = {t}", {"t": t}, marks=((0, t, 0.5, "cross"),))

    stops = [0.1, 0.2, 0.30000000000000004, 0.027800000000000002]
    s = Slider(render, {"t": stops}, {"t": 0.2}, caption="left: a picture · the cross marks t")
    snippet = ss.static_html(s)
    assert '<p class="ae-caption" data-ae-caption>left: a picture · the cross marks t</p>' in snippet
    data = _data(snippet)
    assert data["texts"] == [["0.1", "0.2", "0.3", "0.0278"]] and '<b data-value-of="t">0.2</b>' in snippet
    assert len(data["images"]) == 1  # one shared picture: the mark moves, not the pixels
    assert [f["m"] for f in data["frames"].values()] == [[[0, round(t, 4), 0.5, "cross"]] for t in stops]
    assert ss.stop_text(np.float32(0.1)) == "0.1" and ss.stop_text(np.int64(32)) == "32" and ss.stop_text("a") == "a"


def test_display_adds_the_static_snippet_only_when_building_the_site(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    s = Slider(_render, {"a": [1, 2, 3]})
    monkeypatch.delenv("AEHELPERS_STATIC_SLIDERS", raising=False)
    s._ipython_display_()
    assert shown == [s.widget]
    shown.clear()
    monkeypatch.setenv("AEHELPERS_STATIC_SLIDERS", "1")
    s._ipython_display_()
    assert shown[0] is s.widget and "data-ae-static-slider" in shown[1].data and len(shown) == 2
    assert "data-ae-caption" not in shown[1].data  # no caption given, none shown
    shown.clear()
    Slider(_render, {"a": [1, 2]}, caption="rows: a, b")._ipython_display_()
    assert "rows: a, b</p>" in shown[1].data  # the live slider's caption is the page's
    monkeypatch.setenv("AEHELPERS_STATIC_SLIDERS", "maybe")
    with pytest.raises(ValueError, match="AEHELPERS_STATIC_SLIDERS"):
        s._ipython_display_()

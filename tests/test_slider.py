import numpy as np
import pytest

from aehelpers.views.pictures import to_png
from aehelpers.views.slider import Frame, Slider, check_stops, draw_marks, format_label


def _render(a, b=0):
    png = to_png(np.full((4, 4), (a + b) / 20.0))
    return Frame(png, f"a = {a}, b = {b}", {"sum": a + b})


def test_slider_shows_render_of_each_move():
    s = Slider(_render, {"a": [1, 2, 3], "b": [0, 10]}, {"a": 1})
    assert s.frame.label == "a = 1, b = 10" and s.label.value == s.frame.label
    frame = s.update(a=3, b=0)
    assert frame.numbers["sum"] == 3 and s.images[0].value == _render(3, 0).images[0]
    s.controls["a"].value = 2  # as a user drags
    assert s.frame.label == "a = 2, b = 0"
    assert len(list(s.all_stops())) == 6


def test_bad_moves_are_named():
    s = Slider(_render, {"a": [1, 2, 3]})
    with pytest.raises(ValueError, match=r"a must be one of the slider's stops \[1, 2, 3\]; got 7"):
        s.update(a=7)
    with pytest.raises(ValueError, match="controls are"):
        s.update(c=1)
    with pytest.raises(ValueError, match="without repeats"):
        check_stops({"a": [1, 1]})
    with pytest.raises(ValueError, match="PNG"):
        Frame(b"not a png", "x")


def test_label_convention_and_css_classes():
    assert format_label({"p": 32, "test MSE": 0.01684, "dead units": "3/32"}) == \
        "p = 32 · test MSE = 0.0168 · dead units = 3/32"
    assert format_label({"p": 8, "a<b": 1.0}, note="< n = 784") == "p = 8 (&lt; n = 784) · a&lt;b = 1.0000"
    s = Slider(_render, {"a": [1, 2, 3]}, {"a": 3})
    assert "ae-slider" in s.widget._dom_classes and "ae-error" in s.label._dom_classes
    assert s.frame.label == "a = 3, b = 0"


def test_a_move_must_be_a_stop_of_the_same_kind():
    s = Slider(_render, {"a": [1, 2, 3]})
    assert s.update(a=np.int64(2)).label == "a = 2, b = 0"  # NumPy integers are fine
    for bad in (2.0, True, "2"):
        with pytest.raises(ValueError, match="a must be one of the slider's stops"):
            s.update(a=bad)
    assert s.frame.label == "a = 2, b = 0" and s.controls["a"].value == 2


def test_a_control_set_by_hand_is_checked_by_the_shell():
    s = Slider(_render, {"a": [1, 2, 3]})
    with pytest.raises(ValueError, match=r"a must be one of the slider's stops \[1, 2, 3\]; got 7"):
        s.controls["a"].value = 7  # not ipywidgets' bare "Invalid selection: value not found"
    with pytest.raises(ValueError, match=r"got 2.0"):
        s.controls["a"].value = 2.0
    assert s.controls["a"].value == 2 and s.frame.label == "a = 2, b = 0"  # a refused value changes nothing
    s.controls["a"].value = 3
    assert s.frame.label == "a = 3, b = 0"


def test_nearest_start_only_within_the_range():
    s = Slider(_render, {"a": [1, 2, 3]}, {"a": 2.4}, nearest=True)
    assert s.values() == {"a": 2}
    for bad, match in ((3.5, r"a must lie in the slider's range \[1, 3\]; got 3.5 \(stops \[1, 2, 3\]\)"),
                       ("2", r"a must be a number .*got '2'"), (float("nan"), "got nan")):
        with pytest.raises(ValueError, match=match):
            Slider(_render, {"a": [1, 2, 3]}, {"a": bad}, nearest=True)


def test_marks_are_checked_and_drawn_into_the_live_picture():
    from io import BytesIO

    from PIL import Image

    png = to_png(np.zeros((30, 30)), scale=1)
    with pytest.raises(ValueError, match=r"Frame.marks must be .*got \(1, 0.5, 0.5, 'cross'\)"):
        Frame(png, "x", marks=[(1, 0.5, 0.5, "cross")])  # there is no picture 1
    with pytest.raises(ValueError, match="Frame.marks"):
        Frame(png, "x", marks=[(0, 1.5, 0.5, "cross")])
    assert draw_marks(png, []) is png
    with pytest.raises(ValueError, match="draw_marks expects PNG bytes .*got str"):
        draw_marks("x.png", [(0, 0.5, 0.5, "cross")])
    with pytest.raises(ValueError, match=r"Frame.marks must be .*kind in \('cross', 'vline'\).*got \(0, 0.5, 0.5, 'dot'\)"):
        draw_marks(png, [(0, 0.5, 0.5, "dot")])
    with pytest.raises(ValueError, match="Frame.marks must be a sequence"):
        Frame(png, "x", marks=3)
    cross = np.asarray(Image.open(BytesIO(draw_marks(png, [(0, 0.5, 0.5, "cross")]))).convert("RGB"))
    assert tuple(cross[15, 15]) == (255, 0, 0) and tuple(cross[15, 8]) == (255, 255, 255) and cross[2, 2].sum() == 0
    line = np.asarray(Image.open(BytesIO(draw_marks(png, [(0, 0.5, 0.0, "vline")]))).convert("RGB"))
    assert (line[:, 14:16] == (255, 230, 0)).all() and line[:, 20].sum() == 0
    s = Slider(lambda t: Frame(png, f"t = {t}", marks=((0, t, 0.5, "cross"),)), {"t": [0.25, 0.75]})
    assert s.images[0].value != png and s.caption == ""  # the live picture carries the cross

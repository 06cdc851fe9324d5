"""One slider shell for the whole series: a pure ``render`` function, its stops, a widget.

A topic module writes only ``render(**values) -> Frame`` (pictures as PNG bytes from
``views.pictures.to_png``, a label made by ``format_label``, the numbers behind it, and marks
such as a cross on a map that stays the same); ``Slider`` validates a move once, calls
``render`` and swaps the pictures in.  Nothing is trained when a slider moves: ``render`` only
looks up what was computed before.  Introduced in notebook 02.  Because every frame is a pure
function of its stop, ``views.static_slider`` renders them ahead of time for pages without a
kernel (``make site``).
"""
from __future__ import annotations

import dataclasses
import functools
import html
import io
import itertools
from typing import Callable, Mapping, Sequence

from aehelpers.checks import check_stop


# --- the live slider ------------------------------------------------------------------------------

CSS_CLASS = "ae-slider"  # on every shell's outer box: the browser test moves each slider inside one
LABEL_CLASS = "ae-error"  # on the label under the controls


@dataclasses.dataclass(frozen=True)
class Frame:
    """What a slider shows at one stop: PNG pictures, an HTML label and the numbers behind it."""

    images: tuple[bytes, ...]
    label: str
    numbers: Mapping[str, float] = dataclasses.field(default_factory=dict)
    marks: tuple = ()  # (image index, x, y, kind): a "cross" at (x, y) or a "vline" at x, fractions of the picture

    def __post_init__(self):
        if isinstance(self.images, (bytes, bytearray)):
            object.__setattr__(self, "images", (bytes(self.images),))
        if not self.images or not all(isinstance(i, (bytes, bytearray)) and i[:8] == _PNG
                                      for i in self.images):
            raise ValueError("Frame.images must be one or more PNG byte strings")
        object.__setattr__(self, "marks", _checked_marks(self.marks, len(self.images)))


MARK_KINDS = ("cross", "vline")
_PNG = b"\x89PNG\r\n\x1a\n"


def _checked_marks(marks, n_images: int) -> tuple:
    try:
        marks = tuple(tuple(m) for m in marks)
    except TypeError:
        raise ValueError(f"Frame.marks must be a sequence of (image index, x, y, kind); got {marks!r}") from None
    for m in marks:
        if not (len(m) == 4 and m[0] in range(n_images) and m[3] in MARK_KINDS
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in m[1:3])):
            raise ValueError(f"Frame.marks must be (image index < {n_images}, x, y in [0, 1], kind in "
                             f"{MARK_KINDS}); got {m!r}")
    return marks


def draw_marks(png: bytes, marks) -> bytes:
    """``png`` with ``marks`` (``Frame.marks`` of this picture) drawn in: the live slider's picture.

    The static page draws the same marks over one shared picture instead (a white cross with a
    red centre; a yellow vertical line), so a moving marker costs no picture per stop."""
    if not isinstance(png, (bytes, bytearray)) or bytes(png[:8]) != _PNG:
        raise ValueError(f"draw_marks expects PNG bytes (a Frame's picture); got {type(png).__name__}")
    marks = _checked_marks(marks, 1_000_000)
    if not marks:
        return png
    from PIL import Image, ImageDraw

    with Image.open(io.BytesIO(png)) as im:
        im = im.convert("RGB")
    w, h = im.size
    draw = ImageDraw.Draw(im)
    for _, x, y, kind in marks:
        px, py = min(round(x * w), w - 1), min(round(y * h), h - 1)  # as CSS's left: x·100 %
        if kind == "vline":
            draw.rectangle([px - 1, 0, px, h - 1], fill=(255, 230, 0))
        else:
            draw.rectangle([px - 10, py - 1, px + 10, py + 1], fill=(255, 255, 255))
            draw.rectangle([px - 1, py - 10, px + 1, py + 10], fill=(255, 255, 255))
            draw.rectangle([px - 1, py - 1, px + 1, py + 1], fill=(255, 0, 0))
    buf = io.BytesIO()
    im.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def format_label(parts: Mapping[str, object], *, note: str = "") -> str:
    """The one label convention: ``p = 32 · test MSE = 0.0168 · …`` as escaped HTML.

    ``parts`` maps a name to its value (floats shown with 4 decimals); ``note`` goes in brackets
    after the first part, e.g. ``p = 1024 (≥ n = 784) · …``.
    """
    shown = [f"{name} = {value:.4f}" if isinstance(value, float) else f"{name} = {value}"
             for name, value in parts.items()]
    if note and shown:
        shown[0] += f" ({note})"
    return html.escape(" · ".join(shown), quote=False)


def check_stops(stops: Mapping[str, Sequence]) -> dict[str, tuple]:
    """``stops`` as ``{name: tuple of values}``, each non-empty and without repeats, else ``ValueError``."""
    if not isinstance(stops, Mapping) or not stops:
        raise ValueError(f"stops must be a non-empty mapping {{control name: values}}; got {stops!r}")
    out = {}
    for name, values in stops.items():
        values = tuple(values)
        if not values or len(set(values)) != len(values):
            raise ValueError(f"stops[{name!r}] must be non-empty without repeats; got {values!r}")
        out[str(name)] = values
    return out


@functools.cache
def _control_class():
    """ipywidgets' ``SelectionSlider`` whose value, however set, passes :func:`check_stop` (no bare TraitError)."""
    import ipywidgets as w
    from traitlets import validate

    class SelectionSlider(w.SelectionSlider):  # same name: shown as ipywidgets' own where it has no front end
        @validate("value")
        def _validate_value(self, proposal):
            return check_stop(proposal.value, self._options_values, self.description)

    return SelectionSlider


class Slider:
    """A thin ipywidgets shell over ``render``: one ``SelectionSlider`` per control.

    ``.controls`` (name → slider), ``.images``, ``.label`` (CSS class ``ae-error``), ``.frame``
    (what is shown), ``.update(**values)`` moves as a user would; ``.widget`` is displayed and
    carries the CSS class ``ae-slider``.  ``value`` names the starting stops (default: the middle
    one of each control; ``nearest=True``: a number within a control's range starts at the
    nearest stop); every move, by ``update`` or by setting a control's value, is checked against
    the stops by :func:`check_stop`, so ``render`` only ever sees values from its stops.
    """

    def __init__(self, render: Callable[..., Frame], stops: Mapping[str, Sequence],
                 value: Mapping | None = None, *, caption: str = "", width: str = "480px",
                 nearest: bool = False):
        import ipywidgets as w

        self.render, self.stops, self.caption = render, check_stops(stops), caption
        start = {name: values[len(values) // 2] for name, values in self.stops.items()}
        start.update(self._checked(value or {}, partial=True, nearest=nearest))
        self.controls = {name: _control_class()(options=list(values), value=start[name], description=name,
                                                continuous_update=True, style={"description_width": "initial"},
                                                layout=w.Layout(width=width))
                         for name, values in self.stops.items()}
        self.label = w.HTML()
        self.label.add_class(LABEL_CLASS)
        first = render(**start)
        self.images = [w.Image(format="png") for _ in first.images]
        parts = [*self.controls.values(), self.label,
                 w.HBox(self.images, layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))]
        if caption:
            parts.append(w.HTML(f"<small>{caption}</small>"))
        self.widget = w.VBox(parts)
        self.widget.add_class(CSS_CLASS)
        self.frame, self._quiet = None, False
        self._show(first)
        for control in self.controls.values():
            control.observe(lambda _change: None if self._quiet else self._show(), names="value")

    def _checked(self, values: Mapping, partial: bool = False, nearest: bool = False) -> dict:
        if not isinstance(values, Mapping):
            raise ValueError(f"slider values must be a mapping {{control name: stop}}; got {values!r}")
        unknown = sorted(set(values) - set(self.stops), key=str)
        missing = [] if partial else sorted(set(self.stops) - set(values))
        if unknown or missing:
            raise ValueError(f"slider controls are {sorted(self.stops)}; got {sorted(values, key=str)}")
        return {name: check_stop(v, self.stops[name], name, nearest=nearest) for name, v in values.items()}

    def values(self) -> dict:
        """The current value of every control."""
        return {name: control.value for name, control in self.controls.items()}

    def _show(self, frame: Frame | None = None) -> Frame:
        frame = frame if frame is not None else self.render(**self.values())
        for j, (image, png) in enumerate(zip(self.images, frame.images)):
            image.value = draw_marks(png, [m for m in frame.marks if m[0] == j])
        self.label.value = frame.label
        self.frame = frame
        return frame

    def update(self, **values) -> Frame:
        """Move the named controls to ``values`` (each one of its stops) and return the frame shown."""
        values = self._checked(values, partial=True)
        self._quiet = True  # one redraw for the whole move, not one per control
        try:
            for name, v in values.items():
                self.controls[name].value = v
        finally:
            self._quiet = False
        return self._show()

    def all_stops(self):
        """Every combination of stops as a dict, for rendering frames ahead of time."""
        names = list(self.stops)
        for combo in itertools.product(*(self.stops[n] for n in names)):
            yield dict(zip(names, combo))

    def _ipython_display_(self):
        from IPython.display import display

        from aehelpers.runtime import env_flag

        display(self.widget)
        if env_flag("AEHELPERS_STATIC_SLIDERS"):  # only while `make site` builds the pages (issue 17)
            from aehelpers.views.static_slider import display_static

            display_static(self)

"""One slider shell for the whole series: a pure ``render`` function, its stops, and a widget.

A topic module writes only ``render(**values) -> Frame`` (pictures as PNG bytes, a label, the
numbers behind it); ``Slider`` validates a move once, calls ``render`` and swaps the pictures
in.  Nothing is trained when a slider moves: ``render`` only looks up what was computed
before.  Because every frame is a pure function of its stop, the same frames can be rendered
ahead of time (``Slider.all_stops``) for pages without a kernel.  Introduced in notebook 02.
"""
from __future__ import annotations

import dataclasses
import html
import itertools
import numbers
from typing import Callable, Mapping, Sequence

CSS_CLASS = "ae-slider"  # on every shell's outer box: the browser test moves each slider inside one
LABEL_CLASS = "ae-error"  # on the label under the controls


@dataclasses.dataclass(frozen=True)
class Frame:
    """What a slider shows at one stop: PNG pictures, an HTML label and the numbers behind it."""

    images: tuple[bytes, ...]
    label: str
    numbers: Mapping[str, float] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if isinstance(self.images, (bytes, bytearray)):
            object.__setattr__(self, "images", (bytes(self.images),))
        if not self.images or not all(isinstance(i, (bytes, bytearray)) and i[:8] == b"\x89PNG\r\n\x1a\n"
                                      for i in self.images):
            raise ValueError("Frame.images must be one or more PNG byte strings")


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


def _stop(stops: tuple, value, name: str):
    """The stop equal to ``value`` (of the same kind: 32.0 and True are not the stop 32), else ``ValueError``."""
    if not isinstance(value, bool):
        for stop in stops:
            if value == stop and isinstance(value, numbers.Integral) == isinstance(stop, numbers.Integral):
                return stop
    raise ValueError(f"{name} must be one of the slider's stops {list(stops)}; got {value!r}")


class Slider:
    """A thin ipywidgets shell over ``render``: one ``SelectionSlider`` per control.

    ``.controls`` (name → slider), ``.images``, ``.label`` (CSS class ``ae-error``), ``.frame``
    (what is shown), ``.update(**values)`` moves as a user would; ``.widget`` is displayed and
    carries the CSS class ``ae-slider``.  ``value`` names the starting stops (default: the middle
    one of each control); every move is checked against the stops here, once, so ``render``
    only ever sees values from its stops.
    """

    def __init__(self, render: Callable[..., Frame], stops: Mapping[str, Sequence],
                 value: Mapping | None = None, *, caption: str = "", width: str = "480px"):
        import ipywidgets as w

        self.render, self.stops = render, check_stops(stops)
        start = {name: values[len(values) // 2] for name, values in self.stops.items()}
        start.update(self._checked(value or {}, partial=True))
        self.controls = {name: w.SelectionSlider(options=list(values), value=start[name], description=name,
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

    def _checked(self, values: Mapping, partial: bool = False) -> dict:
        unknown = sorted(set(values) - set(self.stops))
        missing = [] if partial else sorted(set(self.stops) - set(values))
        if unknown or missing:
            raise ValueError(f"slider controls are {sorted(self.stops)}; got {sorted(values)}")
        return {name: _stop(self.stops[name], v, name) for name, v in values.items()}

    def values(self) -> dict:
        """The current value of every control."""
        return {name: control.value for name, control in self.controls.items()}

    def _show(self, frame: Frame | None = None) -> Frame:
        frame = frame if frame is not None else self.render(**self.values())
        for image, png in zip(self.images, frame.images):
            image.value = png
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

        display(self.widget)
        from .mode import env_flag

        if env_flag("AEHELPERS_STATIC_SLIDERS"):  # only while `make site` builds the pages (issue 17)
            from .static_slider import display_static

            display_static(self)

"""One slider shell for the whole series: a pure ``render`` function, its stops, a widget, a static page.

A topic module writes only ``render(**values) -> Frame`` (pictures as PNG bytes from
``views.pictures.to_png``, a label made by ``format_label``, the numbers behind it); ``Slider``
validates a move once, calls ``render`` and swaps the pictures in.  Nothing is trained when a
slider moves: ``render`` only looks up what was computed before.  Introduced in notebook 02.

Because every frame is a pure function of its stop, the frames can also be rendered ahead of
time for pages without a kernel: ``static_html(slider)`` calls ``render`` at a subset of the
stops (``subset_stops``) and writes one self-contained piece of HTML (an ``<input type=range>``
per control, the pictures as ``data:`` URIs, the same label HTML and a tiny inline script that
swaps them).  ``make site`` sets ``AEHELPERS_STATIC_SLIDERS=1`` so that displaying a ``Slider``
also displays this snippet.  Stable attributes for tests: the snippet's root has
``data-ae-static-slider`` (and ``data-frames``, ``data-bytes``, and ``data-stop``, the JSON of the
stop shown); each range input has ``data-control`` (its name).
"""
from __future__ import annotations

import base64
import dataclasses
import functools
import html
import io
import itertools
import json
import math
import warnings
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

        self.render, self.stops = render, check_stops(stops)
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

        from aehelpers.runtime import env_flag

        display(self.widget)
        if env_flag("AEHELPERS_STATIC_SLIDERS"):  # only while `make site` builds the pages (issue 17)
            display_static(self)


# --- the static slider: every frame rendered ahead of time into one HTML snippet ------------------

PER_CONTROL = 60  # a control with at most this many stops keeps them all
DENSE_HEAD = 32  # above that: every stop up to the 32nd, then a log grid
MAX_FRAMES = 400  # several controls: a coarser grid so that the product stays below this
SLIDER_BUDGET = 2_500_000  # bytes per slider snippet: two fit in a page of issue 17's 5 MB


# -- which stops ---------------------------------------------------------------------------------
def _log_grid(values: tuple, head: int, limit: int) -> list:
    """``values[:head]`` then about ``limit - head`` stops spaced evenly in log(index), the last included."""
    n = len(values)
    picks = set(range(min(head, n)))
    rest = max(limit - len(picks), 1)
    if n > head:
        lo, hi = math.log(head + 1), math.log(n)
        for k in range(1, rest + 1):
            picks.add(min(n - 1, round(math.exp(lo + (hi - lo) * k / rest)) - 1))
    picks.add(n - 1)
    return [values[i] for i in sorted(picks)]


def _even_grid(values: tuple, count: int) -> list:
    """About ``count`` stops at a regular stride over ``values`` (by index), both ends included."""
    n = len(values)
    if n <= count:
        return list(values)
    stride = math.ceil((n - 1) / (count - 1))
    return [values[i] for i in sorted({*range(0, n, stride), n - 1})]


def subset_stops(stops: Mapping[str, Sequence], keep: Mapping | None = None, *,
                 per_control: int = PER_CONTROL, head: int = DENSE_HEAD,
                 max_frames: int = MAX_FRAMES) -> dict[str, list]:
    """The stops a static slider shows, per control, in the live slider's order.

    One control: all its stops when there are at most ``per_control``, else the first ``head``
    stops and a log grid up to the last (the PCA slider over p = 1…784: every p to 32, then
    about ``per_control - head`` more, 784 included).  Several controls: the same per control,
    then, when the product of the counts exceeds ``max_frames``, a regular grid of at most
    ``max_frames ** (1/k)`` stops per control (a latent explorer z1×z2 of 21×21 keeps every
    second stop: 11×11).
    The values in ``keep`` (the live slider's start) are always kept.
    """
    keep = dict(keep or {})
    out = {}
    for name, values in stops.items():
        values = tuple(values)
        out[name] = list(values) if len(values) <= per_control else _log_grid(values, head, per_control)
    if len(out) > 1 and math.prod(len(v) for v in out.values()) > max_frames:
        each = max(2, math.floor(max_frames ** (1 / len(out))))
        out = {name: _even_grid(tuple(v), each) for name, v in out.items()}
    for name, value in keep.items():
        if name in out and value not in out[name]:
            order = list(stops[name])
            out[name] = sorted([*out[name], value], key=order.index)
    return out


# -- smaller pictures ------------------------------------------------------------------------------
def shrink_png(png: bytes) -> tuple[bytes, int, int]:
    """A smaller PNG showing the same picture, and the width and height to display it at.

    Lossless: a nearest-neighbour enlargement (``to_png(scale=3)``) is stored at its
    native size and enlarged again by the browser (``image-rendering: pixelated``); grey RGB
    becomes one channel; maximum zlib compression.  Returns the input when it is not smaller.
    """
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        im.load()
        width, height = im.size
        mode = im.mode
        if mode not in ("L", "RGB", "RGBA", "P"):
            return png, width, height
        arr = np.asarray(im.convert("RGBA") if mode == "P" else im)
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        if arr.shape[2] == 4 and (arr[..., 3] == 255).all():
            arr = arr[..., :3]
        if arr.shape[2] == 3 and (arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all():
            arr = arr[..., 0]
    for k in (8, 6, 5, 4, 3, 2):
        if height % k == 0 and width % k == 0:
            small = arr[::k, ::k]
            if np.array_equal(np.repeat(np.repeat(small, k, axis=0), k, axis=1), arr):
                arr = small
                break
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(arr)).save(buf, format="PNG", optimize=True)
    out = buf.getvalue()
    return (out, width, height) if len(out) < len(png) else (png, width, height)


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# -- the snippet -------------------------------------------------------------------------------------
_SCRIPT = """(function(){var r=document.currentScript.parentNode,d=JSON.parse(r.querySelector('script[type="application/json"]').textContent),
ins=r.querySelectorAll('input[data-control]'),imgs=r.querySelectorAll('img[data-ae-image]'),lab=r.querySelector('[data-ae-label]');
function show(){var ix=[],st={};ins.forEach(function(el,k){var i=+el.value;ix.push(i);st[d.names[k]]=d.stops[k][i];
el.setAttribute('aria-valuetext',String(d.stops[k][i]));r.querySelector('[data-value-of="'+d.names[k]+'"]').textContent=d.stops[k][i];});
var f=d.frames[ix.join(',')];f.i.forEach(function(u,j){imgs[j].src=d.images[u];});lab.innerHTML=f.l;
r.setAttribute('data-stop',JSON.stringify(st));}
ins.forEach(function(el){el.addEventListener('input',show);});show();})();"""

_STYLE = ("<style>.ae-static-slider{border:1px solid #ccc;border-radius:4px;padding:.5em;margin:.5em 0}"
          ".ae-static-slider label{display:block;font-family:sans-serif;font-size:.9em}"
          ".ae-static-slider input{width:min(480px,90%);vertical-align:middle}"
          ".ae-static-slider img{image-rendering:pixelated;margin-right:4px}"
          ".ae-static-slider .ae-note{color:#666;font-size:.8em}</style>")


def _plain(value):
    """JSON for numpy scalars too (stops are often ``np.int64``)."""
    return value.item() if hasattr(value, "item") else str(value)


def _frames(slider, chosen: dict[str, list], memo: dict):
    """Render every combination of ``chosen``: (unique pictures, sizes, frames by index key).

    ``memo`` keeps frames by stop, so that a coarser retry renders nothing twice."""
    names = list(chosen)
    images: list[str] = []
    sizes: list[tuple[int, int]] = []
    seen: dict[bytes, int] = {}
    frames = {}
    for combo in itertools.product(*(range(len(chosen[n])) for n in names)):
        values = {n: chosen[n][i] for n, i in zip(names, combo)}
        key = tuple(_plain(v) for v in values.values())
        frame = memo[key] if key in memo else memo.setdefault(key, slider.render(**values))
        refs = []
        for png in frame.images:
            if png not in seen:
                small, w, h = shrink_png(png)
                seen[png] = len(images)
                images.append(data_uri(small))
                sizes.append((w, h))
            refs.append(seen[png])
        frames[",".join(map(str, combo))] = {"i": refs, "l": frame.label}
    return images, sizes, frames


def static_html(slider, *, subset: Mapping[str, Sequence] | None = None,
                budget: int = SLIDER_BUDGET, caption: str = "") -> str:
    """One self-contained HTML snippet showing ``slider`` at ``subset`` of its stops (default
    ``subset_stops(slider.stops, slider.values())``), starting where the live slider stands.

    When the snippet would exceed ``budget`` bytes, a coarser subset is tried (fewer stops per
    control) with a warning; the smallest one is returned even if still over.
    """
    start, memo = slider.values(), {}
    if subset is None:
        per, frames_max = PER_CONTROL, MAX_FRAMES
        while True:
            chosen = subset_stops(slider.stops, start, per_control=per,
                                  head=DENSE_HEAD if per >= PER_CONTROL else per // 2,
                                  max_frames=frames_max)
            out = _snippet(slider, chosen, start, caption, memo)
            if len(out) <= budget or (per <= 4 and frames_max <= 4):
                break
            warnings.warn(f"static slider of {len(out):,} bytes over the budget of {budget:,}: "
                          f"fewer stops ({per // 2} per control)", stacklevel=2)
            per, frames_max = max(4, per // 2), max(4, frames_max // 2)
        return out
    ok = set(subset) == set(slider.stops) and all(v in slider.stops[n] for n in subset for v in subset[n])
    chosen = {name: [v for v in slider.stops[name] if v in set(subset[name])] for name in slider.stops} if ok else {}
    if not ok or not all(chosen.values()):
        raise ValueError(f"subset must give, for each control {sorted(slider.stops)}, some of its stops; "
                         f"got {dict(subset)!r}")
    return _snippet(slider, chosen, start, caption, memo)


def _snippet(slider, chosen: dict[str, list], start: Mapping, caption: str, memo: dict) -> str:
    images, sizes, frames = _frames(slider, chosen, memo)
    names = list(chosen)
    data = {"names": names, "stops": [chosen[n] for n in names], "images": images, "frames": frames}
    first = frames[",".join(str(chosen[n].index(start[n]) if start.get(n) in chosen[n] else 0)
                            for n in names)]
    controls = []
    for n in names:
        i = chosen[n].index(start[n]) if start.get(n) in chosen[n] else 0
        controls.append(
            f'<label>{html.escape(n)} <input type="range" min="0" max="{len(chosen[n]) - 1}" step="1" '
            f'value="{i}" data-control="{html.escape(n, quote=True)}" aria-label="{html.escape(n, quote=True)}" '
            f'data-stops="{html.escape(json.dumps(chosen[n], default=_plain), quote=True)}"> '
            f'<b data-value-of="{html.escape(n, quote=True)}">{html.escape(str(chosen[n][i]))}</b></label>')
    pictures = "".join(f'<img data-ae-image="{j}" alt="slider picture {j + 1}" width="{sizes[u][0]}" '
                       f'height="{sizes[u][1]}" src="{images[u]}">' for j, u in enumerate(first["i"]))
    total = math.prod(len(slider.stops[n]) for n in names)
    shown = math.prod(len(chosen[n]) for n in names)
    note = ("" if shown == total else f" ({shown} of the {total} stops; the live notebook has all)")
    blob = json.dumps(data, separators=(",", ":"), default=_plain).replace("</", "<\\/")
    body = (f'<div class="ae-static-slider" data-ae-static-slider data-frames="{len(frames)}" '
            f'data-stop="{html.escape(json.dumps(dict(start), default=_plain), quote=True)}">{_STYLE}'
            f'{"".join(controls)}<div class="ae-error" data-ae-label>{first["l"]}</div>'
            f'<div>{pictures}</div>'
            + (f"<small>{caption}</small>" if caption else "")
            + f'<div class="ae-note">Pictures computed in advance: this slider works without a kernel{note}.</div>'
            f'<script type="application/json">{blob}</script><script>{_SCRIPT}</script></div>')
    size = len(body.encode("utf-8"))
    return body.replace("data-frames=", f'data-bytes="{size}" data-frames=', 1)


def display_static(slider) -> None:
    """Display ``static_html(slider)`` as a text/html output (what ``make site`` turns into a page)."""
    from IPython.display import HTML, display

    display(HTML(static_html(slider)))

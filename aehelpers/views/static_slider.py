"""Static sliders: every frame of a ``views.slider.Slider`` rendered ahead of time into one HTML snippet.

``static_html(slider)`` calls ``render`` at a subset of the stops (``subset_stops``: all of them
unless there are very many) and writes one self-contained piece of HTML: an ``<input
type=range>`` per control with its value printed, the pictures as ``data:`` URIs (each distinct
picture stored once), the same label HTML, the slider's caption, and a tiny inline script that
swaps them.  A frame's ``marks`` (a cross on the latent map, a line on a histogram) are drawn
over the one shared picture by CSS, so a moving marker costs a few bytes per stop, not a
picture.  ``make site`` sets ``AEHELPERS_STATIC_SLIDERS=1`` so that displaying a ``Slider`` also
displays this snippet (issue 17).  Stable attributes for tests: the snippet's root has
``data-ae-static-slider`` (and ``data-frames``, ``data-total``: the live slider's number of
stops, ``data-bytes``, and ``data-stop``, the JSON of the stop shown); each range input has
``data-control`` (its name); the caption ``data-ae-caption``; each mark ``data-ae-mark``.
"""
from __future__ import annotations

import base64
import html
import io
import itertools
import json
import math
from typing import Mapping, Sequence

PER_CONTROL = 100  # a control with at most this many stops keeps them all (PCA's p_stops: 69)
DENSE_HEAD = 32  # above that: every stop up to the 32nd, then a log grid
MAX_FRAMES = 1024  # several controls: a coarser grid only when the product exceeds this
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
    ``max_frames ** (1/k)`` stops per control (a latent explorer z1×z2 of 21×21 = 441 keeps
    every stop; one of 41×41 keeps every second stop).
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
el.setAttribute('aria-valuetext',d.texts[k][i]);r.querySelector('[data-value-of="'+d.names[k]+'"]').textContent=d.texts[k][i];});
var f=d.frames[ix.join(',')];f.i.forEach(function(u,j){imgs[j].src=d.images[u];});lab.innerHTML=f.l;
r.querySelectorAll('[data-ae-mark]').forEach(function(e){e.remove();});
(f.m||[]).forEach(function(m){var e=document.createElement('span');e.className='ae-mark ae-'+m[3];e.setAttribute('data-ae-mark',m[0]);
e.style.left=100*m[1]+'%';e.style.top=100*m[2]+'%';imgs[m[0]].parentNode.appendChild(e);});
r.setAttribute('data-stop',JSON.stringify(st));}
ins.forEach(function(el){el.addEventListener('input',show);});show();})();"""

_STYLE = ("<style>.ae-static-slider{border:1px solid #ccc;border-radius:4px;padding:.5em;margin:.5em 0;max-width:100%;"
          "box-sizing:border-box}.ae-static-slider label{display:block;font-family:sans-serif;font-size:.9em}"
          ".ae-static-slider input{width:min(480px,70%);vertical-align:middle}"
          ".ae-static-slider .ae-pics{line-height:0;margin:.3em 0}"
          ".ae-static-slider .ae-pic{position:relative;display:inline-block;vertical-align:top;max-width:100%;"
          "margin:0 4px 4px 0}.ae-static-slider .ae-pic img{display:block;max-width:100%;height:auto;"
          "image-rendering:pixelated}.ae-mark{position:absolute;pointer-events:none}"
          ".ae-cross{width:21px;height:21px;transform:translate(-50%,-50%);background:linear-gradient(red,red) "
          "center/3px 3px no-repeat,linear-gradient(#fff,#fff) center/100% 3px no-repeat,"
          "linear-gradient(#fff,#fff) center/3px 100% no-repeat}"
          ".ae-vline{top:0!important;bottom:0;width:2px;margin-left:-1px;background:#ffe600}"
          ".ae-static-slider .ae-caption{font-size:.85em;color:#333;margin:.2em 0}"
          ".ae-static-slider .ae-note{color:#666;font-size:.8em}</style>")


def _plain(value):
    """JSON for numpy scalars too (stops are often ``np.int64``)."""
    return value.item() if hasattr(value, "item") else str(value)


def stop_text(value) -> str:
    """A stop as a reader reads it: ``0.0278``, not ``0.027800000000000002``; ``32``; ``'relu'``."""
    value = _plain(value) if hasattr(value, "item") else value
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


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
        if getattr(frame, "marks", ()):
            frames[",".join(map(str, combo))]["m"] = [[j, round(x, 4), round(y, 4), k] for j, x, y, k in frame.marks]
    return images, sizes, frames


def static_html(slider, *, subset: Mapping[str, Sequence] | None = None,
                budget: int = SLIDER_BUDGET, caption: str | None = None) -> str:
    """One self-contained HTML snippet showing ``slider`` at ``subset`` of its stops (default
    ``subset_stops(slider.stops, slider.values())``), starting where the live slider stands,
    with ``caption`` (default: the slider's own) under the pictures.

    When the snippet would exceed ``budget`` bytes, a coarser subset is tried (fewer stops per
    control); the snippet's note says how many of the stops it kept (no warning: a page shows it).
    """
    start, memo = slider.values(), {}
    caption = getattr(slider, "caption", "") if caption is None else caption
    if subset is None:
        per, frames_max = PER_CONTROL, MAX_FRAMES
        while True:
            chosen = subset_stops(slider.stops, start, per_control=per,
                                  head=DENSE_HEAD if per >= PER_CONTROL else per // 2,
                                  max_frames=frames_max)
            out = _snippet(slider, chosen, start, caption, memo)
            if len(out) <= budget or (per <= 4 and frames_max <= 4):
                return out
            per, frames_max = max(4, per // 2), max(4, frames_max // 2)
    ok = set(subset) == set(slider.stops) and all(v in slider.stops[n] for n in subset for v in subset[n])
    chosen = {name: [v for v in slider.stops[name] if v in set(subset[name])] for name in slider.stops} if ok else {}
    if not ok or not all(chosen.values()):
        raise ValueError(f"subset must give, for each control {sorted(slider.stops)}, some of its stops; "
                         f"got {dict(subset)!r}")
    return _snippet(slider, chosen, start, caption, memo)


def _snippet(slider, chosen: dict[str, list], start: Mapping, caption: str, memo: dict) -> str:
    images, sizes, frames = _frames(slider, chosen, memo)
    names = list(chosen)
    texts = [[stop_text(v) for v in chosen[n]] for n in names]
    data = {"names": names, "stops": [chosen[n] for n in names], "texts": texts, "images": images, "frames": frames}
    at = [chosen[n].index(start[n]) if start.get(n) in chosen[n] else 0 for n in names]
    first = frames[",".join(map(str, at))]
    controls = []
    for k, (n, i) in enumerate(zip(names, at)):
        attr = html.escape(n, quote=True)
        controls.append(
            f'<label>{html.escape(n)} <input type="range" min="0" max="{len(chosen[n]) - 1}" step="1" '
            f'value="{i}" data-control="{attr}" aria-label="{attr}" aria-valuetext="{html.escape(texts[k][i])}" '
            f'data-stops="{html.escape(json.dumps(chosen[n], default=_plain), quote=True)}"> '
            f'<b data-value-of="{attr}">{html.escape(texts[k][i])}</b></label>')
    pictures = "".join(f'<span class="ae-pic"><img data-ae-image="{j}" alt="slider picture {j + 1}" '
                       f'width="{sizes[u][0]}" height="{sizes[u][1]}" src="{images[u]}"></span>'
                       for j, u in enumerate(first["i"]))
    total = math.prod(len(slider.stops[n]) for n in names)
    shown = math.prod(len(chosen[n]) for n in names)
    note = "" if shown == total else f" ({shown} of the {total} stops; the live notebook has all)"
    blob = json.dumps(data, separators=(",", ":"), default=_plain).replace("</", "<\\/")
    body = (f'<div class="ae-static-slider" data-ae-static-slider data-frames="{len(frames)}" data-total="{total}" '
            f'data-stop="{html.escape(json.dumps(dict(start), default=_plain), quote=True)}">{_STYLE}'
            f'{"".join(controls)}<div class="ae-error" data-ae-label>{first["l"]}</div>'
            f'<div class="ae-pics">{pictures}</div>'
            + (f'<p class="ae-caption" data-ae-caption>{html.escape(caption, quote=False)}</p>' if caption else "")
            + f'<div class="ae-note">Pictures computed in advance: this slider works without a kernel{note}.</div>'
            f'<script type="application/json">{blob}</script><script>{_SCRIPT}</script></div>')
    size = len(body.encode("utf-8"))
    return body.replace("data-frames=", f'data-bytes="{size}" data-frames=', 1)


def display_static(slider) -> None:
    """Display ``static_html(slider)`` as a text/html output (what ``make site`` turns into a page)."""
    from IPython.display import HTML, display

    display(HTML(static_html(slider)))

"""The static site of ``make site`` in a real Chromium, with no kernel and no network.

By default the site is built in quick mode from the two tiny notebooks of ``fixtures/site`` (seconds,
no TensorFlow), whose sliders render ``fixture_frames``: the test knows independently what each stop
must show. ``SITE_DIR=build/site`` checks a build of the series instead (``AEHELPERS_QUICK=1 make site``),
where the oracle is each page's own frame data and each label's naming of its stop (``label_disagrees``,
the live driver's rule).  Issue 29's reader checks run on both: no horizontal scroll at 390 px, no path of
the build machine, no warning block, every slider captioned, the latent explorer complete (every stop, under
1 MB, its cross laid over one map), download/source links, contents and anchors, the paper and the post.
"""
from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from lab_harness import REPO, label_disagrees, plan_stops

FIXTURE_SITE = Path(__file__).resolve().parent / "fixtures" / "site"
sys.path.insert(0, str(FIXTURE_SITE))
import fixture_frames  # noqa: E402  (the fixture site's render functions: the independent oracle)
ALLOWED = ("file://", "data:", "about:")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, bool]:
    """(folder of the site, whether it was built from the fixture notebooks)."""
    given = os.environ.get("SITE_DIR", "").strip()
    if given:
        path = Path(given).resolve()
        if not (path / "index.html").is_file():
            pytest.fail(f"SITE_DIR={given} has no index.html: run `make site` first", pytrace=False)
        return path, False
    work = tmp_path_factory.mktemp("site")
    env = dict(os.environ, AEHELPERS_QUICK="1", AEHELPERS_OFFLINE="1")
    env.pop("AEHELPERS_STATIC_SLIDERS", None)
    run = subprocess.run([sys.executable, str(REPO / "tools" / "build_site.py"), "--notebooks", str(FIXTURE_SITE),
                          "--executed", str(work / "executed"), "--out", str(work / "site")],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"build_site failed:\n{run.stdout}\n{run.stderr}"
    return work / "site", True


def pages(site_dir: Path) -> list[Path]:
    return sorted(p for p in site_dir.glob("*.html") if p.name != "index.html")


def open_offline(browser, path: Path):
    """A new page on ``path`` that refuses and records every request not to file:// or data:."""
    page = browser.new_page()
    problems: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(ALLOWED) else (
        problems.append(f"request leaving file://: {route.request.url}"), route.abort()))
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}"))
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: req.url.startswith(ALLOWED)
            and problems.append(f"failed to load {req.url}: {req.failure}"))
    page.goto(path.as_uri(), wait_until="load")
    return page, problems


def test_pages_load_offline_within_budget_and_the_index_links_them(browser, site):
    """No console error, no request leaving file://, every picture loads; the index links every page in
    reading order and every link opens; issue 17's budget: at most 5 MB a page, 30 MB in all."""
    site_dir, _ = site
    files = sorted(p.name for p in site_dir.rglob("*") if p.is_file())
    assert all(n.endswith(".html") or n[:-6] + ".html" in files for n in files), \
        f"the site should be pages and, beside each, its notebook: {files}"
    sizes = {p.name: p.stat().st_size for p in site_dir.glob("*.html")}
    assert max(sizes.values()) <= 5_000_000 and sum(sizes.values()) <= 30_000_000, sizes
    failures = {}
    for path in [site_dir / "index.html", *pages(site_dir)]:
        page, problems = open_offline(browser, path)
        try:
            text = page.inner_text("body")
            problems += [f"the page shows {bad!r}" for bad in ("Error displaying widget", "VBox(children=",
                                                                 "Loading widget", "$$") if bad in text]
            if page.eval_on_selector_all("img", "els => els.filter(e => !e.complete || !e.naturalWidth).length"):
                problems.append("a picture did not load")
            if path.name == "index.html":
                hrefs = page.eval_on_selector_all("[data-ae-index] a", "els => els.map(e => e.getAttribute('href'))")
                assert hrefs == [p.name for p in pages(site_dir)]
                for href in hrefs:  # and every link opens its page
                    page.click(f'[data-ae-index] a[href="{href}"]')
                    page.wait_for_load_state("load")
                    assert page.url.endswith("/" + href) and page.locator("h1").count() >= 1
                    page.go_back()
        finally:
            page.close()
        if problems:
            failures[path.name] = problems
    assert not failures, json.dumps(failures, indent=1)


# -- sliders ---------------------------------------------------------------------------------------------
def _pixels(uri_or_png, shape=None) -> np.ndarray:
    """Grey pixels of a PNG (or a data: URI of one), enlarged to ``shape`` as the browser shows it."""
    from PIL import Image

    png = base64.b64decode(uri_or_png.split(",", 1)[1]) if isinstance(uri_or_png, str) else uri_or_png
    with Image.open(io.BytesIO(png)) as im:
        pixels = np.asarray(im.convert("L"))
    k = shape[0] // pixels.shape[0] if shape else 1
    return np.repeat(np.repeat(pixels, k, axis=0), k, axis=1)


def _check_stop(root, data, oracle, where: str) -> None:
    """What ``root`` shows is the frame of the stop its inputs stand at, and its label names that stop."""
    index = [int(v) for v in root.locator("input[data-control]").evaluate_all("els => els.map(e => e.value)")]
    stop = {n: data["stops"][k][i] for k, (n, i) in enumerate(zip(data["names"], index))}
    assert json.loads(root.get_attribute("data-stop")) == stop, where
    frame = data["frames"][",".join(map(str, index))]
    srcs = root.locator("img[data-ae-image]").evaluate_all("els => els.map(e => e.src)")
    label = " ".join(root.locator("[data-ae-label]").inner_text().split())
    assert srcs == [data["images"][u] for u in frame["i"]], f"{where}: pictures of another stop than {stop}"
    assert label == _plain(frame["l"]), f"{where}: label {label!r} is not the label of {stop}"
    assert not (wrong := label_disagrees(label, list(stop.values()))), f"{where}: {wrong}"
    marks = root.locator("[data-ae-mark]").evaluate_all(  # the marks laid over the pictures (a cross on a map)
        """els => els.map(e => [+e.dataset.aeMark, parseFloat(e.style.left) / 100, parseFloat(e.style.top) / 100,
                                e.className.replace('ae-mark ae-', ''),
                                e.parentNode.querySelector('img[data-ae-image]').dataset.aeImage === e.dataset.aeMark])""")
    want = [[j, x, y, kind, True] for j, x, y, kind in frame.get("m", [])]
    assert len(marks) == len(want) and all(a[0] == b[0] and a[3:] == b[3:] and abs(a[1] - b[1]) < 1e-6
                                           and abs(a[2] - b[2]) < 1e-6 for a, b in zip(marks, want)), \
        f"{where}: marks {marks} are not the frame's {want}"
    if oracle is not None:  # and the frame is what the live slider's render shows at that stop
        live = oracle(**stop)
        assert label == _plain(live.label), f"{where}: {label!r} != live {live.label!r}"
        assert [list(m) for m in live.marks] == [m[:4] for m in want], f"{where}: marks differ from the live ones"
        for src, png in zip(srcs, live.images):
            want = _pixels(png)
            assert np.array_equal(_pixels(src, want.shape), want), f"{where}: picture differs at {stop}"


def _plain(label_html: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", label_html)).split())


def test_static_sliders_follow_the_keyboard(browser, site):
    site_dir, from_fixture = site
    oracles = {("p",): fixture_frames.render_p, ("z1", "z2"): fixture_frames.render_z} if from_fixture else {}
    seen, marked = 0, False
    for path in pages(site_dir):
        page, problems = open_offline(browser, path)
        try:
            roots = page.locator("[data-ae-static-slider]")
            for s in range(roots.count()):
                root = roots.nth(s)
                root.scroll_into_view_if_needed()
                data = json.loads(root.locator('script[type="application/json"]').text_content())
                oracle = oracles.get(tuple(data["names"]))
                if from_fixture:
                    assert oracle is not None, f"no oracle for controls {data['names']}"
                where = f"{path.name} slider {s + 1}"
                _check_stop(root, data, oracle, where + " at start")
                for k, name in enumerate(data["names"]):
                    control, labels = root.locator(f'input[data-control="{name}"]'), set()
                    for target, key in plan_stops(int(control.input_value()), 0, len(data["stops"][k]) - 1):
                        for _ in range(abs(target - int(control.input_value())) if "Arrow" in key else 1):
                            control.press(key)  # the live driver's sample of stops and keys
                        assert int(control.input_value()) == target, f"{where}: {key} on {name}"
                        _check_stop(root, data, oracle, f"{where} after {key} on {name}")
                        labels.add(root.locator("[data-ae-label]").inner_text())
                    assert len(labels) > 1 or len(data["stops"][k]) == 1, f"{where}: the label stayed as {name} moved"
                seen += 1
                marked = marked or any("m" in f for f in data["frames"].values())
            assert not problems, problems
        finally:
            page.close()
    if from_fixture:
        assert seen == 2, f"the fixture site has two static sliders; found {seen}"
        assert marked, "the fixture's z slider lays a cross over its second picture"
    elif seen == 0:
        pytest.skip("this site has no static sliders yet (no notebook displays an aehelpers.views.slider.Slider)")


# -- what a reader of any page meets (issue 29) --------------------------------------------------------------
PHONE = {"width": 390, "height": 844}
MACHINE = re.compile(r"(?<![\w.~/:-])/(?:home|Users|root|tmp|work|private|mnt)/")
WARNING = re.compile(r"\b\w*Warning: |has no static version|WARNING: All log messages")


def _text_of(path: Path) -> str:
    """The page's HTML without its data: URIs (base64 may spell anything)."""
    return re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "data:", path.read_text(encoding="utf-8"))


def test_no_page_carries_a_path_of_the_machine_that_built_it(site):
    site_dir, from_fixture = site
    roots = {str(REPO), str(Path.home()) + "/", tempfile.gettempdir() + "/", str(site_dir)}
    if os.environ.get("AEHELPERS_MNIST", "").strip():
        roots.add(os.environ["AEHELPERS_MNIST"].strip())
    found = {}
    for path in site_dir.glob("*.html"):
        text = _text_of(path)
        bad = sorted({r for r in roots if r in text} | set(MACHINE.findall(text)))
        if bad:
            found[path.name] = bad
    assert not found, found
    if from_fixture:  # the fixture prints its figures folder and home: they reach the page scrubbed
        text = _text_of(site_dir / "00_fixture_intro.html")
        assert "figures -&gt; tests/e2e/fixtures/site/figures" in text and "; home ~" in text, "scrubbed paths missing"


def test_no_warning_blocks_captions_present_and_sliders_complete(browser, site):
    site_dir, from_fixture = site
    problems, explorers = {}, 0
    for path in pages(site_dir):
        page, errors = open_offline(browser, path)
        try:
            text = page.inner_text("body")
            bad = [f"shows {m.group(0)!r}" for m in WARNING.finditer(text)]
            sliders = page.eval_on_selector_all("[data-ae-static-slider]", """els => els.map(e => ({
                caption: (e.querySelector('[data-ae-caption]') || {}).textContent || '',
                names: JSON.parse(e.querySelector('script[type="application/json"]').textContent).names,
                frames: +e.dataset.frames, total: +e.dataset.total, bytes: +e.dataset.bytes}))""")
            for k, sl in enumerate(sliders):
                if len(sl["caption"].split()) < 3:
                    bad.append(f"slider {k + 1} ({sl['names']}) has no caption")
                explorer = sl["names"] == ["z1", "z2"]
                if (explorer or not from_fixture) and sl["frames"] != sl["total"]:
                    bad.append(f"slider {k + 1} ({sl['names']}) keeps {sl['frames']} of its {sl['total']} stops")
                if explorer:
                    explorers += 1
                    if sl["bytes"] >= 1_000_000:
                        bad.append(f"the latent explorer weighs {sl['bytes']:,} bytes (at most 1 MB)")
            if bad or errors:
                problems[path.name] = bad + errors
        finally:
            page.close()
    assert not problems, json.dumps(problems, indent=1)
    assert explorers >= 1 or not (from_fixture or any("latent" in _text_of(p) for p in pages(site_dir))), \
        "no latent explorer found"


def test_a_phone_never_scrolls_sideways(browser, site):
    """At 390 px the page is as wide as the screen: the nav wraps, tables, code and math scroll in their
    own box, and every picture (slider pictures included) fits."""
    site_dir, _ = site
    wide = {}
    for path in [site_dir / "index.html", *pages(site_dir)]:
        page, _problems = open_offline(browser, path)
        try:
            page.set_viewport_size(PHONE)
            page.wait_for_timeout(50)
            width = page.evaluate("document.documentElement.scrollWidth")
            cut = page.eval_on_selector_all("img", "els => els.filter(e => e.getBoundingClientRect().right > "
                                                   "innerWidth + 1).length")
            if width > PHONE["width"] or cut:
                wide[path.name] = f"{width} px wide, {cut} picture(s) past the right edge"
        finally:
            page.close()
    assert not wide, wide


def test_each_page_links_its_notebook_its_sections_and_the_sources(browser, site):
    site_dir, _ = site
    missing = {}
    for path in [site_dir / "index.html", *pages(site_dir)]:
        page, _problems = open_offline(browser, path)
        try:
            refs = page.eval_on_selector_all("[data-ae-ref]", "els => els.map(e => e.dataset.aeRef + ' ' + e.href)")
            bad = [] if {r.split()[0] for r in refs} == {"paper", "post"} else [f"links to the paper and post: {refs}"]
            if path.name != "index.html":
                download = page.eval_on_selector_all("a[download]", "els => els.map(e => e.getAttribute('href'))")
                if not download or not all((site_dir / h).is_file() and Path(h).name == path.stem + ".ipynb"
                                           for h in download):
                    bad.append(f"download links {download}")
                if not page.locator('[data-ae-nav="source"]').count():
                    bad.append("no View source link")
                headings = page.eval_on_selector_all("h2[id]", "els => els.map(e => e.id)")
                toc = page.eval_on_selector_all("[data-ae-toc] a", "els => els.map(e => ("
                                                                   "e.getAttribute('href').slice(1)))")
                if len(headings) >= 2 and not set(headings) <= set(toc):
                    bad.append(f"contents {toc} miss sections {headings}")
                ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
                if not all(t in ids for t in toc):
                    bad.append("a contents entry leads nowhere")
                if page.locator("h2 > a.anchor-link").count() < len(headings):
                    bad.append("a section heading has no anchor link")
            if bad:
                missing[path.name] = bad
        finally:
            page.close()
    assert not missing, json.dumps(missing, indent=1)

"""The static site of ``make site`` in a real Chromium, with no kernel and no network.

By default the site is built in quick mode from the two tiny notebooks of ``fixtures/site`` (seconds,
no TensorFlow), whose sliders render ``fixture_frames``: the test knows independently what each stop
must show. ``SITE_DIR=build/site`` checks a build of the series instead (``AEHELPERS_QUICK=1 make site``),
where the oracle is each page's own frame data and each label's naming of its stop (``label_disagrees``,
the live driver's rule).
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
    sizes = {p.name: p.stat().st_size for p in site_dir.rglob("*") if p.is_file()}
    assert all(n.endswith(".html") for n in sizes), f"the site should be HTML files only: {sorted(sizes)}"
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
    if oracle is not None:  # and the frame is what the live slider's render shows at that stop
        live = oracle(**stop)
        assert label == _plain(live.label), f"{where}: {label!r} != live {live.label!r}"
        for src, png in zip(srcs, live.images):
            want = _pixels(png)
            assert np.array_equal(_pixels(src, want.shape), want), f"{where}: picture differs at {stop}"


def _plain(label_html: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", label_html)).split())


def test_static_sliders_follow_the_keyboard(browser, site):
    site_dir, from_fixture = site
    oracles = {("p",): fixture_frames.render_p, ("z1", "z2"): fixture_frames.render_z} if from_fixture else {}
    seen = 0
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
            assert not problems, problems
        finally:
            page.close()
    if from_fixture:
        assert seen == 2, f"the fixture site has two static sliders; found {seen}"
    elif seen == 0:
        pytest.skip("this site has no static sliders yet (no notebook displays an aehelpers.views.slider.Slider)")

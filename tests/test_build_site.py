"""tools/build_site.py without a kernel: pages load nothing from anywhere, math is MathML, freshness."""
import importlib.util
import json
import os
import re
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from aehelpers.views.pictures import to_png
from aehelpers.views.slider import Frame, Slider
from aehelpers.views.static_slider import static_html

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
bs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bs)

# Any attribute pointing off the site; a reader's click on a prose link <a href="https://..."> loads
# nothing by itself, so those are allowed (and counted apart).
EXTERNAL = re.compile(r"""\b(?:src|srcset|href|action|poster|data|formaction)\s*=\s*["']?\s*(?:https?:|//|ftp:)""", re.I)
PROSE_LINK = re.compile(r"""<a\s[^>]*?href\s*=\s*["']?\s*(?:https?:|//)""", re.I)


def _loads(page):
    """Attributes that would fetch something from off the site (prose links removed first)."""
    return EXTERNAL.findall(PROSE_LINK.sub("<a ", page))


def _render(a):
    return Frame(to_png(np.full((3, 3), a / 10), scale=2), f"a = {a}", {"a": a})


def _executed_notebook():
    """What an execution with AEHELPERS_STATIC_SLIDERS=1 leaves: widget view, static twin, a figure."""
    png = to_png(np.eye(4))
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}}
    code = nbformat.v4.new_code_cell("Slider(...)")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
            "text/plain": "VBox(children=(SelectionSlider(...),))"}),
        nbformat.v4.new_output("display_data", data={"text/html": static_html(Slider(_render, {"a": [1, 2, 3]})),
                                                     "text/plain": "<IPython.core.display.HTML object>"}),
        nbformat.v4.new_output("display_data", data={"image/png": __import__("base64").b64encode(png).decode(),
                                                     "text/plain": "<Figure>"}),
        nbformat.v4.new_output("stream", name="stdout", text="✓ 1 < 2\n"),
    ]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title · sub\nIntro with $E = \\sum_t \\|x_t - ABx_t\\|^2$ and\n\n"
                                      "$$\\hat{x} = ABx$$\n\ncode `a = $5` and prices $5 and $6; see "
                                      "[03](03_identity_problem.ipynb#remedies) and [site](https://example.org)."),
        code,
    ]
    return nb


def _page():
    return bs.convert(_executed_notebook(), title="Title", notebook_names={"03_identity_problem.ipynb"}, quick=True,
                      nav={"index": "index.html", "prev": None, "next": "01_x.html", "source": "00_x.ipynb"})


def test_a_page_loads_nothing_from_anywhere():
    page = _page()
    assert not _loads(page), _loads(page)
    # [site](https://example.org) and the footer's paper and post: links to click, not loads
    assert len(PROSE_LINK.findall(page)) == 3 and 'data-ae-ref="paper"' in page and 'data-ae-ref="post"' in page
    assert "<link" not in page and not re.search(r"<script[^>]*\bsrc=", page) and "@import" not in page
    assert "mathjax" not in page.lower() and "require.js" not in page.lower() and "unpkg" not in page
    assert "widget-view+json" not in page and "widget-state+json" not in page and "VBox(children" not in page


def test_a_page_has_mathml_figures_static_slider_and_site_links():
    page = _page()
    assert page.count("<math") == 2 and 'display="block"' in page and "$$" not in page
    assert "a = $5" in page and "$5 and $6" in page  # code and prices are not math
    assert "data-ae-static-slider" in page and "data:image/png;base64," in page and "✓ 1 &lt; 2" in page
    assert 'href="03_identity_problem.html#remedies"' in page
    assert 'href="index.html"' in page and 'href="01_x.html"' in page and "data-ae-quick" in page
    assert "AEMATHTOKEN" not in page and "data-ae-no-kernel" not in page  # the slider has its static twin


def test_a_solution_is_folded_code_and_output_and_other_cells_are_not():
    nb = _executed_notebook()
    solution = nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution"],
                                                                  "jupyter": {"source_hidden": True, "outputs_hidden": True}})
    solution.outputs = [nbformat.v4.new_output("stream", name="stdout", text="the answer is 42\n")]
    nb.cells.append(solution)
    page = bs.convert(nb, title="T", notebook_names=set(), quick=False,
                      nav={"index": "index.html", "prev": None, "next": None, "source": "x.ipynb"})
    folded = re.findall(r"<details class=\"ae-solution\" data-ae-solution(?:=\"\")?>(.*?)</details>", page, re.S)
    assert len(folded) == 1 and "answer" in folded[0] and "the answer is 42" in folded[0]
    assert "✓ 1 &lt; 2" not in folded[0] and "✓ 1 &lt; 2" in page  # the ordinary cell stays open


def test_a_widget_without_static_twin_is_named_not_dropped():
    nb = _executed_notebook()
    del nb.cells[1].outputs[1]  # an older widget shell: no static output after it
    page = bs.convert(nb, title="T", notebook_names=set(), quick=False,
                      nav={"index": "index.html", "prev": None, "next": None, "source": "x.ipynb"})
    assert page.count("data-ae-no-kernel") == 1 and "VBox(children" not in page


def test_index_links_pages_in_reading_order(tmp_path):
    pages = [(tmp_path / "00_a.ipynb", "Start", "sub"), (tmp_path / "01_b.ipynb", "B & C", "")]
    index = bs.index_page(pages, quick=False)
    assert re.findall(r'href="([^"]+)"', index)[:2] == ["00_a.html", "01_b.html"]
    assert {bs.PAPER[0], bs.POST[0]} == set(re.findall(r'href="(https[^"]+)"', index))  # the paper and the post
    assert "B &amp; C" in index and "data-ae-quick" not in index and not _loads(index)
    assert not EXTERNAL.search("<img alt=x>") and EXTERNAL.search('<img src="https://x/y.png">')
    assert _loads('<a href="https://x">x</a><link rel=stylesheet href=//cdn/x.css>') == ["href=//"]


def test_title_of_reads_the_h1_and_subtitle():
    assert bs.title_of(_executed_notebook(), "x") == ("Title · sub", "Intro with $E = \\sum_t \\|x_t - ABx_t\\|^2$ and")
    assert bs.title_of(nbformat.v4.new_notebook(), "fallback") == ("fallback", "")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 02 · PCA\n*With linear layers the best\nautoencoder is **PCA**.*\n\nIn this")]
    assert bs.title_of(nb, "x") == ("02 · PCA", "With linear layers the best autoencoder is PCA.")
    index = bs.index_page([(Path("00_a.ipynb"), "T", "with $x_t$ and <b>")], quick=True)
    assert "<math" in index and "&lt;b&gt;" in index and "data-ae-quick" in index


def test_freshness_needs_newer_copy_same_mode_and_static_sliders(tmp_path):
    source = tmp_path / "nb" / "00_a.ipynb"
    source.parent.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), source)
    executed = tmp_path / "ex" / "00_a.ipynb"
    executed.parent.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["aehelpers_site"] = {"mode": "quick", "static_sliders": True, "data": bs.mnist_fingerprint()}
    nbformat.write(nb, executed)
    future = time.time() + 3600  # newer than the notebook and every aehelpers/*.py
    os.utime(executed, (future, future))
    assert bs.is_fresh(executed, source, "quick")
    assert not bs.is_fresh(executed, source, "full")
    nb.metadata["aehelpers_site"]["data"] = "made-on-other-data"  # e.g. the sample, before AEHELPERS_MNIST was set
    nbformat.write(nb, executed)
    os.utime(executed, (future, future))
    assert not bs.is_fresh(executed, source, "quick")
    os.utime(source, (future + 1, future + 1))
    assert not bs.is_fresh(executed, source, "quick")
    assert not bs.is_fresh(tmp_path / "missing.ipynb", source, "quick")


def test_progress_bars_show_their_last_state():
    nb = _executed_notebook()
    del nb.cells[1].outputs[1]
    ids = ["bar", "left", "progress", "right"]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"version_major": 2, "state": {
        "bar": {"model_name": "HBoxModel", "state": {"children": [f"IPY_MODEL_{i}" for i in ids[1:]]}},
        "left": {"model_name": "HTMLModel", "state": {"value": "sweep p=2:\u2007100%"}},
        "progress": {"model_name": "FloatProgressModel", "state": {"value": 3.0, "max": 3.0, "bar_style": "success"}},
        "right": {"model_name": "HTMLModel", "state": {"value": " 3/3 [00:04&lt;00:00, loss=0.25]"}}}}}
    nb.cells[1].outputs[0]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] = "bar"
    page = bs.convert(nb, title="T", notebook_names=set(), quick=False,
                      nav={"index": "index.html", "prev": None, "next": None, "source": "x.ipynb"})
    assert re.search(r'<progress [^>]*max="3.0"[^>]*value="3.0"', page), re.findall('<progress[^>]*>', page)
    assert "sweep p=2:" in page and "3/3 [00:04&lt;00:00, loss=0.25]" in page and "data-ae-no-kernel" not in page


def test_no_path_of_the_build_machine_reaches_a_page(monkeypatch):
    monkeypatch.setenv("AEHELPERS_MNIST", "/data/someone/mnist.npz")
    import tempfile
    import sysconfig

    nb = _executed_notebook()
    purelib = sysconfig.get_paths()["purelib"]
    nb.cells[1].outputs += [
        nbformat.v4.new_output("stream", name="stdout", text=f"seed 42; figures -> {ROOT}/build/executed-site/figures\n"
                               f"set AEHELPERS_MNIST=/data/someone/mnist.npz; cache {Path.home()}/.cache/x; "
                               f"scratch {tempfile.gettempdir()}/abc/d.txt; also /home/alice/n.ipynb and /work/x/y\n"),
        nbformat.v4.new_output("display_data", data={"text/html": f"<pre>{purelib}/keras/x.py</pre>"})]
    page = _page_of(nb)
    for bad in (str(ROOT), "/data/someone", str(Path.home()) + "/", tempfile.gettempdir() + "/", "/home/alice",
                "/work/", purelib):
        assert bad not in page, bad
    assert "figures -&gt; build/executed-site/figures" in page and "AEHELPERS_MNIST=mnist.npz" in page
    assert "site-packages/keras/x.py" in page and "…/n.ipynb" in page
    png = re.search(r"data:image/png;base64,[^\"']+", page)[0]
    assert bs.scrub(f'<img src="{png}/tmp/x">') == f'<img src="{png}/tmp/x">'  # data: URIs are never touched
    assert bs.scrub("a/tmp/b and http://x.org/home/y") == "a/tmp/b and http://x.org/home/y"


def _page_of(nb, log=None):
    return bs.convert(nb, title="T", notebook_names=set(), quick=False, log=log,
                      nav={"index": "index.html", "prev": None, "next": None, "source": "x.ipynb",
                           "download": "x.ipynb", "view": "https://github.com/o/r/blob/HEAD/notebooks/x.ipynb"})


def test_warnings_go_to_the_build_log_not_the_page():
    nb = _executed_notebook()
    nb.cells[1].outputs += [
        nbformat.v4.new_output("stream", name="stderr", text=f"{ROOT}/aehelpers/views/slider.py:351: UserWarning: "
                               "static slider of 13,803,278 bytes\n  html = static_html(self)\n"),
        nbformat.v4.new_output("stream", name="stderr", text="2026-12-02 09:31:02.123456: I tensorflow/core/x.cc:1] "
                               "oneDNN custom operations are on\n"),
        nbformat.v4.new_output("stream", name="stderr", text="a real error the reader must see\n")]
    log = []
    page = _page_of(nb, log)
    assert "UserWarning" not in page and "oneDNN" not in page and "a real error the reader must see" in page
    assert len(log) == 2 and "UserWarning" in log[0]


def test_each_page_has_download_source_anchors_and_contents(monkeypatch):
    nb = _executed_notebook()
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("## First part\ntext\n### A detail\n## Second & last"))
    page = _page_of(nb)
    download = re.findall(r"<a ([^>]*)>Download notebook</a>", page)
    assert len(download) == 2 and all('href="x.ipynb"' in a and "download" in a for a in download)  # top and bottom
    source = re.findall(r"<a ([^>]*)>View source</a>", page)
    assert len(source) == 2 and all('href="https://github.com/o/r/blob/HEAD/notebooks/x.ipynb"' in a for a in source)
    toc = re.search(r"<nav class=\"ae-toc\" data-ae-toc>.*?</nav>", page, re.S)[0]
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert anchors == ["First-part", "A-detail", "Second-&amp;-last"] or len(anchors) == 3, anchors
    for a in anchors:  # every entry is a heading's anchor, with its ¶ link
        assert f'id="{a}"' in page and f'class="anchor-link" href="#{a}"' in page
    assert "Second &amp; last" in toc
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/autoencoders")
    monkeypatch.setenv("GITHUB_SHA", "abc123")
    assert bs.source_url(ROOT / "notebooks" / "03_x.ipynb") == \
        "https://github.com/someone/autoencoders/blob/abc123/notebooks/03_x.ipynb"
    monkeypatch.setenv("GITHUB_REPOSITORY", "")
    assert bs.source_url(ROOT / "notebooks" / "03_x.ipynb") is None


def test_progress_prints_one_line_per_code_cell():
    import io

    out = io.StringIO()
    nb = _executed_notebook()
    hook = bs.progress("00_x.ipynb", nb, out)
    hook(cell=nb.cells[1], cell_index=1)
    assert re.fullmatch(r"  00_x.ipynb: cell 1/1 \(\d+ s\)\n", out.getvalue())

"""`make site`: the executed series as static web pages whose sliders work without a kernel (issue 17).

    python tools/build_site.py [--notebooks notebooks] [--executed build/executed-site] [--out build/site]

1. Execute every ``*.ipynb`` of ``--notebooks`` (in the mode ``AEHELPERS_QUICK`` asks for) with
   ``AEHELPERS_STATIC_SLIDERS=1``, so that each ``aehelpers.views.slider.Slider`` also leaves its
   frames as a static HTML output (``aehelpers.views.static_slider``).  An executed copy in
   ``--executed`` is reused when it is *fresh*: newer than its notebook and than every module of
   ``aehelpers/``, executed in the same mode and on the same data (``aehelpers.data.mnist_fingerprint``:
   a copy made offline on the sample is not reused once ``AEHELPERS_MNIST`` names full MNIST).
2. Convert each to HTML with nbconvert and the template in ``tools/site_template`` (no CDN:
   no MathJax, no require.js, no widget manager: a Slider's live widget gives way to its static
   twin, progress bars are drawn from their saved last state, any other widget is named as
   needing a kernel); math becomes MathML at build time
   (``latex2mathml``; Chromium, Firefox and Safari render MathML natively); figures stay inline as
   ``data:`` URIs, and so do markdown images (a missing one fails the build, naming notebook and
   file); links to ``NN_name.ipynb`` become links to ``NN_name.html``.
3. Write ``index.html`` in reading order, linking every page, copy each stripped notebook beside its
   page ("Download notebook"; "View source" links to GitHub when ``GITHUB_REPOSITORY`` is set, as in
   the Pages workflow), and print the page weights.

Every page passes one boundary, ``scrub``, before it is written: no path of the machine that built it
(the checkout, the executed copies, the venv, home, temp, ``AEHELPERS_MNIST``...) reaches a page, and
Python warnings and TensorFlow log lines go to the build log instead of the page.  Each page has
heading anchors, a table of contents of its sections and links to Baldi's paper and the Keras post.

The pages are written into a folder beside ``--out`` and swapped in only when every page is made:
a notebook that fails leaves the previous site as it was.

The folder works from ``file://`` and from any static host; it loads nothing from anywhere.
"""
from __future__ import annotations

import argparse
import base64
import html
import json
import mimetypes
import os
import re
import shutil
import sys
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from aehelpers.data import mnist_fingerprint  # noqa: E402
from aehelpers.files import make_folder, process_folder, swap_folder  # noqa: E402
from aehelpers.runtime import env_flag, mode_name  # noqa: E402

TEMPLATE_DIR = REPO / "tools" / "site_template"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
STATIC_MARK = "data-ae-static-slider"
NO_KERNEL = ('<p class="ae-no-kernel" data-ae-no-kernel>An interactive widget is here in the notebook: '
             'download the notebook and run it (<code>make lab</code>) to use it.</p>')
PAPER = ("https://proceedings.mlr.press/v27/baldi12a.html",
         "Baldi, Autoencoders, Unsupervised Learning, and Deep Architectures (2012)")
POST = ("https://blog.keras.io/building-autoencoders-in-keras.html", "Chollet, Building Autoencoders in Keras (2016)")
PAGE_BUDGET = 5_000_000
SITE_BUDGET = 30_000_000


class SiteError(Exception):
    """The site cannot be built as asked; the message says why (``main`` prints it and exits 1)."""


# -- 1. execute (or reuse) ------------------------------------------------------------------------
def _newest_source(notebook: Path) -> float:
    helpers = [p.stat().st_mtime for p in (REPO / "aehelpers").rglob("*.py")]  # every layer's modules
    local = [p.stat().st_mtime for p in notebook.parent.glob("*.py")]  # modules beside the notebook
    return max([notebook.stat().st_mtime, *helpers, *local])


def is_fresh(executed: Path, notebook: Path, mode: str) -> bool:
    """``executed`` can stand for ``notebook``: newer than it and every helper, of ``mode``, and made
    from the data ``load_mnist()`` gives now (``mnist_fingerprint``)."""
    if not executed.is_file() or executed.stat().st_mtime <= _newest_source(notebook):
        return False
    try:
        meta = json.loads(executed.read_text(encoding="utf-8"))["metadata"].get("aehelpers_site", {})
    except (OSError, ValueError, KeyError):
        return False
    return meta.get("mode") == mode and meta.get("static_sliders") is True and meta.get("data") == mnist_fingerprint()


def execute(notebook: Path, executed: Path, mode: str, figures: Path) -> None:
    """Run ``notebook`` in its own folder with static sliders on; write it to ``executed``."""
    import nbformat
    from nbconvert.preprocessors import ExecutePreprocessor

    env = {"AEHELPERS_STATIC_SLIDERS": "1", "AEHELPERS_FIGURES": str(figures),
           # draw inline even when the caller (make, CI) chose Agg
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    data = mnist_fingerprint()  # before the run: a file replaced meanwhile makes the copy stale, not wrong
    try:
        nb = nbformat.read(notebook, as_version=4)
        ExecutePreprocessor(timeout=None, kernel_name="python3",
                            on_cell_executed=progress(notebook.name, nb)).preprocess(
            nb, {"metadata": {"path": str(notebook.parent)}})
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    nb.metadata["aehelpers_site"] = {"mode": mode, "static_sliders": True, "data": data}
    executed.parent.mkdir(parents=True, exist_ok=True)
    tmp = executed.with_suffix(".ipynb.part")
    nbformat.write(nb, tmp)
    tmp.replace(executed)


def progress(name: str, nb, out=None):
    """A hook for nbclient's ``on_cell_executed``: one line per code cell (``\\r`` on a terminal)."""
    out = out or sys.stdout
    total, done, start = sum(c.cell_type == "code" for c in nb.cells), [0], time.monotonic()
    tty = out.isatty()

    def hook(cell=None, cell_index=None, **_):
        done[0] += 1
        line = f"  {name}: cell {done[0]}/{total} ({time.monotonic() - start:.0f} s)"
        print(("\r" + line) if tty else line, end="" if tty and done[0] < total else "\n", file=out, flush=True)

    return hook


# -- 2. convert ---------------------------------------------------------------------------------------
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]+`)", re.S)
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$(?!\d)", re.S)


def math_to_tokens(markdown: str, store: list[str]) -> str:
    """Replace ``$…$`` and ``$$…$$`` outside code by tokens; their MathML goes to ``store``."""
    from latex2mathml.converter import convert

    def one(match):
        tex, display = (match.group(1), True) if match.group(1) is not None else (match.group(2), False)
        try:
            mathml = convert(tex.strip(), display="block" if display else "inline")
        except Exception as exc:  # keep the TeX readable rather than fail the page
            print(f"  math not converted ({exc}): {tex!r}", file=sys.stderr)
            mathml = f'<code class="tex">{html.escape(match.group(0))}</code>'
        store.append(mathml)
        return f"AEMATHTOKEN{len(store) - 1}Z"

    parts = _CODE.split(markdown)
    return "".join(p if i % 2 else _MATH.sub(one, p) for i, p in enumerate(parts))


_MD_IMAGE = re.compile(r"(!\[[^\]]*\]\(\s*<?)([^)\s>]+)(>?(?:\s+[\"'][^\"']*[\"'])?\s*\))")
_HTML_IMAGE = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*["'])([^"']+)(["'])""", re.I)


def inline_images(markdown: str, folder: Path, attachments: dict, where: str) -> str:
    """Markdown and ``<img>`` images outside code as ``data:`` URIs (files beside the notebook, cell
    attachments); ``SiteError`` naming ``where`` and the image when one is missing or off the site."""
    def data_uri(src: str) -> str:
        if src.startswith("data:"):
            return src
        if re.match(r"(?:[a-z]+:)?//", src, re.I):
            raise SiteError(f"{where}: the image {src!r} is off the site (the site loads nothing from anywhere); "
                            "save it beside the notebook and link the file")
        if src.startswith("attachment:"):
            name = urllib.parse.unquote(src[len("attachment:"):])
            found = attachments.get(name) or {}
            mime = next(iter(found), None)
            if mime is None:
                raise SiteError(f"{where}: the image {src!r} names no attachment of its cell "
                                f"(it has {sorted(attachments) or 'none'})")
            return f"data:{mime};base64,{''.join(found[mime])}"
        path = (folder / urllib.parse.unquote(src.split("#")[0].split("?")[0])).resolve()
        if not path.is_file():
            raise SiteError(f"{where}: the image {src!r} does not exist (expected a file at {path})")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"

    def one(match):
        return match.group(1) + data_uri(match.group(2)) + match.group(3)

    parts = _CODE.split(markdown)
    return "".join(p if i % 2 else _HTML_IMAGE.sub(one, _MD_IMAGE.sub(one, p)) for i, p in enumerate(parts))


_WARNING = re.compile(r"^\S.*?:\d+: \w*Warning: |^\s*warnings\.warn\(|^[IWEF]\d{4} \d\d:\d\d|"
                      r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] |^WARNING: All log messages before absl",
                      re.M)


def is_warning(out) -> bool:
    """A stderr output holding Python warnings or TensorFlow/absl log lines (the build log's, not the reader's)."""
    return out.get("output_type") == "stream" and out.get("name") == "stderr" and bool(_WARNING.search(out.get("text", "")))


def machine_roots() -> list[tuple[str, str]]:
    """(absolute path of this machine, what a page shows instead), the most specific first."""
    import sysconfig
    import tempfile

    roots = [(os.environ.get("AEHELPERS_MNIST", "").strip(), "mnist.npz")]
    roots += [(sysconfig.get_paths()[k], "site-packages") for k in ("purelib", "platlib")]
    roots += [(sys.prefix, "venv"), (str(REPO), "."), (str(Path.home()), "~"), (tempfile.gettempdir(), "$TMPDIR")]
    return sorted({(str(Path(p).resolve()), s) for p, s in roots if p and len(p) > 1}, key=lambda r: -len(r[0]))


_DATA_URI = re.compile(r"(data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+)")
_ABSOLUTE = re.compile(r"(?<![\w.~/:-])/(?:home|Users|root|tmp|work|private|var|mnt|opt|srv|builds|"
                       r"usr/local/lib|usr/lib)(?:/[^\s\"'<>&:;,()\[\]{}]*)?")


def scrub(text: str, roots: list[tuple[str, str]] | None = None) -> str:
    """``text`` with no path of the machine that built it: known roots become short names
    (``/…/checkout/aehelpers/x.py`` → ``aehelpers/x.py``), any other absolute path under a
    home, temp or work folder ``…/its-last-part``; ``data:`` URIs are left as they are."""
    roots = machine_roots() if roots is None else roots

    def one(part: str) -> str:
        for root, short in roots:
            part = re.sub(r"(?<![\w.~/-])" + re.escape(root) + r"(/|(?![\w.-]))",
                          lambda m: ("" if short == "." else short + "/") if m.group(1) else short, part)
        return _ABSOLUTE.sub(lambda m: "…/" + m.group(0).rstrip("/").rsplit("/", 1)[-1], part)

    parts = _DATA_URI.split(text)
    return "".join(p if i % 2 else one(p) for i, p in enumerate(parts))


def static_widget(model_id: str, state: dict) -> str | None:
    """A widget's last state as plain HTML, for the simple ones (boxes, text, progress bars: what
    tqdm shows while a model trains); ``None`` for any widget that needs a kernel."""
    model = state.get(model_id)
    if model is None:
        return None
    name, st = model.get("model_name"), model.get("state", {})
    if name in ("HBoxModel", "VBoxModel", "BoxModel"):
        parts = [static_widget(str(c).removeprefix("IPY_MODEL_"), state) for c in st.get("children", [])]
        if any(p is None for p in parts):
            return None
        flex = "display:flex;gap:.6em;align-items:center" if name == "HBoxModel" else "display:block"
        return f'<div class="ae-widget-box" style="{flex}">{"".join(parts)}</div>'
    if name in ("HTMLModel", "HTMLMathModel"):
        return f"<span>{st.get('value', '')}</span>"
    if name == "LabelModel":
        return f"<span>{html.escape(str(st.get('value', '')))}</span>"
    if name in ("FloatProgressModel", "IntProgressModel"):
        return (f'<progress value="{float(st.get("value", 0))}" max="{float(st.get("max", 100))}" '
                f'class="ae-progress-{html.escape(str(st.get("bar_style") or ""))}"></progress>')
    return None


def prepare(nb, folder: Path | None = None, name: str = "the notebook", log: list | None = None) -> list[str]:
    """Make ``nb`` static in place: widget views and state dropped, math replaced by tokens, images
    inlined (relative to ``folder``, by default ``notebooks/``; a missing one raises ``SiteError``),
    warnings moved from the page to ``log``."""
    import nbformat

    store: list[str] = []
    log = [] if log is None else log
    state = nb.metadata.pop("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            cell.source = inline_images(cell.source, folder or REPO / "notebooks", cell.get("attachments") or {},
                                        f"{name}, markdown cell {k + 1}")
            cell.source = math_to_tokens(cell.source, store)
            cell.pop("attachments", None)
        elif cell.cell_type == "code":
            kept = []
            outputs = cell.get("outputs", [])
            for k, out in enumerate(outputs):
                if is_warning(out):
                    log.append(out.get("text", ""))
                    continue
                data = out.get("data", {})
                if WIDGET_VIEW in data:
                    # the live widget: its static twin follows (AEHELPERS_STATIC_SLIDERS) if it is an
                    # aehelpers.views.slider.Slider; any other widget is named, not silently dropped
                    twin = k + 1 < len(outputs) and STATIC_MARK in outputs[k + 1].get("data", {}).get("text/html", "")
                    if not twin:
                        shown = static_widget(str(data[WIDGET_VIEW].get("model_id", "")), state)
                        kept.append(nbformat.v4.new_output("display_data", data={"text/html": shown or NO_KERNEL}))
                    continue
                if "text/markdown" in data:
                    data["text/markdown"] = math_to_tokens(data["text/markdown"], store)
                kept.append(out)
            cell.outputs = kept
    return store


def _site_links(page: str, names: set[str]) -> str:
    """``href="03_x.ipynb#a"`` -> ``href="03_x.html#a"`` for notebooks that are pages of the site."""
    def fix(match):
        target, anchor = match.group(2), match.group(3) or ""
        return f'{match.group(1)}{target[:-6]}.html{anchor}"' if target in names else match.group(0)
    return re.sub(r'(href=")([^"#/]+\.ipynb)(#[^"]*)?"', fix, page)


def convert(nb, *, title: str, nav: dict, notebook_names: set[str], quick: bool, folder: Path | None = None,
            name: str = "the notebook", log: list | None = None) -> str:
    """One page: nbconvert with ``tools/site_template`` plus MathML, inlined images, links between pages,
    a table of contents; passed through ``scrub`` (warnings go to ``log``)."""
    from nbconvert import HTMLExporter
    from pygments.formatters import HtmlFormatter

    store = prepare(nb, folder, name, log)
    exporter = HTMLExporter(extra_template_basedirs=[str(TEMPLATE_DIR.parent)], template_name=TEMPLATE_DIR.name)
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    resources = {"ae": {"title": title, "nav": {"download": None, "view": None, **nav}, "quick": quick,
                        "paper": PAPER, "post": POST,
                        "pygments_css": HtmlFormatter(style="default").get_style_defs(".highlight")}}
    page, _ = exporter.from_notebook_node(nb, resources=resources)
    page = re.sub(r"AEMATHTOKEN(\d+)Z", lambda m: store[int(m.group(1))], page)
    contents = toc(page)  # after the cell of the title (the H1 and its subtitle), else at the top
    h1 = page.find("<h1")
    after = page.find('<div class="cell ', h1) if h1 >= 0 else -1
    if after >= 0:
        page = page.replace("<!--AE-TOC-->", "", 1)
        page = page[:after] + contents + page[after:]
    else:
        page = page.replace("<!--AE-TOC-->", contents, 1)
    return scrub(_site_links(page, notebook_names))


def toc(page: str) -> str:
    """The page's sections (its h2 and h3 headings, with their anchors) as a contents box."""
    items = []
    for level, anchor, text in re.findall(r'<h([23]) id="([^"]+)">(.*?)<a class="anchor-link"', page, re.S):
        plain = html.escape(html.unescape(re.sub(r"<[^>]+>", "", text)).strip(), quote=False)
        items.append(f'<li class="ae-toc-{level}"><a href="#{anchor}">{plain}</a></li>')
    if len(items) < 2:
        return ""
    return ('<nav class="ae-toc" data-ae-toc><details><summary>On this page</summary><ul>' + "".join(items)
            + "</ul></details><script>if (matchMedia('(min-width: 700px)').matches)"  # open, except on a phone
              " document.currentScript.previousElementSibling.open = true;</script></nav>")


def source_url(source: Path) -> str | None:
    """The notebook on GitHub when the build runs in GitHub Actions (``GITHUB_REPOSITORY``), else ``None``."""
    repo = os.environ.get("GITHUB_REPOSITORY", "").strip()
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        return None
    ref = os.environ.get("GITHUB_SHA", "").strip() or "HEAD"
    try:
        rel = source.resolve().relative_to(REPO).as_posix()
    except ValueError:
        rel = f"notebooks/{source.name}"
    return f"{os.environ.get('GITHUB_SERVER_URL', 'https://github.com').rstrip('/')}/{repo}/blob/{ref}/{rel}"


def title_of(nb, fallback: str) -> tuple[str, str]:
    """The notebook's H1 and the paragraph of prose after it (its subtitle), as plain text."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            head, *rest = cell.source.strip().split("\n", 1)
            paragraphs = [" ".join(p.split()) for p in (rest[0] if rest else "").split("\n\n")]
            sub = next((p for p in paragraphs if p and not p.startswith("#")), "")
            sub = re.sub(r"\*\*|`", "", sub)
            if len(sub) > 2 and sub[0] == sub[-1] and sub[0] in "*_":  # *the subtitle* in italics
                sub = sub[1:-1]
            return head[2:].strip(), sub
    return fallback, ""


# -- 3. the site ----------------------------------------------------------------------------------------
def check_out(out: Path) -> Path:
    """``out`` as a place the site may take: a new folder or a previous site (only pages in it); else ``SiteError``."""
    if out.exists() and not out.is_dir():
        raise SiteError(f"--out {out} is a file, not a folder: give a folder for the site's pages")
    try:
        make_folder(out.parent, f"the folder of --out {out}")
    except NotADirectoryError as err:
        raise SiteError(str(err)) from None
    others = sorted(p.name for p in out.iterdir()
                    if p.suffix not in (".html", ".ipynb") or not p.is_file()) if out.is_dir() else []
    if others:  # the swap replaces the whole folder: never one holding anything but a site
        raise SiteError(f"--out {out} holds more than a site's pages and notebooks ({', '.join(others[:5])}); "
                        "give a new folder or one that only a previous site wrote")
    return out


def build(notebooks: Path, executed_dir: Path, out: Path, *, reuse: bool = True) -> dict[str, int]:
    """Execute (or reuse) and convert every notebook of ``notebooks``; returns {file: bytes}.

    The pages are written into a folder beside ``out`` and swapped in when all are made; on any
    failure that folder is removed, ``out`` is left as it was and ``SiteError`` says which notebook failed.
    """
    mode, quick = mode_name(), env_flag("AEHELPERS_QUICK")
    if quick:  # as CI's quick runs: the offline digits, no download attempt
        os.environ.setdefault("AEHELPERS_OFFLINE", "1")
    sources = sorted(notebooks.glob("*.ipynb"))
    if not sources:
        raise SiteError(f"no notebooks in {notebooks}")
    out = check_out(out)
    aside = process_folder(f".{out.name}.building-", out.parent)  # a killed build's folder is removed here
    umask = os.umask(0o022)
    os.umask(umask)
    aside.chmod(0o777 & ~umask)  # an ordinary folder, not mkdtemp's 0700: a web server may read it
    try:
        pages = [_page(k, sources, executed_dir, aside, mode, quick, reuse) for k in range(len(sources))]
        (aside / "index.html").write_text(index_page(pages, quick), encoding="utf-8")
        swap_folder(aside, out)
    except BaseException:
        shutil.rmtree(aside, ignore_errors=True)
        raise
    sizes = {p.name: p.stat().st_size for p in sorted(out.glob("*.html"))}  # the notebooks' copies are not pages
    total = sum(sizes.values())
    print(f"site: {out} — {len(sizes)} files, {total:,} bytes "
          f"(budget {PAGE_BUDGET:,} per page, {SITE_BUDGET:,} in all)")
    over = [f"{n} ({s:,} bytes)" for n, s in sizes.items() if s > PAGE_BUDGET]
    if over or total > SITE_BUDGET:
        print("OVER BUDGET: " + ", ".join(over or [f"site {total:,} bytes"]), file=sys.stderr)
    return sizes


def _page(k: int, sources: list[Path], executed_dir: Path, folder: Path, mode: str, quick: bool, reuse: bool):
    """Execute (or reuse) notebook ``k`` and write its page into ``folder``: ``(source, title, subtitle)``."""
    import nbformat

    source, start = sources[k], time.monotonic()
    executed = executed_dir / source.name
    try:
        if reuse and is_fresh(executed, source, mode):
            how = "reused"
        else:
            print(f"[{k + 1}/{len(sources)}] executing {source.name} ({mode} mode) ...", flush=True)
            execute(source, executed, mode, executed_dir / "figures")
            how = "executed"
        nb = nbformat.read(executed, as_version=4)
        title, subtitle = title_of(nb, source.stem)
        nav = {"index": "index.html",
               "prev": sources[k - 1].stem + ".html" if k else None,
               "next": sources[k + 1].stem + ".html" if k + 1 < len(sources) else None,
               # "./": not a link between pages for _site_links, the notebook file itself
               "source": source.name, "download": f"./{source.name}", "view": source_url(source) or f"./{source.name}"}
        log: list[str] = []
        page = convert(nb, title=title, nav=nav, notebook_names={p.name for p in sources}, quick=quick,
                       folder=source.parent, name=source.name, log=log)
    except SiteError:
        raise
    except Exception as err:  # a failing cell, a missing kernel...: name the notebook, keep the old site
        first = str(err).strip().splitlines()
        raise SiteError(f"{source.name} failed ({type(err).__name__}: {first[-1] if first else ''})") from err
    (folder / f"{source.stem}.html").write_text(page, encoding="utf-8")
    shutil.copyfile(source, folder / source.name)  # committed without outputs: the reader's download
    tags = [dict(re.findall(r'data-(frames|total)="(\d+)"', t)) for t in re.findall(r"<div [^>]*data-ae-static-slider[^>]*>", page)]
    cut = [f"{t.get('frames')} of {t.get('total')}" for t in tags if t.get("frames") != t.get("total")]
    print(f"  {source.stem}.html: {len(page.encode()):,} bytes, "
          f"{page.count(STATIC_MARK)} static slider(s){' (cut to ' + ', '.join(cut) + ' stops)' if cut else ''}, "
          f"{how} in {time.monotonic() - start:.1f} s"
          + (f"; {len(log)} warning output(s) kept off the page:" if log else ""), flush=True)
    for text in log:
        print("    " + scrub(text).strip().replace("\n", "\n    "), file=sys.stderr)
    return source, title, subtitle


def _inline_html(text: str):
    """Plain text as HTML, its ``$…$`` as MathML (for subtitles in the index)."""
    from markupsafe import Markup

    store: list[str] = []
    escaped = html.escape(math_to_tokens(text, store), quote=False)
    return Markup(re.sub(r"AEMATHTOKEN(\d+)Z", lambda m: store[int(m.group(1))], escaped))


def index_page(pages, quick: bool) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html", "j2"]))
    items = [{"href": source.stem + ".html", "number": source.name[:2], "title": title,
              "subtitle": _inline_html(subtitle)} for source, title, subtitle in pages]
    return scrub(env.get_template("site_index.html.j2").render(pages=items, quick=quick, paper=PAPER, post=POST,
                                                                built=time.strftime("%Y-%m-%d")))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=Path, default=REPO / "notebooks")
    parser.add_argument("--executed", type=Path, default=REPO / "build" / "executed-site")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "site")
    parser.add_argument("--no-reuse", action="store_true", help="execute every notebook again")
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        build(args.notebooks.resolve(), args.executed.resolve(), args.out.resolve(), reuse=not args.no_reuse)
    except SiteError as err:
        if err.__cause__ is not None:  # a failing cell: its traceback first
            print(err.__cause__, file=sys.stderr)
        print(f"site not built, {args.out.resolve()} left as it was: {err}", file=sys.stderr)
        return 1
    print(f"built in {time.monotonic() - start:.0f} s; open {args.out.resolve() / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

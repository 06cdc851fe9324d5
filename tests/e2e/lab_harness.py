"""Drive a real JupyterLab in a real Chromium: start the server, run a notebook, move its sliders.

``LabServer``: a private JupyterLab (the tests' own Python, so what ``make lab`` builds) on 127.0.0.1.
``NotebookPage``: one notebook in a Chromium page (Run All, what the reader sees, its kernel).
``drive_sliders``: the one slider driver. Failures raise ``BrowserCheckError`` naming a screenshot.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NoReturn

from aehelpers.runtime import env_flag

REPO = Path(__file__).resolve().parents[2]
# Flags that work in containers without GPU, sandbox or network (see tests/e2e/README).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
WIDGET_MANAGER = "@jupyter-widgets/jupyterlab-manager"
# A widget shown as its Python repr means the widgets front end did not render it.
WIDGET_REPR = re.compile(r"\b(?:Int|Float|FloatLog|IntRange|FloatRange|Selection|SelectionRange)Slider\("
                         r"|\b[HV]Box\(children=|\binteractive\(children=|\bImage\(value=b")
WIDGET_ERRORS = ("Error displaying widget", "Error rendering widget", "Loading widget...")
EXCEPTION_NAME = re.compile(r"\b\w*(?:Error|Exception)\b|Traceback")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# The shell's contract (aehelpers.views.slider): outer box class ``ae-slider``, label class ``ae-error``.
SHELL, LABEL = "ae-slider", "ae-error"


class BrowserCheckError(AssertionError):
    """What the reader would see is wrong; the message names a screenshot."""


def find_chromium() -> str | None:
    """``AEHELPERS_CHROMIUM`` if set, else the first of chromium, chromium-browser, google-chrome(-stable) on PATH."""
    if override := os.environ.get("AEHELPERS_CHROMIUM"):
        return override if os.access(override, os.X_OK) else None
    names = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
    return next(filter(None, map(shutil.which, names)), None)


def launch_chromium(playwright, executable: str, user_data_dir: Path):
    """A fresh persistent headless Chromium profile in ``user_data_dir``."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), executable_path=executable, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 1000}, device_scale_factor=1)


def lab_env(tmp: Path) -> dict:
    """The kernels' environment: quick and offline unless set; figures (and, quick, the cache) in ``tmp``.

    Full mode (the README screenshot) reuses the model cache ``make run`` filled, or ``AEHELPERS_E2E_CACHE``.
    """
    quick = env_flag("AEHELPERS_QUICK") if "AEHELPERS_QUICK" in os.environ else True
    cache = tmp / "cache" if quick else Path(os.environ.get("AEHELPERS_E2E_CACHE") or REPO / ".cache" / "aehelpers")
    return {"AEHELPERS_QUICK": "1" if quick else "0", "AEHELPERS_OFFLINE": os.environ.get("AEHELPERS_OFFLINE", "1"),
            "AEHELPERS_FIGURES": str(tmp / "figures"), "AEHELPERS_CACHE": str(cache),
            # tests/conftest.py sets MPLBACKEND=Agg for unit tests; a reader's kernel draws inline.
            "MPLBACKEND": "module://matplotlib_inline.backend_inline"}


class LabServer:
    """A private JupyterLab serving ``root_dir``: ``start()``, then ``stop()`` whatever happens."""

    def __init__(self, root_dir: Path, work_dir: Path, *, env: dict | None = None,
                 disabled_extensions: tuple[str, ...] = ()):
        self.root_dir, self.work_dir, self.extra_env = Path(root_dir), Path(work_dir), dict(env or {})
        # The news toast would cover the notebook.
        self.disabled = ("@jupyterlab/apputils-extension:announcements", *disabled_extensions)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.token, self.url = secrets.token_hex(16), f"http://127.0.0.1:{self.port}"
        self.log_path, self.proc = self.work_dir / "jupyterlab.log", None

    def start(self, timeout: float = 120) -> "LabServer":
        w = self.work_dir
        settings = w / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
        for path, data in ((w / "config" / "labconfig" / "page_config.json",
                            {"disabledExtensions": dict.fromkeys(self.disabled, True)}),
                           (settings, {"windowingMode": "none"})):  # every cell in the DOM, no virtual scrolling
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data), encoding="utf-8")
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(w / "config"), "JUPYTER_DATA_DIR": str(w / "data"),
               "JUPYTER_RUNTIME_DIR": str(w / "runtime"), "IPYTHONDIR": str(w / "ipython"),
               "JUPYTER_PLATFORM_DIRS": "0", "PYTHONUNBUFFERED": "1", **self.extra_env}
        env.pop("JPY_SESSION_NAME", None)
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
               f"--port={self.port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root_dir}", "--ServerApp.terminals_enabled=False",
               "--LabApp.expose_app_in_browser=True", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               f"--LabApp.user_settings_dir={w / 'settings'}", f"--LabApp.workspaces_dir={w / 'workspaces'}",
               # Safety net if the test process is killed before it can stop the server.
               "--ServerApp.shutdown_no_activity_timeout=1800", "--MappingKernelManager.cull_idle_timeout=1800"]
        with open(self.log_path, "w", encoding="utf-8") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.root_dir, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(urllib.error.URLError, OSError, json.JSONDecodeError):
                # The lab page itself must also be served (extensions discovered, assets built).
                if "started" in self.api("/api/status", timeout=2):
                    with urllib.request.urlopen(f"{self.url}/lab?token={self.token}", timeout=10) as resp:
                        if resp.status == 200:
                            return self
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"JupyterLab did not start on {self.url} within {timeout:.0f} s; its log ends:\n"
                           + self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:])

    def stop(self) -> None:
        """Shut down kernels and server; kill what is left after 20 s (kernels run in sessions of their own)."""
        import psutil

        proc, self.proc = self.proc, None
        with contextlib.suppress(psutil.Error, AttributeError):
            family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
            with contextlib.suppress(Exception):
                self.api("/api/shutdown", method="POST", timeout=5)
            for left in psutil.wait_procs(family, timeout=20)[1]:
                with contextlib.suppress(psutil.Error):
                    left.kill()
            proc.wait(timeout=10)

    def api(self, path: str, *, method: str = "GET", timeout: float = 10):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_kernel(self, name: str) -> None:
        """End the notebook's session and kernel (frees memory between notebooks)."""
        for session in self.api("/api/sessions"):
            if session.get("path") == name:
                self.api(f"/api/sessions/{session['id']}", method="DELETE", timeout=60)


# -- what the page shows -------------------------------------------------------------------------------
_PANEL = "const panel = [...jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path);"

NOTEBOOK_STATE_JS = "(path) => { if (!window.jupyterapp) return null; " + _PANEL + r"""
  if (!panel || !panel.content) return null;
  const sc = panel.sessionContext, kernel = sc && sc.session && sc.session.kernel;
  const text = t => [].concat(t || []).join('');
  const cells = panel.content.widgets.map((cell, index) => {
    const m = cell.model, info = {index, type: m.type, source: m.sharedModel.getSource().slice(0, 300)};
    if (m.type !== 'code') return info;
    const outs = Array.from({length: m.outputs.length}, (_, i) => m.outputs.get(i).toJSON());
    const q = sel => Array.from(cell.node.querySelectorAll('.jp-OutputArea-output' + sel));
    return Object.assign(info, {prompt: cell.node.querySelector('.jp-InputPrompt').textContent,
      execution_count: m.executionCount, dom_text: text(q('').map(e => e.innerText)),
      errors: outs.filter(o => o.output_type === 'error').map(
        o => `raised ${o.ename}: ${o.evalue}\n` + text((o.traceback || []).map(l => l + '\n')).slice(-2000)),
      stderr: outs.filter(o => o.name === 'stderr').map(o => text(o.text)),
      widget_outputs: outs.filter(o => o.data && o.data['application/vnd.jupyter.widget-view+json']).length,
      dom_plain: q('[data-mime-type="text/plain"]').map(e => e.innerText),
      dom_widgets: q(' .jupyter-widgets').length, dom_sliders: q(' .ae-slider .widget-slider').length});
  });
  return {kernel: kernel ? kernel.status : 'no-kernel', ready: !!(sc && sc.isReady), panel_id: panel.id, cells};
}"""

# Every slider shell in one cell: its widget's model id, each control's readout and handle, the label,
# the pictures (SHA-256 of their bytes).
SHELLS_JS = "async ([path, index]) => { " + _PANEL + r"""
  const cell = panel.content.widgets[index], shells = [];
  for (const [i, child] of cell.outputArea.widgets.entries()) {
    const data = cell.model.outputs.get(i).toJSON().data || {};
    const view = data['application/vnd.jupyter.widget-view+json'];
    for (const box of child.node.querySelectorAll('.ae-slider')) {
      const controls = Array.from(box.querySelectorAll('.widget-slider')).map(s => {
        const h = s.querySelector('.noUi-handle'), q = sel => (s.querySelector(sel) || {}).innerText;
        return {name: (q('.widget-label') || '').trim(), readout: (q('.widget-readout') || '').trim(),
                index: +h.getAttribute('aria-valuenow'), min: +h.getAttribute('aria-valuemin'),
                max: +h.getAttribute('aria-valuemax')};
      });
      const hashes = await Promise.all(Array.from(box.querySelectorAll('img'), async img => Array.from(
        new Uint8Array(await crypto.subtle.digest('SHA-256', await (await fetch(img.src)).arrayBuffer())),
        b => b.toString(16).padStart(2, '0')).join('')));
      const label = box.querySelector('.ae-error');
      shells.push({model_id: view && view.model_id, controls, hashes, label: label && label.innerText.trim()});
    }
  }
  return shells;
}"""

# Run code in the notebook's kernel through the page's own connection: its stdout and error.
EXECUTE_JS = "async ([path, code]) => { " + _PANEL + r"""
  const future = panel.sessionContext.session.kernel.requestExecute({code, store_history: false}), out = [];
  let error = null;
  future.onIOPub = m => { if (m.content.name === 'stdout') out.push(m.content.text);
    if (m.header.msg_type === 'error') error = m.content.traceback.join('\n'); };
  try { await future.done; } catch (e) { error = error || String(e); }
  return {out: out.join(''), error};
}"""

# Keep what the kernel prints or raises while it handles the page's widget messages (slider callbacks).
WATCH_CALLBACKS_JS = "(path) => { " + _PANEL + r"""
  window.aeCallbackOutput = [];
  panel.sessionContext.session.kernel.iopubMessage.connect((_, m) => m.parent_header.msg_type !== 'execute_request'
    && ['stream', 'error'].includes(m.header.msg_type)
    && window.aeCallbackOutput.push(m.content.text || m.content.traceback.join('\n')));
}"""

# Kernel side: the shell whose widget has that model id (found by its type's name, so no notebook
# variable is read), and what its own ``render`` gives at the stop the page shows.
KERNEL_SHELL_CODE = r"""
def _ae_e2e(model_id, index):
    import gc, hashlib, html, json, re
    from aehelpers.views.slider import draw_marks
    shell = next((o for o in gc.get_objects() if type(o).__name__ == "Slider"
                  and getattr(getattr(o, "widget", None), "model_id", None) == model_id), None)
    if shell is None:
        return "null"
    frame = shell.render(**{n: shell.stops[n][i] for n, i in zip(shell.controls, index)})
    return json.dumps({"index": [c.index for c in shell.controls.values()],
                       "readouts": [str(c._options_labels[i]) for c, i in zip(shell.controls.values(), index)],
                       "label": html.unescape(re.sub(r"<[^>]*>", "", frame.label)),
                       # the live slider shows each picture with its marks drawn in (views.slider.draw_marks)
                       "hashes": [hashlib.sha256(draw_marks(png, [m for m in frame.marks if m[0] == j])).hexdigest()
                                  for j, png in enumerate(frame.images)]})
print(_ae_e2e(%r, %r))
del _ae_e2e
"""


class NotebookPage:
    """One notebook open in JupyterLab in a Chromium page."""

    def __init__(self, context, server: LabServer, name: str, out_dir: Path):
        self.server, self.name, self.stem = server, name, Path(name).stem
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.console: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.panel_id: str | None = None

    def fail(self, message: str, cell: int | None = None) -> NoReturn:
        """Raise ``BrowserCheckError`` with a screenshot (scrolled to ``cell`` when given)."""
        if cell is not None and self.panel_id:
            with contextlib.suppress(Exception):
                self.cell_node(cell).scroll_into_view_if_needed(timeout=5_000)
        shot = self.out_dir / f"{self.stem}-failure.png"
        with contextlib.suppress(Exception):
            self.page.screenshot(path=str(shot), timeout=30_000)
        console = "\n".join(self.console[-15:]) or "(none)"
        raise BrowserCheckError(f"{self.name}: {message}\nscreenshot: {shot}\nserver log: {self.server.log_path}\n"
                                f"browser console errors/warnings (last 15):\n{console}")

    def state(self) -> dict | None:
        return self.page.evaluate(NOTEBOOK_STATE_JS, self.name)

    def cell_node(self, index: int):
        return self.page.locator(f'[id="{self.panel_id}"] .jp-Notebook .jp-Cell').nth(index)

    def shells(self, index: int) -> list[dict]:
        return self.page.evaluate(SHELLS_JS, [self.name, index])

    def kernel_frame(self, model_id: str, index: list[int]) -> dict | None:
        """What the kernel's slider shell with widget ``model_id`` shows and renders at stop ``index``."""
        result = self.page.evaluate(EXECUTE_JS, [self.name, KERNEL_SHELL_CODE % (model_id, index)])
        if result["error"]:
            raise RuntimeError(ANSI.sub("", result["error"]))
        return json.loads(result["out"].strip().splitlines()[-1])

    def callback_errors(self) -> str | None:
        """Errors the kernel printed or raised while handling the page's widget messages."""
        bad = [t for t in self.page.evaluate("() => window.aeCallbackOutput") if EXCEPTION_NAME.search(t)]
        return ANSI.sub("", "\n".join(bad)) if bad else None

    def open(self, workspace: str, timeout: float = 180) -> None:
        url = f"{self.server.url}/lab/workspaces/{workspace}/tree/{self.name}?reset&token={self.server.token}"
        self.page.goto(url, timeout=timeout * 1000)
        deadline = time.monotonic() + timeout
        while not ((state := self.state()) and state["ready"] and state["kernel"] == "idle" and state["cells"]):
            if time.monotonic() > deadline:
                self.fail(f"notebook did not open with an idle kernel within {timeout:.0f} s")
            time.sleep(0.5)
        self.panel_id = state["panel_id"]
        self.page.evaluate(WATCH_CALLBACKS_JS, self.name)  # and fold the file browser away: room for the notebook
        self.page.evaluate("() => jupyterapp.shell.leftCollapsed || "
                           "jupyterapp.commands.execute('application:toggle-left-area')")

    def run_all(self, timeout: float = 360) -> dict:
        """Run → Run All Cells; wait until no cell is queued or running and the kernel is idle;
        then until no widget says 'Loading widget...'."""
        self.page.locator("#jp-MainMenu").get_by_role("menuitem", name="Run", exact=True).click()
        self.page.locator('li.lm-Menu-item[data-command="runmenu:run-all"]').click()
        start, started, quiet = time.monotonic(), False, 0
        while quiet < 3 or any("Loading widget..." in c.get("dom_text", "") for c in state["cells"]):
            time.sleep(1.0)
            state = self.state()
            code = [c for c in state["cells"] if c["type"] == "code"]
            running = [c for c in code if "*" in c["prompt"]]
            started = started or bool(running) or any(c["execution_count"] for c in code)
            quiet = quiet + 1 if started and not running and state["kernel"] == "idle" else 0
            where = running[0]["index"] if running else None
            if state["kernel"] in ("dead", "restarting", "autorestarting", "no-kernel"):
                self.fail(f"the kernel is {state['kernel']} during Run All (out of memory?)", cell=where)
            if not started and time.monotonic() - start > 60:
                self.fail("Run → Run All Cells did not start any cell within 60 s")
            if time.monotonic() - start > timeout:
                self.fail(f"Run All did not finish within {timeout:.0f} s (or a widget still says 'Loading widget...')",
                          cell=where)
        return state

    def check_outputs(self, state: dict) -> None:
        """Every code cell ran, no tracebacks, and every widget output rendered as a widget."""
        for cell in state["cells"]:
            if cell["type"] != "code" or not cell["source"].strip():
                continue
            where = f"cell {cell['index']} ({cell['source'].splitlines()[0][:80]!r})"
            problems = cell["errors"] + [f"wrote an error to stderr:\n{t[:1500]}" for t in cell["stderr"]
                                         if EXCEPTION_NAME.search(t)]
            problems += ["was not executed by Run All Cells"] * (cell["execution_count"] is None)
            problems += [f"shows {t!r} instead of its widget: {cell['dom_text'][:300]!r}"
                         for t in WIDGET_ERRORS if t in cell["dom_text"]]
            problems += [f"shows a widget as text ({t[:120]!r}): the widgets front end ({WIDGET_MANAGER}) did "
                         f"not render it" for t in cell["dom_plain"] if WIDGET_REPR.search(t)]
            problems += ["has a widget output but the page shows no rendered widget"] * bool(
                cell["widget_outputs"] and not cell["dom_widgets"])
            if problems:
                self.fail(ANSI.sub("", f"{where} {problems[0]}"), cell=cell["index"])

    def slider_cells(self, state: dict) -> list[int]:
        return [c["index"] for c in state["cells"] if c["type"] == "code" and c.get("dom_sliders")]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.page.close()


def screenshot_cell(nb: NotebookPage, index: int, path: Path, max_height: int = 2400) -> Path:
    """PNG of one whole cell (code and output); the window grows so that a tall output fits."""
    cell, size = nb.cell_node(index), nb.page.viewport_size
    height = cell.evaluate("node => node.getBoundingClientRect().height")
    nb.page.set_viewport_size({**size, "height": int(min(max(height + 200, size["height"]), max_height))})
    cell.scroll_into_view_if_needed()
    time.sleep(0.5)
    cell.screenshot(path=str(path))
    nb.page.set_viewport_size(size)
    return path


# -- the slider driver --------------------------------------------------------------------------------
VALUE = re.compile(r"[=(,]\s*([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)")


def label_disagrees(label: str, values: list) -> str | None:
    """Why ``label`` does not name the stop ``values`` (one per control, as a readout shows it), or None.

    The shell's convention (``format_label``): a label starts with its stop, ``p = 32 · test MSE = 0.0168``,
    ``z = (+0.30, -1.20) · ink = 0.121``, ``noise level = 0.50 · …``: its first values (numbers after
    ``=``, ``(`` or ``,``) are the controls' values, up to the digits shown.
    """
    shown = VALUE.findall(label)[:len(values)]
    if len(shown) < len(values) or any(abs(float(s) - float(v)) > display_tolerance(s) for s, v in zip(shown, values)):
        return f"the label {label!r} says it shows {shown} but the slider stands at {[str(v) for v in values]}"
    return None


def display_tolerance(shown: str) -> float:
    """Half a unit in the last digit shown (plus float slack): the most rounding can explain."""
    mantissa, _, exponent = shown.lower().partition("e")
    return 0.5 * 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2])) * 1.0001 + 1e-12


def plan_stops(start: int, lo: int, hi: int) -> list[tuple[int, str]]:
    """A sample of stops with the key that reaches each: one step, the last, the first, back to the start."""
    stops = [start + 1 if start < hi else max(start - 1, lo), hi, lo, start]
    keys = {hi: "End", lo: "Home"}
    return [(t, keys.get(t, "ArrowRight" if t > now else "ArrowLeft"))
            for now, t in zip([start, *stops], stops) if t != now]


def _mismatch(view: dict, kernel: dict | None, index: list[int]) -> str | None:
    """Why the page does not show what the kernel's shell renders at the page's stop, or None."""
    readouts = [k["readout"] for k in view["controls"]]
    if kernel is None:
        return f"no aehelpers Slider in the kernel has the widget {view['model_id']}"
    if kernel["index"] != index or readouts != kernel["readouts"]:
        return f"the page's controls read {readouts} but the kernel's read {kernel['readouts']} (at {kernel['index']})"
    if view["label"].split() != kernel["label"].split():
        return f"the label {view['label']!r} is not what render gives there, {kernel['label']!r}"
    return "the pictures are not what render gives there" if view["hashes"] != kernel["hashes"] else None


def drive_sliders(nb: NotebookPage, cell: int, timeout: float = 90) -> list[dict]:
    """Move every control of every slider shell in ``cell`` through a sample of its stops and back.

    After every move: the readout, the label and the pictures change; the kernel's control stands
    where the page's does; the page shows exactly what the shell's own ``render`` gives at that stop
    (label text, picture bytes); the label names the stop the readouts show, up to the digits it
    shows; no widget callback printed an error. Back at the start the display is what it was.
    """
    records = []
    for s, first in enumerate(nb.shells(cell)):
        if first["model_id"] is None or first["label"] is None:
            nb.fail(f"cell {cell}: slider shell {s} is not its output's top widget or has no .{LABEL} label", cell)
        for c, control in enumerate(first["controls"]):
            before, name = first, control["name"]
            for target, key in plan_stops(control["index"], control["min"], control["max"]):
                handle = nb.cell_node(cell).locator(f".{SHELL}").nth(s).locator(".noUi-handle").nth(c)
                for _ in range(abs(target - before["controls"][c]["index"]) if "Arrow" in key else 1):
                    handle.press(key)
                deadline, problem = time.monotonic() + timeout, "the display did not change"
                while problem:
                    view = nb.shells(cell)[s]
                    if (view["controls"][c]["index"] == target and view["label"] != before["label"]
                            and (not view["hashes"] or view["hashes"] != before["hashes"])):
                        index = [k["index"] for k in view["controls"]]
                        problem = _mismatch(view, nb.kernel_frame(view["model_id"], index), index)
                    if (raised := nb.callback_errors()) or (problem and time.monotonic() > deadline):
                        nb.fail(f"cell {cell}: after {key} on {name!r} (to stop #{target}): " + (
                            f"a widget callback raised:\n{raised[-2500:]}" if raised else
                            f"{problem}; the page shows {view['label']!r} at {view['controls'][c]}"), cell)
                    time.sleep(0.25 if problem else 0)
                readouts = [k["readout"] for k in view["controls"]]
                if problem := label_disagrees(view["label"], readouts):
                    nb.fail(f"cell {cell}: {problem}", cell)
                records.append({"shell": s, "control": name, "key": key, "readouts": readouts,
                                "label": view["label"], "hashes": view["hashes"]})
                before = view
            if (before["label"], before["hashes"]) != (first["label"], first["hashes"]):
                nb.fail(f"cell {cell}: back at the start of {name!r} the display differs "
                        f"({first['label']!r} vs {before['label']!r})", cell)
    return records

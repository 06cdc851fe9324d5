"""Drive a real JupyterLab in a real Chromium: start the server, run notebooks, slide sliders.

Used by ``tests/e2e``. Three pieces:

* ``LabServer``: a private JupyterLab (same Python as the tests, so the same environment that
  ``make lab`` builds) on 127.0.0.1 with a random port and token, all Jupyter config, data and
  runtime folders inside a temp folder, stopped with all its kernels whatever happens.
* ``NotebookPage``: one notebook open in a Chromium page: run all cells through the *Run* menu,
  wait for the kernel, and check what the reader sees (widgets rendered, no tracebacks, no
  ``IntSlider(value=32)`` text, no "Error displaying widget").
* ``KernelProbe``: a second client on the notebook's own kernel, to ask it what it computes
  (used to check that the browser shows the kernel's values, not stale or wrong ones).

Every failure raises ``BrowserCheckError`` whose message names a screenshot of the page.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
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
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags that work in containers without GPU, sandbox or network (see tests/e2e/README).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
WIDGET_MANAGER = "@jupyter-widgets/jupyterlab-manager"
# Lab plugins switched off in every test server: the news toast would cover the notebook.
QUIET_PLUGINS = ("@jupyterlab/apputils-extension:announcements",)

# A widget shown as its Python repr means the widgets front end did not render it.
WIDGET_REPR = re.compile(r"\b(?:Int|Float|FloatLog|IntRange|FloatRange|Selection|SelectionRange)Slider\("
                         r"|\b[HV]Box\(children=|\binteractive\(children=|\bImage\(value=b")
WIDGET_ERRORS = ("Error displaying widget", "Error rendering widget", "Loading widget...")
EXCEPTION_NAME = re.compile(r"\b\w*(?:Error|Exception)\b|Traceback")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class BrowserCheckError(AssertionError):
    """What the reader would see is wrong; the message names a screenshot."""


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary: ``AEHELPERS_CHROMIUM`` if set, else the first on PATH."""
    override = os.environ.get("AEHELPERS_CHROMIUM")
    if override:
        return override if os.access(override, os.X_OK) else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def lab_env(tmp: Path) -> dict:
    """Environment of the notebooks' kernels: quick and offline unless the caller chose otherwise.

    Figures always go to ``tmp``, so nothing in the checkout changes. Quick mode (tests, CI)
    also trains into a cache in ``tmp``, as a fresh checkout would; full mode (refreshing the
    README screenshot) reuses the reader's model cache ``.cache/aehelpers`` that ``make run``
    filled, or ``AEHELPERS_E2E_CACHE``.
    """
    quick = env_flag("AEHELPERS_QUICK") if "AEHELPERS_QUICK" in os.environ else True
    if quick:
        cache = tmp / "cache"
    else:
        cache = Path(os.environ.get("AEHELPERS_E2E_CACHE") or REPO / ".cache" / "aehelpers")
    return {
        "AEHELPERS_QUICK": "1" if quick else "0",
        "AEHELPERS_OFFLINE": os.environ.get("AEHELPERS_OFFLINE", "1"),
        "AEHELPERS_FIGURES": str(tmp / "figures"),
        "AEHELPERS_CACHE": str(cache),
        # tests/conftest.py sets MPLBACKEND=Agg for unit tests; a reader's kernel draws inline.
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


class LabServer:
    """A private JupyterLab serving ``root_dir``: ``start()``, then ``stop()`` whatever happens."""

    def __init__(self, root_dir: Path, work_dir: Path, *, env: dict | None = None,
                 disabled_extensions: tuple[str, ...] = (), startup_timeout: float = 120.0):
        self.root_dir = Path(root_dir)
        self.work_dir = Path(work_dir)
        self.extra_env = dict(env or {})
        self.disabled_extensions = tuple(disabled_extensions)
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.runtime_dir = self.work_dir / "jupyter-runtime"
        self.log_path = self.work_dir / "jupyterlab.log"
        self.proc: subprocess.Popen | None = None
        self._log = None

    # -- start / stop -------------------------------------------------------------------------
    def _configure(self) -> dict:
        config = self.work_dir / "jupyter-config"
        settings = self.work_dir / "lab-user-settings"
        disabled = {name: True for name in QUIET_PLUGINS + self.disabled_extensions}
        _write_json(config / "labconfig" / "page_config.json", {"disabledExtensions": disabled})
        # All cells stay in the DOM (no virtual scrolling), so the page shows every output.
        _write_json(settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings",
                    {"windowingMode": "none"})
        _write_json(settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
                    {"fetchNews": "false", "checkForUpdates": False})
        env = dict(os.environ)
        env.update({
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_DATA_DIR": str(self.work_dir / "jupyter-data"),
            "JUPYTER_RUNTIME_DIR": str(self.runtime_dir),
            "IPYTHONDIR": str(self.work_dir / "ipython"),
            "JUPYTER_PLATFORM_DIRS": "0",
            "PYTHONUNBUFFERED": "1",
        })
        env.pop("JPY_SESSION_NAME", None)
        env.update(self.extra_env)
        return env

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
            "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--ServerApp.terminals_enabled=False",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.user_settings_dir={self.work_dir / 'lab-user-settings'}",
            f"--LabApp.workspaces_dir={self.work_dir / 'lab-workspaces'}",
            # Safety net if the test process is killed before it can stop the server.
            "--ServerApp.shutdown_no_activity_timeout=1800",
            "--MappingKernelManager.cull_idle_timeout=1800",
            "--MappingKernelManager.cull_interval=300",
        ]

    def start(self) -> "LabServer":
        self.work_dir.mkdir(parents=True, exist_ok=True)
        env = self._configure()
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(self.command(), cwd=self.root_dir, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.proc.returncode} while starting; "
                                   f"log {self.log_path}:\n{self.log_tail()}")
            try:
                status = self.api("/api/status", timeout=2)
                if "started" in status:
                    # The lab page itself must also be served (extensions discovered, assets built).
                    with urllib.request.urlopen(f"{self.url}/lab?token={self.token}", timeout=10) as resp:
                        if resp.status == 200:
                            return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, json.JSONDecodeError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"JupyterLab did not answer on {self.url} within {self.startup_timeout:.0f} s; "
                                   f"log {self.log_path}:\n{self.log_tail()}")
            time.sleep(0.25)

    def stop(self) -> None:
        """Shut down kernels and server; kill whatever is left (kernels run in their own sessions)."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        try:
            import psutil

            family = psutil.Process(proc.pid).children(recursive=True)
        except Exception:  # psutil missing or process already gone
            family = []
        if proc.poll() is None:
            with contextlib.suppress(Exception):
                self.api("/api/shutdown", method="POST", timeout=5)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, sig)
                    try:
                        proc.wait(timeout=wait)
                        break
                    except subprocess.TimeoutExpired:
                        continue
        for child in family:
            with contextlib.suppress(Exception):
                if child.is_running():
                    child.kill()
        if self._log is not None:
            self._log.close()
            self._log = None

    # -- talking to it -------------------------------------------------------------------------
    def api(self, path: str, *, method: str = "GET", timeout: float = 10):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def notebook_url(self, name: str, workspace: str) -> str:
        return f"{self.url}/lab/workspaces/{workspace}/tree/{name}?reset&token={self.token}"

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset: int) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as fh:
            fh.seek(offset)
            return fh.read()

    def log_tail(self, chars: int = 4000) -> str:
        text = self.log_since(0) if self.log_path.exists() else ""
        return text[-chars:]

    def shutdown_kernel(self, name: str) -> None:
        """End the notebook's session and kernel (frees memory between notebooks)."""
        for session in self.api("/api/sessions"):
            if session.get("path") == name:
                self.api(f"/api/sessions/{session['id']}", method="DELETE", timeout=60)

    def kernel_id(self, name: str) -> str:
        for session in self.api("/api/sessions"):
            if session.get("path") == name and session.get("kernel"):
                return session["kernel"]["id"]
        raise RuntimeError(f"no kernel session for {name}; sessions: {self.api('/api/sessions')}")


def kernel_traceback(log_text: str) -> str | None:
    """The first kernel-side error in a slice of the server log (callbacks that raise end up there)."""
    lines = log_text.splitlines()
    for i, line in enumerate(lines):
        if "Traceback (most recent call last)" in line or "ERROR |" in line:
            return "\n".join(lines[max(0, i - 2):i + 25])
    return None


class KernelProbe:
    """A second client on a notebook's kernel: run code there and read what it prints."""

    def __init__(self, server: LabServer, name: str, timeout: float = 60):
        from jupyter_client import BlockingKernelClient

        kid = server.kernel_id(name)
        path = server.runtime_dir / f"kernel-{kid}.json"
        if not path.is_file():
            raise RuntimeError(f"connection file {path} missing; runtime dir holds "
                               f"{sorted(p.name for p in server.runtime_dir.glob('*'))}")
        self.client = BlockingKernelClient(connection_file=str(path))
        self.client.load_connection_file()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=timeout)
        self.foreign_output: list[str] = []

    def run(self, code: str, timeout: float = 120) -> str:
        """Execute ``code``; return its stdout; raise ``RuntimeError`` with the traceback if it fails.

        Every other output seen on the kernel's broadcast channel meanwhile (a widget callback
        run for the browser that printed or raised) is kept in ``self.foreign_output``.
        """
        import queue

        msg_id = self.client.execute(code, silent=False, store_history=False, allow_stdin=False)
        out: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"kernel probe got no answer within {timeout:.0f} s") from None
            mine = msg["parent_header"].get("msg_id") == msg_id
            kind, content = msg["msg_type"], msg["content"]
            if not mine:
                self._keep_foreign(msg)
            elif kind == "stream" and content.get("name") == "stdout":
                out.append(content["text"])
            elif kind == "error":
                raise RuntimeError(f"kernel probe failed: {content['ename']}: {content['evalue']}\n"
                                   + "\n".join(content.get("traceback", [])))
            elif kind == "status" and content.get("execution_state") == "idle":
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"kernel probe did not finish within {timeout:.0f} s")
        reply = self.client.get_shell_msg(timeout=timeout)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel probe failed: {reply['content']}")
        return "".join(out)

    def _keep_foreign(self, msg) -> None:
        kind, content = msg["msg_type"], msg["content"]
        parent = msg["parent_header"].get("msg_type", "?")
        if kind == "stream":
            self.foreign_output.append(f"[{parent} {content.get('name')}] {content.get('text', '')}")
        elif kind == "error":
            self.foreign_output.append(f"[{parent} error] {content.get('ename')}: {content.get('evalue')}\n"
                                       + ANSI.sub("", "\n".join(content.get("traceback", []))))

    def callback_errors(self) -> str | None:
        """Tracebacks or error text the kernel broadcast for someone else (the browser's widgets)."""
        bad = [text for text in self.foreign_output if EXCEPTION_NAME.search(text)]
        return "\n".join(bad) if bad else None

    def json(self, code: str, timeout: float = 120):
        """Run ``code`` whose last printed line is JSON; return it decoded."""
        text = self.run(code, timeout=timeout).strip().splitlines()
        return json.loads(text[-1])

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.stop_channels()


# Kernel side of the display check: what the widgets hold, in the form the browser shows them.
WIDGET_STATE_CODE = r"""
def _e2e_widget_state():
    import hashlib, html, json, re
    import ipywidgets
    from ipywidgets.widgets import widget as _w
    state = {"labels": [], "images": [], "sliders": []}
    for w in list(_w._instances.values()):
        value = getattr(w, "value", None)
        if isinstance(value, str) and ("ae-error" in getattr(w, "_dom_classes", ()) or "ae-error" in value):
            text = html.unescape(re.sub(r"<[/!]?[A-Za-z][^>]*>", "", value))
            state["labels"].append(re.sub(r"\s+", "", text))
        if isinstance(w, ipywidgets.Image) and w.value:
            state["images"].append(hashlib.sha256(bytes(w.value)).hexdigest())
        if isinstance(w, (ipywidgets.IntSlider, ipywidgets.FloatSlider, ipywidgets.SelectionSlider)):
            state["sliders"].append({"description": w.description, "value": repr(w.value)})
    return json.dumps(state)
print(_e2e_widget_state())
del _e2e_widget_state
"""

# Browser side: the notebook panel's model and DOM, through the app JupyterLab exposes.
NOTEBOOK_STATE_JS = r"""
(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  let panel = null;
  for (const w of app.shell.widgets('main')) { if (w.context && w.context.path === path) panel = w; }
  if (!panel || !panel.content) return null;
  const sc = panel.sessionContext;
  const kernel = sc && sc.session && sc.session.kernel;
  const cells = panel.content.widgets.map((cell, index) => {
    const m = cell.model;
    const info = {index, type: m.type, source: m.sharedModel.getSource().slice(0, 300)};
    if (m.type !== 'code') return info;
    const prompt = cell.node.querySelector('.jp-InputPrompt');
    info.prompt = prompt ? prompt.textContent.trim() : '';
    info.execution_count = m.executionCount;
    info.outputs = [];
    for (let i = 0; i < m.outputs.length; i++) {
      const o = m.outputs.get(i).toJSON();
      info.outputs.push({output_type: o.output_type, name: o.name || null,
                         mimes: o.data ? Object.keys(o.data) : [],
                         text: typeof o.text === 'string' ? o.text : (Array.isArray(o.text) ? o.text.join('') : ''),
                         ename: o.ename || null, evalue: o.evalue || null,
                         traceback: Array.isArray(o.traceback) ? o.traceback.join('\n') : ''});
    }
    const area = cell.node.querySelector('.jp-OutputArea');
    info.dom_text = area ? area.innerText : '';
    info.dom_plain = Array.from(cell.node.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="text/plain"]')).map(e => e.innerText);
    info.dom_stderr = Array.from(cell.node.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')).map(e => e.innerText);
    info.dom_widgets = cell.node.querySelectorAll('.jp-OutputArea-output .jupyter-widgets').length;
    info.dom_sliders = cell.node.querySelectorAll('.jp-OutputArea-output .ae-slider .widget-slider').length;
    return info;
  });
  return {kernel: kernel ? kernel.status : 'no-kernel', ready: !!(sc && sc.isReady), panel_id: panel.id, cells};
}
"""

# Browser side: what one cell's widget output shows (slider readouts, ae-error labels, images).
OUTPUT_VIEW_JS = r"""
async (cellNode) => {
  const out = cellNode.querySelector('.jp-OutputArea');
  const sliders = Array.from(out.querySelectorAll('.ae-slider .widget-slider')).map(s => {
    const handle = s.querySelector('.noUi-handle');
    const readout = s.querySelector('.widget-readout');
    const label = s.querySelector('.widget-label');
    return {description: label ? label.innerText.trim() : '',
            readout: readout ? readout.innerText.trim() : null,
            valuenow: handle ? handle.getAttribute('aria-valuenow') : null,
            valuemin: handle ? handle.getAttribute('aria-valuemin') : null,
            valuemax: handle ? handle.getAttribute('aria-valuemax') : null};
  });
  const labels = Array.from(out.querySelectorAll('.ae-error')).map(e => e.innerText.trim());
  const images = [];
  for (const img of Array.from(out.querySelectorAll('img'))) {
    const buf = await (await fetch(img.src)).arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', buf);
    images.push({hash: Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, '0')).join(''),
                 width: img.naturalWidth, height: img.naturalHeight, bytes: buf.byteLength,
                 shown_width: Math.round(img.getBoundingClientRect().width)});
  }
  return {sliders, labels, images, text: out.innerText};
}
"""


class NotebookPage:
    """One notebook open in JupyterLab in a Chromium page."""

    def __init__(self, context, server: LabServer, name: str, out_dir: Path):
        self.server = server
        self.name = name
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.stem = Path(name).stem
        self.console: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.panel_id: str | None = None

    # -- failure reporting ------------------------------------------------------------------------
    def screenshot(self, suffix: str) -> Path:
        path = self.out_dir / f"{self.stem}-{suffix}.png"
        with contextlib.suppress(Exception):
            self.page.screenshot(path=str(path), full_page=False, timeout=30_000)
        return path

    def fail(self, message: str, cell: int | None = None) -> NoReturn:
        """Raise ``BrowserCheckError`` with a screenshot (scrolled to ``cell`` when given)."""
        if cell is not None and self.panel_id:
            with contextlib.suppress(Exception):
                self.cell_node(cell).scroll_into_view_if_needed(timeout=5_000)
        shot = self.screenshot("failure")
        console = "\n".join(self.console[-15:]) or "(none)"
        raise BrowserCheckError(f"{self.name}: {message}\nscreenshot: {shot}\nserver log: {self.server.log_path}\n"
                                f"browser console errors/warnings (last 15):\n{console}")

    # -- state -------------------------------------------------------------------------------------
    def state(self) -> dict | None:
        return self.page.evaluate(NOTEBOOK_STATE_JS, self.name)

    def cell_node(self, index: int):
        return self.page.locator(f'[id="{self.panel_id}"] .jp-Notebook .jp-Cell').nth(index)

    def view(self, index: int) -> dict:
        return self.cell_node(index).evaluate(OUTPUT_VIEW_JS)

    # -- actions -----------------------------------------------------------------------------------
    def open(self, workspace: str, timeout: float = 180) -> None:
        self.page.goto(self.server.notebook_url(self.name, workspace), timeout=timeout * 1000)
        deadline = time.monotonic() + timeout
        while True:
            state = self.state() if self._app_ready() else None
            if state and state["ready"] and state["kernel"] == "idle" and state["cells"]:
                self.panel_id = state["panel_id"]
                # More room for the notebook (and the screenshots): fold the file browser away.
                self.page.evaluate("() => { const app = window.jupyterapp; if (!app.shell.leftCollapsed) "
                                   "app.commands.execute('application:toggle-left-area'); }")
                return
            if time.monotonic() > deadline:
                self.fail(f"notebook did not open with an idle kernel within {timeout:.0f} s "
                          f"(last state: {state and {k: state[k] for k in ('kernel', 'ready')}})")
            time.sleep(0.5)

    def _app_ready(self) -> bool:
        return bool(self.page.evaluate("() => !!(window.jupyterapp && window.jupyterapp.shell)"))

    def run_all(self, timeout: float = 360) -> dict:
        """Run → Run All Cells, then wait until no cell is queued or running and the kernel is idle."""
        self.page.locator("#jp-MainMenu").get_by_role("menuitem", name="Run", exact=True).click()
        self.page.locator('li.lm-Menu-item[data-command="runmenu:run-all"]').click()
        start = time.monotonic()
        started = False
        quiet_polls = 0
        while True:
            time.sleep(1.0)
            state = self.state()
            code = [c for c in state["cells"] if c["type"] == "code"]
            running = [c for c in code if "*" in c["prompt"]]
            started = started or bool(running) or any(c["execution_count"] for c in code)
            if started and not running and state["kernel"] == "idle":
                quiet_polls += 1
                if quiet_polls >= 3:
                    return state
            else:
                quiet_polls = 0
            if state["kernel"] in ("dead", "restarting", "autorestarting", "no-kernel"):
                self.fail(f"the kernel is {state['kernel']} during Run All (did it run out of memory?); "
                          f"see the server log", cell=running[0]["index"] if running else None)
            elapsed = time.monotonic() - start
            if not started and elapsed > 60:
                self.fail("Run → Run All Cells did not start any cell within 60 s")
            if elapsed > timeout:
                where = running[0]["source"][:120] if running else "?"
                self.fail(f"run all did not finish within {timeout:.0f} s; still running: {where!r}",
                          cell=running[0]["index"] if running else None)

    def check_outputs(self, state: dict) -> None:
        """Everything ran, no tracebacks, and every widget output rendered as a widget."""
        for cell in state["cells"]:
            if cell["type"] != "code" or not cell["source"].strip():
                continue
            head = cell["source"].splitlines()[0][:80]
            where = f"cell {cell['index']} ({head!r})"

            def bad(message: str):
                self.fail(f"{where} {message}", cell=cell["index"])

            for out in cell["outputs"]:
                if out["output_type"] == "error":
                    trace = "\n".join(ANSI.sub("", out.get("traceback") or "").splitlines()[-20:])
                    bad(f"raised {out['ename']}: {out['evalue']}\n{trace}")
                if out["output_type"] == "stream" and out["name"] == "stderr" and EXCEPTION_NAME.search(out["text"]):
                    bad(f"wrote an error to stderr:\n{out['text'][:1500]}")
            if cell["execution_count"] is None:
                bad("was not executed by Run All Cells")
            for text in WIDGET_ERRORS:
                if text in cell["dom_text"]:
                    bad(f"shows {text!r} instead of its widget: {cell['dom_text'][:300]!r}")
            for text in cell["dom_plain"]:
                if WIDGET_REPR.search(text):
                    bad(f"shows a widget as text ({text[:120]!r}): the widgets front end "
                        f"({WIDGET_MANAGER}) did not render it")
            for text in cell["dom_stderr"]:
                if "Traceback" in text:
                    bad(f"shows a traceback:\n{text[:1500]}")
            wanted = sum("application/vnd.jupyter.widget-view+json" in o["mimes"] for o in cell["outputs"])
            if wanted and cell["dom_widgets"] == 0:
                bad(f"has {wanted} widget output(s) but the page shows no rendered widget")

    def slider_cells(self, state: dict) -> list[int]:
        return [c["index"] for c in state["cells"] if c["type"] == "code" and c.get("dom_sliders")]

    def wait_for_widgets(self, state: dict, timeout: float = 60) -> dict:
        """Widgets render asynchronously after the kernel is idle: wait until none says 'Loading'."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            loading = [c["index"] for c in state["cells"] if c["type"] == "code"
                       and "Loading widget..." in c.get("dom_text", "")]
            if not loading:
                return state
            if time.monotonic() > deadline:
                self.fail(f"widgets in cells {loading} still say 'Loading widget...' after {timeout:.0f} s",
                          cell=loading[0])
            time.sleep(0.5)

    def press_on_slider(self, cell_index: int, slider_index: int, key: str, times: int = 1) -> None:
        handle = self.cell_node(cell_index).locator(".ae-slider .widget-slider .noUi-handle").nth(slider_index)
        handle.scroll_into_view_if_needed()
        handle.focus()
        for _ in range(times):
            handle.press(key)

    def deselect_cells(self) -> None:
        """Make the first cell the active one and drop keyboard focus, so screenshots show no cell
        highlight or cell toolbar on the slider."""
        self.page.evaluate("""(path) => {
            for (const w of window.jupyterapp.shell.widgets('main')) {
                if (w.context && w.context.path === path) { w.content.activeCellIndex = 0; w.content.deselectAll(); }
            }
            if (document.activeElement) document.activeElement.blur();
        }""", self.name)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.page.close()


def blown_up_images(view: dict, factor: float = 2.0) -> list[str]:
    """Images the page stretches to more than ``factor`` times their own width (they look blurred)."""
    return [f"image {i} ({img['width']}×{img['height']} px) is shown {img['shown_width']} px wide "
            f"({img['shown_width'] / img['width']:.1f}×)"
            for i, img in enumerate(view["images"]) if img["width"] and img["shown_width"] > factor * img["width"]]


def screenshot_cell(nb: "NotebookPage", index: int, path: Path, max_height: int = 2400) -> Path:
    """PNG of one whole cell (code and output); the window grows so that a tall output fits."""
    cell = nb.cell_node(index)
    height = cell.evaluate("node => node.getBoundingClientRect().height")
    size = nb.page.viewport_size
    if height + 200 > size["height"]:
        nb.page.set_viewport_size({"width": size["width"], "height": int(min(height + 200, max_height))})
        time.sleep(0.5)
    cell.scroll_into_view_if_needed()
    time.sleep(0.3)
    cell.screenshot(path=str(path))
    nb.page.set_viewport_size(size)
    return path


def launch_chromium(playwright, executable: str, user_data_dir: Path, **kwargs):
    """A fresh persistent Chromium profile in ``user_data_dir`` (headless, container-safe flags)."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), executable_path=executable, headless=True, args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 1000}, device_scale_factor=1, **kwargs)


# -- sliding ------------------------------------------------------------------------------------
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
LABEL_PART = re.compile(rf"^\s*(?P<key>[^=\t]+?)\s*=\s*(?P<num>{NUMBER})")


def parse_label(text: str) -> dict[str, str]:
    """The ``key = number`` pairs of an error label, numbers as shown.

    ``"p = 32 · test MSE = 0.0168"`` -> ``{"p": "32", "test MSE": "0.0168"}`` (the convention of
    ``aehelpers.views.slider.format_label``). Parts are separated by ``·``; a part's number is the first
    after its ``=`` (``"dead units = 3/32"`` -> ``"3"``, ``"p = 1024 (≥ n = 784)"`` -> ``"1024"``).
    A label without ``p = ...`` is refused.
    """
    parts = {}
    for part in text.split("\u00b7"):
        match = LABEL_PART.match(part)
        if match and match["key"] not in parts:
            parts[match["key"]] = match["num"]
    if "p" not in parts:
        raise ValueError(f"error label should read like 'p = 32 · test MSE = 0.0168'; got {text!r}")
    return parts


def squash(text: str) -> str:
    """Text without whitespace, to compare what the browser shows with the kernel's HTML."""
    return re.sub(r"\s+", "", text)


def display_tolerance(shown: str) -> float:
    """Half a unit in the last digit shown (plus float slack): the most rounding can explain."""
    mantissa, _, exponent = shown.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (-decimals) * 10.0 ** (int(exponent) if exponent else 0) * 1.0001 + 1e-12


def _keys_for_move(slider: dict, visited: list[str]) -> list[str]:
    """Keys that take the slider somewhere new: one step, then an end, then the other end."""
    now, lo, hi = (float(slider[k]) for k in ("valuenow", "valuemin", "valuemax"))
    options = []
    if len(visited) == 1:
        options = ["ArrowRight"] if now < hi else ["ArrowLeft"]
    options += ["Home", "End", "PageUp", "PageDown"]
    return [k for k in options if not (k in ("Home", "PageDown") and now <= lo)
            and not (k in ("End", "PageUp") and now >= hi)]


def browser_matches_kernel(view: dict, kernel: dict) -> str | None:
    """Why the page does not show what the kernel holds, or None when it does.

    Every ``.ae-error`` text on the page must be the text of a kernel-side label whose widget
    has the class or whose HTML contains it (compared without whitespace), and some image on
    the page must have the bytes of a kernel-side ``Image`` widget.
    """
    for label in view["labels"]:
        if not any(squash(label) in text for text in kernel["labels"]):
            return f"error label {label!r} is not the kernel's (kernel has {kernel['labels']})"
    shown = [img["hash"] for img in view["images"]]
    if kernel["images"] and not set(shown) & set(kernel["images"]):
        return "no image on the page has the bytes of a kernel-side Image widget"
    return None


def _label_disagrees(view: dict, readout: str) -> str | None:
    for label in view["labels"]:
        if parse_label(label)["p"] != readout:
            return f"the slider reads {readout} but the error label says {label!r}"
    return None


def exercise_slider(nb: NotebookPage, cell_index: int, slider_index: int, probe: KernelProbe,
                    oracle: str | None = None, moves: int = 2, timeout: float = 90) -> list[dict]:
    """Move one slider to ``moves`` new values and back; check that the display follows the kernel.

    After every move: the readout changes, the ``.ae-error`` label (if any) and the images change,
    the page shows exactly the kernel-side widget values (label text, image bytes), the label's
    ``p`` is the slider's value, and every ``key = number`` in the label matches the dict that
    ``oracle.format(p=...)`` evaluates to in the kernel, within the rounding of the digits shown;
    no widget callback raised (kernel broadcast or server log). Back at the first value, the
    display is exactly what it was.
    """
    def fail(message: str):
        nb.fail(f"cell {cell_index}: {message}", cell=cell_index)

    log_start = nb.server.log_size()
    first = nb.view(cell_index)
    if slider_index >= len(first["sliders"]):
        fail(f"has {len(first['sliders'])} slider(s), wanted #{slider_index}")
    name = first["sliders"][slider_index]["description"]
    visited = [first["sliders"][slider_index]["readout"]]
    before = first
    records = []
    for step in range(moves + 1):
        slider = before["sliders"][slider_index]
        going_home = step == moves
        if going_home:
            # Back to the first value one arrow press at a time: works for every kind of slider.
            pressed = "arrows back to " + visited[0]
            key = "ArrowLeft" if float(slider["valuenow"]) > float(first["sliders"][slider_index]["valuenow"]) \
                else "ArrowRight"
            for presses in range(1, 2001):
                nb.press_on_slider(cell_index, slider_index, key)
                if nb.view(cell_index)["sliders"][slider_index]["readout"] == visited[0]:
                    break
                if presses % 20 == 0:
                    time.sleep(0.2)
        else:
            candidates = _keys_for_move(slider, visited)
            if not candidates:
                break  # a slider with fewer distinct values than requested
            pressed = candidates[0]
            nb.press_on_slider(cell_index, slider_index, pressed)

        def moved(view, before=before):
            if view["sliders"][slider_index]["readout"] == before["sliders"][slider_index]["readout"]:
                return False
            if view["labels"] and view["labels"] == before["labels"]:
                return False
            return not (before["images"] and [i["hash"] for i in view["images"]]
                        == [i["hash"] for i in before["images"]])

        deadline = time.monotonic() + timeout
        polls = 0
        while not moved(view := nb.view(cell_index)):
            polls += 1
            if polls % 8 == 0:
                probe.run("pass")  # collect what the kernel broadcast meanwhile
            raised = probe.callback_errors()
            if raised or time.monotonic() > deadline:
                why = (f"a widget callback raised:\n{raised[-2500:]}" if raised else
                       f"the page shows {json.dumps(view)[:600]}")
                fail(f"the display did not change after pressing {pressed} on slider {name!r} "
                     f"(readout was {slider['readout']}); {why}")
            time.sleep(0.25)
        # Let the kernel catch up, then the page must show exactly what the kernel holds.
        deadline = time.monotonic() + timeout
        while True:
            kernel = probe.json(WIDGET_STATE_CODE)
            view = nb.view(cell_index)
            readout = view["sliders"][slider_index]["readout"]
            problem = browser_matches_kernel(view, kernel) or _label_disagrees(view, readout)
            if problem is None:
                break
            if time.monotonic() > deadline:
                fail(f"after moving slider {name!r} to {readout}, {problem}")
            time.sleep(0.5)
        record = {"readout": readout, "labels": view["labels"], "images": [i["hash"] for i in view["images"]]}
        if oracle is not None:
            for label in view["labels"]:
                record["expected"] = _check_oracle(fail, probe, oracle, readout, label)
        raised = probe.callback_errors() or kernel_traceback(nb.server.log_since(log_start))
        if raised:
            fail(f"a widget callback raised while slider {name!r} moved to {readout}:\n{raised[-2500:]}")
        if going_home:
            if record["labels"] != first["labels"] or record["images"] != [i["hash"] for i in first["images"]]:
                fail(f"back at {readout} the display differs from the first time "
                     f"({first['labels']} vs {record['labels']})")
        else:
            visited.append(readout)
        before = view
        records.append(record)
    if len(visited) < 2:
        fail(f"slider {name!r} could not be moved")
    return records


def _check_oracle(fail, probe: KernelProbe, oracle: str, readout: str, label: str) -> dict:
    """Every ``key = number`` the oracle computes must be in the label, equal up to the digits shown."""
    shown = parse_label(label)
    code = oracle.format(p=readout)
    try:
        expected = probe.json(f"import json\nprint(json.dumps({{k: float(v) for k, v in ({code}).items()}}))")
    except RuntimeError as exc:
        fail(f"the test's oracle {code!r} failed in the kernel (did the notebook rename something?): {exc}")
    for key, value in expected.items():
        if key not in shown:
            fail(f"the label {label!r} has no '{key} = ...' (oracle {code!r})")
        tol = display_tolerance(shown[key])
        if abs(float(shown[key]) - value) > tol:
            fail(f"at p = {readout} the page shows {key} = {shown[key]} but the kernel computes "
                 f"{value:.6g} with {code!r} (allowed rounding ±{tol:.2g})")
    return expected

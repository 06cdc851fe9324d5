"""The first hour of a learner (issue 29): `make` finds a Python, the venv's Jupyter is quiet, the printed
URL opens notebook 00, and the constraints are generated per Python."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import venv_python  # noqa: E402

BASE_PYTHON = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
SYSTEM_PATH = "/usr/bin:/bin"  # sh, sed, basename, dirname (and no pyenv)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def pyenv_machine(tmp_path):
    """A PATH as under pyenv with 3.13 installed but not activated: its shim fails like pyenv's."""
    bin_ = tmp_path / "bin"
    _write(bin_ / "python3.13", "#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n")
    _write(bin_ / "python3", "#!/bin/sh\nexit 1\n")  # the system's python3 does not run either
    _write(bin_ / "pyenv", f"#!/bin/sh\n[ \"$1\" = root ] && echo {tmp_path / 'pyenv'}\n")
    real = tmp_path / "pyenv" / "versions" / "3.13.0" / "bin" / "python3.13"
    real.parent.mkdir(parents=True)
    real.symlink_to(BASE_PYTHON)  # a real interpreter that runs (its version is one the series supports)
    return {"PATH": f"{bin_}:{SYSTEM_PATH}", "HOME": str(tmp_path)}, real


def _find(env: dict, *args: str) -> str:
    out = subprocess.run(["sh", str(ROOT / "tools" / "find_python"), *args], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_pyenv_shim_that_fails_is_looked_past(pyenv_machine):
    env, real = pyenv_machine
    assert _find(env, "python3.13") == str(real)
    assert _find(env) == str(real)  # nothing named, python3 broken: the newest supported Python found
    assert _find(env, "--venv", "/nonexistent") == str(real)
    assert _find(env, BASE_PYTHON) == BASE_PYTHON  # a named Python that runs is used as it is


def _system_python313() -> str | None:
    """A python3.13 where find_python looks by absolute path (CI may have installed one there)."""
    for path in ("/usr/local/bin/python3.13", "/usr/bin/python3.13", "/opt/homebrew/bin/python3.13"):
        if os.access(path, os.X_OK):
            return path
    return None


def test_a_named_python_that_does_not_run_anywhere_is_kept_for_the_message(pyenv_machine):
    env, real = pyenv_machine
    real.unlink()
    assert _find(env, "python3.13") == (_system_python313() or "python3.13")


def test_without_python_the_venv_keeps_the_python_that_made_it():
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests do not run in a venv")
    found = _find({"PATH": os.environ["PATH"]}, "--venv", sys.prefix)
    assert os.path.realpath(found) == BASE_PYTHON


def test_make_resolves_python313_under_pyenv_and_says_how_to_name_one(pyenv_machine, tmp_path):
    if shutil.which("make") is None:
        pytest.skip("no make here")
    env, real = pyenv_machine
    venv = tmp_path / "venv"
    dry = subprocess.run(["make", "--no-print-directory", "-n", "lab", "PYTHON=python3.13", f"VENV={venv}"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert dry.returncode == 0, dry.stderr
    assert f"{real} -m venv {venv}" in dry.stdout and "pyenv: python3.13" not in dry.stdout + dry.stderr
    real.unlink()
    if _system_python313():
        pytest.skip(f"{_system_python313()} exists: make would build a venv with it")
    run = subprocess.run(["make", "--no-print-directory", "lab", "PYTHON=python3.13", f"VENV={venv}"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode != 0 and not venv.exists()
    assert "no Python 3.11-3.13 that runs was found" in run.stdout
    assert "name it: make lab PYTHON=/path/to/python3.13" in run.stdout


# --- the venv's Jupyter: no TCP warning in the first cell, no news toast, notebook 00 at the URL ------

@pytest.fixture(scope="module")
def scratch_env(tmp_path_factory):
    """A venv of its own (sys.prefix is where Jupyter and IPython look) on this venv's packages."""
    env = tmp_path_factory.mktemp("scratch") / "env"
    subprocess.run([BASE_PYTHON, "-m", "venv", "--without-pip", str(env)], check=True, timeout=300)
    python = env / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "tested_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _write(env / "bin" / "jupyter", f"#!/bin/sh\n[ \"$1\" = lab ] && shift\nexec {python} -m jupyterlab \"$@\"\n")
    return env


def _kernel_stderr(env: Path, tmp_path: Path, monkeypatch) -> str:
    from jupyter_client.manager import KernelManager

    spec = tmp_path / "kernels" / "scratch" / "kernel.json"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(json.dumps({"argv": [str(env / "bin" / "python"), "-m", "ipykernel_launcher", "-f",
                                         "{connection_file}"], "display_name": "scratch", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))  # no user profile
    km = KernelManager(kernel_name="scratch")
    with open(tmp_path / "stderr.txt", "w") as err:
        km.start_kernel(stderr=err)
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=180)
        kc.execute_interactive("print(6 * 7)", timeout=120)
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    return (tmp_path / "stderr.txt").read_text()


def test_kernels_of_the_venv_start_without_the_tcp_warning(scratch_env, tmp_path, monkeypatch):
    kernel_config = scratch_env / "etc" / "ipython" / "ipython_kernel_config.py"
    kernel_config.unlink(missing_ok=True)
    before = _kernel_stderr(scratch_env, tmp_path / "a", monkeypatch)
    written = venv_python.configure(scratch_env)
    assert kernel_config in written
    after = _kernel_stderr(scratch_env, tmp_path / "b", monkeypatch)
    if "without encryption" not in before:
        pytest.skip("this ipykernel does not warn about TCP (older than 7.3): nothing to silence")
    assert "without encryption" not in after, after


def test_configure_disables_the_news_and_keeps_other_choices(tmp_path):
    page = tmp_path / "etc" / "jupyter" / "labconfig" / "page_config.json"
    page.parent.mkdir(parents=True)
    page.write_text(json.dumps({"disabledExtensions": {"some:plugin": True}, "other": 1}))
    venv_python.configure(tmp_path)
    venv_python.configure(tmp_path)  # twice: the same result
    assert json.loads(page.read_text()) == {"disabledExtensions": {"some:plugin": True, venv_python.NEWS_PLUGIN: True},
                                            "other": 1}
    kernel = tmp_path / "etc" / "ipython" / "ipython_kernel_config.py"
    assert list(tmp_path.rglob("*.py")) == [kernel]
    kernel.write_text("c.InteractiveShell.colors = 'nocolor'\n")  # a conda env's own settings are kept
    venv_python.configure(tmp_path)
    venv_python.configure(tmp_path)
    text = kernel.read_text()
    assert text.startswith("c.InteractiveShell.colors") and text.count("class _LocalKernelOnly") == 1
    page.write_text(json.dumps({"disabledExtensions": ["old:form"]}))
    venv_python.configure(tmp_path)
    assert json.loads(page.read_text())["disabledExtensions"] == {"old:form": True, venv_python.NEWS_PLUGIN: True}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_lab_prints_a_url_that_opens_notebook_00_without_news(scratch_env, tmp_path):
    """Runs the Makefile's own `lab` command in the scratch venv and opens the URL it prints."""
    if shutil.which("make") is None:
        pytest.skip("no make here")
    venv_python.configure(scratch_env)
    port = _free_port()
    dry = subprocess.run(["make", "--no-print-directory", "-n", "lab", f"VENV={scratch_env}", f"PORT={port}", f"PYTHON={BASE_PYTHON}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    command = dry.stdout.replace("\\\n", " ").strip().splitlines()[-1]
    assert command.startswith(f"{scratch_env}/bin/jupyter lab "), dry.stdout
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "IPYTHONDIR": str(tmp_path / "ipython"),
           "BROWSER": "true", "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(command + " --no-browser --ServerApp.port_retries=0", shell=True, cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline, url = time.monotonic() + 240, None
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(1)
            url = next(iter(re.findall(rf"http://127\.0\.0\.1:{port}/\S+", log.read_text())), None)
        assert url, log.read_text()[-3000:]
        assert re.fullmatch(rf"http://127\.0\.0\.1:{port}/lab/tree/00_start_here\.ipynb\?token=\w+", url), url
        with urllib.request.urlopen(url, timeout=60) as resp:
            page = resp.read().decode()
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                      page, re.S)[1])
        assert config["treePath"] == "00_start_here.ipynb" and (ROOT / "notebooks" / config["treePath"]).is_file()
        assert venv_python.NEWS_PLUGIN in config["disabledExtensions"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


# --- constraints.txt from one venv (or pip report) per Python -----------------------------------------

def _report(path: Path, python: str, pins: dict[str, str]) -> Path:
    path.write_text(json.dumps({"environment": {"python_version": python},
                                "install": [{"metadata": {"name": n, "version": v}} for n, v in pins.items()]}))
    return path


def test_constraints_mark_the_versions_that_differ_per_python(tmp_path):
    r311 = _report(tmp_path / "311.json", "3.11", {"NumPy": "2.4.6", "keras": "3.15.1", "overrides": "7.7.0",
                                                   "pip": "26.3", "setuptools": "80"})
    r313 = _report(tmp_path / "313.json", "3.13", {"numpy": "2.5.5", "keras": "3.15.1"})
    text = venv_python.constraints([r311, r313], 11, 14)
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines == ["keras==3.15.1",
                     'numpy==2.4.6; python_version < "3.12"', 'numpy==2.5.5; python_version >= "3.12"',
                     'overrides==7.7.0; python_version < "3.12"']
    assert venv_python._marker([11, 13], 11, 14) == 'python_version == "3.11" or python_version == "3.13"'
    assert venv_python._marker([12], 11, 14) == 'python_version >= "3.12" and python_version < "3.13"'

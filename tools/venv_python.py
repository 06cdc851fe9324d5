"""Before `make` installs anything: is PYTHON one the series supports, and was .venv made by it?

    python tools/venv_python.py id            print an identity of this interpreter (version + home)
    python tools/venv_python.py check VENV    fail clearly on an unsupported Python; delete VENV when
                                              another interpreter made it (the caller rebuilds it)
    python tools/venv_python.py configure ENV quiet Jupyter inside ENV (a venv or conda env), nowhere else:
                                              no kernel warning about TCP encryption, no news toast
    python tools/venv_python.py constraints VENV [VENV...]
                                              print constraints.txt from what these venvs hold (one per
                                              Python; versions that differ get python_version markers);
                                              a VENV may be the JSON of `pip install --dry-run --report`

Which Python `make` passes here is chosen by ``tools/find_python`` (PYTHON=, else .venv's, else a
supported python3, else the newest 3.13/3.12/3.11 found as ``.ci/run`` finds one).

The supported range is pyproject.toml's ``requires-python``, read with the same code the set-up
check of notebook 00 uses (``aehelpers/environment.py``, loaded by path: nothing is installed yet).
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IDENTITY = "import sys, hashlib; print('%d.%d.%d-' % sys.version_info[:3] + hashlib.sha256(sys.base_prefix.encode()).hexdigest()[:8])"


def identity(python: str) -> str | None:
    try:
        out = subprocess.run([python, "-c", IDENTITY], capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


# --- configure: what a kernel and JupyterLab started from this environment show ------------------

# ipykernel >= 7.3 logs a warning on every start over TCP without CurveZMQ keys; the kernel's log reaches
# the first cell's output. make lab binds JupyterLab and its kernels to 127.0.0.1, and nbval/nbconvert
# talk to their kernel on this machine: this one line is dropped, every other kernel message stays.
TCP_WARNING = "running over TCP without encryption"
KERNEL_CONFIG = f'''\
# Written by `python tools/venv_python.py configure` (the Makefile runs it): drops ipykernel's
# start-up warning "Kernel is running over TCP without encryption", which would open the output of
# every notebook's first cell. Kernel and browser both run on this machine (127.0.0.1).
import logging


class _LocalKernelOnly(logging.Filter):
    def filter(self, record):
        return {TCP_WARNING!r} not in record.getMessage()


logging.getLogger("IPKernelApp").addFilter(_LocalKernelOnly())
'''
# JupyterLab's plugin that asks, on a fresh start, whether to fetch Jupyter news (and then shows them).
NEWS_PLUGIN = "@jupyterlab/apputils-extension:announcements"


def configure(env: Path) -> list[Path]:
    """Write the kernel filter and disable the news plugin inside ``env``; nothing outside it."""
    kernel = env / "etc" / "ipython" / "ipython_kernel_config.py"
    kernel.parent.mkdir(parents=True, exist_ok=True)
    own = kernel.read_text(encoding="utf-8") if kernel.exists() else ""
    if own.startswith(KERNEL_CONFIG.splitlines()[0]) or not own.strip():
        kernel.write_text(KERNEL_CONFIG, encoding="utf-8")
    elif TCP_WARNING not in own:  # someone's own settings (a conda env): add ours after them
        kernel.write_text(own.rstrip("\n") + "\n\n" + KERNEL_CONFIG, encoding="utf-8")
    page = env / "etc" / "jupyter" / "labconfig" / "page_config.json"  # what `jupyter labextension disable` writes
    page.parent.mkdir(parents=True, exist_ok=True)
    try:
        config = json.loads(page.read_text(encoding="utf-8")) if page.exists() else {}
    except ValueError:
        config = {}
    disabled = config.get("disabledExtensions") or {}
    if isinstance(disabled, list):  # the older form: a list of names
        disabled = dict.fromkeys(disabled, True)
    config["disabledExtensions"] = {**disabled, NEWS_PLUGIN: True}
    page.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return [kernel, page]


# --- constraints: what CI tested, for a learner's install -----------------------------------------

CONSTRAINTS_HEADER = """\
# What a learner installs, pinned to what CI tested (issue 29): every package of the series, its extras
# and their dependencies, at the versions the tested venvs hold. Versions that differ between Pythons carry
# a python_version marker. Used by `make` (pip install -c constraints.txt ...) and by environment.yml.
# Regenerate after changing pyproject.toml, from freshly built venvs (one per Python CI runs):
#     python3 tools/venv_python.py constraints .venv .venv-3.13 > constraints.txt
# (a Python without a venv: python3.13 -m pip install --dry-run --ignore-installed --report 313.json
#  -r <pyproject's dependencies and extras>, then name 313.json instead of .venv-3.13)
# (tests/test_environment_files.py checks the pins against pyproject.toml)
"""


NOT_PINNED = {"pip", "setuptools", "wheel"}  # pip freeze leaves them out; build tools, not the series'


def _freeze(venv: Path) -> tuple[int, dict[str, str]]:
    """``(minor version, {canonical name: version})`` of what ``venv`` holds (not the editable package).

    ``venv`` may also be the JSON of ``pip install --dry-run --report FILE`` run by a Python that has no
    venv yet: what that Python would install.
    """
    if venv.suffix == ".json":
        report = json.loads(venv.read_text())
        minor = int(report["environment"]["python_version"].split(".")[1])
        pins = {re.sub(r"[-_.]+", "-", item["metadata"]["name"]).lower(): item["metadata"]["version"]
                for item in report["install"]}
        return minor, {name: version for name, version in pins.items()
                       if name not in NOT_PINNED and name != "aehelpers"}
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    minor = int(subprocess.run([str(python), "-c", "import sys; print(sys.version_info[1])"],
                               capture_output=True, text=True, check=True).stdout)
    out = subprocess.run([str(python), "-m", "pip", "freeze", "--exclude-editable"],
                         capture_output=True, text=True, check=True).stdout
    pins = {}
    for line in out.splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line.strip())
        if match:
            pins[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return minor, pins


def _marker(minors: list[int], low: int, high: int) -> str:
    """A python_version marker for the minor versions ``minors`` within ``[low, high)`` ("" for all)."""
    minors = sorted(minors)
    if minors == list(range(low, high)):
        return ""
    if minors == list(range(minors[0], minors[-1] + 1)):
        parts = ([f'python_version >= "3.{minors[0]}"'] if minors[0] > low else []) + \
                ([f'python_version < "3.{minors[-1] + 1}"'] if minors[-1] < high - 1 else [])
        return " and ".join(parts)
    return " or ".join(f'python_version == "3.{m}"' for m in minors)


def constraints(venvs: list[Path], low: int, high: int) -> str:
    """constraints.txt from one venv per Python; a supported Python without a venv takes the pins of the
    next newer one that has one (else the next older): NumPy 2.5 needs 3.12, as 3.13 does."""
    measured = dict(_freeze(v) for v in venvs)
    if not measured:
        raise ValueError("name at least one venv")
    newer_first = sorted(measured)
    source = {m: next((k for k in newer_first if k >= m), newer_first[-1]) for m in range(low, high)}
    lines = [CONSTRAINTS_HEADER]
    for name in sorted({n for pins in measured.values() for n in pins}):
        by_version: dict[str, list[int]] = {}
        for minor in range(low, high):
            version = measured[source[minor]].get(name)
            if version:
                by_version.setdefault(version, []).append(minor)
        for version, minors in sorted(by_version.items(), key=lambda item: item[1]):
            marker = _marker(minors, low, high)
            lines.append(f"{name}=={version}" + (f"; {marker}" if marker else ""))
    return "\n".join(lines) + "\n"


def supported_minors() -> tuple[int, int]:
    """``(low, high)``: requires-python ``>=3.low,<3.high``."""
    import tomllib

    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    low = re.search(r">=\s*3\.(\d+)", requires)
    high = re.search(r"<\s*3\.(\d+)", requires)
    return int(low[1]), int(high[1])


def main(argv: list[str]) -> int:
    if argv[:1] == ["id"]:
        print(identity(sys.executable))
        return 0
    if argv[:1] == ["configure"] and len(argv) == 2:
        for path in configure(Path(argv[1])):
            print(f"configured {path}")
        return 0
    if argv[:1] == ["constraints"] and len(argv) >= 2:
        sys.stdout.write(constraints([Path(v) for v in argv[1:]], *supported_minors()))
        return 0
    if len(argv) != 2 or argv[0] != "check":
        print(__doc__, file=sys.stderr)
        return 2
    venv = Path(argv[1])
    if sys.version_info < (3, 11):  # tomllib and the code below need 3.11
        print(f"Python {sys.version.split()[0]} ({sys.executable}) is too old for the series: it needs 3.11 or "
              "newer (see pyproject.toml). Pass another one, e.g. `make lab PYTHON=python3.12`.", file=sys.stderr)
        return 1
    import tomllib

    spec = importlib.util.spec_from_file_location("_environment", ROOT / "aehelpers" / "environment.py")
    env = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(env)
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    version = sys.version.split()[0]
    if not env.satisfies(version, requires):
        print(f"Python {version} ({sys.executable}) is not supported: the series needs Python "
              f"{env.supported_pythons(requires)} (TensorFlow 2.21's wheels). Pass another one, e.g. "
              "`make lab PYTHON=python3.12`.", file=sys.stderr)
        return 1
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    if venv.exists():
        have, want = identity(str(python)) if python.exists() else None, identity(sys.executable)
        if have != want:
            print(f"{venv} was made by {have or 'an interpreter that no longer runs'}; rebuilding it with "
                  f"{sys.executable} ({want})")
            shutil.rmtree(venv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

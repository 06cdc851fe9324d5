"""Before `make` installs anything: is PYTHON one the series supports, and was .venv made by it?

    python tools/venv_python.py id            print an identity of this interpreter (version + home)
    python tools/venv_python.py check VENV    fail clearly on an unsupported Python; delete VENV when
                                              another interpreter made it (the caller rebuilds it)

The supported range is pyproject.toml's ``requires-python``, read with the same code the set-up
check of notebook 00 uses (``aehelpers/environment.py``, loaded by path: nothing is installed yet).
"""
from __future__ import annotations

import hashlib
import importlib.util
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


def main(argv: list[str]) -> int:
    if argv[:1] == ["id"]:
        print(identity(sys.executable))
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

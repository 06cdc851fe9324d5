"""Running a notebook as a reader changes no tracked file (issue 24): its figures go to build/figures/.

Notebook 00 is run as JupyterLab runs it for a reader: a fresh kernel in ``notebooks/``, no
``AEHELPERS_FIGURES``, no ``AEHELPERS_CACHE``.  Quick mode keeps it short; the folder is decided
by the same code in both modes (``tests/test_notebook_setup.py`` checks that).  Every file the
kernel writes, renames or removes is recorded (a Python audit hook, loaded through
``sitecustomize``), and each one inside the checkout must be one git ignores; ``git status`` is
compared before and after for those paths, so edits others make meanwhile do not count.
"""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "00_start_here.ipynb"
FIGURE = "00_first_autoencoder"  # the figure notebook 00 saves with ae.save_fig

# Loaded by every Python process of the run (the kernel and anything it starts): logs each path
# opened for writing, renamed onto or removed, one per line, to $AE_WRITE_LOG.
RECORDER = '''
import os, sys
_fd = os.open(os.environ["AE_WRITE_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

def _log(path):
    if isinstance(path, (str, bytes, os.PathLike)):
        path = os.fsdecode(path)
        os.write(_fd, (os.path.abspath(path) + "\\n").encode("utf-8", "surrogateescape"))

def _hook(event, args):
    try:
        if event == "open" and (isinstance(args[1], str) and set(args[1]) & set("wax+")
                                or args[1] is None and isinstance(args[2], int) and args[2] & _WRITE):
            _log(args[0])
        elif event in ("os.rename", "os.replace"):
            _log(args[1])
        elif event in ("os.remove", "os.unlink", "os.rmdir"):
            _log(args[0])
    except Exception:
        pass

sys.addaudithook(_hook)
'''


def _status() -> set[str]:
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return set(out.stdout.splitlines())


def _not_ignored(paths: list[str]) -> list[str]:
    """The paths git does not ignore (tracked files, or untracked ones git would show)."""
    if not paths:
        return []
    out = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=ROOT, input="\n".join(paths),
                         capture_output=True, text=True)
    return sorted(set(paths) - set(out.stdout.splitlines()))


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_running_a_notebook_changes_no_tracked_file(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(RECORDER)
    log = tmp_path / "writes.log"
    env = {k: v for k, v in os.environ.items() if k not in ("AEHELPERS_FIGURES", "AEHELPERS_CACHE")}
    env.update(AEHELPERS_QUICK="1", AEHELPERS_OFFLINE="1", MPLBACKEND="Agg", AE_WRITE_LOG=str(log),
               PYTHONPATH=os.pathsep.join(filter(None, [str(tmp_path / "site"), env.get("PYTHONPATH")])))
    before, started = _status(), time.time_ns()
    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                          "--output-dir", str(tmp_path / "out"), "--log-level=WARN", str(NOTEBOOK)],
                         cwd=ROOT / "notebooks", env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]

    saved = ROOT / "build" / "figures" / f"{FIGURE}.png"
    assert saved.is_file() and saved.stat().st_mtime_ns >= started, f"notebook 00 did not save {saved}"
    written = sorted({line for line in log.read_text().splitlines()
                      if Path(line).is_relative_to(ROOT) and not Path(line).is_relative_to(ROOT / ".git")})
    assert str(saved) in written, "the recorder missed the figure: it would miss other writes too"
    assert _not_ignored(written) == [], f"running {NOTEBOOK.name} wrote files git does not ignore"
    rel = {str(Path(p).relative_to(ROOT)) for p in written}
    changed = sorted(line for line in _status() - before if line[3:].strip('"') in rel)
    assert changed == [], f"running {NOTEBOOK.name} changed what git sees: {changed}"

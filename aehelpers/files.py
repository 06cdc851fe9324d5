"""Files the series writes: atomically, so nothing is ever left half-written, and figures in one folder.

Every file ``aehelpers`` writes (figures, cached models, benchmark results) goes to a temporary
file in the same folder first and is renamed into place only when complete (``atomic_path``,
``write_text``, ``write_bytes``).  ``save_fig(fig, name)`` writes ``<name>.png`` into the one
figures folder (``runtime.figures_dir``).  A folder built in several steps (the site) is built
beside its place and swapped in when complete (``swap_folder``); a process's scratch folder
carries its pid, so the next process removes those of processes that died (``process_folder``).
Introduced in notebook 00.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from aehelpers.runtime import figures_dir


# --- atomic writes ------------------------------------------------------------------------------------

@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    The temporary name keeps ``path``'s suffixes (Keras insists on ``.weights.h5``/``.keras``).
    On any exception the temporary file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    make_folder(target.parent, f"the folder of {target}")
    if target.is_dir():
        raise IsADirectoryError(f"cannot write {target}: it is a folder, not a file")
    suffix = "".join(target.suffixes)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem.split('.')[0]}-", suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # let the writer create it (some writers refuse to overwrite)
    try:
        yield tmp_path
        if not tmp_path.exists():
            raise RuntimeError(f"nothing was written to the temporary file for {target}")
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def make_folder(folder: str | os.PathLike, what: str | None = None) -> Path:
    """``folder`` created if needed; ``NotADirectoryError`` naming the file in the way if one is."""
    folder = Path(folder)
    for place in (folder, *folder.parents):  # the deepest that exists must be a folder
        if place.exists() or place.is_symlink():
            if not place.is_dir():
                kind = "a file" if place.is_file() else "a broken link" if place.is_symlink() else "not a folder"
                what = what or f"the folder {folder}"
                raise NotADirectoryError(f"cannot make {what}: {place} is {kind}, not a folder")
            break
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


# --- folders: a scratch folder per process, a folder swapped in whole -----------------------------

def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C there: keep every folder
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process (PermissionError): alive
        return True
    return True


def remove_orphans(parent: str | os.PathLike, prefix: str) -> list[Path]:
    """Remove the folders ``<parent>/<prefix><pid>-*`` whose process is gone (killed, crashed); return them."""
    removed = []
    for folder in Path(parent).glob(f"{prefix}*-*"):
        pid = folder.name[len(prefix):].split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def process_folder(prefix: str, parent: str | os.PathLike | None = None) -> Path:
    """A new folder ``<parent>/<prefix><pid>-XXXX`` (``parent``: the temp folder) for this process's scratch
    files, after removing those of processes that died without removing theirs (``remove_orphans``)."""
    parent = make_folder(tempfile.gettempdir() if parent is None else parent)
    remove_orphans(parent, prefix)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))


def swap_folder(new: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Put the complete folder ``new`` in the place of ``target`` (two renames: ``target`` is never half-built)
    and remove the old one; ``NotADirectoryError`` if ``target`` is a file."""
    new, target = Path(new), Path(target)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"cannot put a folder at {target}: it is a file, not a folder")
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{os.getpid()}-", dir=target.parent))
        os.replace(target, old / target.name)
    try:
        os.replace(new, target)
    except OSError:
        if old is not None:  # put the previous one back
            os.replace(old / target.name, target)
            old.rmdir()
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


# --- figures -----------------------------------------------------------------------------------------

_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


def figure_path(name: str, what: str = "figure") -> Path:
    """``<figures_dir>/<name>.png`` for a bare file stem ``name`` (letters, digits, ``_``, ``-``)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{what} name must be a bare stem of letters, digits, '_' or '-'; got {name!r}")
    return figures_dir() / f"{name}.png"


def save_fig(fig, name: str, *, dpi: int = 110) -> Path:
    """Save a Matplotlib figure as ``<figures_dir>/<name>.png`` atomically and return its path.

    ``name`` is a bare file stem (letters, digits, ``_`` and ``-``); the folder is ``figures_dir()``:
    ``build/figures/`` when a reader runs a notebook, the committed ``figures/`` only under ``make run``.
    """
    path = figure_path(name)
    if not hasattr(fig, "savefig"):
        raise TypeError(f"save_fig expects a Matplotlib figure; got {type(fig).__name__}")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    return path

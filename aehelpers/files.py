"""Files the series writes: atomically, so nothing is ever left half-written, and figures in one folder.

Every file ``aehelpers`` writes (figures, cached models, benchmark results) goes to a temporary
file in the same folder first and is renamed into place only when complete (``atomic_path``,
``write_text``, ``write_bytes``).  ``save_fig(fig, name)`` writes ``<name>.png`` into the one
figures folder (``runtime.figures_dir``).  Introduced in notebook 00.
"""
from __future__ import annotations

import contextlib
import os
import re
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
    target.parent.mkdir(parents=True, exist_ok=True)
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

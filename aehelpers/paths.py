"""Where the series writes things: figures, caches, temporary outputs.

Full mode writes figures into the committed ``figures/`` folder; quick mode (tests, CI) writes
them into the ignored ``build/`` folder so that ``make test`` leaves ``git status`` clean.
Introduced in notebook 00.
"""
from __future__ import annotations

import os
from pathlib import Path

from .mode import is_quick


def repo_root() -> Path | None:
    """The series' checkout (the folder holding ``notebooks/`` and ``pyproject.toml``), if any."""
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").is_file() and (here / "notebooks").is_dir():
        return here
    return None


def _base() -> Path:
    root = repo_root()
    return root if root is not None else Path.cwd()


def figures_dir() -> Path:
    """Folder that figures are saved to: ``figures/`` in full mode, ``build/figures`` in quick mode.

    ``AEHELPERS_FIGURES`` overrides both.
    """
    override = os.environ.get("AEHELPERS_FIGURES")
    if override:
        path = Path(override)
    else:
        path = _base() / ("build/figures" if is_quick() else "figures")
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Folder for trained models and other reusable results.

    ``AEHELPERS_CACHE`` if set, else ``.cache/aehelpers`` inside the checkout (ignored by git),
    else ``~/.cache/aehelpers``.
    """
    override = os.environ.get("AEHELPERS_CACHE")
    if override:
        path = Path(override)
    elif repo_root() is not None:
        path = repo_root() / ".cache" / "aehelpers"
    else:
        path = Path.home() / ".cache" / "aehelpers"
    path.mkdir(parents=True, exist_ok=True)
    return path

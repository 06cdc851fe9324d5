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


def _usable_dir(path: Path, what: str) -> Path:
    """``path`` as an existing folder (created if needed), else an error naming ``what`` set it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(f"{what} points at {path}, which is a file, not a folder") from None
    except OSError as err:
        raise OSError(f"{what}: cannot create the folder {path} ({err.strerror or err})") from err
    if not path.is_dir():
        raise NotADirectoryError(f"{what} points at {path}, which is not a folder")
    return path


def figures_dir() -> Path:
    """Folder that figures are saved to: ``figures/`` in full mode, ``build/figures`` in quick mode.

    ``AEHELPERS_FIGURES`` overrides both.
    """
    override = os.environ.get("AEHELPERS_FIGURES", "").strip()
    if override:
        return _usable_dir(Path(override).expanduser(), "AEHELPERS_FIGURES")
    return _usable_dir(_base() / ("build/figures" if is_quick() else "figures"), "the figures folder")


def cache_dir() -> Path:
    """Folder for trained models and other reusable results.

    ``AEHELPERS_CACHE`` if set, else ``.cache/aehelpers`` inside the checkout (ignored by git),
    else ``~/.cache/aehelpers``.
    """
    override = os.environ.get("AEHELPERS_CACHE", "").strip()
    if override:
        return _usable_dir(Path(override).expanduser(), "AEHELPERS_CACHE")
    if repo_root() is not None:
        return _usable_dir(repo_root() / ".cache" / "aehelpers", "the checkout's cache folder")
    return _usable_dir(Path.home() / ".cache" / "aehelpers", "the user cache folder")

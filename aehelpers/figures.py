"""Saving figures: one folder, atomic writes, small PNGs.

Introduced in notebook 00.
"""
from __future__ import annotations

import re
from pathlib import Path

from .files import atomic_path
from .paths import figures_dir

_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


def figure_path(name: str, what: str = "figure") -> Path:
    """``<figures_dir>/<name>.png`` for a bare file stem ``name`` (letters, digits, ``_``, ``-``)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{what} name must be a bare stem of letters, digits, '_' or '-'; got {name!r}")
    return figures_dir() / f"{name}.png"


def save_fig(fig, name: str, *, dpi: int = 110) -> Path:
    """Save a Matplotlib figure as ``<figures_dir>/<name>.png`` atomically and return its path.

    ``name`` is a bare file stem (letters, digits, ``_`` and ``-``): the folder is chosen by the
    mode, so full runs refresh ``figures/`` and quick runs leave it untouched.
    """
    path = figure_path(name)
    if not hasattr(fig, "savefig"):
        raise TypeError(f"save_fig expects a Matplotlib figure; got {type(fig).__name__}")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    return path

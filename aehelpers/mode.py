"""Quick mode versus full mode: the one switch every notebook honours.

``AEHELPERS_QUICK=1`` (set by ``make test`` and CI) asks for small data and few epochs so the
whole series executes in minutes; readers get full mode by default.  Introduced in
notebook 00.
"""
from __future__ import annotations

import os

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def env_flag(name: str) -> bool:
    """An on/off environment variable: 1/true/yes/on or 0/false/no/off (unset = off), else ValueError."""
    raw = os.environ.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"environment variable {name} must be one of 1/0/true/false/yes/no/on/off; got {raw!r}")


def is_quick() -> bool:
    """True when ``AEHELPERS_QUICK`` asks for quick mode (small data, few epochs)."""
    return env_flag("AEHELPERS_QUICK")


def is_offline() -> bool:
    """True when ``AEHELPERS_OFFLINE`` forbids network access (no Keras download)."""
    return env_flag("AEHELPERS_OFFLINE")


def by_mode(full, quick):
    """Return ``quick`` in quick mode and ``full`` otherwise.

    The single mechanism notebooks use for every size that differs between the modes::

        epochs = by_mode(full=50, quick=2)
    """
    return quick if is_quick() else full


def mode_name() -> str:
    """``"quick"`` or ``"full"``, for messages and cache keys."""
    return "quick" if is_quick() else "full"

"""Shared fixtures: every test runs quick, offline, with figures and caches in a temp folder."""
import os

import pytest

os.environ.setdefault("AEHELPERS_QUICK", "1")
os.environ.setdefault("AEHELPERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


@pytest.fixture(autouse=True)
def _isolated_outputs(tmp_path, monkeypatch):
    """Figures and caches of unit tests go to a temp folder, never into the checkout."""
    monkeypatch.setenv("AEHELPERS_FIGURES", str(tmp_path / "figures"))
    monkeypatch.setenv("AEHELPERS_CACHE", str(tmp_path / "cache"))
    yield

"""Fixtures for the browser tests: Chromium, a private JupyterLab, output folders.

The tests need a Chromium binary (Debian: ``apt-get install chromium``; or set
``AEHELPERS_CHROMIUM``) and Playwright for Python (the ``test`` extra). Without them they are
skipped with the reason, except under CI (``CI=true``), where a missing browser is a failure.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from aehelpers.runtime import env_flag
from lab_harness import LabServer, find_chromium, lab_env, launch_chromium

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: drives a real JupyterLab in Chromium (tests/e2e)")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def skip_or_fail(reason: str):
    """Skip with ``reason`` locally; fail under CI, which must always run the browser tests."""
    if env_flag("CI"):
        pytest.fail(f"CI=true but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        skip_or_fail(f"Playwright for Python is not installed ({exc}); pip install -e '.[test]'")
    path = find_chromium()
    if path is None:
        skip_or_fail("no Chromium found (apt-get install chromium, or set AEHELPERS_CHROMIUM=/path/to/chrome)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path, tmp_path_factory):
    """One headless Chromium with a fresh profile for the whole session."""
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        context = launch_chromium(pw, chromium_path, tmp_path_factory.mktemp("chromium-profile"))
    except Exception as exc:
        pw.stop()
        skip_or_fail(f"Chromium at {chromium_path} did not start under Playwright: {exc}")
    context.set_default_timeout(60_000)
    yield context
    try:
        context.close()
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Screenshots and logs of the browser tests: ``test-output/e2e`` (git-ignored)."""
    path = Path(os.environ.get("AEHELPERS_E2E_OUTPUT") or REPO / "test-output" / "e2e")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def start_lab(tmp_path_factory, chromium_path):
    """Factory: ``start_lab(root_dir, disabled_extensions=())`` -> a running ``LabServer``, stopped
    when the test module ends."""
    servers: list[LabServer] = []

    def start(root_dir: Path, disabled_extensions: tuple[str, ...] = ()) -> LabServer:
        work = tmp_path_factory.mktemp("lab")
        server = LabServer(root_dir, work, env=lab_env(work), disabled_extensions=disabled_extensions)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def series_lab(chromium_path, tmp_path_factory):
    """One JupyterLab serving a temp copy of ``notebooks/`` for all the series' notebooks."""
    work = tmp_path_factory.mktemp("series-lab")
    root = work / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    server = LabServer(root, work / "jupyter", env=lab_env(work))
    server.start()
    yield server
    server.stop()

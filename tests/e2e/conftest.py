"""Fixtures for the browser tests: Chromium, a private JupyterLab, an output folder. Without a Chromium or
Playwright for Python (the ``test`` extra) the tests are skipped with the reason; under ``CI=true`` they fail."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from aehelpers.runtime import env_flag
from lab_harness import REPO, LabServer, find_chromium, lab_env, launch_chromium


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: drives a real JupyterLab in Chromium (tests/e2e)")


def pytest_collection_modifyitems(items):
    for item in (i for i in items if Path(__file__).parent in i.path.parents):
        item.add_marker(pytest.mark.e2e)


def skip_or_fail(reason: str):
    """Skip locally; fail under CI, which must always run the browser tests."""
    if env_flag("CI"):
        pytest.fail(f"CI=true but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        skip_or_fail(f"Playwright for Python is not installed ({exc}); pip install -e '.[test]'")
    return find_chromium() or skip_or_fail(
        "no Chromium found (apt-get install chromium, or set AEHELPERS_CHROMIUM=/path/to/chrome)")


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
    context.close()
    pw.stop()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Screenshots and reports: ``AEHELPERS_E2E_OUTPUT``, else ``test-output/e2e`` (git-ignored)."""
    path = Path(os.environ.get("AEHELPERS_E2E_OUTPUT") or REPO / "test-output" / "e2e")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def start_lab(chromium_path, tmp_path_factory):
    """Factory ``start_lab(root_dir, disabled_extensions)`` -> a running ``LabServer``, stopped at the end."""
    servers: list[LabServer] = []

    def start(root_dir: Path, disabled: tuple[str, ...] = ()) -> LabServer:
        work = tmp_path_factory.mktemp("lab")
        servers.append(LabServer(root_dir, work / "jupyter", env=lab_env(work), disabled_extensions=disabled))
        return servers[-1].start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def series_lab(start_lab, tmp_path_factory):
    """One JupyterLab serving a temp copy of ``notebooks/`` for all the series' notebooks."""
    root = tmp_path_factory.mktemp("series") / "notebooks"
    shutil.copytree(REPO / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return start_lab(root)

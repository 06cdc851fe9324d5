"""``make screenshot``: refresh figures/slider_screenshot.png, notebook 04's slider cell in JupyterLab.

Runs the notebook with the browser tests' harness, in full mode by default on the model cache that
``make run`` filled (``AEHELPERS_QUICK=1`` for a quick picture). Without a Chromium (found as the
tests find it) this says so and exits 1; ``--if-chromium`` (for ``make run``) exits 0.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from lab_harness import REPO, LabServer, NotebookPage, find_chromium, lab_env, launch_chromium, screenshot_cell

NOTEBOOK, TARGET = "04_keras_mnist_autoencoder.ipynb", REPO / "figures" / "slider_screenshot.png"


def main(argv: list[str]) -> int:
    chromium = find_chromium()
    if chromium is None:
        print(f"no Chromium found (apt-get install chromium, or set AEHELPERS_CHROMIUM): {TARGET.name} not refreshed")
        return 0 if "--if-chromium" in argv else 1
    os.environ.setdefault("AEHELPERS_QUICK", "0")
    from playwright.sync_api import sync_playwright

    from aehelpers.files import write_bytes

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        work = Path(tmp)
        shutil.copytree(REPO / "notebooks", work / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        server = LabServer(work / "notebooks", work / "jupyter", env=lab_env(work)).start()
        try:
            nb = NotebookPage(launch_chromium(pw, chromium, work / "profile"), server, NOTEBOOK, work / "shots")
            nb.open(workspace="readme-screenshot")
            state = nb.run_all(timeout=2400)
            nb.check_outputs(state)
            nb.page.evaluate("() => { const nb = window.jupyterapp.shell.currentWidget.content; nb.activeCellIndex = 0;"
                             " nb.deselectAll(); document.activeElement.blur(); }")  # no cell highlight in the picture
            write_bytes(TARGET, screenshot_cell(nb, nb.slider_cells(state)[0], work / "slider.png").read_bytes())
        finally:
            server.stop()
    print(f"wrote {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

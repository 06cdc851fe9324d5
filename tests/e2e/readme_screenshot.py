"""``make screenshot``: refresh figures/slider_screenshot.png, notebook 04's slider in JupyterLab.

Runs the notebook in a private JupyterLab in headless Chromium (the harness of the browser
tests), in full mode by default on the reader's model cache that ``make run`` filled
(``AEHELPERS_QUICK=1`` for a quick picture), and saves a picture of the slider's cell.
Chromium is found as the tests find it (``AEHELPERS_CHROMIUM``, else chromium,
chromium-browser, google-chrome, google-chrome-stable on PATH); without one this says so and
exits 1 (``--if-chromium``: exits 0, for ``make run``).
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from lab_harness import REPO, LabServer, NotebookPage, find_chromium, lab_env, launch_chromium, screenshot_cell

NOTEBOOK = "04_keras_mnist_autoencoder.ipynb"
TARGET = REPO / "figures" / "slider_screenshot.png"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--if-chromium", action="store_true", help="no Chromium: say so and exit 0")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium found (apt-get install chromium, or set AEHELPERS_CHROMIUM): "
              f"{TARGET.relative_to(REPO)} not refreshed")
        return 0 if args.if_chromium else 1
    os.environ.setdefault("AEHELPERS_QUICK", "0")
    from playwright.sync_api import sync_playwright

    from aehelpers.files import write_bytes

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(REPO / "notebooks", work / "notebooks",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        server = LabServer(work / "notebooks", work / "jupyter", env=lab_env(work)).start()
        pw = sync_playwright().start()
        try:
            browser = launch_chromium(pw, chromium, work / "profile")
            nb = NotebookPage(browser, server, NOTEBOOK, work / "shots")
            nb.open(workspace="readme-screenshot")
            state = nb.wait_for_widgets(nb.run_all(timeout=2400))
            nb.check_outputs(state)
            cell = nb.slider_cells(state)[0]
            nb.deselect_cells()
            nb.cell_node(cell).scroll_into_view_if_needed()
            time.sleep(0.5)
            shot = screenshot_cell(nb, cell, work / "slider.png")
            write_bytes(TARGET, shot.read_bytes())
            browser.close()
        finally:
            pw.stop()
            server.stop()
    print(f"wrote {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

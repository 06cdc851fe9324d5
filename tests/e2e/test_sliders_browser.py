"""Every slider of the series as a reader meets it: in JupyterLab, in Chromium, after Run All.

For each notebook whose code displays sliders: open it in a private JupyterLab (a temp copy of
``notebooks/``, quick and offline unless the environment says otherwise), run all cells from the
*Run* menu, check that every widget rendered, then let ``drive_sliders`` move every control of every
slider shell through a sample of its stops and back. The oracle is what the widget says it shows
(readout, label, pictures) against the shell's own ``render`` at that stop; no notebook variable is
read. A JSON report per notebook goes to ``test-output/e2e/``.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest

import aehelpers as ae
from lab_harness import NotebookPage, drive_sliders

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
USES_WIDGETS = re.compile(r"_slider\(|Slider\(|ipywidgets")


def widget_notebooks() -> list[str]:
    return [p.name for p in sorted(NOTEBOOKS.glob("*.ipynb")) if any(
        c.cell_type == "code" and USES_WIDGETS.search(c.source) for c in nbformat.read(p, as_version=4).cells)]


@pytest.mark.parametrize("name", widget_notebooks())
def test_sliders_in_jupyterlab(name, series_lab, browser, output_dir):
    start, report = time.monotonic(), {"notebook": name, "mode": series_lab.extra_env.get("AEHELPERS_QUICK")}
    nb = NotebookPage(browser, series_lab, name, output_dir)
    try:
        nb.open(workspace=f"e2e-{nb.stem}")
        # AEHELPERS_E2E_RUN_TIMEOUT, else 15 min quick (on a machine busy with TensorFlow jobs 02 once took 340 s)
        timeout = float(os.environ.get("AEHELPERS_E2E_RUN_TIMEOUT") or ae.by_mode(full=2400, quick=900))
        nb.check_outputs(nb.run_all(timeout))
        report["run_all_s"] = round(time.monotonic() - start)
        cells = nb.slider_cells(nb.state())
        if not cells:
            nb.fail("the notebook uses widgets but no slider shell (class ae-slider) rendered after Run All")
        report["moves"] = {cell: drive_sliders(nb, cell) for cell in cells}
        nb.check_outputs(nb.state())  # a callback could have printed a traceback into a cell
    finally:
        report.update(seconds=round(time.monotonic() - start), console=nb.console)
        (output_dir / f"{nb.stem}-report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
        nb.close()
        series_lab.shutdown_kernel(name)

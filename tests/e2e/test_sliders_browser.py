"""The series' sliders, as a reader meets them: in JupyterLab, in Chromium, after Run All.

For every notebook whose code uses widgets: open it in a private JupyterLab (a temp copy of
``notebooks/``, quick and offline unless the environment says otherwise), run all cells from
the *Run* menu, check that every widget rendered (no ``SelectionSlider(...)`` text, no "Error
displaying widget", no traceback), then move every control of every slider shell (the
``ae-slider`` boxes of ``aehelpers.views.slider.Slider``) with the keyboard to two new values and
back, and check that the pictures and the label follow and show what the kernel computes for
that p by another route (see ``ORACLES``). Failure screenshots and a JSON report per notebook
go to ``test-output/e2e/``; the README's screenshot is ``make screenshot``, not a test.
"""
from __future__ import annotations

import json
import os
import re
import time
import warnings
from pathlib import Path

import nbformat
import pytest

import aehelpers as ae
from lab_harness import KernelProbe, NotebookPage, blown_up_images, exercise_slider

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
USES_WIDGETS = re.compile(r"Slider|widget", re.IGNORECASE)

# What each notebook's label must show for a given p, computed in its kernel by a route
# independent of the widget's own precomputed numbers. ``{p}`` is the slider's value; the
# expression evaluates to {label key: number}; every key must appear in the label.
ORACLES = {
    # The widget reads the test MSE off precomputed eigen-coordinates (cumulative energy); the
    # oracle rebuilds the test digits from the top-p eigenvectors and measures them again.
    "02_linear_autoencoders_are_pca.ipynb": (
        "{{'test MSE': lin.reconstruction_mse(xc_test, pca.components({p}), pca.components({p}).T),"
        " 'training optimum Σ_(i>p) λᵢ/n': np.sum(pca.eigenvalues[{p}:]) / pca.n}}"),
    # The widget's numbers come from the framework's A∘B on precomputed views; the oracle runs
    # the Keras model of that p on every probe family again.
    "03_identity_problem.ipynb": (
        "{{f + ' MSE': np.mean((by_p[{p}].model.predict(x, verbose=0) - x) ** 2)"
        " for f, x in {{'digits': digits, **probes}}.items()}}"),
    # The widget shows numbers precomputed by sw.train_sweep; the oracle re-runs the p model.
    "04_keras_mnist_autoencoder.ipynb": (
        "{{'val loss': sweep.models[{p}].model.evaluate(x_test, x_test, batch_size=2048, verbose=0),"
        " 'MSE': np.mean((sweep.models[{p}].model.predict(x_test, batch_size=2048, verbose=0) - x_test) ** 2),"
        " 'dead units': sw.evaluate_codes(sweep.models[{p}].encoder.predict(x_test, verbose=0))[0]}}"),
}


def widget_notebooks() -> list[str]:
    """Notebooks whose code cells mention widgets or sliders, in reading order.

    A notebook with a browser test of its own (``test_NN_sliders.py`` beside this file: notebook
    06's sliders are not over p) is left to that test.
    """
    found = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if (Path(__file__).with_name(f"test_{path.name[:2]}_sliders.py")).is_file():
            continue
        nb = nbformat.read(path, as_version=4)
        if any(c.cell_type == "code" and USES_WIDGETS.search(c.source) for c in nb.cells):
            found.append(path.name)
    return found


def run_timeout() -> float:
    """Seconds Run All may take: ``AEHELPERS_E2E_RUN_TIMEOUT``, else 10 min quick / 40 min full.

    Quick mode needs well under a minute per notebook on an idle 2-core machine; the margin is
    for a machine busy with other TensorFlow jobs (notebook 02 took 340 s in such a run).
    """
    return float(os.environ.get("AEHELPERS_E2E_RUN_TIMEOUT") or ae.by_mode(full=2400, quick=600))


NOTEBOOK_PARAMS = widget_notebooks() or [pytest.param(None, marks=pytest.mark.skip(
    reason="no notebook in notebooks/ uses widgets yet"))]


@pytest.mark.parametrize("name", NOTEBOOK_PARAMS)
def test_sliders_in_jupyterlab(name, series_lab, browser, output_dir):
    timings = {}
    start = time.monotonic()
    nb = NotebookPage(browser, series_lab, name, output_dir)
    probe = None
    report = {"notebook": name, "mode": series_lab.extra_env.get("AEHELPERS_QUICK")}
    try:
        nb.open(workspace=f"e2e-{nb.stem}")
        timings["open"] = time.monotonic() - start
        state = nb.run_all(timeout=run_timeout())
        timings["run_all"] = time.monotonic() - start - timings["open"]
        state = nb.wait_for_widgets(state)
        nb.check_outputs(state)
        cells = nb.slider_cells(state)
        if not cells:
            nb.fail("the notebook uses widgets but no slider shell (class ae-slider) rendered after Run All")
        probe = KernelProbe(series_lab, name)
        report["sliders"] = []
        for cell in cells:
            view = nb.view(cell)
            for index, slider in enumerate(view["sliders"]):  # every control of every shell, the same way
                records = exercise_slider(nb, cell, index, probe, oracle=ORACLES.get(name))
                report["sliders"].append({"cell": cell, "slider": slider["description"], "moves": records})
        timings["sliders"] = time.monotonic() - start - timings["open"] - timings["run_all"]
        # The state after sliding must still be clean (a callback could have printed a traceback).
        nb.check_outputs(nb.state())
        for cell in cells:
            for problem in blown_up_images(nb.view(cell)):
                warnings.warn(f"{name}, cell {cell}: {problem}; give the Image widget a width "
                              f"(layout=Layout(width=...)) so the browser does not stretch it")
                report.setdefault("warnings", []).append(f"cell {cell}: {problem}")
    finally:
        timings["total"] = time.monotonic() - start
        report["seconds"] = {k: round(v, 1) for k, v in timings.items()}
        report["console"] = nb.console
        (output_dir / f"{nb.stem}-report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
        print(f"{name}: {report['seconds']}")
        if probe is not None:
            probe.close()
        nb.close()
        series_lab.shutdown_kernel(name)

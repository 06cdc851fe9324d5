"""The browser harness itself, on a tiny fixture notebook: it passes a good slider and catches
the failures readers meet (no widgets front end, model not found, a callback that raises, a
label that shows the wrong number)."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import nbformat
import pytest

from lab_harness import (WIDGET_MANAGER, BrowserCheckError, KernelProbe, NotebookPage, browser_matches_kernel,
                         display_tolerance, exercise_slider, parse_label, squash)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE = "slider_fixture.ipynb"
ORACLE = "{{'test MSE': error_for({p})}}"


def _variant(root, name, old, new):
    """Copy of the fixture with one piece of its slider cell replaced."""
    nb = nbformat.read(FIXTURES / FIXTURE, as_version=4)
    cell = nb.cells[-1]
    assert old in cell.source, f"fixture changed: {old!r} not in its last cell"
    cell.source = cell.source.replace(old, new)
    nbformat.write(nb, root / name)


@pytest.fixture(scope="module")
def fixture_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fixture-notebooks")
    shutil.copy(FIXTURES / FIXTURE, root / FIXTURE)
    _variant(root, "broken_callback.ipynb", "def show(p):\n",
             "def show(p):\n    if p != 4:\n        raise RuntimeError('broken on purpose')\n")
    _variant(root, "wrong_value.ipynb", "{error_for(p):.4f}", "{error_for(p + 1):.4f}")
    shutil.copy(FIXTURES / FIXTURE, root / "restarted.ipynb")
    return root


@pytest.fixture(scope="module")
def fixture_lab(start_lab, fixture_root):
    return start_lab(fixture_root)


def _run(browser, server, name, output_dir):
    nb = NotebookPage(browser, server, name, output_dir / "harness")
    nb.page.on("close", lambda _: server.proc and server.shutdown_kernel(name))
    nb.open(workspace=f"e2e-{nb.stem}-{time.monotonic_ns()}")
    state = nb.wait_for_widgets(nb.run_all(timeout=180))
    return nb, state


def test_label_parsing_and_rounding():
    assert parse_label("p = 32 · test MSE = 0.0168") == {"p": "32", "test MSE": "0.0168"}
    assert parse_label("p = 8 · val loss = 1.5e-03 · MSE = 0.0101 · dead units = 3/8") == {
        "p": "8", "val loss": "1.5e-03", "MSE": "0.0101", "dead units": "3"}
    assert parse_label("p = 4 · test MSE = 0.0405 · training optimum Σ_(i>p) λᵢ/n = 0.0398")[
        "training optimum Σ_(i>p) λᵢ/n"] == "0.0398"
    assert parse_label("p = 1024 (≥ n = 784) · digits MSE = 0.0123 · noise MSE = 0.0456") == {
        "p": "1024", "digits MSE": "0.0123", "noise MSE": "0.0456"}
    with pytest.raises(ValueError, match="should read like"):
        parse_label("MSE = 0.1")
    assert display_tolerance("0.0168") == pytest.approx(0.00005, rel=1e-3)
    assert display_tolerance("1.5e-03") == pytest.approx(0.00005, rel=1e-3)
    assert display_tolerance("32") == pytest.approx(0.5, rel=1e-3)


def test_page_and_kernel_labels_compare_without_markup():
    kernel = {"labels": [squash("p = 32 (< n = 784): pairs" "family MSE digits 0.0123")], "images": ["h1", "h2"]}
    page = {"labels": ["p = 32 (< n = 784): pairs\nfamily\tMSE\ndigits\t0.0123"], "images": [{"hash": "h2"}]}
    assert browser_matches_kernel(page, kernel) is None
    stale = {"labels": ["p = 8 (< n = 784): pairs"], "images": [{"hash": "h2"}]}
    assert "is not the kernel's" in browser_matches_kernel(stale, kernel)
    assert "no image" in browser_matches_kernel({"labels": [], "images": [{"hash": "h3"}]}, kernel)


def test_good_slider_passes(browser, fixture_lab, output_dir):
    nb, state = _run(browser, fixture_lab, FIXTURE, output_dir)
    try:
        nb.check_outputs(state)
        cells = nb.slider_cells(state)
        assert cells == [3], f"the fixture's slider is in cell 3; page shows sliders in {cells}"
        probe = KernelProbe(fixture_lab, FIXTURE)
        try:
            records = exercise_slider(nb, cells[0], 0, probe, oracle=ORACLE)
        finally:
            probe.close()
        readouts = [r["readout"] for r in records]
        assert readouts == ["5", "1", "4"], readouts  # one step right, Home, back to the start
        assert len({tuple(r["images"]) for r in records}) == 3
        assert all(abs(float(parse_label(r["labels"][0])["test MSE"]) - r["expected"]["test MSE"]) < 1e-4
                   for r in records)
    finally:
        nb.close()


def test_detects_callback_that_raises(browser, fixture_lab, output_dir):
    nb, state = _run(browser, fixture_lab, "broken_callback.ipynb", output_dir)
    try:
        nb.check_outputs(state)  # renders fine: the bug only shows when the slider moves
        probe = KernelProbe(fixture_lab, "broken_callback.ipynb")
        try:
            with pytest.raises(BrowserCheckError, match="display did not change") as info:
                exercise_slider(nb, 3, 0, probe, oracle=ORACLE, timeout=15)
        finally:
            probe.close()
        message = str(info.value)
        assert "a widget callback raised" in message and "RuntimeError: broken on purpose" in message, message
        assert "screenshot:" in message
    finally:
        nb.close()


def test_detects_wrong_value(browser, fixture_lab, output_dir):
    nb, state = _run(browser, fixture_lab, "wrong_value.ipynb", output_dir)
    try:
        nb.check_outputs(state)
        probe = KernelProbe(fixture_lab, "wrong_value.ipynb")
        try:
            with pytest.raises(BrowserCheckError, match=r"the page shows .* but the kernel computes"):
                exercise_slider(nb, 3, 0, probe, oracle=ORACLE)
        finally:
            probe.close()
    finally:
        nb.close()


def test_detects_model_not_found(browser, fixture_lab, output_dir):
    """Saved widget outputs whose kernel was restarted: the reader sees 'model not found'."""
    name = "restarted.ipynb"
    nb, state = _run(browser, fixture_lab, name, output_dir)
    try:
        nb.check_outputs(state)
        nb.page.evaluate("""async (path) => {
            for (const w of window.jupyterapp.shell.widgets('main')) {
                if (w.context && w.context.path === path) await w.context.save();
            }}""", name)
        kid = fixture_lab.kernel_id(name)
        fixture_lab.api(f"/api/kernels/{kid}/restart", method="POST", timeout=60)
        nb.page.reload()
        nb.open(workspace=f"e2e-restarted-{time.monotonic_ns()}")
        with pytest.raises(BrowserCheckError, match="Error displaying widget: model not found"):
            nb.check_outputs(nb.wait_for_widgets(nb.state()))
    finally:
        nb.close()


def test_detects_missing_widget_manager(browser, start_lab, fixture_root, output_dir):
    """JupyterLab without @jupyter-widgets/jupyterlab-manager shows `VBox(children=(SelectionSlider(...`."""
    server = start_lab(fixture_root, disabled_extensions=(WIDGET_MANAGER,))
    nb, state = _run(browser, server, FIXTURE, output_dir)
    try:
        with pytest.raises(BrowserCheckError, match="shows a widget as text") as info:
            nb.check_outputs(state)
        assert "SelectionSlider(" in str(info.value)
    finally:
        nb.close()

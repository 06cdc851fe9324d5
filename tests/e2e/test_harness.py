"""The slider driver itself, on a tiny fixture notebook: it passes a good slider and catches what
readers meet (no widgets front end, model not found, a callback that raises, a picture that does
not follow, a label naming another stop, a display that is not what ``render`` gives)."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import nbformat
import pytest

from lab_harness import WIDGET_MANAGER, BrowserCheckError, NotebookPage, plan_stops, display_tolerance, drive_sliders, \
    label_disagrees

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE = "slider_fixture.ipynb"
LABEL = 'f"p = {p} · test MSE = {error_for(p):.4f}"'
# name -> (piece of the slider cell, its replacement, what the driver must say)
BROKEN = {
    "broken_callback": ("def show(p):\n", "def show(p):\n    assert p == 4, 'broken on purpose'\n",
                        "(?s)a widget callback raised:.*AssertionError: broken on purpose"),
    "stale_picture": ("Frame(render(p)", "Frame(render(4)", "the display did not change"),
    "wrong_stop": (LABEL, LABEL.replace("{p}", "{p + 1}"), r"says it shows \['6'\] but the slider stands at \['5'\]"),
    "impure_render": (LABEL, LABEL[:-1] + " · drawn at {__import__('time').monotonic_ns()}\"",
                      "is not what render gives there"),
}


@pytest.fixture(scope="module")
def fixture_lab(start_lab, tmp_path_factory):
    root = tmp_path_factory.mktemp("fixture-notebooks")
    for name in (FIXTURE, "restarted.ipynb"):
        shutil.copy(FIXTURES / FIXTURE, root / name)
    for name, (old, new, _) in BROKEN.items():
        nb = nbformat.read(FIXTURES / FIXTURE, as_version=4)
        assert old in nb.cells[-1].source, f"fixture changed: {old!r} not in its last cell"
        nb.cells[-1].source = nb.cells[-1].source.replace(old, new)
        nbformat.write(nb, root / f"{name}.ipynb")
    return start_lab(root)


def _run(browser, server, name, output_dir):
    nb = NotebookPage(browser, server, name, output_dir / "harness")
    nb.page.on("close", lambda _: server.proc and server.shutdown_kernel(name))
    nb.open(workspace=f"e2e-{nb.stem}-{time.monotonic_ns()}")
    return nb, nb.run_all(timeout=180)


def test_labels_name_their_stop():
    assert label_disagrees("p = 1024 (≥ n = 784) · digits MSE = 0.0123", [1024]) is None
    assert label_disagrees("z1 = +0.20 · z2 = -0.40 · peak = 0.9", ["0.2", "-0.4"]) is None
    assert label_disagrees("threshold = 1.5e-03 · test digits flagged = 2.0 %", ["0.0015"]) is None
    assert label_disagrees("noise level = 0.50 · denoised vs clean: BCE = 0.1", ["0.5"]) is None
    assert label_disagrees("z = (+0.30, -1.20) · ink = 0.121", ["0.3", "-1.2"]) is None
    assert "says it shows ['33']" in label_disagrees("p = 33 · MSE = 0.1", ["32"])
    assert label_disagrees("MSE = 0.1", ["32", "1"])  # too few values
    assert display_tolerance("1.5e-03") == pytest.approx(5e-5, rel=1e-3)
    assert display_tolerance("32") == pytest.approx(0.5, rel=1e-3)
    assert plan_stops(3, 0, 39) == [(4, "ArrowRight"), (39, "End"), (0, "Home"), (3, "ArrowRight")]
    assert plan_stops(2, 0, 2) == [(1, "ArrowLeft"), (2, "End"), (0, "Home"), (2, "End")] and not plan_stops(0, 0, 0)


@pytest.mark.parametrize("name", ["slider_fixture", *sorted(BROKEN)])
def test_driver_passes_a_good_slider_and_catches_broken_ones(name, browser, fixture_lab, output_dir):
    nb, state = _run(browser, fixture_lab, f"{name}.ipynb", output_dir)
    try:
        nb.check_outputs(state)  # renders fine: a bug only shows when the slider moves
        assert nb.slider_cells(state) == [3], "the fixture's slider is in cell 3"
        if name not in BROKEN:
            records = drive_sliders(nb, 3)
            assert [r["readouts"] for r in records] == [["5"], ["40"], ["1"], ["4"]]
            assert len({tuple(r["hashes"]) for r in records}) == 4
            return
        with pytest.raises(BrowserCheckError, match=BROKEN[name][2]) as info:
            drive_sliders(nb, 3, timeout=15)
        assert "screenshot:" in str(info.value)
    finally:
        nb.close()


def test_detects_model_not_found(browser, fixture_lab, output_dir):
    """Saved widget outputs whose kernel was restarted: the reader sees 'model not found'."""
    name = "restarted.ipynb"
    nb, state = _run(browser, fixture_lab, name, output_dir)
    try:
        nb.check_outputs(state)
        nb.page.evaluate("() => jupyterapp.commands.execute('docmanager:save')")
        kid = next(s["kernel"]["id"] for s in fixture_lab.api("/api/sessions") if s["path"] == name)
        fixture_lab.api(f"/api/kernels/{kid}/restart", method="POST", timeout=60)
        nb.open(workspace=f"e2e-restarted-{time.monotonic_ns()}")
        nb.page.get_by_text("Error displaying widget").first.wait_for()
        with pytest.raises(BrowserCheckError, match="Error displaying widget: model not found"):
            nb.check_outputs(nb.state())
    finally:
        nb.close()


def test_detects_missing_widget_manager(browser, start_lab, fixture_lab, output_dir):
    """JupyterLab without @jupyter-widgets/jupyterlab-manager shows `VBox(children=(SelectionSlider(...`."""
    server = start_lab(fixture_lab.root_dir, (WIDGET_MANAGER,))
    nb, state = _run(browser, server, FIXTURE, output_dir)
    try:
        with pytest.raises(BrowserCheckError, match=r"(?s)shows a widget as text .*SelectionSlider\("):
            nb.check_outputs(state)
    finally:
        nb.close()

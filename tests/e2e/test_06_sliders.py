"""Notebook 06's three sliders in JupyterLab and Chromium: noise level, latent explorer, anomaly threshold.

The series-wide browser test (``test_sliders_in_jupyterlab``) checks sliders over a code size
``p``; these sliders move a noise level, a point (z1, z2) and a threshold, so this file drives them with
the same harness: Run All, every widget rendered, no traceback; then each slider to both ends,
and after every move the page must show the kernel's frame (label text and image bytes), the
label must name the slider's value, and its numbers must match what the kernel computes again
by another route (the model run on the noisy digits; the decoder run at (z1, z2); the test digits' scores
counted against the threshold).
"""
from __future__ import annotations

import time

import pytest

from lab_harness import KernelProbe, NotebookPage, screenshot_cell, squash

NAME = "06_conv_denoising_vae.ipynb"

FRAME_CODE = """import hashlib, json
_s = {var}
print(json.dumps({{"label": _s.frame.label, "values": {{k: float(v) for k, v in _s.values().items()}},
                  "images": [hashlib.sha256(i).hexdigest() for i in _s.frame.images],
                  "numbers": {{k: float(v) for k, v in _s.frame.numbers.items()}}}}))"""

# Independent routes to the numbers a frame shows.
ORACLES = {
    "noise_slider": ("_v = noise_slider.values()['level']\n"
                     "print(json.dumps({'BCE': float(noise.bce_per_image(noise_view.clean, denoiser.predict("
                     "noise_view.noisy[_v][..., None], verbose=0)).mean())}))"),
    "explorer": ("_z = explorer.values()\n"
                 "print(json.dumps({'ink': float(decoder.predict(np.array([[_z['z1'], _z['z2']]], 'float32'),"
                 " verbose=0).mean())}))"),
    "threshold_slider": ("_t = threshold_slider.values()['threshold']\n"
                         "print(json.dumps({'test digits': float((normal['conv reconstruction'] >= _t).mean())}))"),
}


def _wait_for_move(nb, cell, before, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = nb.view(cell)
        if ([s["readout"] for s in view["sliders"]] != [s["readout"] for s in before["sliders"]]
                and [i["hash"] for i in view["images"]] != [i["hash"] for i in before["images"]]):
            return view
        time.sleep(0.25)
    nb.fail(f"cell {cell}: the display did not follow the slider", cell=cell)


def _matches_kernel(nb, cell, probe, var, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        kernel = probe.json(FRAME_CODE.format(var=var))
        view = nb.view(cell)
        same_label = [squash(t) for t in view["labels"]] == [squash(kernel["label"])]
        same_images = {i["hash"] for i in view["images"]} >= set(kernel["images"])
        if same_label and same_images:
            return kernel, view
        if time.monotonic() > deadline:
            nb.fail(f"cell {cell}: the page shows {view['labels']} but the kernel's {var} shows "
                    f"{kernel['label']!r} (images equal: {same_images})", cell=cell)
        time.sleep(0.5)


@pytest.mark.parametrize("name", [NAME])
def test_06_sliders_in_jupyterlab(name, series_lab, browser, output_dir):
    nb = NotebookPage(browser, series_lab, name, output_dir)
    probe = None
    try:
        nb.open(workspace="e2e-06-sliders")
        state = nb.wait_for_widgets(nb.run_all(timeout=900))
        nb.check_outputs(state)
        cells = nb.slider_cells(state)
        if len(cells) != 3:
            nb.fail(f"expected three slider cells (noise level, latent explorer, threshold); found {cells}")
        probe = KernelProbe(series_lab, name)
        for cell, var in zip(cells, ("noise_slider", "explorer", "threshold_slider")):
            view = nb.view(cell)
            for index, slider in enumerate(view["sliders"]):
                for key in ("End", "Home"):
                    before = nb.view(cell)
                    nb.press_on_slider(cell, index, key)
                    view = _wait_for_move(nb, cell, before)
                    kernel, view = _matches_kernel(nb, cell, probe, var)
                    readout = float(view["sliders"][index]["readout"])
                    wanted = list(kernel["values"].values())[index]
                    assert abs(readout - wanted) < 1e-6, (slider["description"], readout, wanted)
                    oracle = probe.json("import json\n" + ORACLES[var])
                    for k, v in oracle.items():
                        assert abs(kernel["numbers"][k] - v) < 1e-4, (var, k, kernel["numbers"][k], v)
                    raised = probe.callback_errors()
                    assert raised is None, raised
            screenshot_cell(nb, cell, output_dir / f"06-{var}.png")
        nb.check_outputs(nb.state())
    finally:
        if probe is not None:
            probe.close()
        nb.close()
        series_lab.shutdown_kernel(name)


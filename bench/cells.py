"""Run one notebook as Run All does and time it: the whole run, each cell, and the first slider.

``run_notebook(path, env)`` executes the notebook in a fresh kernel (``nbclient``, the engine
under ``nbconvert --execute``) with ``env`` as the kernel's environment and returns
``{"seconds", "slider_first_s", "cells": [(index, seconds, first source line), ...], "notebook"}``
(the executed notebook, outputs included).
``slider_first_s`` is the time from the start of the run to the end of the first cell that
displays a slider (a widget whose tree holds an ipywidgets ``*SliderModel``): from then on it is on
the screen.  A reader who runs the cells one by one can move it at once; under Run All the kernel
answers a move when the cells below have run (it handles widget messages between cells).

    .venv/bin/python bench/cells.py notebooks/04_keras_mnist_autoencoder.ipynb   # profile one notebook
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

VIEW = "application/vnd.jupyter.widget-view+json"


def _has_slider(model_id: str, states: dict, seen=None) -> bool:
    seen = set() if seen is None else seen
    if model_id in seen or model_id not in states:
        return False
    seen.add(model_id)
    state = states[model_id]
    if str(state.get("_model_name", "")).endswith("SliderModel"):
        return True
    children = state.get("children") or []
    return any(isinstance(c, str) and c.startswith("IPY_MODEL_") and _has_slider(c[10:], states, seen)
               for c in children)


def run_notebook(path, env: dict | None = None, timeout: float | None = None) -> dict:
    """Execute ``path`` top to bottom; seconds in all, per code cell, and to the first slider."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    cells, marks = [], {"slider": None}
    start = time.perf_counter()
    last = [start]

    def on_start(cell, cell_index, **_):
        last[0] = time.perf_counter()

    def on_done(cell, cell_index, **_):
        now = time.perf_counter()
        first = (cell.source.strip().splitlines() or [""])[0][:70]
        cells.append((cell_index, round(now - last[0], 2), first))
        if marks["slider"] is None:
            for out in cell.get("outputs", []):
                ref = out.get("data", {}).get(VIEW)
                if ref and _has_slider(ref.get("model_id", ""), client.widget_state):
                    marks["slider"] = round(now - start, 1)
                    break

    old = dict(os.environ)
    try:  # the kernel inherits this process' environment
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                                resources={"metadata": {"path": str(path.parent)}},
                                on_cell_start=on_start, on_cell_executed=on_done)
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return {"seconds": round(time.perf_counter() - start, 1), "slider_first_s": marks["slider"], "cells": cells,
            "notebook": nb}


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__)
        return 2
    for name in args:
        result = run_notebook(name, dict(os.environ))
        print(f"{name}: {result['seconds']} s, first slider at {result['slider_first_s']} s")
        for index, seconds, first in sorted(result["cells"], key=lambda c: -c[1])[:12]:
            print(f"  cell {index:>3} {seconds:7.2f} s  {first}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

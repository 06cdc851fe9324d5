"""Run a notebook with the values its prose invites the reader to try (issue 27).

A notebook keeps the values a reader is invited to change in one code cell tagged ``parameters``
(cell metadata ``{"tags": ["parameters"]}``).  ``run_invited("04_x.ipynb", p=8)`` executes the
notebook in a fresh kernel, in the mode the test process runs in (quick under ``make test``), with
one cell injected right after that one, ``p = 8``, exactly as a reader who edits the value and
chooses "Run All" would.  Every ✓ line must still pass: a failed claim raises, naming the cell.

    from invited import run_invited
    def test_p8(): run_invited("04_keras_mnist_autoencoder.ipynb", p=8)
"""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def parameters_cell(nb) -> int:
    """The index of the one cell tagged ``parameters``; a clear error when there is none or several."""
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise ValueError(f"expected exactly one cell tagged 'parameters', found {len(tagged)} (cells {tagged})")
    return tagged[0]


def with_values(nb, **values):
    """A copy of ``nb`` with ``name = value`` lines injected after its parameters cell."""
    if not values:
        raise ValueError("run_invited needs at least one name=value to change")
    nb = nbformat.from_dict(nb)
    at = parameters_cell(nb)
    source = "\n".join(f"{name} = {value!r}" for name, value in values.items())
    for name in values:
        if name not in "".join(nb.cells[at].source):
            raise ValueError(f"{name!r} is not set in the parameters cell: the reader is not invited to change it")
    cell = nbformat.v4.new_code_cell(source + "   # injected by tests/invited.py")
    nb.cells.insert(at + 1, cell)
    return nb


def run_invited(name: str, timeout: int = 900, **values):
    """Execute notebooks/``name`` with ``values`` injected; returns the executed notebook."""
    nb = with_values(nbformat.read(NOTEBOOKS / name, as_version=4), **values)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute(env=dict(os.environ))
    except CellExecutionError as err:  # the message already names the cell's source and the error
        raise AssertionError(f"{name} with {values} broke:\n{err}") from None
    return nb


def outputs_text(nb) -> str:
    """Every stream and text/plain output of an executed notebook, joined."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif "text/plain" in out.get("data", {}):
                parts.append(out["data"]["text/plain"])
    return "".join(parts)

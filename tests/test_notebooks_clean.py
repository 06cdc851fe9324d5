"""Notebooks are committed without outputs or execution counts, and follow the series' arc."""
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert (ROOT / "notebooks" / "00_start_here.ipynb") in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_outputs_or_execution_counts(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert dirty == [], f"{path.name}: cells {dirty} carry outputs or execution counts; run `make strip`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_name_and_arc(path):
    assert re.fullmatch(r"\d\d[a-z]?_[a-z0-9_]+\.ipynb", path.name)  # NN_… main line, NNa_… its appendix
    nb = json.loads(path.read_text())
    first = "".join(nb["cells"][0]["source"])
    assert first.startswith("# "), f"{path.name} must open with an H1 title"
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert "setup_notebook(" in code[0], f"{path.name}: the first code cell must call setup_notebook()"
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    if re.fullmatch(r"\d\d[a-z]_.*", path.name):  # an appendix: a deep dive, summarised, linked from its main line
        assert "## Summary" in text, f"{path.name} needs a Summary"
    elif path.name != "00_start_here.ipynb":
        assert "## Summary" in text and "## Exercises" in text, f"{path.name} needs Summary and Exercises"

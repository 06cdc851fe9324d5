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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solutions_are_folded(path):
    """An exercise's worked solution is a code cell tagged `solution`, folded until the reader opens it: its code
    and its output, so that Run All does not show the answer under a "predict first" question."""
    nb = json.loads(path.read_text())
    open_ = [i for i, c in enumerate(nb["cells"]) if "solution" in c["metadata"].get("tags", [])
             and not (c["metadata"].get("jupyter", {}).get("source_hidden")
                      and c["metadata"].get("jupyter", {}).get("outputs_hidden"))]
    assert open_ == [], (f"{path.name}: solution cells {open_} are not folded "
                         "(metadata jupyter.source_hidden and jupyter.outputs_hidden)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_cell_has_its_own_id(path):
    """nbformat 4.5 cells carry ids (JupyterLab and nbval warn, later versions refuse, without them)."""
    nb = json.loads(path.read_text())
    ids = [c.get("id") for c in nb["cells"]]
    missing = [i for i, x in enumerate(ids) if not x]
    assert missing == [] and len(set(ids)) == len(ids), f"{path.name}: cells {missing} have no id, or ids repeat"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_wrong_answer_is_a_verdict_not_an_error(path):
    """An exercise judges the learner's own answer with ``ae.check_answer`` (prints ✓ or ✗): a wrong
    guess must not raise and stop Run All, as ``ae.check`` does for the prose's claims."""
    nb = json.loads(path.read_text())
    raising = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
               and re.search(r'ae\.check\(\s*f?"your ', "".join(c["source"]))]
    assert raising == [], f"{path.name}: cells {raising} judge the learner's answer with ae.check; use ae.check_answer"
    answers = [i for i, c in enumerate(nb["cells"]) if re.search(r"in globals\(\)|globals\(\)\.get", "".join(c["source"]))]
    judged = [i for i in answers if re.search(r"ae\.check_answers?\(", "".join(nb["cells"][i]["source"]))]
    assert judged == answers, f"{path.name}: cells {sorted(set(answers) - set(judged))} read an answer but give no verdict"


def test_make_strip_keeps_tags_and_folded_solutions(tmp_path):
    """`make strip` clears outputs but keeps what the series needs: tags and folded solutions."""
    import subprocess
    import sys

    recipe = (ROOT / "Makefile").read_text().split("\nstrip:", 1)[1].split("\n\n", 1)[0]
    mask = re.search(r"'--ClearMetadataPreprocessor\.preserve_cell_metadata_mask=([^']+)'", recipe)
    assert mask, "the strip recipe must say which cell metadata it keeps"
    nb = {"cells": [{"cell_type": "code", "id": "a", "execution_count": 3, "source": "x = 1",
                     "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}],
                     "metadata": {"tags": ["solution"], "jupyter": {"source_hidden": True, "outputs_hidden": True},
                                  "scrolled": True}}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    target = tmp_path / "n.ipynb"
    target.write_text(json.dumps(nb))
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--clear-output", "--inplace", "--log-level=WARN",
                    "--ClearMetadataPreprocessor.enabled=True", "--ClearMetadataPreprocessor.clear_notebook_metadata=False",
                    f"--ClearMetadataPreprocessor.preserve_cell_metadata_mask={mask.group(1)}", str(target)], check=True)
    cell = json.loads(target.read_text())["cells"][0]
    assert cell["metadata"] == {"tags": ["solution"], "jupyter": {"source_hidden": True, "outputs_hidden": True}}
    assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_walls(path):
    """Code cells of at most 25 lines, markdown cells of at most 40 (issue 27): longer ones are split."""
    nb = json.loads(path.read_text())
    limits = {"code": 25, "markdown": 40}
    long = [(i, c["cell_type"], len("".join(c["source"]).splitlines())) for i, c in enumerate(nb["cells"])
            if c["cell_type"] in limits and len("".join(c["source"]).splitlines()) > limits[c["cell_type"]]]
    assert long == [], f"{path.name}: cells (index, kind, lines) over {limits}: {long}"

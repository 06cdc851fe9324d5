"""Notebook 02 invites the reader to change p ("try 8 or 64") and run all cells again: every ✓ line must hold (issue 27).

Each value runs the whole notebook in quick mode (tests/invited.py), exercises' solutions included.
The runs share one cache folder, so the sweep's models that do not depend on p train once.
"""
import re

import pytest

from invited import outputs_text, run_invited

NOTEBOOK = "02_linear_autoencoders_are_pca.ipynb"


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("invited-02-cache")


@pytest.mark.parametrize("p", [8, 64])
def test_changing_p_keeps_every_claim(p, shared_cache, monkeypatch):
    monkeypatch.setenv("AEHELPERS_CACHE", str(shared_cache))
    text = outputs_text(run_invited(NOTEBOOK, p=p))
    assert "✗" not in text
    assert f"the top {p} directions keep" in text, "section 1 does not speak of this run's p"
    # the sweep trains this run's p with the others, and every one sits on the PCA curve
    assert re.search(rf"p = {p}: 1\.0\d\d\d", text), "the sweep does not include this run's p"

"""Notebook 01 invites the reader to change the code size p ("try 2 or 128"): every ✓ line must still hold (issue 27).

Each value runs the whole notebook in quick mode (tests/invited.py), exercises' solutions included.
"""
import pytest

from invited import outputs_text, run_invited

NOTEBOOK = "01_baldi_framework.ipynb"


@pytest.mark.parametrize("p", [2, 128])
def test_changing_p_keeps_every_claim(p, tmp_path, monkeypatch):
    monkeypatch.setenv("AEHELPERS_CACHE", str(tmp_path))
    text = outputs_text(run_invited(NOTEBOOK, p=p))
    assert "✗" not in text
    assert f"W (784, {p}), b ({p},), W′ ({p}, 784)" in text, "section 5 does not read this run's p"

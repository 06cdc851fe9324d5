"""Notebook 03 invites the reader to change the code sizes p and p_over: every ✓ line must still hold (issue 27).

Quick mode, as ``make test`` runs it.  The defaults (p = 32, p_over = 1024) run with the notebooks
themselves; these are the other values the Setup text suggests: the bottleneck p = 8 or 128 and the
overcomplete p_over = 784 (exactly n) or 2048.
"""
import pytest

from invited import outputs_text, run_invited

NAME = "03_identity_problem.ipynb"


@pytest.mark.parametrize("values", [{"p": 8, "p_over": 2048}, {"p": 128, "p_over": 784}],
                         ids=lambda v: ",".join(f"{k}={x}" for k, x in v.items()))
def test_other_code_sizes_keep_every_claim(values):
    text = outputs_text(run_invited(NAME, **values))
    assert "✗" not in text
    # the injected values reach the models, not just the parameters cell
    assert f"bottleneck p={values['p']}" in text and f"overcomplete p={values['p_over']}" in text


def test_bad_values_are_refused_with_a_clear_error():
    with pytest.raises(AssertionError, match=r"expected whole numbers 1 ≤ p < 784 ≤ p_over; got p = 800"):
        run_invited(NAME, p=800)

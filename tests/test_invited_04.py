"""Notebook 04 invites the reader to change p and run all cells again: every ✓ line must still hold (issue 27).

Each value runs the whole notebook in quick mode (tests/invited.py).  The runs share one cache folder, so
the slider's seven models, which do not depend on p, are trained by the first run only.
"""
import re

import pytest

from invited import outputs_text, run_invited

NOTEBOOK = "04_keras_mnist_autoencoder.ipynb"


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("invited-04-cache")


@pytest.mark.parametrize("p", [2, 8, 16, 64, 128])
def test_changing_p_keeps_every_claim(p, shared_cache, monkeypatch):
    monkeypatch.setenv("AEHELPERS_CACHE", str(shared_cache))
    text = outputs_text(run_invited(NOTEBOOK, p=p))
    assert "✗" not in text
    assert f"the model has 784·p + p (encoder) + p·784 + 784 (decoder) parameters ({(784 * p + p) + (p * 784 + 784):,}" \
        in text
    # the summary speaks of this run's p, and the deep variant's hidden layers never narrow below it
    assert re.search(rf"^p = {p}: validation loss \d\.\d{{4}}", text, re.M), "the summary does not print this run's p"
    assert f"deep 784-{max(128, 4 * p)}-{max(64, 2 * p)}-{p}-" in text


def test_changing_epochs_keeps_every_claim(shared_cache, monkeypatch):
    """Fewer epochs than the optimizer comparison's ``few_epochs`` (quick mode: 3): that comparison follows them."""
    monkeypatch.setenv("AEHELPERS_CACHE", str(shared_cache))
    text = outputs_text(run_invited(NOTEBOOK, epochs=2))
    assert "✗" not in text
    assert re.search(r"validation loss after 2 epochs: adadelta \d\.\d{4}, adam \d\.\d{4}", text), \
        "the optimizer comparison does not follow the model's epochs"

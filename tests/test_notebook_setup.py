"""setup_notebook and seeding, and the quick/full mode and folders it reports."""
import random
import subprocess

import numpy as np
import pytest

import aehelpers as ae
from aehelpers import runtime as mode
from aehelpers import runtime as paths


def test_setup_notebook_seeds_and_reports(tmp_path):
    info = ae.setup_notebook(seed=7)
    assert info.seed == 7 and info.quick is True and info.offline is True
    assert info.figures == tmp_path / "figures" and info.figures.is_dir()
    a = (random.random(), np.random.rand())
    ae.seed_everything(7)
    assert (random.random(), np.random.rand()) == a
    assert "quick mode" in str(info)
    # the line says which data this run uses (issue 29): offline here, so the sample, and why
    assert "data: the 5,000-digit offline sample (AEHELPERS_OFFLINE=1: no download)" in str(info)
    assert "online allowed" not in str(info)
    import matplotlib as mpl
    assert mpl.rcParams["image.cmap"] == "gray"


def test_reseeding_gives_identical_keras_weights():
    from aehelpers.nets.models import build_autoencoder

    ae.seed_everything(3)
    w1 = build_autoencoder(4, n=10).model.get_weights()
    ae.seed_everything(3)
    w2 = build_autoencoder(4, n=10).model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2))


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        ae.seed_everything(seed)


def test_modes(monkeypatch):
    monkeypatch.setenv("AEHELPERS_QUICK", "0")
    assert ae.by_mode(full=50, quick=2) == 50 and mode.mode_name() == "full"
    monkeypatch.setenv("AEHELPERS_QUICK", "yes")
    assert ae.by_mode(full=50, quick=2) == 2 and mode.mode_name() == "quick"
    monkeypatch.setenv("AEHELPERS_QUICK", "maybe")
    with pytest.raises(ValueError, match="AEHELPERS_QUICK must be one of .* got 'maybe'"):
        ae.is_quick()


def test_figures_dir_is_outside_git_in_both_modes(monkeypatch):
    """One code path for quick and full mode: a reader's run never writes into the committed figures/."""
    monkeypatch.delenv("AEHELPERS_FIGURES")
    root = paths.repo_root()
    assert root is not None and (root / "notebooks").is_dir()
    for quick in ("1", "0"):
        monkeypatch.setenv("AEHELPERS_QUICK", quick)
        assert paths.figures_dir() == root / "build" / "figures"
    check = subprocess.run(["git", "check-ignore", "-q", str(root / "build" / "figures" / "x.png")], cwd=root)
    assert check.returncode == 0


def test_make_run_refreshes_the_committed_figures(monkeypatch):
    """``make run`` sets AEHELPERS_FIGURES; a relative value is read from the checkout, not the notebook's folder."""
    root = paths.repo_root()
    monkeypatch.setenv("AEHELPERS_FIGURES", "figures")
    monkeypatch.chdir(root / "notebooks")
    assert paths.figures_dir() == root / "figures"
    makefile = (root / "Makefile").read_text()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "AEHELPERS_FIGURES=$(CURDIR)/figures" in run_recipe, run_recipe


def test_cache_dir_default_is_ignored_by_git(monkeypatch):
    monkeypatch.delenv("AEHELPERS_CACHE")
    root = paths.repo_root()
    assert paths.cache_dir() == root / ".cache" / "aehelpers"
    check = subprocess.run(["git", "check-ignore", "-q", str(root / ".cache" / "aehelpers" / "x")], cwd=root)
    assert check.returncode == 0


def test_setup_line_shows_no_machine_path(monkeypatch):
    """A notebook executed for the site prints its set-up line: paths are from the checkout or ~ (issue 29)."""
    root = paths.repo_root()
    shown = paths._shown_path
    assert shown(root / "build" / "executed-site" / "figures") == "build/executed-site/figures"
    monkeypatch.setenv("HOME", "/home/reader")
    assert shown(paths.Path("/home/reader/figs")) == "~/figs"
    assert shown(paths.Path("/srv/figs")) == "/srv/figs"
    info = mode.NotebookSetup(seed=1, quick=False, offline=False, figures=root / "build" / "figures",
                              cache=root, data="MNIST 60,000 / 10,000 from the Keras cache")
    monkeypatch.setenv("AEHELPERS_QUICK", "0")
    assert str(info) == "seed 1, full mode; data: MNIST 60,000 / 10,000 from the Keras cache; figures -> build/figures"

import os
import random
import subprocess
import sys

import numpy as np
import pytest

import aehelpers as ae
from aehelpers import mode, paths


def test_setup_notebook_seeds_and_reports(tmp_path):
    info = ae.setup_notebook(seed=7)
    assert info.seed == 7 and info.quick is True and info.offline is True
    assert info.figures == tmp_path / "figures" and info.figures.is_dir()
    a = (random.random(), np.random.rand())
    ae.seed_everything(7)
    assert (random.random(), np.random.rand()) == a
    assert "quick mode" in str(info)
    import matplotlib as mpl
    assert mpl.rcParams["image.cmap"] == "gray"


def test_reseeding_gives_identical_keras_weights():
    from aehelpers.models import build_autoencoder

    ae.seed_everything(3)
    w1 = build_autoencoder(4, n=10).model.get_weights()
    ae.seed_everything(3)
    w2 = build_autoencoder(4, n=10).model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2))


@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        ae.seed_everything(seed)


def test_tensorflow_env_is_set_before_import():
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2" and os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"


def test_setup_is_silent_on_stderr():
    """TensorFlow's C++ start-up lines must not reach the reader."""
    code = "import aehelpers as ae; ae.setup_notebook(); print('ready')"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ready"
    noisy = [line for line in out.stderr.splitlines() if "cuda" in line.lower() or "oneDNN" in line]
    assert noisy == [], out.stderr


def test_modes(monkeypatch):
    monkeypatch.setenv("AEHELPERS_QUICK", "0")
    assert ae.by_mode(full=50, quick=2) == 50 and mode.mode_name() == "full"
    monkeypatch.setenv("AEHELPERS_QUICK", "yes")
    assert ae.by_mode(full=50, quick=2) == 2 and mode.mode_name() == "quick"
    monkeypatch.setenv("AEHELPERS_QUICK", "maybe")
    with pytest.raises(ValueError, match="AEHELPERS_QUICK must be one of .* got 'maybe'"):
        ae.is_quick()


def test_figures_dir_by_mode(monkeypatch):
    monkeypatch.delenv("AEHELPERS_FIGURES")
    root = paths.repo_root()
    assert root is not None and (root / "notebooks").is_dir()
    monkeypatch.setenv("AEHELPERS_QUICK", "1")
    assert paths.figures_dir() == root / "build" / "figures"
    monkeypatch.setenv("AEHELPERS_QUICK", "0")
    assert paths.figures_dir() == root / "figures"


def test_cache_dir_default_is_ignored_by_git(monkeypatch):
    monkeypatch.delenv("AEHELPERS_CACHE")
    root = paths.repo_root()
    assert paths.cache_dir() == root / ".cache" / "aehelpers"
    check = subprocess.run(["git", "check-ignore", "-q", str(root / ".cache" / "aehelpers" / "x")], cwd=root)
    assert check.returncode == 0


def test_stderr_filter_drops_only_known_noise():
    code = ("import os, aehelpers as ae; ae.setup_notebook(); "
            "os.write(2, b'E0 NodeDef mentions attribute use_unbounded_threadpool which is not\\n'); "
            "os.write(2, b'a real problem\\n'); raise SystemExit('the last words')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "use_unbounded_threadpool" not in out.stderr
    assert "a real problem" in out.stderr and "the last words" in out.stderr

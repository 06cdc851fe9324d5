"""Faults of issue 25, classes 7 and 8: arguments of the wrong type, files in the way, stale or lost site pages.

One test per fault; each asserts a clear error that names what was expected and what was received,
or the handled outcome.  The mechanisms: one validator of settings (``nets.recipes.check_settings``)
used by ``Recipe``, ``build_autoencoder`` and the linear trainer; ``files.make_folder`` under every
atomic write; ``files.process_folder`` for scratch folders; the site built aside and swapped in
(``files.swap_folder``).
"""
import importlib.util
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from aehelpers import data as data_mod
from aehelpers import files
from aehelpers.nets import models, recipes, sweep, workers

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("build_site_faults", ROOT / "tools" / "build_site.py")
bs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bs)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _small_mnist(n=20):
    x = np.random.default_rng(0).random((n, 784), dtype=np.float32)
    return data_mod.MNIST(x, np.zeros(n, np.int64), x[:5], np.zeros(5, np.int64), "test")


# --- class 8: settings of the wrong type or size, one validator -------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"hidden": 8}, r"hidden must be a tuple of layer widths such as \(128, 64\).*got 8 \(int\)"),
    ({"hidden": "64"}, r"hidden must be a tuple of layer widths.*got '64' \(str\)"),
    ({"hidden": (64.0,)}, r"each hidden width must be an integer; got 64.0 \(float\)"),
    ({"activity_l1": "0.1"}, r"activity_l1 must be a real number; got '0.1' \(str\)"),
    ({"activity_l1": math.nan}, r"activity_l1 must be finite and ≥ 0; got nan"),
    ({"learning_rate": math.inf}, r"learning_rate must be finite and > 0; got inf"),
    ({"learning_rate": "1e-3"}, r"learning_rate must be a real number; got '1e-3' \(str\)"),
    ({"learning_rate": True}, r"learning_rate must be a real number; got True \(bool\)"),
    ({"seed": -1}, r"seed must be in ≥ 0; got -1"),
    ({"seed": "0"}, r"seed must be an integer; got '0' \(str\)"),
    ({"use_bias": "yes"}, r"use_bias must be True or False; got 'yes' \(str\)"),
    ({"activation": 3}, r"activation must be a name \(a string\) or a callable; got 3 \(int\)"),
    ({"n": 784.0}, r"n must be an integer; got 784.0 \(float\)"),
])
def test_build_autoencoder_names_a_wrong_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.build_autoencoder(4, **kwargs)


@pytest.mark.parametrize("p, hidden", [(2**31, ()), (4, (2**20,)), (10**6, (1000,))])
def test_an_absurd_model_size_is_refused_before_keras(p, hidden):
    with pytest.raises(ValueError, match=rf"would have [\d,]+ weights .*at most {recipes.MAX_WEIGHTS:,}; got p={p}"):
        models.build_autoencoder(p, hidden=hidden)


def test_an_overcomplete_model_of_sensible_size_is_still_allowed():
    assert recipes.check_settings(p=1000, n=784)["p"] == 1000  # overcomplete is a lesson, not a fault


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 1, "learning_rate": "1e-3"}, r"learning_rate must be a real number; got '1e-3' \(str\)"),
    ({"epochs": 1, "learning_rate": math.inf}, r"learning_rate must be finite and > 0; got inf"),
    ({"epochs": 1, "learning_rate": -1e-3}, r"learning_rate must be finite and > 0; got -0.001"),
    ({"epochs": 2.0}, r"epochs must be an integer; got 2.0 \(float\)"),
    ({"epochs": "3"}, r"epochs must be an integer; got '3' \(str\)"),
    ({"epochs": 1, "batch_size": True}, r"batch_size must be an integer; got True \(bool\)"),
    ({"epochs": 1, "schedule": ["cosine"]}, r"schedule must be 'constant' or 'cosine'; got \['cosine'\]"),
])
def test_a_recipe_names_a_wrong_field(kwargs, message):
    with pytest.raises(ValueError, match=message):
        recipes.Recipe(**kwargs)


def test_a_recipe_keeps_plain_numbers():
    recipe = recipes.Recipe(epochs=np.int64(3), learning_rate=np.float32(0.5))
    assert type(recipe.epochs) is int and type(recipe.learning_rate) is float and recipe.learning_rate == 0.5


@pytest.mark.parametrize("kwargs, message", [
    ({"learning_rate": "0.02"}, r"learning_rate must be a real number; got '0.02' \(str\)"),
    ({"learning_rate": math.inf}, r"learning_rate must be finite and > 0; got inf"),
    ({"final_lr_fraction": 2}, r"final_lr_fraction must be finite and > 0 and ≤ 1; got 2.0"),
])
def test_the_linear_trainer_uses_the_same_validator(kwargs, message):
    from aehelpers.nets.training import train_linear_autoencoder

    x = np.random.default_rng(0).standard_normal((40, 6))
    with pytest.raises(ValueError, match=message):
        train_linear_autoencoder(x - x.mean(0), 2, **kwargs)


def test_an_unknown_setting_is_a_programming_error():
    with pytest.raises(TypeError, match="no rule for 'lr'"):
        recipes.check_settings(lr=1e-3)


@pytest.mark.parametrize("bad, shown", [({"x_train": 1}, r"got dict with keys \['x_train'\]"),
                                        (None, "got NoneType"), (np.zeros((3, 784)), "got ndarray")])
def test_train_sweep_names_data_that_is_not_mnist(bad, shown, tmp_path):
    with pytest.raises(ValueError, match=r"data must be an MNIST as ae.load_mnist\(\) returns it .*" + shown):
        sweep.train_sweep(bad, (2,), root=tmp_path, progress=False)
    assert not any(tmp_path.iterdir())


def test_train_sweep_refuses_a_code_size_larger_than_the_images(tmp_path):
    with pytest.raises(ValueError, match=r"each p must be in 1…784; got 2147483648"):
        sweep.train_sweep(_small_mnist(), (2, 2**31), root=tmp_path, progress=False)


def test_train_sweep_names_a_keyword_it_no_longer_has(tmp_path):
    with pytest.raises(TypeError, match="unexpected keyword argument 'eval_batch'"):
        sweep.train_sweep(_small_mnist(), (2,), root=tmp_path, eval_batch=0)


# --- class 8: files in the way, status lines, leftovers ----------------------------------------------

def test_a_save_under_a_file_names_the_file(tmp_path):
    (tmp_path / "plain").write_text("x")
    target, plain = tmp_path / "plain" / "sub" / "out.txt", tmp_path / "plain"
    with pytest.raises(NotADirectoryError, match=re.escape(f"the folder of {target}: {plain} is a file, not a folder")):
        files.write_text(tmp_path / "plain" / "sub" / "out.txt", "y")
    assert (tmp_path / "plain").read_text() == "x"


def test_a_save_onto_a_folder_names_it(tmp_path):
    (tmp_path / "taken").mkdir()
    message = f"cannot write {tmp_path / 'taken'}: it is a folder, not a file"
    with pytest.raises(IsADirectoryError, match=re.escape(message)):
        files.write_bytes(tmp_path / "taken", b"x")


def test_the_status_line_does_not_advise_setting_what_is_set(monkeypatch, tmp_path):
    subset = data_mod.MNIST(np.zeros((2000, 784)), np.zeros(2000), np.zeros((500, 784)), np.zeros(500),
                            source=f"AEHELPERS_MNIST={tmp_path}/mnist.npz")
    monkeypatch.setenv("AEHELPERS_MNIST", str(tmp_path / "mnist.npz"))
    assert "set AEHELPERS_MNIST" not in subset.describe()  # a quick-mode subset of full MNIST
    sample = dataclass_replace(subset, source="offline sample (5,000 real digits bundled with aehelpers)")
    assert "set AEHELPERS_MNIST" not in sample.describe() and "source='sample'" in sample.describe()
    monkeypatch.delenv("AEHELPERS_MNIST")
    assert "set AEHELPERS_MNIST or go online" in sample.describe()  # the twin: the advice where it helps


def dataclass_replace(obj, **changes):
    import dataclasses

    return dataclasses.replace(obj, **changes)


def test_a_killed_sweeps_images_are_removed_at_the_next_start(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / f"aehelpers-sweep-{_dead_pid()}-abcd"
    live = tmp_path / f"aehelpers-sweep-{os.getppid()}-efgh"  # a process still running: its folder stays
    for folder in (dead, live):
        folder.mkdir()
        np.save(folder / "x_train.npy", np.zeros((4, 4)))
    folder, x_file = workers.share_array(np.ones((3, 2), np.float32))
    assert not dead.exists() and live.exists()
    assert Path(folder).name.startswith(f"aehelpers-sweep-{os.getpid()}-") and np.load(x_file).sum() == 6


def test_a_scratch_folder_under_a_file_is_named(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(NotADirectoryError, match=re.escape(f"{tmp_path / 'f'} is a file, not a folder")):
        files.process_folder("x-", tmp_path / "f")


# --- class 7: the site -----------------------------------------------------------------------------

def _notebook(text="# 00 · T\nsub"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text)]
    return nb


def _fake_execute(fail=()):
    def execute(source, executed, mode, figures):
        if source.name in fail:
            raise RuntimeError("An error occurred while executing the following cell:\nValueError: boom")
        nb = nbformat.read(source, as_version=4)
        nb.metadata["aehelpers_site"] = {"mode": mode, "static_sliders": True, "data": bs.mnist_fingerprint()}
        executed.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, executed)
    return execute


@pytest.fixture
def series(tmp_path, monkeypatch):
    monkeypatch.setenv("AEHELPERS_OFFLINE", "1")
    folder = tmp_path / "notebooks"
    folder.mkdir()
    past = time.time() - 3600  # older than any executed copy the test makes
    for name in ("00_a", "01_b"):
        nbformat.write(_notebook(f"# {name}\nsubtitle"), folder / f"{name}.ipynb")
        os.utime(folder / f"{name}.ipynb", (past, past))
    monkeypatch.setattr(bs, "execute", _fake_execute())
    return folder


def test_an_offline_copy_is_not_reused_once_full_mnist_is_set(series, tmp_path, monkeypatch):
    monkeypatch.delenv("AEHELPERS_MNIST", raising=False)
    bs.build(series, tmp_path / "ex", tmp_path / "site")
    copy = tmp_path / "ex" / "00_a.ipynb"
    assert bs.is_fresh(copy, series / "00_a.ipynb", bs.mode_name())
    (tmp_path / "mnist.npz").write_bytes(b"full")
    monkeypatch.setenv("AEHELPERS_MNIST", str(tmp_path / "mnist.npz"))
    assert not bs.is_fresh(copy, series / "00_a.ipynb", bs.mode_name())


def test_freshness_watches_every_layer_of_the_package(series):
    newest = max(p.stat().st_mtime for p in (ROOT / "aehelpers").rglob("*.py"))
    assert bs._newest_source(series / "00_a.ipynb") >= newest


def test_a_missing_markdown_image_fails_the_build_naming_it(series, tmp_path):
    nbformat.write(_notebook("# 01\n![digits](figures/nowhere.png)"), series / "01_b.ipynb")  # newer than any copy
    with pytest.raises(bs.SiteError, match=r"01_b.ipynb, markdown cell 1: the image 'figures/nowhere.png' does not "
                                           r"exist \(expected a file at .*nowhere.png\)"):
        bs.build(series, tmp_path / "ex", tmp_path / "site")
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("text, message", [
    ('<img src="missing.svg" alt="x">', "the image 'missing.svg' does not exist"),
    ("![x](https://example.org/a.png)", "is off the site"),
    ("![x](attachment:a.png)", r"names no attachment of its cell \(it has none\)"),
])
def test_other_broken_images_fail_too(text, message, tmp_path):
    with pytest.raises(bs.SiteError, match=message):
        bs.prepare(_notebook(text), tmp_path, "n.ipynb")


def test_an_image_that_exists_is_inlined_and_code_is_left_alone(tmp_path):
    (tmp_path / "pic.png").write_bytes(b"\x89PNG fake")
    nb = _notebook("![a](pic.png) and `![code](nowhere.png)`")
    cell = nbformat.v4.new_markdown_cell("![b](attachment:c.png)")
    cell["attachments"] = {"c.png": {"image/png": "QUJD"}}
    nb.cells.append(cell)
    bs.prepare(nb, tmp_path, "n.ipynb")
    assert "![a](data:image/png;base64," in nb.cells[0].source and "`![code](nowhere.png)`" in nb.cells[0].source
    assert nb.cells[1].source == "![b](data:image/png;base64,QUJD)"


def test_an_output_path_that_is_a_file_is_named(series, tmp_path, capsys):
    (tmp_path / "site").write_text("not a folder")
    with pytest.raises(bs.SiteError, match=re.escape(f"--out {tmp_path / 'site'} is a file, not a folder")):
        bs.build(series, tmp_path / "ex", tmp_path / "site")
    rc = bs.main(["--notebooks", str(series), "--executed", str(tmp_path / "ex"), "--out", str(tmp_path / "site")])
    assert rc == 1 and "is a file, not a folder" in capsys.readouterr().err


def test_an_output_folder_holding_other_files_is_not_replaced(series, tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "notes.txt").write_text("mine")
    with pytest.raises(bs.SiteError, match=r"holds more than a site's pages and notebooks \(notes.txt\)"):
        bs.build(series, tmp_path / "ex", tmp_path / "site")
    assert (tmp_path / "site" / "notes.txt").read_text() == "mine"


def test_a_failing_notebook_leaves_the_previous_site_intact(series, tmp_path, monkeypatch):
    out = tmp_path / "site"
    bs.build(series, tmp_path / "ex", out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {"00_a.html", "01_b.html", "index.html", "00_a.ipynb", "01_b.ipynb"}  # pages, downloads
    monkeypatch.setattr(bs, "execute", _fake_execute(fail={"01_b.ipynb"}))
    with pytest.raises(bs.SiteError, match=r"01_b.ipynb failed \(RuntimeError: ValueError: boom\)"):
        bs.build(series, tmp_path / "ex", out, reuse=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ex", "notebooks", "site"]  # nothing left aside


def test_a_new_site_replaces_the_old_one_whole(series, tmp_path):
    out = tmp_path / "site"
    bs.build(series, tmp_path / "ex", out)
    (series / "01_b.ipynb").unlink()  # a page whose notebook is gone must not survive as a stale page
    sizes = bs.build(series, tmp_path / "ex", out)
    assert sorted(sizes) == ["00_a.html", "index.html"]  # the pages; beside them only the page's notebook
    assert sorted(p.name for p in out.iterdir()) == ["00_a.html", "00_a.ipynb", "index.html"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask  # readable by a web server, as a plain mkdir makes it


def test_a_killed_builds_folder_is_removed_by_the_next(series, tmp_path):
    left = tmp_path / f".site.building-{_dead_pid()}-zz"
    left.mkdir()
    (left / "00_a.html").write_text("half")
    bs.build(series, tmp_path / "ex", tmp_path / "site")
    assert not left.exists() and (tmp_path / "site" / "index.html").is_file()

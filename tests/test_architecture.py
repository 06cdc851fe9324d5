"""Architecture diagrams: drawn when Graphviz is there, one clear line when it is not."""
import pytest

import aehelpers as ae
from aehelpers.views import diagrams as architecture
from aehelpers.nets import models


@pytest.fixture(scope="module")
def model():
    ae.seed_everything(0)
    return models.build_autoencoder(8, n=16).model


def test_missing_dot_gives_one_clear_line(model, monkeypatch, capsys):
    monkeypatch.setattr(architecture.shutil, "which", lambda name: None)
    assert architecture.plot_architecture(model, "04_test_arch") is None
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "dot" in out[0] and "install Graphviz" in out[0]
    assert not (ae.figures_dir() / "04_test_arch.png").exists()


def test_missing_pydot_is_named(model, monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_pydot(name, *args, **kwargs):
        if name == "pydot":
            raise ImportError("no pydot")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pydot)
    ok, why = architecture.graphviz_status()
    assert not ok and "pydot" in why


@pytest.mark.skipif(not architecture.graphviz_status()[0], reason="Graphviz is not installed here")
def test_diagram_is_written_atomically(model):
    path = architecture.plot_architecture(model, "04_test_arch")
    assert path == ae.figures_dir() / "04_test_arch.png"
    assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 1000
    assert sorted(p.name for p in path.parent.iterdir()) == ["04_test_arch.png"]


def test_bad_names_are_refused(model):
    with pytest.raises(ValueError, match="bare stem"):
        architecture.plot_architecture(model, "../x")
    with pytest.raises(ValueError, match="rankdir"):
        architecture.plot_architecture(model, "x", rankdir="up")

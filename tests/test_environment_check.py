import importlib.metadata
import re

import pytest

from aehelpers import environment


def test_this_environment_passes():
    report = environment.check_environment()
    assert report["problems"] == [] and report["keras_backend"] == "tensorflow"
    assert report["tensorflow"].startswith("2.21")


def test_missing_and_wrong_versions_fail_loudly(monkeypatch):
    real = importlib.metadata.version

    def fake(name):
        if name == "tqdm":
            raise importlib.metadata.PackageNotFoundError(name)
        if name == "keras":
            return "2.15.0"
        return real(name)

    monkeypatch.setattr(environment.importlib.metadata, "version", fake)
    with pytest.raises(RuntimeError) as err:
        environment.check_environment()
    assert "tqdm is not installed" in str(err.value)
    assert re.search(r"keras \S*>=3\.10\S* needed; found 2\.15\.0", str(err.value))
    report = environment.check_environment(strict=False)
    assert len(report["problems"]) == 2
    # every key is there, so a caller can print the report before it reports the problems (notebook 00)
    assert report["keras_backend"] is None and report["gpus"] is None and "graphviz_dot" in report


@pytest.mark.parametrize("version, ok", [("3.10.9", False), ("3.11.0", True), ("3.13.1", True), ("3.14.0", False)])
def test_the_python_version_is_checked_against_pyproject(monkeypatch, version, ok):
    monkeypatch.setattr(environment.sys, "version", f"{version} (main)")
    report = environment.check_environment(strict=False)
    assert any("Python 3.11–3.13 needed" in p for p in report["problems"]) != ok


def test_satisfies_reads_specifiers():
    assert environment.satisfies("2.21.3", "<2.22,>=2.21")
    assert not environment.satisfies("4.0.1", ">=3.10,<4")
    assert environment.satisfies("3.13.0", ">=3.11,<3.14") and not environment.satisfies("3.14.0", ">=3.11,<3.14")


# The three cases the hand-written parser got wrong (issue 24).
def test_a_release_candidate_comes_before_its_release():
    assert not environment.satisfies("2.21.0rc1", ">=2.21")
    assert environment.satisfies("2.21.0", ">=2.21") and environment.satisfies("2.22.0rc1", ">=2.21")


def test_compatible_release_clause():
    assert environment.satisfies("3.12.1", "~=3.10")
    assert not environment.satisfies("4.0", "~=3.10") and not environment.satisfies("3.9", "~=3.10")


def test_a_major_only_upper_bound():
    assert environment.satisfies("3.13.1", "<4") and not environment.satisfies("4.0.0", "<4")
    assert environment.supported_pythons(">=3.11,<4") == "3.11 or later (below 4)"
    assert environment.supported_pythons(">=3.11,<3.14") == "3.11–3.13"
    assert environment.supported_pythons(">=3.11") == "3.11 or later"


def test_an_unreadable_version_satisfies_nothing():
    assert not environment.satisfies("not-a-version", ">=1")


def test_requirements_drop_extras_and_keep_specifiers():
    python, pins = environment.requirements()
    assert "pytest" not in pins and "playwright" not in pins
    assert environment.satisfies("2.21.1", pins["tensorflow"]) and not environment.satisfies("2.22.0", pins["tensorflow"])

"""pyproject.toml and environment.yml must name the same packages with the same pins."""
import pathlib
import platform
import re
import sys
import tomllib

import pytest

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _norm(req: str) -> str:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req).groups()
    return re.sub(r"[-_.]+", "-", name).lower() + spec.replace(" ", "")


def _pyproject() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return {_norm(r) for r in reqs}


def _environment() -> tuple[list, set[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    return deps, {_norm(r) for r in pip if not r.startswith("-")}  # not `-e .` nor `-c constraints.txt`


def test_same_packages_and_pins():
    _, env_pip = _environment()
    assert env_pip == _pyproject(), (
        f"only in pyproject: {sorted(_pyproject() - env_pip)}; only in environment.yml: {sorted(env_pip - _pyproject())}")


def test_conda_side_brings_python_and_graphviz_and_installs_the_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert "conda-forge" in env["channels"]
    assert "graphviz" in conda and "pip" in conda
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip


def _requires_python() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]


def test_environment_yml_asks_for_the_pythons_pyproject_supports():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert python == [f"python{_requires_python()}"], python


def test_readme_states_the_supported_range():
    from aehelpers.environment import supported_pythons

    words = supported_pythons(_requires_python())
    readme = (ROOT / "README.md").read_text()
    stated = set(re.findall(r"Python (3\.\d+–3\.\d+)", readme))
    assert stated == {words}, f"README says Python {sorted(stated)}; pyproject supports {words}"


def test_the_setup_check_reads_pyproject(monkeypatch):
    from aehelpers import environment

    python, pins = environment.requirements()
    assert sorted(python.split(",")) == sorted(_requires_python().split(","))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.\-]+", r).group(0)).lower() for r in project["dependencies"]}
    assert set(pins) == names


def test_the_running_python_is_supported():
    from aehelpers.environment import satisfies

    assert satisfies(platform.python_version(), _requires_python()), platform.python_version()


TEST_TOOLS = {"pytest", "nbval", "nbformat", "playwright", "pyyaml", "nbconvert", "latex2mathml"}


def test_make_lab_installs_no_test_tools():
    """`make lab` installs the package without extras; the test and site tools are extras (issue 24)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base = {_norm(r).split(">")[0].split("<")[0].split("=")[0].split("~")[0] for r in project["dependencies"]}
    assert not base & TEST_TOOLS, sorted(base & TEST_TOOLS)
    assert set(project["optional-dependencies"]) == {"test", "site"}
    makefile = (ROOT / "Makefile").read_text()
    assert "\nlab: $(STAMP) $(VENV_CONFIG)\n" in makefile
    base_recipe = makefile.split("\n$(STAMP): pyproject.toml constraints.txt\n", 1)[1].split("\n\n", 1)[0]
    assert "$(PIP_INSTALL) -e .\n" in base_recipe + "\n" and ".[" not in base_recipe, base_recipe
    pip_lines = [line for line in makefile.splitlines() if "pip install" in line and not line.startswith("#")]
    assert pip_lines and not [line for line in pip_lines if "--quiet" in line or " -q" in line], pip_lines
    for target in ("test", "unit", "notebooks"):
        assert f"\n{target}: $(TEST_STAMP)\n" in makefile, target
    assert "$(PIP_INSTALL) -e '.[test,site]'" in makefile and "\nsite: $(SITE_STAMP)\n" in makefile


# --- constraints.txt: what a learner installs is what CI tested (issue 29) -------------------------

from packaging.requirements import Requirement  # noqa: E402  (the test extra's pytest brings packaging)

KEY_PACKAGES = {"tensorflow", "keras", "numpy", "matplotlib", "ipywidgets", "jupyterlab", "ipykernel",
                "jupyter-server", "jupyter-client", "ml-dtypes", "h5py", "scipy", "nbclient", "pyzmq"}


def _minors() -> list[str]:
    low, high = (int(x) for x in re.findall(r"3\.(\d+)", _requires_python()))
    return [f"3.{m}" for m in range(low, high)]


def _pins(python: str) -> dict[str, str]:
    """{canonical name: pinned version} that constraints.txt gives on Python ``python`` (one per name)."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate({"python_version": python,
                                                               "python_full_version": python + ".0"}):
            continue
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        (op, version), = [(s.operator, s.version) for s in req.specifier]
        assert op == "==" and name not in pins, f"{line}: one exact pin per package and Python"
        pins[name] = version
    return pins


@pytest.mark.parametrize("python", _minors())
def test_constraints_pin_every_requirement_within_pyproject(python):
    from packaging.version import Version

    pins = _pins(python)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    for text in reqs:
        req = Requirement(text)
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"constraints.txt pins no {name} for Python {python}"
        assert req.specifier.contains(Version(pins[name]), prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]} on Python {python}; pyproject asks {req.specifier}")
    assert KEY_PACKAGES <= set(pins), sorted(KEY_PACKAGES - set(pins))
    assert "aehelpers" not in pins and "pip" not in pins


def test_constraints_differ_per_python_only_where_ci_saw_it():
    """NumPy 2.5 needs Python 3.12: CI resolved 2.4.x on 3.11 and 2.5.x on 3.12/3.13."""
    numpy = {python: _pins(python)["numpy"] for python in _minors()}
    assert numpy["3.11"].startswith("2.4.") and numpy["3.12"] == numpy["3.13"] and numpy["3.13"].startswith("2.5."), numpy


def test_this_venv_holds_what_is_pinned():
    """The venv running the tests was installed with the constraints: every pinned package it holds matches."""
    import importlib.metadata

    pins = _pins(f"3.{sys.version_info[1]}")
    held = {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version for d in importlib.metadata.distributions()}
    differ = {name: (held[name], pin) for name, pin in pins.items() if name in held and held[name] != pin}
    assert not differ, f"installed vs pinned: {differ} (make reinstalls when constraints.txt changes)"
    assert KEY_PACKAGES <= set(held)


def test_every_install_uses_the_constraints():
    makefile = (ROOT / "Makefile").read_text()
    assert "PIP_INSTALL := $(BIN)/python -m pip install --progress-bar on -c constraints.txt" in makefile
    installs = [line.strip() for line in makefile.splitlines() if re.search(r"pip install|PIP_INSTALL\)", line)
                and not line.startswith("#") and "--upgrade" not in line and "PIP_INSTALL :=" not in line]
    assert installs and all(line.startswith("$(PIP_INSTALL) -e ") for line in installs), installs
    assert "\n$(STAMP): pyproject.toml constraints.txt\n" in makefile  # a new pin reinstalls
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-c constraints.txt" in pip

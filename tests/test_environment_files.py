"""pyproject.toml and environment.yml must name the same packages with the same pins."""
import pathlib
import platform
import re
import tomllib

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
    return deps, {_norm(r) for r in pip if not r.startswith("-e")}


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
    assert "\nlab: $(STAMP)\n" in makefile
    base_recipe = makefile.split("\n$(STAMP): pyproject.toml\n", 1)[1].split("\n\n", 1)[0]
    assert "pip install -e .\n" in base_recipe + "\n" and ".[" not in base_recipe, base_recipe
    pip_lines = [line for line in makefile.splitlines() if "pip install" in line and not line.startswith("#")]
    assert pip_lines and not [line for line in pip_lines if "--quiet" in line or " -q" in line], pip_lines
    for target in ("test", "unit", "notebooks"):
        assert f"\n{target}: $(TEST_STAMP)\n" in makefile, target
    assert "pip install -e '.[test,site]'" in makefile and "\nsite: $(SITE_STAMP)\n" in makefile

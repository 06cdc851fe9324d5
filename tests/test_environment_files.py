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
    assert any(d.startswith("python=3.11") for d in conda) and "graphviz" in conda and "pip" in conda
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip


def test_python_versions_agree():
    """environment.yml's Python and the one running these tests are both allowed by requires-python."""
    from packaging.specifiers import SpecifierSet

    allowed = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_python = next(d for d in env["dependencies"] if isinstance(d, str) and re.match(r"python\b", d))
    version = re.match(r"python\s*=+\s*([0-9.]+)", conda_python).group(1)
    assert f"{version}.0" in allowed, f"environment.yml has {conda_python!r}; pyproject allows {allowed}"
    assert platform.python_version() in allowed, f"running {platform.python_version()}; pyproject allows {allowed}"

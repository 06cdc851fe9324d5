"""The set-up check of notebook 00: versions, Keras backend, GPU, Graphviz.

Introduced in notebook 00.
"""
from __future__ import annotations

import importlib.metadata
import re
import shutil
import sys


# The one statement of what the series needs is pyproject.toml ([project] requires-python and
# dependencies); this module reads it from the installed package's metadata and compares versions
# with ``packaging`` (PEP 440: ``2.21.0rc1`` comes before ``2.21``, ``~=``, ``<4``...).


def _packaging():
    """``(Requirement, SpecifierSet, Version)`` from ``packaging``, or from pip's vendored copy.

    ``tools/venv_python.py`` loads this module with the system Python before ``.venv`` exists,
    where ``packaging`` may be missing but pip (which ``python -m venv`` needs) carries it.
    """
    try:
        from packaging.requirements import Requirement
        from packaging.specifiers import SpecifierSet
        from packaging.version import Version
    except ImportError:
        try:
            from pip._vendor.packaging.requirements import Requirement
            from pip._vendor.packaging.specifiers import SpecifierSet
            from pip._vendor.packaging.version import Version
        except ImportError:
            raise ImportError("comparing versions needs the package `packaging` "
                              "(pip install packaging, or `make lab`)") from None
    return Requirement, SpecifierSet, Version


def requirements() -> tuple[str, dict[str, str]]:
    """``(requires_python, {package: specifier})`` as pyproject.toml states them (no extras)."""
    try:
        meta = importlib.metadata.metadata("aehelpers")
        python, reqs = meta["Requires-Python"], importlib.metadata.requires("aehelpers") or []
    except importlib.metadata.PackageNotFoundError:  # imported from a checkout without installing
        import tomllib
        from pathlib import Path

        project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
        python, reqs = project["requires-python"], project["dependencies"]
    Requirement = _packaging()[0]
    out = {}
    for text in reqs:
        req = Requirement(text)
        if req.marker is not None and "extra" in str(req.marker):
            continue
        out[_canonical(req.name)] = str(req.specifier)
    return python, out


def _canonical(name: str) -> str:
    """A distribution name as PEP 503 compares them: ``Foo_Bar.baz`` is ``foo-bar-baz``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def satisfies(version: str, spec: str) -> bool:
    """True when ``version`` meets ``spec`` (e.g. ``">=3.11,<3.14"``, ``"~=3.10"``) by PEP 440's rules.

    A pre-release is compared as what it is: ``2.21.0rc1`` comes before ``2.21`` and fails ``>=2.21``.
    A version PEP 440 cannot read satisfies nothing.
    """
    _, SpecifierSet, Version = _packaging()
    try:
        parsed = Version(version)
    except ValueError:  # packaging's InvalidVersion
        return False
    return SpecifierSet(spec).contains(parsed, prereleases=True)


def supported_pythons(spec: str | None = None) -> str:
    """The supported Python range in words, e.g. ``"3.11–3.13"`` for ``">=3.11,<3.14"``.

    Bounds that name no minor release read as words: ``">=3.11,<4"`` is ``"3.11 or later (below 4)"``.
    """
    spec = spec or requirements()[0]
    _, SpecifierSet, Version = _packaging()
    specs = list(SpecifierSet(spec))
    low = next((s.version for s in specs if s.operator == ">="), None)
    high = next((Version(s.version).release for s in specs if s.operator == "<"), None)
    if high is not None and len(high) >= 2 and high[1] > 0:
        below = f"{high[0]}.{high[1] - 1}"
        return f"{low}–{below}" if low else f"{below} or earlier"
    if low and high is not None:
        return f"{low} or later (below {'.'.join(map(str, high))})"
    if low:
        return f"{low} or later"
    return spec


def check_environment(*, strict: bool = True) -> dict:
    """Report versions, backend, GPU and Graphviz; raise ``RuntimeError`` listing every problem.

    Graphviz is optional (only ``plot_model`` needs it), so its absence is reported, not raised.
    With ``strict=False`` the report always has every key; ``keras_backend`` and ``gpus`` are ``None``
    when a package problem kept Keras from being imported.
    """
    report: dict = {"python": sys.version.split()[0]}
    report.update(keras_backend=None, gpus=None)  # None: not looked at, because a package problem came first
    problems = []
    python_spec, pins = requirements()
    if not satisfies(report["python"], python_spec):
        problems.append(f"Python {supported_pythons(python_spec)} needed; this is {report['python']}")
    for name, spec in pins.items():
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed (run `make lab` or `pip install -e .`)")
            continue
        report[name] = version
        if spec and not satisfies(version, spec):
            problems.append(f"{name} {spec} needed; found {version}")
    if not problems:
        import keras

        from aehelpers.runtime import import_tensorflow_quietly

        tf = import_tensorflow_quietly()
        report["keras_backend"] = keras.backend.backend()
        report["gpus"] = [d.name for d in tf.config.list_physical_devices("GPU")]
        if report["keras_backend"] != "tensorflow":
            problems.append(f"Keras backend 'tensorflow' needed; found {report['keras_backend']!r} "
                            "(unset KERAS_BACKEND or set it to tensorflow)")
    report["graphviz_dot"] = shutil.which("dot")
    try:
        report["pydot"] = importlib.metadata.version("pydot")
    except importlib.metadata.PackageNotFoundError:
        report["pydot"] = None
    if problems and strict:
        raise RuntimeError("the series cannot run here:\n  - " + "\n  - ".join(problems))
    report["problems"] = problems
    return report
